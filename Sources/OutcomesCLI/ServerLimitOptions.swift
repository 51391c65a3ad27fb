import ArgumentParser
import OutcomesServer

/// What one client may take of the server (`ServerLimits`), for `outcomes serve`.
struct ServerLimitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Seconds a client has to send a request's headers, from connecting or from the "
                               + "last response; a slower one is disconnected.", valueName: "seconds"))
    var headerTimeout = Int(ServerLimits().headerTimeout.components.seconds)

    @Option(help: ArgumentHelp("Seconds a client has to send a request's body (64 MB at most).", valueName: "seconds"))
    var bodyTimeout = Int(ServerLimits().bodyTimeout.components.seconds)

    @Option(help: ArgumentHelp("Connections open at once (more wait); never above the process's file limit.",
                               valueName: "n"))
    var maxConnections = ServerLimits().maxConnections

    @Option(help: ArgumentHelp("Requests a minute from one token (four times as many from one client address); "
                               + "more are answered 429 with Retry-After.", valueName: "n"))
    var requestsPerMinute = ServerLimits().requestsPerMinute

    @Option(help: ArgumentHelp("Delete request log rows older than this many days, hourly (rows of accepted "
                               + "submissions are kept as long as their data); default: keep every row.",
                               valueName: "days"))
    var auditRetentionDays: Int?

    func validate() throws {
        if let days = auditRetentionDays, days < 1 {
            throw ValidationError("--audit-retention-days should be 1 or more, not \(days)")
        }
        for (name, value) in [("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout),
                              ("--max-connections", maxConnections), ("--requests-per-minute", requestsPerMinute)]
            where value < 1 {
            throw ValidationError("\(name) should be 1 or more, not \(value)")
        }
    }

    var limits: ServerLimits {
        var limits = ServerLimits()
        limits.headerTimeout = .seconds(headerTimeout)
        limits.bodyTimeout = .seconds(bodyTimeout)
        limits.maxConnections = maxConnections
        limits.requestsPerMinute = requestsPerMinute
        limits.auditRetentionDays = auditRetentionDays
        return limits
    }
}
