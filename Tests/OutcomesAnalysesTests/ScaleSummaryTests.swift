import Foundation
import Testing
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStatistics
import OutcomesStore

/// One wave's scale scores on the small activation fixture: the mean, quartiles and levels against
/// the scores computed here from the scale's own scorer and counted by hand.
@Suite struct ScaleSummaries {
    static let yaml = """
        id: activation-baseline
        title: Activation at baseline
        kind: scale_summary
        instrument: activation
        wave: baseline
        scale: activation_score
        subgroups:
          - {field: arm}
        """

    @Test func meansQuartilesAndLevelsMatchTheScores() throws {
        var definition = try AnalysisDefinition.parse(Self.yaml, file: "summary.yaml")
        definition.disclosure = .off
        let store = try SmallActivationStore()
        let result = try #require(try AnalysisRunner.run(definition, store: store.store) as? ScaleSummaryResult)
        let frame = try store.store.responses(instrument: "activation", wave: "baseline", items: nil, respondentCodes: false)
        let scale = try #require(frame.instrument.scale("activation_score"))
        let scorer = try ScaleScorer(scale: scale, instrument: frame.instrument)
        let scores = (0..<frame.count).map { row in scorer.score(scale.items.map { frame.column($0)?.number(at: row) }) }
        let values = scores.compactMap(\.score).sorted()
        #expect(result.overall.responses == frame.count && result.overall.scored == values.count)
        let s = try #require(result.overall.summary)
        #expect(abs(s.mean.mean - values.reduce(0, +) / Double(values.count)) < 1e-12)
        // Type 7 quantile (R's default, NumPy's linear): position (n - 1) p.
        func quantile(_ p: Double) -> Double {
            let h = Double(values.count - 1) * p, low = Int(h.rounded(.down))
            return values[low] + (h - Double(low)) * (values[min(low + 1, values.count - 1)] - values[low])
        }
        #expect(abs(s.median - quantile(0.5)) < 1e-12 && abs(s.q1 - quantile(0.25)) < 1e-12 && abs(s.q3 - quantile(0.75)) < 1e-12)
        for (index, level) in scale.levels.enumerated() {
            #expect(result.overall.levels[index].count == scores.filter { $0.level == level.level }.count)
        }
        // By arm: pilot first, then control, then anyone with no arm; each group's size from the frame.
        let arms = (0..<frame.count).map { frame.arms.level($0) }
        for group in result.groups.dropFirst() {
            let arm = group.level == "No arm" ? nil : group.level
            #expect(group.responses == arms.filter { $0 == arm }.count, "\(group.level ?? "")")
        }
        #expect(result.groups.dropFirst().map(\.responses).reduce(0, +) == frame.count)
        #expect(ReportWriter.csvTables(result).map(\.suffix) == ["", "-levels"])
    }

    @Test func aScaleTheInstrumentLacksIsNamed() throws {
        let definition = try AnalysisDefinition.parse(Self.yaml.replacingOccurrences(of: "scale: activation_score", with: "scale: nope"),
                                                      file: "summary.yaml")
        do { _ = try AnalysisRunner.run(definition, store: SmallActivationStore().store); Issue.record("accepted") } catch {
            #expect("\(error)".contains("summary.yaml:6: scale 'nope' is not in instrument activation"), "\(error)")
        }
    }
}
