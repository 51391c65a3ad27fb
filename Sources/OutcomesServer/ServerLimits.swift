import Foundation

/// What one client may take of the server: time to send a request, connections, requests per minute,
/// and how much of a request the audit log keeps. The defaults suit sites submitting over the
/// internet; `outcomes serve --help` lists the options that change them.
public struct ServerLimits: Sendable, Equatable {
    /// From a connection opening (or its last response) to the end of the next request's head: a
    /// client sending headers slowly (slowloris) is cut off after this.
    public var headerTimeout: Duration = .seconds(10)
    /// From a request's head to the end of its body: 64 MB at 2 Mbit/s takes about 4 minutes.
    public var bodyTimeout: Duration = .seconds(300)
    /// Connections open at once; more wait in the listen backlog. Kept below the process's file limit.
    public var maxConnections = 4096
    /// Requests per minute from one token, or without a valid token from one client address; more are
    /// answered 429 with Retry-After.
    public var requestsPerMinute = 600
    /// A request path longer than this is refused (414); logged paths and details are cut to these.
    public var maxPathBytes = 2048
    public var loggedPathBytes = 512
    public var loggedDetailBytes = 2000
    /// Request log rows older than this many days are deleted (hourly), except those recording
    /// stored data (accepted submissions); nil keeps every row.
    public var auditRetentionDays: Int?

    public init() {}

    /// `maxConnections`, but never more than the process may open files, less some for the store.
    public var effectiveMaxConnections: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < UInt(Int.max) else {
            return maxConnections
        }
        return max(16, min(maxConnections, Int(limit.rlim_cur) - 64))
    }
}

/// Requests per minute per key (a token, or a client address), in fixed one-minute windows: memory
/// is one entry per key seen in the current window, dropped when the window turns.
final class RateLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private let limit: Int
    private var window = 0
    private var counts: [String: Int] = [:]

    init(requestsPerMinute: Int) { limit = requestsPerMinute }

    enum Decision: Equatable {
        case allowed
        /// Over the limit: retry after this many seconds. `first` is true once per key and window, so
        /// that the refusal is logged once, not once per refused request.
        case refused(retryAfter: Int, first: Bool)
    }

    func check(_ key: String, now: Date = Date()) -> Decision {
        let seconds = Int(now.timeIntervalSince1970)
        lock.lock()
        defer { lock.unlock() }
        if seconds / 60 != window {
            window = seconds / 60
            counts.removeAll(keepingCapacity: true)
        }
        let count = counts[key, default: 0] + 1
        counts[key] = count
        guard count > limit else { return .allowed }
        return .refused(retryAfter: 60 - seconds % 60, first: count == limit + 1)
    }
}
