import OutcomesAnalyses
import OutcomesStatistics

/// The outcome index: its distribution, and its mean overall and by subgroup.
public enum OutcomeIndexLayout {
    public static func groupsTable(_ result: OutcomeIndexResult) -> ReportTable {
        var table = ReportTable(title: result.definition.title, columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false), .init("responses", "Responses"),
            .init("n", "N with an index"), .init("unscored", "No domain answered"), .init("mean", "Mean"), .init("ci_low", "CI low"),
            .init("ci_high", "CI high"), .init("sd", "SD"), .init("median", "Median"), .init("q1", "Q1"), .init("q3", "Q3"),
            .init("min", "Min"), .init("max", "Max"),
        ], notes: notes(result))
        for g in result.groups {
            var cells: [ReportTable.Cell] = [.text(g.variable ?? "Overall"), .text(g.level ?? "All respondents"), .integer(g.responses),
                                             .integer(g.scored), .integer(g.responses - g.scored)]
            if let s = g.summary {
                cells += [s.mean.mean, s.mean.lower, s.mean.upper, s.mean.sd, s.median, s.q1, s.q3, s.min, s.max].map { .number($0, decimals: 6) }
            } else {
                cells += Array(repeating: .empty, count: 9)
            }
            table.rows.append(cells)
        }
        return table
    }

    public static func distributionTable(_ result: OutcomeIndexResult) -> ReportTable {
        let scored = result.distribution.reduce(0) { $0 + $1.count }
        var table = ReportTable(title: "Distribution of the outcome index", columns: [
            .init("index", "Domains better minus worse"), .init("n", "Respondents"), .init("pct", "%"), .init("cumulative_pct", "Cumulative %"),
        ], notes: notes(result))
        var cumulative = 0
        for (value, count) in result.distribution {
            cumulative += count
            table.rows.append([.integer(value), .integer(count), .number(TableFormat.percent(count, scored), decimals: 1),
                               .number(TableFormat.percent(cumulative, scored), decimals: 1)])
        }
        return table
    }

    public static func humanTables(_ result: OutcomeIndexResult) -> [ReportTable] {
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        var byGroup = ReportTable(
            title: "Outcome index by group",
            columns: [.init("group", "Group", alignRight: false), .init("n", "N"), .init("excluded", "No domain answered"),
                      .init("mean", "Mean (\(level) CI)"), .init("sd", "SD"), .init("median", "Median (IQR)")],
            notes: notes(result))
        for g in result.groups {
            let name = g.variable.map { "\($0): \(g.level ?? "")" } ?? "All respondents"
            if let s = g.summary {
                byGroup.rows.append([.text(name), .integer(g.scored), .integer(g.responses - g.scored),
                                     .text("\(TableFormat.format(s.mean.mean, 2)) (\(TableFormat.format(s.mean.lower, 2)) to \(TableFormat.format(s.mean.upper, 2)))"),
                                     .text(TableFormat.format(s.mean.sd, 2)),
                                     .text("\(TableFormat.format(s.median, 1)) (\(TableFormat.format(s.q1, 1)) to \(TableFormat.format(s.q3, 1)))")])
            } else {
                byGroup.rows.append([.text(name), .integer(g.scored), .integer(g.responses - g.scored), .text("– (fewer than 2)"), .text("–"), .text("–")])
            }
        }
        var distribution = distributionTable(result)
        distribution.notes = []
        return [byGroup, distribution]
    }

    static func notes(_ result: OutcomeIndexResult) -> [String] {
        [
            "Outcome index: per respondent, the number of domains that got better minus the number that got worse, among the \(result.domains.count) domains (\(result.domains.map(\.label).joined(separator: ", "))); not applicable, don't know and missing answers count neither way. Range -\(result.domains.count) to +\(result.domains.count).",
            "N: respondents with an index; \(result.unscored) of \(result.responses) answered no domain on the scale and have none. Those with an index answered \(TableFormat.format(result.meanDomainsAnswered, 1)) domains on average, so the index also grows with the number of applicable domains.",
            "Intervals: \(OutcomeTableLayout.confidenceLabel(result.definition.confidence)) t intervals for the mean. Quartiles by linear interpolation.",
        ]
    }
}

extension OutcomeIndexResult: KindLayout, SurveyAnalysisResult {
    var csvTables: [(suffix: String, table: ReportTable)] {
        [("", OutcomeIndexLayout.groupsTable(self)), ("-distribution", OutcomeIndexLayout.distributionTable(self))]
    }

    var humanTables: [ReportTable] { OutcomeIndexLayout.humanTables(self) }

    var charts: [Chart] {
        let id = definition.id, index = self
        let total = index.distribution.reduce(0) { $0 + $1.count }
        let counts = Dictionary(uniqueKeysWithValues: index.distribution.map { ($0.value, $0.count) })
        // Every value from lowest to highest, empty ones included, so the axis is evenly spaced.
        let values = (index.distribution.first?.value ?? 0)...(index.distribution.last?.value ?? 0)
        let bars = values.map { ("\($0)", [SVGCharts.Bar(series: "Respondents", value: TableFormat.percent(counts[$0] ?? 0, total), lower: nil, upper: nil)]) }
        var data = OutcomeIndexLayout.distributionTable(index)
        data.notes = []
        return [Chart(svg: SVGCharts.groupedBars(id: "\(index.definition.id)-histogram", title: "Distribution of the outcome index",
                                                 description: "Bars of the % of respondents at each value of the index (domains better minus domains worse), from \(index.distribution.first?.value ?? 0) to \(index.distribution.last?.value ?? 0).",
                                                 groups: bars, axisLabel: "% of respondents", categoryLabel: "Domains better minus domains worse"),
                      caption: "How many more domains got better than worse, per respondent.", table: data)]
    }

    var methods: String {
        let level = OutcomeTableLayout.confidenceLabel(definition.confidence), index = self
        return "Per respondent, domains better minus domains worse among the \(index.domains.count) domains answered on the scale; mean with \(level) t interval, SD, median and quartiles, overall and by subgroup; \(index.unscored) respondents with no domain answered have no index."
    }

    var summary: String {
        let index = self
        return "\(index.responses) responses, \(index.overall.scored) with an index over \(index.domains.count) domains"
    }
}
