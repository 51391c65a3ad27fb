import Foundation
import Hummingbird
import HummingbirdTesting
import OutcomesStore
@testable import OutcomesServer
import Testing

/// Issue #21: an evaluation on PostgreSQL reads what each analysis asks for (one wave, some items), as
/// the SQLite store's `responses` does, not every response of an instrument at once.
@Suite struct PostgresEvaluationTests {
    @Test func responsesAreReadPerWaveWithOnlyTheItemsAskedFor() async throws {
        let t = try await TestServer(.postgres)
        let north = t.tokens["north"]!, backend = try #require(t.backend as? PostgresBackend)
        try await t.test { client in
            let csv = """
                respondent_id,site,arm,wave,helpers,cost,note,outcome_independence,outcome_safety
                N1,north,pilot,baseline,1;2,120.5,"fine, mostly",1,3
                N2,north,control,baseline,,,,3,5
                N1,north,pilot,followup,2,80,,5,1
                N3,north,,followup,1,,later,3,3

                """
            let stored = try await client.execute(uri: "/v1/submissions?instrument=survey", method: .post,
                                                  headers: bearer(north, "text/csv"), body: ByteBuffer(string: csv))
            #expect(stored.status == .ok || stored.status == .created, "\(String(buffer: stored.body))")
            let source = PostgresResponses(backend: backend)
            // The source blocks its caller for each query: called from a thread of its own, as evaluate does.
            let (waves, followup, all) = try await onOwnThread {
                (try source.waveNames(instrument: "survey"),
                 try source.responses(instrument: "survey", wave: "followup", items: ["outcome_safety", "cost"],
                                      respondentCodes: true),
                 try source.responses(instrument: "survey", wave: nil, items: nil, respondentCodes: false))
            }
            #expect(waves == ["baseline", "followup"])
            #expect(followup.count == 2 && followup.waves.levels == ["followup"])
            #expect(followup.respondents == ["N1", "N3"])
            #expect(Set(followup.answers.keys) == ["outcome_safety", "cost"])
            #expect(followup.column("outcome_safety") == .integers([1, 3]))
            #expect(followup.column("cost") == .numbers([80, nil]))
            #expect(followup.arms.levels == ["pilot"] && followup.arms.codes == [0, -1])
            #expect(all.count == 4 && all.waves.levels == ["baseline", "followup"] && all.respondents.isEmpty)
            // PostgreSQL stores a file's new rows in key order (respondent, wave), which keeps concurrent
            // submissions from deadlocking, so the frame reads N1 baseline, N1 followup, N2, N3.
            #expect(all.column("helpers") == .texts(["1;2", "2", nil, "1"]))
            #expect(all.column("note") == .texts(["fine, mostly", nil, nil, "later"]))
            #expect(all.arms.levels == ["pilot", "control"] && all.versionCounts.map(\.responses) == [4])
            #expect(all.respondentKeys[0] == all.respondentKeys[1] && all.respondentKeys[0] != all.respondentKeys[2])
            let missing = try await onOwnThread { () -> String in
                do {
                    _ = try source.responses(instrument: "nope", wave: nil, items: nil, respondentCodes: false)
                } catch {
                    return "\(error)"
                }
                return ""
            }
            #expect(missing.contains("no responses to instrument 'nope'"))
        }
    }
}

/// Runs `body` on a new thread (not one of Swift's cooperative threads) and waits for its result.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
