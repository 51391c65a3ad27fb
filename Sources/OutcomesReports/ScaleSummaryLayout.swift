import OutcomesAnalyses
import OutcomesStatistics

/// One wave's scale scores: mean with its interval, SD, median and quartiles, and the level
/// distribution, overall and by subgroup.
public enum ScaleSummaryLayout {
    static func hides(_ group: ScaleSummaryGroup, _ d: DisclosureControl) -> Bool {
        d.hides(groupOf: group.scored, isTotal: group.variable == nil)
    }

    static func name(_ group: ScaleSummaryGroup) -> String {
        group.variable.map { "\($0): \(group.level ?? "")" } ?? "All respondents"
    }

    public static func summaryTable(_ result: ScaleSummaryResult) -> ReportTable {
        let d = DisclosureControl(result.definition)
        var table = ReportTable(title: result.definition.title, columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("responses", "Responses"), .init("n", "N with a score"), .init("unscored", "Too few items answered"),
            .init("mean", "Mean"), .init("ci_low", "CI low"), .init("ci_high", "CI high"), .init("sd", "SD"),
            .init("median", "Median"), .init("q1", "Q1"), .init("q3", "Q3"),
        ])
        if result.design != nil { table.columns += DesignLayout.columns(se: "se", "SE") }
        for group in result.groups {
            var cells: [ReportTable.Cell] = [.text(group.variable ?? "Overall"),
                                             .text(group.level ?? "All respondents")]
            if hides(group, d) {
                let fewer = ReportTable.Cell.suppressed(d.fewer)
                cells += [d.hides(groupOf: group.responses) ? fewer : d.count(group.responses)]
                    + Array(repeating: fewer, count: result.design == nil ? 9 : 13)
            } else {
                cells += [d.count(group.responses), d.count(group.scored), d.count(group.responses - group.scored)]
                cells += d.summaryCells(group.summary, of: group.scored)
                if result.design != nil { cells += DesignLayout.meanCells(group.summary, of: group.scored, d) }
            }
            table.rows.append(cells)
        }
        table.notes = notes(result) + d.notes(for: table, hiddenGroups: result.groups.filter { hides($0, d) }.count)
        return table
    }

    public static func levelsTable(_ result: ScaleSummaryResult) -> ReportTable {
        let d = DisclosureControl(result.definition)
        var table = ReportTable(title: "Level of \(result.scale.label)", columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("level", "Level", alignRight: false), .init("n", "n"), .init("pct", "%"), .init("ci_low", "CI low %"),
            .init("ci_high", "CI high %"),
        ])
        let weighted = result.design != nil
        if weighted { table.columns += DesignLayout.columns(se: "se", "SE %") }
        for group in result.groups {
            for (level, estimate) in zip(result.scale.levels, group.levels) {
                var cells: [ReportTable.Cell] = [.text(group.variable ?? "Overall"),
                                                 .text(group.level ?? "All respondents"),
                                                 .text("Level \(level.level)")]
                cells += hides(group, d) ? Array(repeating: .suppressed(d.fewer), count: weighted ? 8 : 4)
                    : [d.count(estimate.count)] + d.shareCells(estimate)
                        + (weighted ? DesignLayout.shareCells(estimate, d) : [])
                table.rows.append(cells)
            }
        }
        table.notes = d.notes(for: table, hiddenGroups: result.groups.filter { hides($0, d) }.count)
        return table
    }

    public static func humanTables(_ result: ScaleSummaryResult) -> [ReportTable] {
        let d = DisclosureControl(result.definition)
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        var summary = ReportTable(title: "\(result.scale.label) by group", columns: [
            .init("group", "Group", alignRight: false), .init("n", "N"), .init("mean", "Mean (\(level) CI)"),
            .init("sd", "SD"), .init("median", "Median (IQR)"),
        ] + result.scale.levels.map { .init("level_\($0.level)", "Level \($0.level), %") })
        for group in result.groups {
            if hides(group, d) {
                summary.rows.append([.text(name(group))]
                                    + Array(repeating: .suppressed(d.fewer), count: summary.columns.count - 1))
                continue
            }
            var cells: [ReportTable.Cell] = [.text(name(group)), d.count(group.scored)]
            if let s = group.summary, d.shows(statisticOf: group.scored) {
                cells += [.text("\(TableFormat.format(s.mean.mean, 1)) "
                                + "(\(TableFormat.format(s.mean.lower, 1)) to \(TableFormat.format(s.mean.upper, 1)))"),
                          .text(TableFormat.format(s.mean.sd, 1)),
                          .text("\(TableFormat.format(s.median, 1)) "
                                + "(\(TableFormat.format(s.q1, 1)) to \(TableFormat.format(s.q3, 1)))")]
            } else {
                cells += Array(repeating: group.summary == nil ? .text("–") : .suppressed("*"), count: 3)
            }
            cells += group.levels.map { e in
                e.n == 0 ? .text("–")
                    : (d.share(e).map { .text(TableFormat.fixed($0.proportion * 100, 1)) } ?? .suppressed("*"))
            }
            summary.rows.append(cells)
        }
        summary.notes = notes(result) + d.notes(for: summary, hiddenGroups: result.groups.filter { hides($0, d) }.count)
        return [summary]
    }

    static func notes(_ result: ScaleSummaryResult) -> [String] {
        let d = DisclosureControl(result.definition)
        let s = result.scale
        let unscored = result.overall.responses - result.overall.scored
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        let intervals = result.design.map {
            DesignLayout.notes($0, level: level, of: "each weighted mean or share", means: true)
        } ?? ["Mean with its \(level) t interval; quartiles by linear interpolation"
            + (s.levels.isEmpty ? "." : "; the share at each level with Wilson intervals, among those with a score.")]
        return [
            "\(s.label): \(s.method.rawValue) of answered items, "
                + "at least \(s.minAnswered ?? s.items.count) of \(s.items.count) answered; "
                + "\(d.countText(unscored)) of \(d.countText(result.overall.responses)) respondents "
                + "answered too few for a score and are not in N.",
        ] + intervals
    }
}

extension ScaleSummaryResult: KindLayout, SurveyAnalysisResult {
    var appliesDisclosureControl: Bool { true }

    var csvTables: [(suffix: String, table: ReportTable)] {
        scale.levels.isEmpty ? [("", ScaleSummaryLayout.summaryTable(self))]
            : [("", ScaleSummaryLayout.summaryTable(self)), ("-levels", ScaleSummaryLayout.levelsTable(self))]
    }

    var humanTables: [ReportTable] { ScaleSummaryLayout.humanTables(self) }

    var charts: [Chart] {
        let d = DisclosureControl(definition)
        let rows = groups.compactMap { group -> SVGCharts.ForestRow? in
            guard !ScaleSummaryLayout.hides(group, d), d.shows(statisticOf: group.scored), let s = group.summary
            else { return nil }
            return SVGCharts.ForestRow(label: ScaleSummaryLayout.name(group), estimate: s.mean.mean,
                                       lower: s.mean.lower, upper: s.mean.upper,
                                       text: "\(TableFormat.format(s.mean.mean, 1)) "
                                           + "(\(TableFormat.format(s.mean.lower, 1)) to "
                                           + "\(TableFormat.format(s.mean.upper, 1)))",
                                       emphasised: group.variable == nil)
        }
        guard rows.count > 1 else { return [] }
        var data = ReportTable(title: "Figures in the chart", columns: [
            .init("group", "Group", alignRight: false), .init("mean", "Mean (95% CI)"),
        ])
        data.rows = rows.map { [.text($0.label), .text($0.text)] }
        return [Chart(svg: SVGCharts.forest(id: "\(definition.id)-means", title: "\(scale.label): mean by group",
                                            description: "Dot plot of the mean \(scale.label.lowercasedFirst) "
                                                + "in each group with its 95% interval.",
                                            rows: rows, axisLabel: "Mean \(scale.label.lowercasedFirst)", ratio: false),
                      caption: "\(scale.label): mean by group, with 95% intervals.", table: data)]
    }

    var methods: String { ScaleSummaryLayout.notes(self).joined(separator: " ") }

    var summary: String {
        "\(responses) responses, \(overall.scored) scored on \(scale.id), \(groups.count - 1) subgroup levels"
    }
}
