import Foundation
import Testing
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStore

/// Subgroups from a number's answers cut into bands and from choice answers grouped into levels,
/// on the shipped budget-holder sample, each group's size against the file counted here.
@Suite struct SubgroupBands {
    static func rows() throws -> [[String: String]] {
        let text = try String(contentsOf: FixtureStore.root.appendingPathComponent("samples/budget-holder.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    @Test func cutsAndLevelsMakeTheGroupsTheFileHas() throws {
        var definition = try AnalysisDefinition.parse("""
            id: bands
            kind: outcome_table
            instrument: budget-holder
            items: [outcome_independence]
            subgroups:
              - {item: support_hours_week, cuts: [10, 30], label: Hours}
              - {item: age_band, label: Age, levels: {Under 45: [1, 2, 3], 45 to 64: [4, 5], 65 or over: [6, 7, 8]}}
            """, file: "bands.yaml")
        definition.disclosure = .off
        let result = try #require(try AnalysisRunner.run(definition, store: FixtureStore.shippedSample("budget-holder").store)
                                     as? OutcomeTableResult)
        let rows = try Self.rows()
        let hours = rows.map { Double($0["support_hours_week"]!) }
        let expected: [(String, String, Int)] = [
            ("Hours", "Under 10", hours.filter { $0 != nil && $0! < 10 }.count),
            ("Hours", "10 to under 30", hours.filter { $0 != nil && $0! >= 10 && $0! < 30 }.count),
            ("Hours", "30 and over", hours.filter { $0 != nil && $0! >= 30 }.count),
            ("Hours", "Not stated", hours.filter { $0 == nil }.count),
            ("Age", "Under 45", rows.filter { ["1", "2", "3"].contains($0["age_band"]!) }.count),
            ("Age", "45 to 64", rows.filter { ["4", "5"].contains($0["age_band"]!) }.count),
            ("Age", "65 or over", rows.filter { ["6", "7", "8"].contains($0["age_band"]!) }.count),
        ]
        for (variable, level, size) in expected {
            let group = try #require(result.groups.first { $0.variable == variable && $0.level == level }, "\(variable) \(level)")
            #expect(group.responses == size, "\(variable) \(level)")
        }
        #expect(expected.allSatisfy { $0.2 > 0 }, "every band has people")
        #expect(AnalysisDefinition.Bands.cuts([1000]).labels(unit: "pounds") == ["Under 1,000 pounds", "1,000 pounds and over"])
        #expect(AnalysisDefinition.Bands.cuts([2.5, 10]).labels(unit: nil) == ["Under 2.5", "2.5 to under 10", "10 and over"])
    }

    @Test func badBandsAreNamedWithTheirLine() {
        let base = "id: x\nkind: outcome_table\ninstrument: budget-holder\nsubgroups:\n"
        for (subgroup, message) in [
            ("  - {item: support_hours_week, cuts: [30, 10]}", "x.yaml:5: cuts of support_hours_week should rise"),
            ("  - {item: age_band, cuts: [3], levels: {A: [1], B: [2]}}", "x.yaml:5: a subgroup takes cuts (for a number) or levels"),
            ("  - {field: site, cuts: [3]}", "x.yaml:5: cuts and levels apply to an item subgroup"),
        ] {
            do { _ = try AnalysisDefinition.parse(base + subgroup + "\n", file: "x.yaml"); Issue.record("accepted \(subgroup)") } catch {
                #expect("\(error)".hasPrefix(message), "\(error)")
            }
        }
    }

    @Test func bandsThatDoNotFitTheItemAreRefusedAgainstTheInstrument() throws {
        let store = try FixtureStore.shippedSample("budget-holder")
        let base = "id: x\nkind: outcome_table\ninstrument: budget-holder\nsubgroups:\n"
        for (subgroup, message) in [
            ("  - {item: support_hours_week}", "support_hours_week' is integer: band its answers with cuts"),
            ("  - {item: age_band, cuts: [3]}", "cuts apply to an integer or number item"),
            ("  - {item: age_band, levels: {A: [1, 2], B: [2, 9]}}", "code 2 of age_band is in two levels"),
        ] {
            let definition = try AnalysisDefinition.parse(base + subgroup + "\n", file: "x.yaml")
            do { _ = try AnalysisRunner.run(definition, store: store.store); Issue.record("accepted \(subgroup)") } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }
}
