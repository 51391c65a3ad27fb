import Foundation
import Testing
import OutcomesStore

/// `outcomes export --scores`: each scale's score and level beside the answers, checked row by row
/// against the activation scale's rule computed here from the exported answers themselves (mean of
/// the items answered 1-4, 8 not applicable left out, at least 10 of 13; 1-4 rescaled to 0-100;
/// levels up to 47.0, 55.1, 67.0 and above).
@Suite struct ExportScores {
    static func rows(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    @Test func eachResponsesScoreAndLevelFollowTheScalesRule() throws {
        let t = try FixtureStore(instrumentPath: fixture("activation.yaml"), csvPath: fixture("small-activation.csv"))
        let path = t.directory.appendingPathComponent("scored.csv").path
        let count = try t.store.export(instrument: "activation", format: .csv, to: path, scores: true)
        let rows = try Self.rows(path)
        #expect(rows.count == count && count > 0)
        var scored = 0, unscored = 0
        for row in rows {
            let answered = (1...13).compactMap { Double(row[String(format: "act_%02d", $0)] ?? "") }.filter { $0 <= 4 }
            let label = row["respondent_id"]! + " " + row["wave"]!
            guard answered.count >= 10 else {
                #expect(row["activation_score"] == "" && row["activation_score_level"] == "", "\(label)")
                unscored += 1
                continue
            }
            let score = (answered.reduce(0, +) / Double(answered.count) - 1) / 3 * 100
            let exported = try #require(Double(row["activation_score"]!), "\(label)")
            #expect(abs(exported - score) < 1e-9, "\(label): \(exported) vs \(score)")
            let level = score <= 47.0 + 1e-9 ? 1 : score <= 55.1 + 1e-9 ? 2 : score <= 67.0 + 1e-9 ? 3 : 4
            #expect(row["activation_score_level"] == String(level), "\(label)")
            scored += 1
        }
        #expect(scored > 0, "the fixture has scored responses")

        // Long format: the same figures as rows of their own.
        let long = t.directory.appendingPathComponent("long.csv").path
        try t.store.export(instrument: "activation", format: .longCSV, to: long, scores: true)
        let longRows = try Self.rows(long).filter { $0["item"] == "activation_score" }
        #expect(longRows.count == scored)

        // Without --scores the interchange file is unchanged; with them it says why it does not import.
        let plain = t.directory.appendingPathComponent("plain.csv").path
        try t.store.export(instrument: "activation", format: .csv, to: plain)
        #expect(try !String(contentsOfFile: plain, encoding: .utf8).contains("activation_score"))
        let again = try FixtureStore(instrumentPath: fixture("activation.yaml"), csvPath: fixture("small-activation.csv"))
        do {
            _ = try again.store.importCSV(file: path, instrument: again.instrument, definition: again.yaml)
            Issue.record("a scored export imported")
        } catch {
            #expect("\(error)".contains("export --scores"), "\(error)")
        }
        #expect(unscored > 0, "and some with too few items answered")
    }
}
