import Foundation
import Hummingbird
import HummingbirdTesting
import OutcomesServer
import OutcomesStore
import Testing

/// `rows` rows of the test survey for site north, respondents `prefix`1... (one per row).
func surveyRows(_ count: Int, prefix: String = "R", independence: (Int) -> Int = { _ in 1 }) -> [String] {
    (1...count).map { "\(prefix)\($0),north,pilot,baseline,1,\(Double($0) / 4),,\(independence($0)),3" }
}

let surveyHeader = "respondent_id,site,arm,wave,helpers,cost,note,outcome_independence,outcome_safety\n"

/// Issue #21: what the PostgreSQL store did under concurrent and large submissions, on both stores
/// where both must answer alike.
@Suite struct LargeAndConcurrentSubmissionTests {
    /// Two submissions of the same new respondents in opposite row order, sent at once (8 pairs):
    /// PostgreSQL answered "deadlock detected" (500) in every pair; now one stores, one is a duplicate.
    @Test(arguments: BackendKind.allCases)
    func concurrentSubmissionsOfTheSameNewRespondentsStoreEachOnce(_ kind: BackendKind) async throws {
        let t = try await TestServer(kind)
        let first = t.tokens["north"]!
        let second = try await t.backend.addToken(name: "north laptop", role: .site, site: "north").token
        let backend = t.backend
        try await t.test { client in
            typealias Receipt = (pair: Int, status: HTTPResponse.Status, new: Int, duplicates: Int, body: String)
            let receipts = try await withThrowingTaskGroup(of: Receipt.self) { group in
                for pair in 1...8 {
                    let rows = surveyRows(200, prefix: "P\(pair)-")
                    for (token, body) in [(first, rows), (second, rows.reversed())] {
                        let csv = surveyHeader + body.joined(separator: "\n") + "\n"
                        group.addTask {
                            let answer = try await client.execute(
                                uri: "/v1/submissions?instrument=survey", method: .post,
                                headers: bearer(token, "text/csv"), body: ByteBuffer(string: csv))
                            let receipt = try? JSONSerialization.jsonObject(with: Data(buffer: answer.body))
                                as? [String: Any]
                            return (pair, answer.status, receipt?["new"] as? Int ?? -1,
                                    receipt?["duplicates"] as? Int ?? -1, String(buffer: answer.body))
                        }
                    }
                }
                return try await group.reduce(into: [Receipt]()) { $0.append($1) }
            }
            for receipt in receipts {
                #expect(receipt.status == .ok, "pair \(receipt.pair): \(receipt.status) \(receipt.body)")
            }
            for pair in 1...8 {
                let two = receipts.filter { $0.pair == pair }
                #expect(two.map(\.new).reduce(0, +) == 200 && two.map(\.duplicates).reduce(0, +) == 200,
                        "pair \(pair): \(two.map(\.body))")
            }
            #expect(try await backend.responseCounts(site: "north").map(\.responses) == [1_600])
        }
    }

    /// A large file sent again is all duplicates (compared in sets on PostgreSQL); changed answers
    /// are refused with their rows and store nothing; text with tabs, newlines and backslashes is
    /// stored exactly (sent again, it is a duplicate).
    @Test(arguments: BackendKind.allCases)
    func aLargeResubmissionIsDuplicatesAndAChangedOneIsRefusedWithItsRows(_ kind: BackendKind) async throws {
        let t = try await TestServer(kind)
        let north = t.tokens["north"]!
        let backend = t.backend
        try await t.test { client in
            let uri = "/v1/submissions?instrument=survey"
            let notes = "T1,north,,baseline,,,\"tab\there, back\\slash\nnew line\r\n\\N é\",1,3\n"
            let csv = surveyHeader + surveyRows(3_000).joined(separator: "\n") + "\n" + notes
            let stored = try object(try await client.execute(uri: uri, method: .post,
                                                             headers: bearer(north, "text/csv"),
                                                             body: ByteBuffer(string: csv)))
            #expect(stored["new"] as? Int == 3_001, "\(stored)")
            let again = try object(try await client.execute(uri: uri, method: .post, headers: bearer(north, "text/csv"),
                                                            body: ByteBuffer(string: csv)))
            #expect(again["new"] as? Int == 0 && again["duplicates"] as? Int == 3_001, "\(again)")
            // Rows 1,000 and 2,000 (lines 1,001 and 2,001) changed, and a new respondent: nothing stored.
            let changed = surveyHeader + surveyRows(3_000, independence: { $0 % 1_000 == 0 && $0 < 3_000 ? 5 : 1 })
                .joined(separator: "\n") + "\nNEW1,north,pilot,baseline,,,,1,3\n"
            let refused = try await client.execute(uri: uri, method: .post, headers: bearer(north, "text/csv"),
                                                   body: ByteBuffer(string: changed))
            #expect(refused.status == .unprocessableContent)
            let problems = try #require(try object(refused)["problems"] as? [[String: Any]])
            #expect(problems.first?["line"] as? Int == 1_001, "\(problems)")
            let message = problems.first?["message"] as? String
            #expect(message?.contains("different answers (outcome_independence)") == true)
            if kind == .postgres { #expect(problems.compactMap { $0["line"] as? Int } == [1_001, 2_001]) }
            #expect(try await backend.responseCounts(site: "north").map(\.responses) == [3_001])
        }
    }

    /// PostgreSQL cannot hold a NUL character in text: refused with its row (a 422), not a 500.
    @Test func aNULCharacterIsRefusedWithItsPlaceOnPostgreSQL() async throws {
        let t = try await TestServer(.postgres)
        let north = t.tokens["north"]!
        try await t.test { client in
            let csv = surveyHeader + "N1,north,pilot,baseline,,,ok,1,3\nN2,north,pilot,baseline,,,a\u{0}b,1,3\n"
            let refused = try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post,
                                                   headers: bearer(north, "text/csv"), body: ByteBuffer(string: csv))
            #expect(refused.status == .unprocessableContent, "\(String(buffer: refused.body))")
            let problem = try #require((try object(refused)["problems"] as? [[String: Any]])?.first)
            #expect(problem["line"] as? Int == 3, "\(problem)")
            let responses = try await client.execute(uri: "/v1/responses", method: .get, headers: bearer(north))
            #expect(try list(responses).isEmpty)
        }
    }
}

/// The PostgreSQL URL and where its password comes from (never from messages).
@Suite struct PostgresURLTests {
    @Test func passwordsAreRedactedInMessages() throws {
        #expect(PostgresURL.redacted("postgres://ann:s3cr:et@db.example:5432/outcomes")
                == "postgres://ann:***@db.example:5432/outcomes")
        #expect(PostgresURL.redacted("postgres//ann:s3cret@db/outcomes") == "postgres//ann:***@db/outcomes")
        #expect(PostgresURL.redacted("postgres://ann@db/outcomes") == "postgres://ann@db/outcomes")
        #expect(PostgresURL.redacted("ann:p@ss@word@") == "ann:***@")
        for malformed in ["postgres//ann:s3cret@db/outcomes", "mysql://ann:s3cret@db/x", "postgres://:s3cret@db/x",
                          "postgres://ann:s3cret@/x"] {
            let error = #expect(throws: StoreError.self) { try PostgresURL(malformed, environment: [:]) }
            #expect(error?.message.contains("s3cret") == false && error?.message.contains("***") == true,
                    "\(error?.message ?? "")")
        }
        let url = try PostgresURL("postgres://ann:s3cret@db.example/outcomes", environment: [:])
        #expect(url.password == "s3cret" && !url.description.contains("s3cret") && url.port == 5432)
    }

    @Test func thePasswordComesFromPGPASSWORDOrThePasswordFile() throws {
        let url = "postgres://ann@db.example:6543/outcomes"
        #expect(try PostgresURL(url, environment: ["PGPASSWORD": "from-env"]).password == "from-env")
        let given = try PostgresURL("postgres://ann:given@db.example/x", environment: ["PGPASSWORD": "env"])
        #expect(given.password == "given")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try """
        # comments and lines of other servers are skipped
        other.example:*:*:ann:wrong
        db.example:6543:outcomes:bob:wrong
        db.example:6543:outcomes:ann:pa\\:ss\\\\word
        *:*:*:*:fallback
        """.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        #expect(try PostgresURL(url, environment: ["PGPASSFILE": file]).password == "pa:ss\\word")
        #expect(try PostgresURL("postgres://cy@elsewhere/db", environment: ["PGPASSFILE": file]).password == "fallback")
        #expect(try PostgresURL(url, environment: ["PGPASSFILE": file + ".absent"]).password == nil)
        #expect(PostgresURL.password(inPassFile: "db:5432:outcomes:ann:x", host: "db", port: 5432, database: "other",
                                     user: "ann") == nil)
        // The database defaults to the user's name, as in libpq.
        #expect(try PostgresURL("postgres://ann@db.example", environment: [:]).database == "ann")
        // A password file others may read is refused (libpq ignores it), without showing what it holds.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        let error = #expect(throws: StoreError.self) { try PostgresURL(url, environment: ["PGPASSFILE": file]) }
        #expect(error?.message.contains("chmod 600") == true && error?.message.contains("pa:ss") == false)
    }
}
