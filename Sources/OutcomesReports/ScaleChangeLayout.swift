import OutcomesAnalyses
import OutcomesInstruments
import OutcomesStatistics

/// How a scale-change (activation) analysis is laid out: a summary of change per group, the level
/// distributions, the transition tables, and mean change by baseline level.
public enum ScaleChangeLayout {
    static func groupLabel(_ group: ScaleChangeGroup) -> (String, String) {
        (group.variable ?? "Overall", group.level ?? "All linked respondents")
    }

    static func levelLabels(_ result: ScaleChangeResult) -> [String] {
        result.scale.levels.map { "Level \($0.level)" }
    }

    /// One row per group: N, means, mean change with CI and tests, % up / same / down, Stuart-Maxwell.
    /// Whether a group's figures are withheld: a subgroup (not everyone linked) with too few people.
    static func hides(_ group: ScaleChangeGroup, _ d: DisclosureControl) -> Bool {
        d.hides(groupOf: group.n, isTotal: group.variable == nil)
    }

    /// The published percentage of `count` out of `total`: from the rounded figures (nil: withheld).
    static func publishedPercent(_ count: Int, _ total: Int, _ d: DisclosureControl) -> Double? {
        guard let k = d.rounded(count), let n = d.rounded(total) else { return nil }
        return percent(k, n)
    }

    public static func summaryTable(_ result: ScaleChangeResult) -> ReportTable {
        let d = DisclosureControl(result.definition)
        var table = ReportTable(title: "Change in \(result.scale.label) by group", columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("n", "N"),
            .init("mean_baseline", "Mean at baseline"), .init("mean_followup", "Mean at follow-up"),
            .init("mean_change", "Mean change"), .init("change_ci_low", "Change CI low"),
            .init("change_ci_high", "Change CI high"),
            .init("paired_t", "Paired t"), .init("paired_t_df", "df"), .init("paired_t_p", "Paired t p"),
            .init("wilcoxon_statistic", "Wilcoxon statistic"), .init("wilcoxon_p", "Wilcoxon p"),
            .init("wilcoxon_method", "Wilcoxon method", alignRight: false),
            .init("up_n", "Level up n"), .init("up_pct", "Level up %"), .init("up_ci_low", "Up CI low %"),
            .init("up_ci_high", "Up CI high %"),
            .init("same_n", "Same level n"), .init("same_pct", "Same level %"), .init("same_ci_low", "Same CI low %"),
            .init("same_ci_high", "Same CI high %"),
            .init("down_n", "Level down n"), .init("down_pct", "Level down %"), .init("down_ci_low", "Down CI low %"),
            .init("down_ci_high", "Down CI high %"),
            .init("stuart_maxwell", "Stuart-Maxwell chi-square"), .init("stuart_maxwell_df", "df"),
            .init("stuart_maxwell_p", "Stuart-Maxwell p"),
            .init("notes", "Notes", alignRight: false),
        ])
        for group in result.groups {
            let (variable, level) = groupLabel(group)
            if hides(group, d) || !d.shows(statisticOf: group.n) {
                let withheld = ReportTable.Cell.suppressed(hides(group, d) ? d.fewer : "*")
                table.rows.append([.text(variable), .text(level)]
                                  + Array(repeating: withheld, count: table.columns.count - 3) + [.text("")])
                continue
            }
            var cells: [ReportTable.Cell] = [.text(variable), .text(level), d.count(group.n),
                                             .number(group.meanBaseline, decimals: 3),
                                             .number(group.meanFollowup, decimals: 3)]
            if let change = group.change {
                cells += [.number(change.meanDifference, decimals: 3), .number(change.lower, decimals: 3),
                          .number(change.upper, decimals: 3), .number(change.t, decimals: 4),
                          .number(change.df, decimals: 0), .number(change.pValue, decimals: 6)]
            } else {
                cells += Array(repeating: .empty, count: 6)
            }
            if let w = group.wilcoxon {
                cells += [.number(w.statistic, decimals: 1), .number(w.pValue, decimals: 6), .text(w.method.rawValue)]
            } else {
                cells += [.empty, .empty, .empty]
            }
            for estimate in [group.up, group.same, group.down] {
                cells += [d.count(estimate.count)] + d.shareCells(estimate)
            }
            if let sm = group.stuartMaxwell {
                cells += [.number(sm.statistic, decimals: 4), .integer(sm.df), .number(sm.pValue, decimals: 6)]
            } else {
                cells += [.empty, .empty, .empty]
            }
            cells.append(.text(group.notes.joined(separator: "; ")))
            table.rows.append(cells)
        }
        table.notes = notes(result) + d.notes(for: table, hiddenGroups: result.groups.filter { hides($0, d) }.count)
        return table
    }

    /// Level distribution at each wave, per group (long form).
    public static func levelsTable(_ result: ScaleChangeResult) -> ReportTable {
        let d = DisclosureControl(result.definition)
        var table = ReportTable(title: "Level at baseline and follow-up", columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("level", "Level", alignRight: false), .init("baseline_n", "Baseline n"),
            .init("baseline_pct", "Baseline %"),
            .init("followup_n", "Follow-up n"), .init("followup_pct", "Follow-up %"),
        ])
        for group in result.groups {
            let (variable, level) = groupLabel(group)
            for (index, label) in levelLabels(result).enumerated() {
                var cells: [ReportTable.Cell] = [.text(variable), .text(level), .text(label)]
                if hides(group, d) {
                    cells += Array(repeating: .suppressed(d.fewer), count: 4)
                } else {
                    for count in [group.baselineLevels[index], group.followupLevels[index]] {
                        cells += [d.count(count),
                                  publishedPercent(count, group.n, d).map { .number($0, decimals: 3) }
                                      ?? .suppressed("*")]
                    }
                }
                table.rows.append(cells)
            }
        }
        table.notes = d.notes(for: table, hiddenGroups: result.groups.filter { hides($0, d) }.count)
        return table
    }

    /// Transition counts per group (long form: one row per baseline and follow-up level).
    public static func transitionsTable(_ result: ScaleChangeResult) -> ReportTable {
        let d = DisclosureControl(result.definition)
        var table = ReportTable(title: "Transitions between levels", columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("baseline_level", "Baseline level", alignRight: false),
            .init("followup_level", "Follow-up level", alignRight: false),
            .init("n", "n"), .init("row_pct", "Row %"),
        ])
        let labels = levelLabels(result)
        for group in result.groups {
            let (variable, level) = groupLabel(group)
            for (i, from) in labels.enumerated() {
                let rowTotal = group.transitions[i].reduce(0, +)
                for (j, to) in labels.enumerated() {
                    let count = group.transitions[i][j]
                    table.rows.append([.text(variable), .text(level), .text(from), .text(to)] + (hides(group, d)
                        ? [.suppressed(d.fewer), .suppressed(d.fewer)]
                        : [d.count(count),
                           publishedPercent(count, rowTotal, d).map { .number($0, decimals: 3) } ?? .suppressed("*")]))
                }
            }
        }
        table.notes = d.notes(for: table, hiddenGroups: result.groups.filter { hides($0, d) }.count)
        return table
    }

    /// Mean change by baseline level, per group: do those starting lowest improve most?
    /// Whether the mean change of those starting at one level is withheld: too few of them.
    static func hidesLevel(_ n: Int, _ d: DisclosureControl) -> Bool { d.hides(groupOf: n) || !d.shows(statisticOf: n) }

    public static func byBaselineLevelTable(_ result: ScaleChangeResult) -> ReportTable {
        let d = DisclosureControl(result.definition)
        var table = ReportTable(title: "Mean change by baseline level", columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("baseline_level", "Baseline level", alignRight: false), .init("n", "n"),
            .init("mean_change", "Mean change"), .init("ci_low", "CI low"), .init("ci_high", "CI high"),
        ])
        let labels = levelLabels(result)
        for group in result.groups {
            let (variable, level) = groupLabel(group)
            for (index, label) in labels.enumerated() {
                let n = group.baselineLevels[index]
                if hides(group, d) {
                    table.rows.append([.text(variable), .text(level), .text(label)]
                                      + Array(repeating: .suppressed(d.fewer), count: 4))
                } else if n > 0, hidesLevel(n, d) {
                    let withheld = ReportTable.Cell.suppressed(d.hides(groupOf: n) ? d.fewer : "*")
                    table.rows.append([.text(variable), .text(level), .text(label), d.count(n),
                                       withheld, withheld, withheld])
                } else if let estimate = group.changeByBaselineLevel[index] {
                    table.rows.append([.text(variable), .text(level), .text(label), d.count(n),
                                       .number(estimate.mean, decimals: 3),
                                       .number(estimate.lower, decimals: 3), .number(estimate.upper, decimals: 3)])
                } else {
                    table.rows.append([.text(variable), .text(level), .text(label), d.count(n), .empty, .empty, .empty])
                }
            }
        }
        table.notes = d.notes(for: table, hiddenGroups: result.groups.filter { hides($0, d) }.count)
        return table
    }

    /// Tables for people: attrition, the summary, then levels and transitions for everyone and by arm.
    public static func humanTables(_ result: ScaleChangeResult) -> [ReportTable] {
        let d = DisclosureControl(result.definition)
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        var tables: [ReportTable] = []
        let l = result.linking
        var linking = ReportTable(title: "Who could be compared", columns: [
            .init("who", "Respondents", alignRight: false), .init("n", "n"),
        ])
        linking.rows = [
            [.text("Scored at both waves (analysed)"), d.count(l.linked)],
            [.text("Baseline only (no follow-up)"), d.count(l.baselineOnly)],
            [.text("Follow-up only (no baseline)"), d.count(l.followupOnly)],
            [.text("Both waves, too few items answered for a score at one or both"), d.count(l.unscored)],
            [.text("Both waves, but recorded in different arms"), d.count(l.armChanged)],
        ]
        linking.notes = ["Only respondents scored at both waves enter the figures below; "
                         + "the others are counted here, not guessed."]
        linking.notes += d.notes(for: linking, hiddenGroups: 0)
        tables.append(linking)

        var summary = ReportTable(title: "Change in \(result.scale.label)", columns: [
            .init("group", "Group", alignRight: false), .init("n", "N"), .init("baseline", "Mean at baseline"),
            .init("followup", "Mean at follow-up"), .init("change", "Mean change (\(level) CI)"),
            .init("t", "Paired t-test p"),
            .init("w", "Wilcoxon p"), .init("up", "Level up, % (\(level) CI)"), .init("same", "Same level, %"),
            .init("down", "Level down, % (\(level) CI)"), .init("sm", "Stuart-Maxwell p"),
        ])
        for group in result.groups {
            let name = group.variable.map { "\($0): \(group.level ?? "")" } ?? "All linked respondents"
            if hides(group, d) || !d.shows(statisticOf: group.n) {
                summary.rows.append([.text(name)]
                                    + Array(repeating: .suppressed(hides(group, d) ? d.fewer : "*"), count: 10))
                continue
            }
            summary.rows.append([
                .text(name), d.count(group.n), .text(fixed(group.meanBaseline)), .text(fixed(group.meanFollowup)),
                .text(group.change.map {
                    "\(signed($0.meanDifference)) (\(signed($0.lower)) to \(signed($0.upper)))"
                } ?? "–"),
                .text(group.change.map { pValue($0.pValue) } ?? "–"),
                .text(group.wilcoxon.map { pValue($0.pValue) } ?? "–"),
                d.percentCell(group.up),
                group.same.n > 0
                    ? (d.share(group.same).map { .text(TableFormat.format($0.proportion * 100, 1)) }
                       ?? .suppressed("*"))
                    : .text("–"),
                d.percentCell(group.down),
                .text(group.stuartMaxwell.map { pValue($0.pValue) } ?? "–"),
            ])
        }
        summary.notes = notes(result) + result.groups.flatMap { group in
            group.notes.map {
                "\(group.variable.map { "\($0): \(group.level ?? "")" } ?? "All linked respondents"): \($0)"
            }
        }
        summary.notes += d.notes(for: summary, hiddenGroups: result.groups.filter { hides($0, d) }.count)
        tables.append(summary)

        let labels = levelLabels(result)
        let shown = result.groups.filter { ($0.variable == nil || $0.variable == "Arm") && !hides($0, d) }
        // A published count with its row % from the rounded figures: "25 (31%)", or "*".
        func cell(_ count: Int, of total: Int, decimals: Int) -> ReportTable.Cell {
            guard let k = d.rounded(count), let pct = publishedPercent(count, total, d) else { return .suppressed("*") }
            return .text("\(k) (\(TableFormat.format(pct, decimals))%)")
        }
        for group in shown {
            let name = group.level.map { "\($0) arm" } ?? "all linked respondents"
            var transitions = ReportTable(title: "Level transitions, \(name) (n = \(d.countText(group.n)))",
                                          columns: [.init("from", "Baseline level", alignRight: false)]
                                              + labels.map { .init($0, "Follow-up \($0.lowercased())") }
                                              + [.init("total", "Baseline n (%)"),
                                                 .init("change", "Mean change (\(level) CI)")])
            for (i, label) in labels.enumerated() {
                let rowTotal = group.transitions[i].reduce(0, +)
                let estimate = group.changeByBaselineLevel[i]
                let change: ReportTable.Cell = rowTotal > 0 && hidesLevel(rowTotal, d)
                    ? .suppressed(d.hides(groupOf: rowTotal) ? d.fewer : "*")
                    : .text(estimate.map { "\(signed($0.mean)) (\(signed($0.lower)) to \(signed($0.upper)))" } ?? "–")
                transitions.rows.append([.text(label)]
                    + group.transitions[i].map { cell($0, of: rowTotal, decimals: 0) }
                    + [cell(rowTotal, of: group.n, decimals: 1), change])
            }
            transitions.rows.append([.text("Follow-up n (%)")]
                + group.followupLevels.map { cell($0, of: group.n, decimals: 1) }
                + [d.count(group.n), .text("")])
            transitions.notes = ["Cells: respondents (row %). "
                                 + "The last column shows whether those starting lowest improved most."]
            transitions.notes += d.notes(for: transitions, hiddenGroups: 0)
            tables.append(transitions)
        }
        return tables
    }

    static func notes(_ result: ScaleChangeResult) -> [String] {
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        let cutpoints = result.scale.levels.compactMap { l in
            l.upperBound.map { "level \(l.level) up to \(fixed($0))" }
        }
        return [
            "\(result.scale.label): \(result.scale.method.rawValue) of answered items, "
                + "at least \(result.scale.minAnswered ?? result.scale.items.count) of \(result.scale.items.count); "
                + "levels: \(cutpoints.joined(separator: ", ")), "
                + "level \(result.scale.levels.last?.level ?? 0) above.",
            "Change is follow-up minus baseline, per respondent linked by site and respondent id. "
                + "Mean change: paired t-test with its \(level) t interval. "
                + "Wilcoxon signed-rank test: zero changes dropped; exact, all sign assignments (ties, n <= 13) "
                + "or normal approximation with tie correction (as SciPy).",
            "Level up / same / down: \(level) Wilson intervals. "
                + "Stuart-Maxwell: test that the level distribution is the same at both waves "
                + "(levels empty at both waves left out).",
        ]
    }

    static func percent(_ count: Int, _ total: Int) -> Double { TableFormat.percent(count, total) }
    static func fixed(_ value: Double) -> String { TableFormat.fixed(value, 1) }
    static func signed(_ value: Double) -> String {
        value > 0 ? "+" + TableFormat.format(value, 1) : TableFormat.format(value, 1)
    }
    static func pValue(_ p: Double) -> String { TableFormat.pValue(p) }
}

extension ScaleChangeResult: KindLayout {
    var appliesDisclosureControl: Bool { true }

    var csvTables: [(suffix: String, table: ReportTable)] {
        [("", ScaleChangeLayout.summaryTable(self)), ("-levels", ScaleChangeLayout.levelsTable(self)),
         ("-transitions", ScaleChangeLayout.transitionsTable(self)),
         ("-by-baseline-level", ScaleChangeLayout.byBaselineLevelTable(self))]
    }

    var humanTables: [ReportTable] { ScaleChangeLayout.humanTables(self) }

    var charts: [Chart] {
        let id = definition.id, change = self, d = DisclosureControl(definition)
        let armGroups = change.groups.filter { $0.variable == "Arm" && !ScaleChangeLayout.hides($0, d) }
        let groups = armGroups.isEmpty ? [change.overall] : armGroups
        let labels = ScaleChangeLayout.levelLabels(change)
        let categories: [(label: String, bars: [SVGCharts.Bar])] = labels.enumerated().map { index, label in
            (label, groups.map { group in
                let estimate = ScaleChangeLayout.hidesLevel(group.baselineLevels[index], d)
                    ? nil : group.changeByBaselineLevel[index]
                return SVGCharts.Bar(series: group.level ?? "All linked", value: estimate?.mean ?? .nan,
                                     lower: estimate?.lower, upper: estimate?.upper)
            })
        }
        var data = ReportTable(title: "Figures in the chart: mean change (95% CI) by baseline level",
                               columns: [.init("level", "Baseline level", alignRight: false)]
                                   + groups.map { .init($0.level ?? "all", $0.level ?? "All linked") })
        for (index, label) in labels.enumerated() {
            data.rows.append([.text(label)] + groups.map { group in
                if group.baselineLevels[index] > 0, ScaleChangeLayout.hidesLevel(group.baselineLevels[index], d) {
                    return .suppressed(d.hides(groupOf: group.baselineLevels[index]) ? d.fewer : "*")
                }
                return .text(group.changeByBaselineLevel[index].map {
                    "\(ScaleChangeLayout.signed($0.mean)) (\(ScaleChangeLayout.signed($0.lower)) to "
                        + "\(ScaleChangeLayout.signed($0.upper))), n = \(d.countText($0.n))"
                } ?? "–")
            })
        }
        return [Chart(svg: SVGCharts.groupedBars(id: "\(id)-by-level",
                                                 title: "Mean change in \(change.scale.label) by baseline level",
                                                 description: "Bars of the mean change from baseline to follow-up "
                                                     + "for people starting at each level, "
                                                     + "\(armGroups.isEmpty ? "all linked respondents" : "by arm"), "
                                                     + "with 95% confidence intervals. Bars above zero are gains.",
                                                 groups: categories, axisLabel: "Mean change (points)",
                                                 categoryLabel: "Level at baseline"),
                      caption: "Did those starting lowest improve most? "
                          + "Mean change by level at baseline, with 95% intervals.", table: data)]
    }

    var methods: String {
        let change = self
        return ScaleChangeLayout.notes(change).joined(separator: " ")
    }

    var summary: String {
        let change = self
        let l = change.linking
        return "\(l.linked) respondents linked (\(l.baselineOnly) baseline only, \(l.followupOnly) follow-up only, "
            + "\(l.unscored) unscored), \(change.groups.count - 1) groups"
    }

    var dataDescription: String {
        "Instrument: \(instrumentTitle) (`\(instrumentID)` \(instrumentVersion)), "
            + "scale `\(scale.id)`, waves \(settings.baselineWave) to \(settings.followupWave). "
            + "Sites: \(sites.count) (\(sites.joined(separator: ", ")))."
    }

    var jsonData: [String: Any] {
        let l = linking, d = DisclosureControl(definition)
        let count = d.jsonCount
        return ["instrument": instrumentID, "instrument_version": instrumentVersion, "scale": scale.id,
                "baseline_wave": settings.baselineWave, "followup_wave": settings.followupWave,
                "sites": sites,
                "linking": ["linked": count(l.linked), "baseline_only": count(l.baselineOnly),
                            "followup_only": count(l.followupOnly),
                            "unscored": count(l.unscored), "arm_changed": count(l.armChanged)]]
    }

    var wavesRead: (instrument: String, version: String, waves: [(wave: String, responses: Int, sites: [String])]) {
        (instrumentID, instrumentVersion, waves)
    }
}
