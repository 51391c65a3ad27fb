import OutcomesAnalyses
import OutcomesStatistics

/// A multiple-choice question: the share choosing each option, overall and by subgroup, among those
/// who answered the question.
public enum MultipleChoiceLayout {
    public static func longTable(_ result: MultipleChoiceResult) -> ReportTable {
        let d = DisclosureControl(result.definition)
        var table = ReportTable(title: result.definition.title, columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("responses", "Responses in group"), .init("n_answering", "N answering"),
            .init("option_code", "Option code", alignRight: false), .init("option", "Option", alignRight: false),
            .init("n", "n choosing"), .init("pct", "%"), .init("ci_low", "CI low %"), .init("ci_high", "CI high %"),
            .init("missing_n", "Missing"), .init("not_asked_n", "Not asked"),
        ])
        if result.design != nil { table.columns += DesignLayout.columns(se: "se", "SE %") }
        for g in [result.overall] + result.variables.flatMap(\.groups) {
            let hidden = d.hides(groupOf: g.answered, isTotal: g.variable == nil)
            for (choice, e) in zip(result.choices, g.options) {
                var cells: [ReportTable.Cell] = [.text(g.variable ?? "Overall"), .text(g.level ?? "All respondents")]
                if hidden {
                    let fewer = ReportTable.Cell.suppressed(d.fewer)
                    cells += [d.hides(groupOf: g.responses) ? fewer : d.count(g.responses), fewer,
                              .text(String(choice.code)), .text(choice.label)]
                        + Array(repeating: fewer, count: result.design == nil ? 6 : 10)
                } else {
                    cells += [d.count(g.responses), d.count(g.answered), .text(String(choice.code)),
                              .text(choice.label), d.count(e.count)] + d.shareCells(e)
                        + [d.count(g.missing), d.count(g.notAsked)]
                    if result.design != nil { cells += DesignLayout.shareCells(e, d) }
                }
                table.rows.append(cells)
            }
        }
        let hiddenGroups = result.variables.flatMap(\.groups).filter { d.hides(groupOf: $0.answered) }.count
        table.notes = notes(result) + d.notes(for: table, hiddenGroups: hiddenGroups)
        return table
    }

    public static func humanTables(_ result: MultipleChoiceResult) -> [ReportTable] {
        let d = DisclosureControl(result.definition)
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        let o = result.overall
        var overall = ReportTable(title: "All respondents (N = \(d.countText(o.answered)) answering "
                                      + "of \(d.countText(o.responses)))",
                                  columns: [.init("option", "Option", alignRight: false), .init("n", "n choosing"),
                                            .init("pct", "% (\(level) CI)")],
                                  notes: notes(result))
        for (choice, e) in zip(result.choices, o.options) {
            overall.rows.append([.text(choice.label), d.count(e.count), d.percentCell(e)])
        }
        overall.notes += d.notes(for: overall, hiddenGroups: 0)
        var tables = [overall]
        for variable in result.variables {
            var table = ReportTable(
                title: "% choosing each option (\(level) CI), by \(variable.label.lowercasedFirst)",
                columns: [.init("option", "Option", alignRight: false)]
                    + variable.groups.map { group in
                        .init(group.level ?? "", "\(group.level ?? "") ("
                              + "\(d.hides(groupOf: group.answered) ? d.fewer : "n = " + d.countText(group.answered)))")
                    },
                notes: ["Each cell: % of those in the group who answered the question, with its "
                        + "\(result.design == nil ? "Wilson" : "weighted design-based") interval; "
                        + "n: those in the group who answered."])
            for (index, choice) in result.choices.enumerated() {
                table.rows.append([.text(choice.label)] + variable.groups.map { group in
                    d.hides(groupOf: group.answered) ? .suppressed(d.fewer) : d.percentCell(group.options[index])
                })
            }
            table.notes += d.notes(for: table,
                                   hiddenGroups: variable.groups.filter { d.hides(groupOf: $0.answered) }.count)
            tables.append(table)
        }
        return tables
    }

    static func notes(_ result: MultipleChoiceResult) -> [String] {
        let d = DisclosureControl(result.definition)
        let o = result.overall
        return [
            "Question: \(result.item.text)",
            "N: respondents who chose at least one option; each % is of them. "
                + "People could choose more than one option, "
                + "so the percentages add up to more than 100. \(d.countText(o.missing)) chose none (missing)"
                + (o.notAsked > 0
                    ? " and \(d.countText(o.notAsked)) were not asked "
                        + "(the question's skip condition did not apply)"
                    : "")
                + "; neither is in N.",
        ] + DesignLayout.shareIntervalNotes(result.design, result.definition, of: "each weighted share")
    }
}

extension MultipleChoiceResult: KindLayout, SurveyAnalysisResult {
    var appliesDisclosureControl: Bool { true }

    var csvTables: [(suffix: String, table: ReportTable)] { [("", MultipleChoiceLayout.longTable(self))] }

    var humanTables: [ReportTable] { MultipleChoiceLayout.humanTables(self) }

    var charts: [Chart] {
        let level = OutcomeTableLayout.confidenceLabel(definition.confidence), d = DisclosureControl(definition)
        // The published shares; an option whose count is withheld is listed, not drawn.
        let rows = zip(choices, overall.options).map { choice, e -> SVGCharts.ForestRow in
            guard let shown = d.share(e) else {
                return SVGCharts.ForestRow(label: choice.label, estimate: .nan, lower: .nan, upper: .nan, text: "*")
            }
            return SVGCharts.ForestRow(label: choice.label, estimate: shown.proportion * 100, lower: shown.lower * 100,
                                       upper: shown.upper * 100,
                                       text: e.n == 0 ? "–" : OutcomeTableLayout.percentWithCI(shown))
        }
        guard overall.answered > 0 else { return [] }
        var data = ReportTable(title: "Figures in the chart", columns: [
            .init("option", "Option", alignRight: false), .init("pct", "% (\(level) CI)"),
        ])
        data.rows = rows.map { [.text($0.label), .text($0.text)] }
        let most = zip(choices, rows).filter { $0.1.estimate.isFinite }.max { $0.1.estimate < $1.1.estimate }
        return [Chart(svg: SVGCharts.forest(
                          id: "\(definition.id)-options", title: "\(definition.title): % choosing each option",
                          description: "Dot plot of the % of the \(d.countText(overall.answered)) respondents "
                              + "who answered choosing each of the "
                              + "\(choices.count) options, with \(level) intervals"
                              + (most.map {
                                  "; most often chosen: \($0.0.label) (\(TableFormat.format($0.1.estimate, 1))%)"
                              } ?? "")
                              + ".",
                          rows: rows, axisLabel: "% of those answering who chose the option", ratio: false),
                      caption: "\(item.text) % choosing each option, with \(level) interval "
                          + "(more than one could be chosen).",
                      table: data)]
    }

    var methods: String {
        let level = OutcomeTableLayout.confidenceLabel(definition.confidence)
        return "Per option of \(item.id), the % of respondents who chose at least one option that chose it, "
            + (design == nil ? "with \(level) Wilson intervals" : "weighted, with \(level) design-based intervals")
            + ", overall and by subgroup; "
            + "those who chose none (missing) or were not asked are counted, not included."
    }

    var summary: String { "\(responses) responses, \(overall.answered) answering \(item.id)" }
}
