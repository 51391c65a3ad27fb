import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore

/// Many sites submitting to a running `outcomes serve` at once, then a check that nothing was lost.
///
/// Each site (one concurrent task per site, each with its own token) sends its rows of a CSV file in
/// submissions of `--rows` rows, one after another, and sends every `--resend-every`-th submission
/// twice (a site retrying after a timeout: the second must store nothing). Afterwards, with the
/// evaluator's token, it checks that the server holds exactly the responses sent (counts per site)
/// and a record of every accepted submission with the SHA-256 of exactly the bytes sent.
@main
struct LoadTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outcomes-load-test",
        abstract: "Submit a CSV file's rows to a running outcomes server from many sites at once, then check nothing was lost.")

    @Option(help: "The server, e.g. http://127.0.0.1:18080 (loopback only: this is a load test).")
    var url: String
    @Option(help: "CSV file in the interchange format; its rows are grouped by their site column.")
    var csv: String
    @Option(help: "Instrument id the rows answer.")
    var instrument: String
    @Option(help: "File of 'site<TAB>token' lines, one per site (outcomes token add --site CODE).")
    var tokens: String
    @Option(help: "The evaluator's token, for the check afterwards.")
    var evaluator: String
    @Option(help: "Rows per submission.")
    var rows = 20
    @Option(help: "Send every n-th submission twice (0: never).")
    var resendEvery = 10
    @Option(help: "Stop starting new submissions after this many seconds (a bound on the run).")
    var seconds = 120.0

    func validate() throws {
        guard let host = URL(string: url)?.host, ["127.0.0.1", "localhost", "::1"].contains(host) else {
            throw ValidationError("the load test runs against a server on this machine only (127.0.0.1), not \(url)")
        }
    }

    struct SiteResult: Sendable {
        var site: String
        var submissions = 0, resends = 0, stored = 0, duplicates = 0, failures = 0, rowsSent = 0
        var latencies: [Double] = []
        var acceptedHashes: [String] = []
        var failuresSeen: [String] = []
    }

    func run() async throws {
        let text = try String(contentsOfFile: csv, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let header = lines.removeFirst()
        guard let siteColumn = header.split(separator: ",").firstIndex(of: "site") else { throw ValidationError("\(csv) has no site column") }
        var rowsBySite: [String: [String]] = [:]
        for line in lines { rowsBySite[String(line.split(separator: ",", omittingEmptySubsequences: false)[siteColumn]), default: []].append(line) }
        var tokenOf: [String: String] = [:]
        for line in try String(contentsOfFile: tokens, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: "\t")
            if parts.count == 2 { tokenOf[String(parts[0])] = String(parts[1]) }
        }
        let sites = rowsBySite.keys.sorted()
        guard sites.allSatisfy({ tokenOf[$0] != nil }) else {
            throw ValidationError("no token for sites \(sites.filter { tokenOf[$0] == nil }.joined(separator: ", "))")
        }
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = sites.count
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let endpoint = "\(url)/v1/submissions?instrument=\(instrument)"
        let deadline = Date().addingTimeInterval(seconds)
        let (rowsPerSubmission, resendEvery) = (rows, resendEvery)
        print("Load test: \(sites.count) sites at once, \(lines.count) rows in submissions of \(rowsPerSubmission) (every \(resendEvery)th sent twice), to \(url)")

        let started = Date()
        let results: [SiteResult] = try await withThrowingTaskGroup(of: SiteResult.self) { group in
            for site in sites {
                let siteRows = rowsBySite[site]!, token = tokenOf[site]!
                group.addTask {
                    var result = SiteResult(site: site)
                    for (index, start) in stride(from: 0, to: siteRows.count, by: rowsPerSubmission).enumerated() {
                        guard Date() < deadline else { break }
                        let chunk = siteRows[start..<min(start + rowsPerSubmission, siteRows.count)]
                        let body = header + "\n" + chunk.joined(separator: "\n") + "\n"
                        let sends = resendEvery > 0 && (index + 1) % resendEvery == 0 ? 2 : 1
                        for send in 0..<sends {
                            var request = HTTPClientRequest(url: endpoint)
                            request.method = .POST
                            request.headers.add(name: "Authorization", value: "Bearer \(token)")
                            request.headers.add(name: "Content-Type", value: "text/csv")
                            request.body = .bytes(ByteBuffer(string: body))
                            let sent = Date()
                            do {
                                let response = try await client.execute(request, timeout: .seconds(60))
                                let reply = try await response.body.collect(upTo: 1 << 20)
                                result.latencies.append(Date().timeIntervalSince(sent))
                                if response.status == .ok, let object = try? JSONSerialization.jsonObject(with: Data(reply.readableBytesView)) as? [String: Any] {
                                    result.stored += object["new"] as? Int ?? 0
                                    result.duplicates += object["duplicates"] as? Int ?? 0
                                    result.acceptedHashes.append(SHA256.hash(data: Data(body.utf8)).map { String(format: "%02x", $0) }.joined())
                                    if send == 0 { result.rowsSent += chunk.count }
                                } else {
                                    result.failures += 1
                                    if result.failuresSeen.count < 3 { result.failuresSeen.append("\(response.status.code): \(String(buffer: reply).prefix(200))") }
                                }
                            } catch {
                                result.failures += 1
                                if result.failuresSeen.count < 3 { result.failuresSeen.append("\(error)") }
                            }
                            if send == 0 { result.submissions += 1 } else { result.resends += 1 }
                        }
                    }
                    return result
                }
            }
            var all: [SiteResult] = []
            for try await result in group { all.append(result) }
            return all
        }
        let elapsed = Date().timeIntervalSince(started)

        let requests = results.map { $0.submissions + $0.resends }.reduce(0, +)
        let latencies = results.flatMap(\.latencies).sorted()
        func percentile(_ p: Double) -> Double { latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(p * Double(latencies.count)))] * 1000 }
        let stored = results.map(\.stored).reduce(0, +), duplicates = results.map(\.duplicates).reduce(0, +)
        let failures = results.map(\.failures).reduce(0, +), rowsSent = results.map(\.rowsSent).reduce(0, +)
        print(String(format: "%d submissions (%d of them resent) in %.1f s: %.0f submissions/s, %.0f rows stored/s",
                     requests, results.map(\.resends).reduce(0, +), elapsed, Double(requests) / elapsed, Double(stored) / elapsed))
        print(String(format: "latency: median %.1f ms, 95th percentile %.1f ms, 99th %.1f ms, slowest %.1f ms",
                     percentile(0.5), percentile(0.95), percentile(0.99), (latencies.last ?? .nan) * 1000))
        print("rows sent \(rowsSent), stored \(stored), duplicates on resends \(duplicates), failed submissions \(failures)")
        for result in results where !result.failuresSeen.isEmpty { print("  \(result.site): \(result.failuresSeen.joined(separator: " | "))") }

        // The check: the server holds exactly what was accepted.
        func get(_ path: String) async throws -> Any {
            var request = HTTPClientRequest(url: url + path)
            request.headers.add(name: "Authorization", value: "Bearer \(evaluator)")
            let response = try await client.execute(request, timeout: .seconds(60))
            return try JSONSerialization.jsonObject(with: Data(try await response.body.collect(upTo: 256 << 20).readableBytesView))
        }
        let counts = try await get("/v1/responses") as? [[String: Any]] ?? []
        let held = counts.map { $0["responses"] as? Int ?? 0 }.reduce(0, +)
        let records = try await get("/v1/submissions") as? [[String: Any]] ?? []
        let recorded = records.compactMap { $0["sha256"] as? String }.sorted()
        let accepted = results.flatMap(\.acceptedHashes).sorted()
        try await client.shutdown()
        let countsAgree = held == stored && stored == rowsSent
        let checksumsAgree = recorded == accepted
        print("check: responses held \(held), stored \(stored), rows accepted \(rowsSent): \(countsAgree ? "agree" : "DIFFER")")
        print("check: \(recorded.count) submissions recorded with the SHA-256 of \(accepted.count) accepted bodies: \(checksumsAgree ? "agree" : "DIFFER")")
        if !countsAgree || !checksumsAgree || failures > 0 { throw ExitCode.failure }
    }
}
