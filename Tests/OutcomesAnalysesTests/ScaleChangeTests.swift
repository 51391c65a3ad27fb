import Foundation
import Testing
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStore

/// The small activation data set imported into a fresh store (with the shipped instrument's copy).
final class SmallActivationStore: FixtureStore {
    init() throws { try super.init(instrumentPath: fixture("activation.yaml"), csvPath: fixture("small-activation.csv")) }

    func result() throws -> ScaleChangeResult {
        let definition = try AnalysisDefinition.load(file: fixture("small-activation.analysis.yaml"))
        guard let result = try AnalysisRunner.run(definition, store: store) as? ScaleChangeResult else {
            throw StoreError("not a scale change")
        }
        return result
    }
}

@Suite struct ScaleChangeAgainstReference {
    struct Expected: Decodable {
        struct Share: Decodable { var p, lower, upper: Double }
        struct T: Decodable { var mean, p, lower, upper: Double }
        struct W: Decodable { var statistic, p: Double }
        struct SM: Decodable { var statistic: Double; var df: Int; var p: Double }
        struct ByLevel: Decodable { var n: Int; var mean, lower, upper: Double? }
        struct Group: Decodable {
            var variable, level: String?
            var n: Int
            var transitions: [[Int]]
            var up, same, down: Share?
            var mean_baseline, mean_followup: Double?
            var t: T?
            var wilcoxon: W?
            var stuart_maxwell: SM?
            var by_baseline_level: [ByLevel]
        }
        var linking: [String: Int]
        var groups: [Group]
    }

    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * abs(b) + 1e-12 }

    @Test func everyFigureMatchesPandasSciPyAndStatsmodels() throws {
        let result = try SmallActivationStore().result()
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("small-activation.expected.json")))
        let expected = try JSONDecoder().decode(Expected.self, from: data)
        #expect(result.linking.linked == expected.linking["linked"])
        #expect(result.linking.baselineOnly == expected.linking["baseline_only"])
        #expect(result.linking.followupOnly == expected.linking["followup_only"])
        #expect(result.linking.unscored == expected.linking["unscored"])
        #expect(result.groups.count == expected.groups.count)
        for (group, reference) in zip(result.groups, expected.groups) {
            let name = "\(group.variable ?? "all")/\(group.level ?? "")"
            #expect(group.variable == reference.variable && group.level == reference.level, "\(name)")
            #expect(group.n == reference.n, "\(name) n")
            #expect(group.transitions == reference.transitions, "\(name) transitions")
            for (share, ref, what) in [(group.up, reference.up, "up"), (group.same, reference.same, "same"), (group.down, reference.down, "down")] {
                if let ref {
                    #expect(close(share.proportion, ref.p) && close(share.lower, ref.lower) && close(share.upper, ref.upper), "\(name) \(what)")
                } else {
                    #expect(share.n == 0 && share.proportion.isNaN, "\(name) \(what): an empty group has no share")
                }
            }
            if let b = reference.mean_baseline, let f = reference.mean_followup {
                #expect(close(group.meanBaseline, b) && close(group.meanFollowup, f), "\(name) means")
            } else {
                #expect(group.meanBaseline.isNaN && group.meanFollowup.isNaN, "\(name): an empty group has no means")
            }
            if let t = reference.t {
                let change = try #require(group.change, "\(name) t-test")
                #expect(close(change.meanDifference, t.mean) && close(change.pValue, t.p), "\(name) t")
                #expect(close(change.lower, t.lower) && close(change.upper, t.upper), "\(name) t interval")
            } else {
                #expect(group.change == nil, "\(name): the reference has no t-test")
            }
            if let w = reference.wilcoxon {
                let wilcoxon = try #require(group.wilcoxon, "\(name) Wilcoxon")
                #expect(close(wilcoxon.statistic, w.statistic) && close(wilcoxon.pValue, w.p), "\(name) Wilcoxon \(wilcoxon.pValue) vs \(w.p)")
            }
            if let sm = reference.stuart_maxwell {
                let test = try #require(group.stuartMaxwell, "\(name) Stuart-Maxwell")
                #expect(close(test.statistic, sm.statistic) && test.df == sm.df && close(test.pValue, sm.p), "\(name) Stuart-Maxwell")
            } else {
                // statsmodels cannot invert the covariance here: the toolkit reports why instead of a number.
                #expect(group.stuartMaxwell == nil, "\(name)")
                #expect(group.notes.contains { $0.hasPrefix("Stuart-Maxwell test: not computed") }, "\(name)")
            }
            for (index, ref) in reference.by_baseline_level.enumerated() {
                #expect(group.baselineLevels[index] == ref.n, "\(name) level \(index + 1) n")
                if let mean = ref.mean, let lower = ref.lower, let upper = ref.upper {
                    let estimate = try #require(group.changeByBaselineLevel[index], "\(name) level \(index + 1)")
                    #expect(close(estimate.mean, mean) && close(estimate.lower, lower) && close(estimate.upper, upper), "\(name) level \(index + 1)")
                } else {
                    #expect(group.changeByBaselineLevel[index] == nil, "\(name) level \(index + 1): fewer than 2, no interval")
                }
            }
        }
    }

    @Test func theTablesAreWrittenAndTheMarkdownIsStable() throws {
        let result = try SmallActivationStore().result()
        let tables = ReportWriter.csvTables(result)
        #expect(tables.map(\.suffix) == ["", "-levels", "-transitions", "-by-baseline-level"])
        #expect(tables[2].table.rows.count == result.groups.count * 16)
        let markdown = ReportWriter.markdown(result)
        try expectSnapshot(markdown, "small-activation.expected.md")
    }

    @Test func badInputGivesAClearMessageAndNoFigure() throws {
        let setup = try SmallActivationStore()
        // A wave with no responses.
        var definition = try AnalysisDefinition.load(file: fixture("small-activation.analysis.yaml"))
        definition.edit(ScaleChangeSettings.self) { $0.followupWave = "month12" }
        do {
            _ = try AnalysisRunner.run(definition, store: setup.store)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("wave 'month12' has no responses to activation (stored waves: baseline, followup)"))
        }
        // A scale that is not in the instrument, and a scale_change file missing its waves.
        #expect(throws: DiagnosticList.self) {
            try AnalysisDefinition.parse("id: x\nkind: scale_change\ninstrument: activation\nscale: activation_score\n", file: "a.yaml")
        }
        definition.edit(ScaleChangeSettings.self) {
            $0.followupWave = "followup"
            $0.scale = "activation"
        }
        do {
            _ = try AnalysisRunner.run(definition, store: setup.store)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("scale 'activation' is not in instrument activation 1.0.0 (scales: activation_score)"))
        }
    }
}

@Suite struct ShippedActivationSample {
    /// The committed sample carries a known truth: pilot respondents gain more, and people starting at
    /// lower levels gain more. The analysis must show both.
    @Test func showsThePilotEffectAndTheLowestImprovingMost() throws {
        guard let result = try FixtureStore.shippedSample("activation").runShipped("activation-change.yaml") as? ScaleChangeResult else {
            throw StoreError("not a scale change")
        }
        let pilot = try #require(result.groups.first { $0.level == "Pilot" }?.change)
        let control = try #require(result.groups.first { $0.level == "Control" }?.change)
        #expect(pilot.meanDifference > control.meanDifference)
        #expect(result.linking.baselineOnly > 0 && result.linking.followupOnly > 0, "attrition and late recruits are in the sample")
        let byLevel = result.overall.changeByBaselineLevel.map { try! #require($0).mean }
        #expect(byLevel == byLevel.sorted(by: >), "mean change should fall as the baseline level rises: \(byLevel)")
    }
}
