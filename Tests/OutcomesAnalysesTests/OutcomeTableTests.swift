import Foundation
import Testing
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStore

/// The small survey imported into a fresh store.
final class SmallSurveyStore: FixtureStore {
    init() throws { try super.init(instrumentPath: fixture("small-survey.yaml"), csvPath: fixture("small-survey.csv")) }

    func outcomeTable() throws -> OutcomeTableResult {
        let definition = try AnalysisDefinition.load(file: fixture("small-survey.analysis.yaml"))
        guard let result = try AnalysisRunner.run(definition, store: store) as? OutcomeTableResult else {
            throw StoreError("not an outcome table")
        }
        return result
    }
}

/// Equal to 1e-9 relative (the Wilson formula is the same closed form as statsmodels'; only rounding differs).
func close(_ actual: Double, _ expected: Any?) -> Bool {
    guard let expected = expected as? Double else { return actual.isNaN }
    return abs(actual - expected) <= 1e-9 * max(1, abs(expected))
}

@Suite struct OutcomeTableAgainstStatsmodels {
    @Test func countsPercentagesAndWilsonIntervalsMatchTheReference() throws {
        let result = try SmallSurveyStore().outcomeTable()
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("small-survey.expected.json")))
        let expected = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let groups = try #require(expected["groups"] as? [[String: Any]])
        #expect(result.groups.count == groups.count)
        for (group, reference) in zip(result.groups, groups) {
            let label = "\(group.variable ?? "overall") / \(group.level ?? "all")"
            #expect(group.variable == reference["variable"] as? String, "\(label)")
            #expect(group.level == reference["level"] as? String, "\(label)")
            #expect(group.responses == reference["responses"] as? Int, "\(label)")
            let rows = try #require(reference["rows"] as? [[String: Any]])
            for (row, referenceRow) in zip(group.rows, rows) {
                #expect(row.item == referenceRow["item"] as? String)
                let counts = try #require(referenceRow["counts"] as? [String: Int])
                #expect(row.counts == OutcomeCounts(positive: counts["positive"]!, neutral: counts["neutral"]!,
                                                    negative: counts["negative"]!, notApplicable: counts["not_applicable"]!,
                                                    dontKnow: counts["dont_know"]!, missing: counts["missing"]!), "\(label) \(row.item)")
                #expect(row.counts.answering == referenceRow["n"] as? Int)
                for (estimate, key) in [(row.positive, "positive"), (row.noChange, "no_change"), (row.negative, "negative")] {
                    let ref = try #require(referenceRow[key] as? [String: Any])
                    #expect(close(estimate.proportion, ref["proportion"]), "\(label) \(row.item) \(key) proportion")
                    #expect(close(estimate.lower, ref["lower"]), "\(label) \(row.item) \(key) lower \(estimate.lower) vs \(ref["lower"] ?? "nil")")
                    #expect(close(estimate.upper, ref["upper"]), "\(label) \(row.item) \(key) upper \(estimate.upper) vs \(ref["upper"] ?? "nil")")
                }
            }
        }
    }

    @Test func markdownMatchesTheSnapshot() throws {
        let result = try SmallSurveyStore().outcomeTable()
        let markdown = ReportWriter.markdown(result)
        try expectSnapshot(markdown, "small-survey.expected.md")
    }

    @Test func csvHasOneRowPerGroupAndItem() throws {
        let result = try SmallSurveyStore().outcomeTable()
        let lines = ReportWriter.csv(result).split(separator: "\n")
        #expect(lines.count == 1 + result.groups.count * 2)
        // The fixtures' exact figures carry the stamp in a first column (disclosure control is off for them).
        #expect(lines[0].hasPrefix("publication,subgroup,group,item,domain,group_responses,n_answering,positive_n,positive_pct,positive_ci_low"))
        // The overall independence row: 11 of 19 positive (57.895%), Wilson 36.276% to 76.858% (statsmodels).
        #expect(lines[1] == "NOT FOR PUBLICATION,Overall,All respondents,outcome_independence,Independence,28,19,11,57.895,36.276,76.858,0,0.000,0.000,16.818,8,42.105,23.142,63.724,2,2,5,0")
    }
}

@Suite struct AnalysisFiles {
    func problems(_ yaml: String) -> [String] {
        do {
            _ = try AnalysisDefinition.parse(yaml, file: "a.yaml")
            return []
        } catch let list as DiagnosticList {
            return list.diagnostics.map(\.description)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test func shippedAnalysesParse() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let budget = try AnalysisDefinition.load(file: root.appendingPathComponent("analyses/budget-holder-outcomes.yaml").path)
        #expect(budget.instrument == "budget-holder" && budget.kind == .outcomeTable && budget.items == nil)
        #expect(budget.subgroups.first == .item(id: "budget_management", label: "Budget management"))
        _ = try AnalysisDefinition.load(file: root.appendingPathComponent("analyses/carer-outcomes.yaml").path)
    }

    @Test func badFilesNameLineAndField() {
        #expect(problems("id: x\nkind: table\ninstrument: s\n") == ["a.yaml:2: unknown analysis kind 'table' (expected one of: outcome_table, subgroup_comparison, process_associations, outcome_index, distribution, multiple_choice, site_benchmark, scale_summary, scale_change, pilot_vs_control)"])
        #expect(problems("id: x\nkind: outcome_table\n") == ["a.yaml:1: the analysis is missing 'instrument'"])
        #expect(problems("id: x\nkind: outcome_table\ninstrument: s\nsubgroups:\n  - {field: region}\n") == [
            "a.yaml:5: unknown field 'region' (expected site, arm or wave; use 'item:' for an item)"])
        #expect(problems("id: x\nkind: outcome_table\ninstrument: s\nconfidence: 95\n") == ["a.yaml:4: confidence should be between 0 and 1, e.g. 0.95"])
    }

    @Test func namesAreCheckedAgainstTheInstrument() throws {
        let instrument = try InstrumentParser.parse(String(contentsOfFile: fixture("small-survey.yaml"), encoding: .utf8))
        let definition = try AnalysisDefinition.parse("""
        id: x
        kind: outcome_table
        instrument: small-survey
        items:
          - outcome_independence
          - outcome_dignity
          - budget_management
        subgroups:
          - {item: outcome_region}
        """, file: "a.yaml")
        do {
            try definition.validate(against: instrument)
            Issue.record("expected validation to fail")
        } catch let list as DiagnosticList {
            #expect(list.diagnostics.map(\.description) == [
                "a.yaml:6: item 'outcome_dignity' is not in instrument small-survey 1",
                "a.yaml:7: item 'budget_management' is not an outcome item (it has no domain)",
                "a.yaml:9: subgroup item 'outcome_region' is not in instrument small-survey 1",
            ])
        }
    }
}
