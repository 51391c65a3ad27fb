import OutcomesAnalyses
import OutcomesStatistics

/// A multiple-choice question: the share choosing each option, overall and by subgroup, among those
/// who answered the question.
public enum MultipleChoiceLayout {
    public static func longTable(_ result: MultipleChoiceResult) -> ReportTable {
        var table = ReportTable(title: result.definition.title, columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("responses", "Responses in group"), .init("n_answering", "N answering"),
            .init("option_code", "Option code", alignRight: false), .init("option", "Option", alignRight: false),
            .init("n", "n choosing"), .init("pct", "%"), .init("ci_low", "CI low %"), .init("ci_high", "CI high %"),
            .init("missing_n", "Missing"), .init("not_asked_n", "Not asked"),
        ], notes: notes(result))
        for g in [result.overall] + result.variables.flatMap(\.groups) {
            for (choice, e) in zip(result.choices, g.options) {
                table.rows.append([.text(g.variable ?? "Overall"), .text(g.level ?? "All respondents"), .integer(g.responses),
                                   .integer(g.answered), .text(String(choice.code)), .text(choice.label), .integer(e.count),
                                   .number(e.proportion * 100, decimals: 3), .number(e.lower * 100, decimals: 3),
                                   .number(e.upper * 100, decimals: 3), .integer(g.missing), .integer(g.notAsked)])
            }
        }
        return table
    }

    public static func humanTables(_ result: MultipleChoiceResult) -> [ReportTable] {
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        let o = result.overall
        var overall = ReportTable(title: "All respondents (N = \(o.answered) answering of \(o.responses))",
                                  columns: [.init("option", "Option", alignRight: false), .init("n", "n choosing"),
                                            .init("pct", "% (\(level) CI)")],
                                  notes: notes(result))
        for (choice, e) in zip(result.choices, o.options) {
            overall.rows.append([.text(choice.label), .integer(e.count), .text(OutcomeTableLayout.percentWithCI(e))])
        }
        var tables = [overall]
        for variable in result.variables {
            var table = ReportTable(
                title: "% choosing each option (\(level) CI), by \(variable.label.lowercasedFirst)",
                columns: [.init("option", "Option", alignRight: false)]
                    + variable.groups.map { .init($0.level ?? "", "\($0.level ?? "") (n = \($0.answered))") },
                notes: ["Each cell: % of those in the group who answered the question, with its Wilson interval; "
                        + "n: those in the group who answered."])
            for (index, choice) in result.choices.enumerated() {
                table.rows.append([.text(choice.label)] + variable.groups.map { group in
                    .text(OutcomeTableLayout.percentWithCI(group.options[index]))
                })
            }
            tables.append(table)
        }
        return tables
    }

    static func notes(_ result: MultipleChoiceResult) -> [String] {
        let o = result.overall
        return [
            "Question: \(result.item.text)",
            "N: respondents who chose at least one option; each % is of them. People could choose more than one option, "
                + "so the percentages add up to more than 100. \(o.missing) chose none (missing)"
                + (o.notAsked > 0 ? " and \(o.notAsked) were not asked (the question's skip condition did not apply)" : "")
                + "; neither is in N.",
            "Intervals: \(OutcomeTableLayout.confidenceLabel(result.definition.confidence)) Wilson score intervals.",
        ]
    }
}

extension MultipleChoiceResult: KindLayout, SurveyAnalysisResult {
    var csvTables: [(suffix: String, table: ReportTable)] { [("", MultipleChoiceLayout.longTable(self))] }

    var humanTables: [ReportTable] { MultipleChoiceLayout.humanTables(self) }

    var charts: [Chart] {
        let level = OutcomeTableLayout.confidenceLabel(definition.confidence)
        let rows = zip(choices, overall.options).map { choice, e in
            SVGCharts.ForestRow(label: choice.label, estimate: e.proportion * 100, lower: e.lower * 100, upper: e.upper * 100,
                                text: e.n == 0 ? "–" : OutcomeTableLayout.percentWithCI(e))
        }
        guard overall.answered > 0 else { return [] }
        var data = ReportTable(title: "Figures in the chart", columns: [
            .init("option", "Option", alignRight: false), .init("pct", "% (\(level) CI)"),
        ])
        data.rows = rows.map { [.text($0.label), .text($0.text)] }
        let most = zip(choices, overall.options).max { $0.1.proportion < $1.1.proportion }
        return [Chart(svg: SVGCharts.forest(
                          id: "\(definition.id)-options", title: "\(definition.title): % choosing each option",
                          description: "Dot plot of the % of the \(overall.answered) respondents who answered choosing each of the "
                              + "\(choices.count) options, with \(level) intervals"
                              + (most.map { "; most often chosen: \($0.0.label) (\(TableFormat.format($0.1.proportion * 100, 1))%)" } ?? "")
                              + ".",
                          rows: rows, axisLabel: "% of those answering who chose the option", ratio: false),
                      caption: "\(item.text) % choosing each option, with \(level) interval (more than one could be chosen).",
                      table: data)]
    }

    var methods: String {
        let level = OutcomeTableLayout.confidenceLabel(definition.confidence)
        return "Per option of \(item.id), the % of respondents who chose at least one option that chose it, with \(level) "
            + "Wilson intervals, overall and by subgroup; those who chose none (missing) or were not asked are counted, not included."
    }

    var summary: String { "\(responses) responses, \(overall.answered) answering \(item.id)" }
}
