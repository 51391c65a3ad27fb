import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import OutcomesInstruments
import OutcomesServer
import OutcomesStore
import PostgresNIO
import Testing

let surveyYAML = """
id: survey
version: "1"
title: Survey
domains:
  independence: Independence
  safety: Safety
choice_sets:
  impact:
    - {code: 1, label: Better, valence: positive}
    - {code: 3, label: Same, valence: neutral}
    - {code: 5, label: Worse, valence: negative}
  yes_no:
    - {code: 1, label: "Yes"}
    - {code: 2, label: "No"}
sections:
  - id: main
    items:
      - {id: helpers, text: Helpers, type: multiple_choice, choices: yes_no}
      - {id: cost, text: Cost, type: number}
      - {id: note, text: Note, type: text}
      - {id: outcome_independence, text: Independence, type: single_choice, choices: impact, domain: independence, required: true}
      - {id: outcome_safety, text: Safety, type: single_choice, choices: impact, domain: safety, required: true}
"""

let northCSV = """
respondent_id,site,arm,wave,helpers,cost,note,outcome_independence,outcome_safety
N1,north,pilot,baseline,1;2,120.5,"fine, mostly",1,3
N2,north,pilot,baseline,,,,3,5

"""

/// Where the tests' server keeps responses: the same tests run on both.
enum BackendKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// A server on a fresh store of the given kind, with one site token per site and an evaluator's.
final class TestServer: @unchecked Sendable {
    let backend: any SubmissionBackend
    let server: SubmissionServer
    var tokens: [String: String] = [:]
    private let cleanup: @Sendable () async -> Void

    init(_ kind: BackendKind, limits: ServerLimits = ServerLimits()) async throws {
        let instrument = ServedInstrument(instrument: try InstrumentParser.parse(surveyYAML), definition: surveyYAML)
        switch kind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outcomes-server-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            backend = try SQLiteBackend(path: directory.appendingPathComponent("server.sqlite").path)
            cleanup = { try? FileManager.default.removeItem(at: directory) }
        case .postgres:
            let database = try await TestPostgres.freshDatabase()
            backend = try await PostgresBackend(url: database.url)
            cleanup = database.drop
        }
        try await backend.register([instrument])
        let analysis = try AnalysisDefinitionFixture.outcomeTable()
        server = SubmissionServer(backend: backend, instruments: [instrument], analyses: [analysis],
                                  generator: "outcomes test", limits: limits)
        for site in ["north", "south"] { tokens[site] = try await backend.addToken(name: "\(site) clinic", role: .site, site: site).token }
        tokens["evaluator"] = try await backend.addToken(name: "evaluation team", role: .evaluator, site: nil).token
    }

    func close() async {
        await backend.close()
        await cleanup()
    }

    /// Runs `body` against the server's router (no network), then removes the store.
    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: server.router())
        do { try await app.test(.router, body) } catch { await close(); throw error }
        await close()
    }
}

/// A PostgreSQL database for one test: made in the server scripts/test starts (OUTCOMES_TEST_POSTGRES,
/// a URL of a database whose user may create databases), dropped afterwards.
enum TestPostgres {
    static func freshDatabase() async throws -> (url: String, drop: @Sendable () async -> Void) {
        guard let base = ProcessInfo.processInfo.environment["OUTCOMES_TEST_POSTGRES"],
              let components = URLComponents(string: base), let host = components.host, let user = components.user else {
            throw TestSetupError("the PostgreSQL half of the server tests needs a server: run scripts/test (it starts one) or set OUTCOMES_TEST_POSTGRES=postgres://user@host:port/database")
        }
        let name = "outcomes_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let maintenance = PostgresClient(configuration: .init(host: host, port: components.port ?? 5432, username: user,
                                                              password: components.password, database: String(components.path.dropFirst()),
                                                              tls: .disable))
        let runner = Task { await maintenance.run() }
        try await maintenance.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        var url = components
        url.path = "/" + name
        return (url.string!, {
            _ = try? await maintenance.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
            runner.cancel()
        })
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func bearer(_ token: String?, _ type: String? = nil) -> HTTPFields {
    var fields = HTTPFields()
    if let token { fields[.authorization] = "Bearer \(token)" }
    if let type { fields[.contentType] = type }
    return fields
}

func object(_ response: TestResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any], "\(String(buffer: response.body))")
}

func list(_ response: TestResponse) throws -> [[String: Any]] {
    try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]], "\(String(buffer: response.body))")
}

@Suite struct SubmissionServerTests {
    @Test(arguments: BackendKind.allCases)
    func aSiteSubmitsCSVOnceAndSeesOnlyItsOwnRecords(_ kind: BackendKind) async throws {
        let t = try await TestServer(kind)
        let north = t.tokens["north"]!, south = t.tokens["south"]!, evaluator = t.tokens["evaluator"]!
        try await t.test { client in
            let uri = "/v1/submissions?instrument=survey"
            let first = try await client.execute(uri: uri, method: .post, headers: bearer(north, "text/csv"), body: ByteBuffer(string: northCSV))
            #expect(first.status == .ok, "\(String(buffer: first.body))")
            let receipt = try object(first)
            #expect(receipt["new"] as? Int == 2 && receipt["duplicates"] as? Int == 0 && receipt["rows"] as? Int == 2)
            // The same file again stores nothing new: submissions are idempotent.
            let again = try object(try await client.execute(uri: uri, method: .post, headers: bearer(north, "text/csv"), body: ByteBuffer(string: northCSV)))
            #expect(again["new"] as? Int == 0 && again["duplicates"] as? Int == 2)

            // North sees its two submissions and two responses; south sees none; the evaluator all.
            let mine = try list(try await client.execute(uri: "/v1/submissions", method: .get, headers: bearer(north)))
            #expect(mine.count == 2 && mine.allSatisfy { $0["site"] as? String == "north" && $0["format"] as? String == "csv" })
            #expect(try list(try await client.execute(uri: "/v1/submissions", method: .get, headers: bearer(south))).isEmpty)
            let counts = try list(try await client.execute(uri: "/v1/responses", method: .get, headers: bearer(north)))
            #expect(counts.count == 1 && counts[0]["responses"] as? Int == 2 && counts[0]["wave"] as? String == "baseline")
            #expect(try list(try await client.execute(uri: "/v1/responses", method: .get, headers: bearer(south))).isEmpty)
            #expect(try list(try await client.execute(uri: "/v1/submissions", method: .get, headers: bearer(evaluator))).count == 2)
            #expect(try list(try await client.execute(uri: "/v1/responses?site=south", method: .get, headers: bearer(evaluator))).isEmpty)
            // A site may not ask for another site's records, nor submit them.
            #expect(try await client.execute(uri: "/v1/responses?site=north", method: .get, headers: bearer(south)).status == .forbidden)
            let forged = try await client.execute(uri: uri, method: .post, headers: bearer(south, "text/csv"), body: ByteBuffer(string: northCSV))
            #expect(forged.status == .unprocessableContent)
            let problems = try #require(try object(forged)["problems"] as? [[String: Any]])
            #expect(problems.count == 2 && problems.allSatisfy { ($0["message"] as? String)?.contains("site 'south' only") == true })
            #expect(problems.map { $0["line"] as? Int } == [2, 3])
        }
    }

    @Test(arguments: BackendKind.allCases)
    func aBadSubmissionIsRefusedWholeWithEveryProblem(_ kind: BackendKind) async throws {
        let t = try await TestServer(kind)
        let north = t.tokens["north"]!
        try await t.test { client in
            let bad = northCSV + "N3,north,pilot,baseline,,,,4,3\nN4,north,pilot,baseline,,abc,,1,\n"
            let response = try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post, headers: bearer(north, "text/csv"),
                                                    body: ByteBuffer(string: bad))
            #expect(response.status == .unprocessableContent)
            let body = try object(response)
            let problems = try #require(body["problems"] as? [[String: Any]])
            #expect(problems.map { "\($0["line"] ?? ""):\($0["column"] ?? "")" } == ["4:8", "5:6", "5:9"])
            #expect((body["error"] as? String)?.hasPrefix("nothing stored: 3 problems on 2 rows") == true)
            // Nothing of the file was stored, not even its good rows.
            #expect(try list(try await client.execute(uri: "/v1/responses", method: .get, headers: bearer(north))).isEmpty)
            // A changed answer to a stored response is refused too: the server never overwrites.
            _ = try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post, headers: bearer(north, "text/csv"),
                                         body: ByteBuffer(string: northCSV))
            let changed = northCSV.replacingOccurrences(of: "N2,north,pilot,baseline,,,,3,5", with: "N2,north,pilot,baseline,,,,1,5")
            let refused = try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post, headers: bearer(north, "text/csv"),
                                                   body: ByteBuffer(string: changed))
            #expect(refused.status == .unprocessableContent)
            let message = try #require((try object(refused)["problems"] as? [[String: Any]])?.first?["message"] as? String)
            #expect(message.contains("already has a stored baseline response with different answers (outcome_independence)"), "\(message)")
            // Malformed input of every other kind: clear errors, and the server goes on answering.
            #expect(try await client.execute(uri: "/v1/submissions?instrument=nope", method: .post, headers: bearer(north, "text/csv"),
                                             body: ByteBuffer(string: northCSV)).status == .notFound)
            #expect(try await client.execute(uri: "/v1/submissions", method: .post, headers: bearer(north, "text/csv"),
                                             body: ByteBuffer(string: northCSV)).status == .badRequest)
            #expect(try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post, headers: bearer(north, "application/xml"),
                                             body: ByteBuffer(string: "<a/>")).status == .unsupportedMediaType)
            for junk in ["", "\"unterminated", "\u{FF}\u{FE}garbage,\n1,2", String(repeating: ",", count: 10_000)] {
                let answer = try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post, headers: bearer(north, "text/csv"),
                                                      body: ByteBuffer(string: junk))
                #expect(answer.status == .unprocessableContent, "\(junk.prefix(20)): \(answer.status)")
            }
            // Five thousand bad rows: the first 1,000 problems are listed, every one counted.
            let many = northCSV + (1...5000).map { "X\($0),north,pilot,baseline,,abc,,1,\n" }.joined()
            let flood = try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post,
                                                 headers: bearer(north, "text/csv"), body: ByteBuffer(string: many))
            #expect(flood.status == .unprocessableContent)
            let floodBody = try object(flood)
            #expect((floodBody["problems"] as? [Any])?.count == 1000)
            #expect(floodBody["problem_count"] as? Int == 10_000 && floodBody["problem_rows"] as? Int == 5000)
            let floodError = floodBody["error"] as? String
            let floodSummary = "nothing stored: 10000 problems on 5000 rows (the first 1000 listed)"
            #expect(floodError?.hasPrefix(floodSummary) == true, "\(floodError ?? "")")
            #expect(try await client.execute(uri: "/v1/health", method: .get).status == .ok)
            let wrongMethod = try await client.execute(uri: "/v1/submissions", method: .delete, headers: bearer(north))
            #expect(wrongMethod.status == .methodNotAllowed && wrongMethod.headers[.allow] == "GET, HEAD, POST")
            #expect(try await client.execute(uri: "/v1/nowhere", method: .get, headers: bearer(north)).status == .notFound)
        }
    }

    /// What Excel saves in Western Europe (Windows-1252) is refused with its place unless the
    /// Content-Type names it; a semicolon-separated body is read as such; ids are stored in NFC.
    @Test(arguments: BackendKind.allCases)
    func bodiesInOtherEncodingsAreReadWhenNamedAndRefusedOtherwise(_ kind: BackendKind) async throws {
        let t = try await TestServer(kind)
        let north = t.tokens["north"]!
        try await t.test { client in
            let header = "respondent_id;site;wave;note;outcome_independence;outcome_safety\n"
            var windows1252 = Data(header.utf8)
            windows1252.append(contentsOf: Array("D".utf8) + [0xC9] + Array("1;north;baseline;caf".utf8) + [0xE9])
            windows1252.append(contentsOf: Array(";1;3\nD".utf8) + [0xC8] + Array("1;north;baseline;;1;3\n".utf8))
            let uri = "/v1/submissions?instrument=survey"
            let refused = try await client.execute(uri: uri, method: .post, headers: bearer(north, "text/csv"),
                                                   body: ByteBuffer(data: windows1252))
            #expect(refused.status == .unprocessableContent)
            let problems = try #require(try object(refused)["problems"] as? [[String: Any]])
            #expect(problems.first?["line"] as? Int == 2 && problems.first?["column"] as? Int == 2)
            #expect((problems.last?["message"] as? String)?.contains("Content-Type: text/csv; charset=windows-1252") == true)
            let stored = try await client.execute(uri: uri, method: .post, headers: bearer(north, "text/csv; charset=windows-1252"),
                                                  body: ByteBuffer(data: windows1252))
            #expect(stored.status == .ok)
            #expect(try object(stored)["new"] as? Int == 2, "DÉ1 and DÈ1 are two respondents")
            let again = "respondent_id,site,wave,outcome_independence,outcome_safety\nDE\u{301}1,north,baseline,1,3\n"
            #expect(try object(try await client.execute(uri: uri, method: .post, headers: bearer(north, "text/csv"),
                                                        body: ByteBuffer(string: again)))["duplicates"] as? Int == 1,
                    "D + combining accent is the same respondent as DÉ1")
            #expect(try await client.execute(uri: uri, method: .post, headers: bearer(north, "text/csv; charset=ebcdic"),
                                             body: ByteBuffer(data: windows1252)).status == .unsupportedMediaType)
        }
    }

    @Test(arguments: BackendKind.allCases)
    func jsonSubmissionsAreCheckedAsCSVAndProblemsNamedByPath(_ kind: BackendKind) async throws {
        let t = try await TestServer(kind)
        let north = t.tokens["north"]!
        try await t.test { client in
            let good = #"""
            {"responses": [
              {"respondent_id": "J1", "wave": "baseline", "arm": "control", "answers": {"outcome_independence": 1, "outcome_safety": 5, "helpers": [2, 1], "cost": 99.5, "note": "a, \"quoted\" note"}},
              {"respondent_id": "J2", "wave": "baseline", "answers": {"outcome_independence": 3, "outcome_safety": 3}}
            ]}
            """#
            let stored = try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post, headers: bearer(north, "application/json"),
                                                  body: ByteBuffer(string: good))
            #expect(stored.status == .ok, "\(String(buffer: stored.body))")
            #expect(try object(stored)["new"] as? Int == 2)
            let listed = try list(try await client.execute(uri: "/v1/submissions", method: .get, headers: bearer(north)))
            #expect(listed.first?["format"] as? String == "json")
            // Sent again as JSON: duplicates, so the answers were stored exactly as sent.
            #expect(try object(try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post,
                                                        headers: bearer(north, "application/json"), body: ByteBuffer(string: good)))["duplicates"] as? Int == 2)
            let bad = #"{"responses": [{"respondent_id": "J3", "wave": "baseline", "answers": {"outcome_independence": 1, "outcome_safety": 3, "colour": 1}}]}"#
            let refused = try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post, headers: bearer(north, "application/json"),
                                                   body: ByteBuffer(string: bad))
            #expect(refused.status == .unprocessableContent)
            let paths = try #require(try object(refused)["problems"] as? [[String: Any]]).compactMap { $0["path"] as? String }
            #expect(paths == ["answers.colour"], "\(paths)")
            let wrongCode = #"{"responses": [{"respondent_id": "J3", "wave": "baseline", "answers": {"outcome_independence": 2, "outcome_safety": 3}}]}"#
            let codeProblem = try object(try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post,
                                                                  headers: bearer(north, "application/json"), body: ByteBuffer(string: wrongCode)))
            #expect((codeProblem["problems"] as? [[String: Any]])?.first?["path"] as? String == "responses[0].answers.outcome_independence")
            for junk in ["{", "[]", #"{"responses": [1]}"#, #"{"responses": [{"respondent_id": true}]}"#, #"{"responses": [{"extra": 1}]}"#] {
                #expect(try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post, headers: bearer(north, "application/json"),
                                                 body: ByteBuffer(string: junk)).status == .badRequest, "\(junk)")
            }
        }
    }

    @Test(arguments: BackendKind.allCases)
    func tokensAreCheckedAndEveryRequestIsLogged(_ kind: BackendKind) async throws {
        let t = try await TestServer(kind)
        let north = t.tokens["north"]!, evaluator = t.tokens["evaluator"]!
        let backend = t.backend
        try await t.test { client in
            #expect(try await client.execute(uri: "/v1/submissions", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/v1/submissions", method: .get, headers: bearer("not-a-token")).status == .unauthorized)
            #expect(try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post, headers: bearer(evaluator, "text/csv"),
                                             body: ByteBuffer(string: northCSV)).status == .forbidden)
            #expect(try await client.execute(uri: "/v1/evaluations", method: .post, headers: bearer(north)).status == .forbidden)
            // A revoked token stops working at once.
            let revoked = try await backend.addToken(name: "old laptop", role: .site, site: "north")
            #expect(try await client.execute(uri: "/v1/responses", method: .get, headers: bearer(revoked.token)).status == .ok)
            #expect(try await backend.revokeToken(id: revoked.id))
            #expect(try await client.execute(uri: "/v1/responses", method: .get, headers: bearer(revoked.token)).status == .unauthorized)
            let log = try await backend.requests()
            #expect(log.map(\.status) == [401, 401, 403, 403, 200, 401])
            #expect(log[0].tokenID == nil && log[2].tokenID != nil && log.allSatisfy { $0.path.hasPrefix("/v1/") })
            // Only hashes are stored: no token appears in what the store lists.
            #expect(try await backend.tokens().allSatisfy { $0.principal.name != north })
        }
    }

    @Test(arguments: BackendKind.allCases)
    func anEvaluatorRunsTheAnalysesAndFetchesTheReport(_ kind: BackendKind) async throws {
        let t = try await TestServer(kind)
        let north = t.tokens["north"]!, south = t.tokens["south"]!, evaluator = t.tokens["evaluator"]!
        try await t.test { client in
            #expect(try await client.execute(uri: "/v1/evaluations/latest/report.html", method: .get, headers: bearer(evaluator)).status == .notFound)
            _ = try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post, headers: bearer(north, "text/csv"),
                                         body: ByteBuffer(string: northCSV))
            let southCSV = "respondent_id,site,wave,outcome_independence,outcome_safety\nS1,south,baseline,5,1\n"
            _ = try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post, headers: bearer(south, "text/csv"),
                                         body: ByteBuffer(string: southCSV))
            let run = try await client.execute(uri: "/v1/evaluations", method: .post, headers: bearer(evaluator))
            #expect(run.status == .ok, "\(String(buffer: run.body))")
            let body = try object(run)
            let analyses = try #require(body["analyses"] as? [[String: Any]])
            #expect(analyses.count == 1 && (body["failed"] as? [Any])?.isEmpty == true)
            let tables = try #require(analyses[0]["tables"] as? [[String: Any]])
            let rows = try #require(tables.first?["rows"] as? [[String: Any]])
            // Three responses, one better, one the same, one worse for independence: published, each count
            // of 1 to 7 is withheld (shown as *), and the site of one person is not shown at all.
            let overall = try #require(rows.first { $0["subgroup"] as? String == "Overall" && $0["item"] as? String == "outcome_independence" })
            for key in ["n_answering", "positive_n", "negative_n"] {
                #expect((overall[key] as? [String: Any])?["shown"] as? String == "*", "\(key): \(overall[key] ?? "none")")
            }
            let south = try #require(rows.first { $0["group"] as? String == "south" && $0["item"] as? String == "outcome_independence" })
            #expect((south["positive_pct"] as? [String: Any])?["shown"] as? String == "fewer than 10")
            let report = try await client.execute(uri: "/v1/evaluations/latest/report.html", method: .get, headers: bearer(evaluator))
            #expect(report.status == .ok && String(buffer: report.body).contains("<svg"))
            #expect(try await client.execute(uri: "/v1/evaluations", method: .post, headers: bearer(evaluator),
                                             body: ByteBuffer(string: #"{"analyses": ["nope"]}"#)).status == .notFound)
        }
    }
}

@Suite struct AuditTests {
    /// A revoked token's attempts are logged by its id; the log can be pruned without losing the record of
    /// stored data.
    @Test(arguments: BackendKind.allCases)
    func revokedTokensAreNamedAndPruningKeepsTheRecordOfStoredData(_ kind: BackendKind) async throws {
        let t = try await TestServer(kind)
        let north = t.tokens["north"]!
        try await t.test { client in
            #expect(try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post,
                                             headers: bearer(north, "text/csv"),
                                             body: ByteBuffer(string: northCSV)).status == .ok)
            let tokens = try await t.backend.tokens()
            let id = try #require(tokens.first { $0.principal.site == "north" }?.principal.tokenID)
            #expect(try await t.backend.revokeToken(id: id))
            #expect(try await client.execute(uri: "/v1/submissions", method: .get, headers: bearer(north)).status
                    == .unauthorized)
            #expect(try await client.execute(uri: "/v1/submissions", method: .get,
                                             headers: bearer("made-up")).status == .unauthorized)
            let rows = try await t.backend.requests()
            let revoked = try #require(rows.last { $0.detail?.contains("revoked token") == true })
            #expect(revoked.tokenID == id && revoked.status == 401)
            #expect(rows.last?.tokenID == nil && rows.last?.detail?.contains("unknown token") == true)
            try await Task.sleep(for: .milliseconds(1100))
            let pruned = try await t.backend.pruneRequests(olderThanDays: 0)
            let kept = try await t.backend.requests()
            #expect(pruned == rows.count - 1, "\(pruned) of \(rows.count)")
            #expect(kept.count == 1 && kept[0].method == "POST" && kept[0].status == 200)
        }
    }
}
