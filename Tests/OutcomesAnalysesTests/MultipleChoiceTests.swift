import Foundation
import Testing
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStore

/// The shipped multiple-choice analysis (who helped budget holders plan), every figure checked
/// against the sample file counted here and the Wilson interval computed here from its formula.
@Suite struct MultipleChoiceQuestions {
    /// The sample's rows as header -> cell (no cell of the sample holds a comma or a quote).
    static func sampleRows() throws -> [[String: String]] {
        let text = try String(contentsOf: FixtureStore.root.appendingPathComponent("samples/budget-holder.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    /// Wilson's score interval, written out: (p + z²/2n ± z√(p(1-p)/n + z²/4n²)) / (1 + z²/n).
    static func wilson(_ count: Int, _ n: Int) -> (Double, Double) {
        let z = 1.959963984540054, p = Double(count) / Double(n), nn = Double(n)
        let centre = p + z * z / (2 * nn), spread = z * ((p * (1 - p) + z * z / (4 * nn)) / nn).squareRoot()
        return ((centre - spread) / (1 + z * z / nn), (centre + spread) / (1 + z * z / nn))
    }

    @Test func eachOptionsShareIsOfThoseWhoAnswered() throws {
        let result = try #require(try FixtureStore.shippedSample("budget-holder").runShipped("budget-holder-planning-helpers.yaml")
                                     as? MultipleChoiceResult)
        let rows = try Self.sampleRows()
        let answered = rows.filter { !($0["planning_helpers"] ?? "").isEmpty }
        #expect(result.overall.responses == rows.count && result.overall.answered == answered.count)
        #expect(result.overall.missing == rows.count - answered.count && result.overall.notAsked == 0)
        #expect(result.choices.map(\.code) == [1, 2, 3, 4, 5])
        for (choice, estimate) in zip(result.choices, result.overall.options) {
            let choosing = answered.filter { $0["planning_helpers"]!.split(separator: ";").contains(Substring(String(choice.code))) }
            #expect(estimate.count == choosing.count && estimate.n == answered.count)
            let (low, high) = Self.wilson(choosing.count, answered.count)
            #expect(abs(estimate.lower - low) < 1e-12 && abs(estimate.upper - high) < 1e-12)
        }
        // Several options per person: the shares add up to more than 100%.
        #expect(result.overall.options.map(\.proportion).reduce(0, +) > 1)
        // By budget management: the groups partition the respondents, each with its own denominator.
        let byManagement = try #require(result.variables.first { $0.label == "Budget management" })
        #expect(byManagement.groups.map(\.responses).reduce(0, +) == rows.count)
        let direct = try #require(byManagement.groups.first { $0.level == "Direct payment" })
        let directRows = answered.filter { $0["budget_management"] == "1" }
        #expect(direct.answered == directRows.count)
        #expect(direct.options[0].count == directRows.filter { $0["planning_helpers"]!.split(separator: ";").contains("1") }.count)
    }

    @Test func theTablesChartAndMethodsSayWhatTheShareIsOf() throws {
        let result = try #require(try FixtureStore.shippedSample("budget-holder").runShipped("budget-holder-planning-helpers.yaml")
                                     as? MultipleChoiceResult)
        let markdown = ReportWriter.markdown(result)
        // Published figures: counts rounded to the nearest 5 (369 answering).
        #expect(result.overall.answered == 369 && markdown.contains("## All respondents (N = 370 answering of 400)"))
        #expect(markdown.contains("so the percentages add up to more than 100"))
        let html = HTMLReport.render([result], context: ReportContext(waves: []))
        #expect(html.contains("id=\"budget-holder-planning-helpers-options-title\""))
        #expect(html.contains("% choosing each option"))
        #expect(ReportWriter.csvTables(result).map(\.suffix) == [""])
        #expect(ReportWriter.csv(result).split(separator: "\n").count == 1 + 5 * (1 + result.variables.map(\.groups.count).reduce(0, +)))
    }

    @Test func aSingleChoiceItemIsRefusedWithTheKindThatFits() throws {
        let store = try FixtureStore.shippedSample("budget-holder")
        let definition = try AnalysisDefinition.parse("""
            id: x
            kind: multiple_choice
            instrument: budget-holder
            item: budget_management
            """, file: "x.yaml")
        #expect(definition.kind == .multipleChoice)
        #expect(throws: DiagnosticList.self) { try AnalysisRunner.run(definition, store: store.store) }
        do { _ = try AnalysisRunner.run(definition, store: store.store) } catch {
            #expect("\(error)" == "x.yaml:4: item 'budget_management' is single_choice; a multiple_choice analysis needs a "
                    + "multiple_choice item (kind distribution shows a single_choice item's answers)")
        }
    }
}
