import OutcomesAnalyses
import OutcomesStatistics

/// The outcome index: its distribution, and its mean overall and by subgroup.
public enum OutcomeIndexLayout {
    public static func groupsTable(_ result: OutcomeIndexResult) -> ReportTable {
        let d = DisclosureControl(result.definition)
        var table = ReportTable(title: result.definition.title, columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("responses", "Responses"), .init("n", "N with an index"), .init("unscored", "No domain answered"),
            .init("mean", "Mean"), .init("ci_low", "CI low"), .init("ci_high", "CI high"), .init("sd", "SD"),
            .init("median", "Median"), .init("q1", "Q1"), .init("q3", "Q3"),
            .init("min", "Min"), .init("max", "Max"),
        ])
        let weighted = result.design != nil
        if weighted { table.columns += DesignLayout.columns(se: "se", "SE") }
        for g in result.groups {
            var cells: [ReportTable.Cell] = [.text(g.variable ?? "Overall"), .text(g.level ?? "All respondents")]
            if d.hides(groupOf: g.scored, isTotal: g.variable == nil) {
                let fewer = ReportTable.Cell.suppressed(d.fewer)
                cells += [d.hides(groupOf: g.responses) ? fewer : d.count(g.responses)]
                    + Array(repeating: fewer, count: weighted ? 15 : 11)
            } else {
                cells += [d.count(g.responses), d.count(g.scored), d.count(g.responses - g.scored)]
                cells += d.summaryCells(g.summary, of: g.scored)
                // The lowest and highest are one person's values each: not published.
                if let s = g.summary, d.shows(statisticOf: g.scored), !d.rules.isOn {
                    cells += [.number(s.min, decimals: 6), .number(s.max, decimals: 6)]
                } else {
                    cells += Array(repeating: g.summary == nil ? .empty : .suppressed("*"), count: 2)
                }
                if weighted { cells += DesignLayout.meanCells(g.summary, of: g.scored, d) }
            }
            table.rows.append(cells)
        }
        table.notes = notes(result) + d.notes(for: table, hiddenGroups: hiddenGroups(result))
        return table
    }

    static func hiddenGroups(_ result: OutcomeIndexResult) -> Int {
        let d = DisclosureControl(result.definition)
        return result.groups.filter { $0.variable != nil && d.hides(groupOf: $0.scored) }.count
    }

    /// Per index value: the published count (nil: withheld), and the % and cumulative % from rounded figures.
    static func publishedDistribution(_ result: OutcomeIndexResult)
        -> [(value: Int, count: Int?, pct: Double?, cumulative: Double?)] {
        let d = DisclosureControl(result.definition)
        let scored = d.rounded(result.distribution.reduce(0) { $0 + $1.count })
        var cumulative = 0
        return result.distribution.map { value, count in
            cumulative += count
            let shown = d.rounded(count), upTo = d.rounded(cumulative)
            let pct = shown.flatMap { c in scored.map { TableFormat.percent(c, $0) } }
            return (value, shown, pct, upTo.flatMap { c in scored.map { TableFormat.percent(c, $0) } })
        }
    }

    public static func distributionTable(_ result: OutcomeIndexResult) -> ReportTable {
        let d = DisclosureControl(result.definition)
        var table = ReportTable(title: "Distribution of the outcome index", columns: [
            .init("index", "Domains better minus worse"), .init("n", "Respondents"), .init("pct", "%"),
            .init("cumulative_pct", "Cumulative %"),
        ])
        for row in publishedDistribution(result) {
            table.rows.append([.integer(row.value), row.count.map { .integer($0) } ?? .suppressed("*"),
                               row.pct.map { .number($0, decimals: 1) } ?? .suppressed("*"),
                               row.cumulative.map { .number($0, decimals: 1) } ?? .suppressed("*")])
        }
        table.notes = notes(result) + d.notes(for: table, hiddenGroups: 0)
        return table
    }

    public static func humanTables(_ result: OutcomeIndexResult) -> [ReportTable] {
        let d = DisclosureControl(result.definition)
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        var byGroup = ReportTable(
            title: "Outcome index by group",
            columns: [.init("group", "Group", alignRight: false), .init("n", "N"),
                      .init("excluded", "No domain answered"),
                      .init("mean", "Mean (\(level) CI)"), .init("sd", "SD"), .init("median", "Median (IQR)")],
            notes: notes(result))
        for g in result.groups {
            let name = g.variable.map { "\($0): \(g.level ?? "")" } ?? "All respondents"
            if d.hides(groupOf: g.scored, isTotal: g.variable == nil) {
                byGroup.rows.append([.text(name)] + Array(repeating: .suppressed(d.fewer), count: 5))
            } else if let s = g.summary, d.shows(statisticOf: g.scored) {
                byGroup.rows.append([.text(name), d.count(g.scored), d.count(g.responses - g.scored),
                                     .text("\(TableFormat.format(s.mean.mean, 2)) "
                                           + "(\(TableFormat.format(s.mean.lower, 2)) to "
                                           + "\(TableFormat.format(s.mean.upper, 2)))"),
                                     .text(TableFormat.format(s.mean.sd, 2)),
                                     .text("\(TableFormat.format(s.median, 1)) "
                                           + "(\(TableFormat.format(s.q1, 1)) to \(TableFormat.format(s.q3, 1)))")])
            } else if g.summary != nil {
                byGroup.rows.append([.text(name), d.count(g.scored), d.count(g.responses - g.scored),
                                     .suppressed("*"), .suppressed("*"), .suppressed("*")])
            } else {
                byGroup.rows.append([.text(name), d.count(g.scored), d.count(g.responses - g.scored),
                                     .text("– (fewer than 2)"), .text("–"), .text("–")])
            }
        }
        byGroup.notes += d.notes(for: byGroup, hiddenGroups: hiddenGroups(result))
        var distribution = distributionTable(result)
        distribution.notes = d.notes(for: distribution, hiddenGroups: 0)
        return [byGroup, distribution]
    }

    static func notes(_ result: OutcomeIndexResult) -> [String] {
        let d = DisclosureControl(result.definition)
        return [
            "Outcome index: per respondent, the number of domains that got better minus the number that got worse, "
                + "among the \(result.domains.count) domains "
                + "(\(result.domains.map(\.label).joined(separator: ", "))); "
                + "not applicable, don't know and missing answers count neither way. "
                + "Range -\(result.domains.count) to +\(result.domains.count).",
            "N: respondents with an index; \(d.countText(result.unscored)) of \(d.countText(result.responses)) "
                + "answered no domain on the scale and have none. Those with an index answered "
                + "\(TableFormat.format(result.meanDomainsAnswered, 1)) domains on average, "
                + "so the index also grows with the number of applicable domains.",
        ] + intervalNotes(result)
    }

    static func intervalNotes(_ result: OutcomeIndexResult) -> [String] {
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        let extremes = DisclosureControl(result.definition).rules.isOn
            ? " The lowest and highest values are one person's each, so they are not published." : ""
        guard let design = result.design else {
            return ["Intervals: \(level) t intervals for the mean. Quartiles by linear interpolation." + extremes]
        }
        return DesignLayout.notes(design, level: level, of: "each weighted mean", means: true, shares: false)
            + ["The distribution of the index counts respondents, unweighted." + extremes]
    }
}

extension OutcomeIndexResult: KindLayout, SurveyAnalysisResult {
    var appliesDisclosureControl: Bool { true }

    var csvTables: [(suffix: String, table: ReportTable)] {
        [("", OutcomeIndexLayout.groupsTable(self)),
         ("-distribution", OutcomeIndexLayout.distributionTable(self))]
    }

    var humanTables: [ReportTable] { OutcomeIndexLayout.humanTables(self) }

    var charts: [Chart] {
        let published = OutcomeIndexLayout.publishedDistribution(self)
        let pct = Dictionary(uniqueKeysWithValues: published.map { ($0.value, $0.pct) })
        // Every value from lowest to highest published, empty ones included, so the axis is evenly
        // spaced; a withheld count has no bar (and its value is listed in the table beside).
        let shownValues = published.filter { $0.count != nil }.map(\.value)
        let values = (shownValues.first ?? 0)...(shownValues.last ?? 0)
        let bars = values.map { value in
            ("\(value)",
             [SVGCharts.Bar(series: "Respondents", value: (pct[value] ?? 0) ?? .nan, lower: nil, upper: nil)])
        }
        var data = OutcomeIndexLayout.distributionTable(self)
        data.notes = []
        let withheld = published.filter { $0.count == nil }.map { String($0.value) }
        if !withheld.isEmpty {
            data.notes = ["No bar where the count is withheld (1 to 7 people): \(withheld.joined(separator: ", "))."]
        }
        return [Chart(svg: SVGCharts.groupedBars(id: "\(definition.id)-histogram",
                                                 title: "Distribution of the outcome index",
                                                 description: "Bars of the % of respondents at each value of the index "
                                                     + "(domains better minus domains worse), "
                                                     + "from \(values.lowerBound) to \(values.upperBound).",
                                                 groups: bars, axisLabel: "% of respondents",
                                                 categoryLabel: "Domains better minus domains worse"),
                      caption: "How many more domains got better than worse, per respondent.", table: data)]
    }

    var methods: String {
        let level = OutcomeTableLayout.confidenceLabel(definition.confidence), index = self
        return "Per respondent, domains better minus domains worse among the \(index.domains.count) domains "
            + "answered on the scale; \(design == nil ? "" : "weighted ")mean with \(level) "
            + "\(design == nil ? "t" : "design-based t") interval, SD, median and quartiles, "
            + "overall and by subgroup; \(DisclosureControl(definition).countText(index.unscored)) respondents "
            + "with no domain answered have no index."
    }

    var summary: String {
        let index = self
        return "\(index.responses) responses, \(index.overall.scored) with an index over \(index.domains.count) domains"
    }
}
