import OutcomesAnalyses
import OutcomesStatistics

/// How the cohort outcome table is laid out: one long CSV for other tools; for people, an overall
/// table (gtsummary style: N, each share with its interval, exclusions counted) and one compact
/// "% positive by group" table per subgroup variable.
public enum OutcomeTableLayout {
    static let percentDecimals = 1

    /// Every group and domain in one long table (one row per group and item).
    public static func longTable(_ result: OutcomeTableResult) -> ReportTable {
        let d = DisclosureControl(result.definition)
        var columns: [ReportTable.Column] = [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("item", "Item", alignRight: false), .init("domain", "Domain", alignRight: false),
            .init("group_responses", "Responses in group"), .init("n_answering", "N answering"),
        ]
        for share in ["positive", "no_change", "negative"] {
            columns += [.init("\(share)_n", "\(share) n"), .init("\(share)_pct", "\(share) %"),
                        .init("\(share)_ci_low", "\(share) CI low %"), .init("\(share)_ci_high", "\(share) CI high %")]
        }
        columns += [.init("not_applicable_n", "Not applicable"), .init("dont_know_n", "Don't know"),
                    .init("missing_n", "Missing"), .init("not_asked_n", "Not asked")]
        let weighted = result.design != nil
        if weighted {
            columns += DesignLayout.columns(se: "positive_se", "positive SE %", qualifier: " (positive)")
        }
        var table = ReportTable(title: result.definition.title, columns: columns)
        for (index, group) in result.groups.enumerated() {
            for row in group.rows {
                var cells: [ReportTable.Cell] = [
                    .text(group.variable ?? "Overall"), .text(group.level ?? "All respondents"),
                    .text(row.item), .text(row.domain.label),
                ]
                if d.hides(groupOf: row.counts.answering, isTotal: index == 0) {
                    let hidden = ReportTable.Cell.suppressed(d.fewer)
                    cells += [d.hides(groupOf: group.responses) ? hidden : d.count(group.responses)]
                    cells += Array(repeating: hidden, count: columns.count - cells.count)
                } else {
                    cells += [d.count(group.responses), d.count(row.counts.answering)]
                    for estimate in [row.positive, row.noChange, row.negative] {
                        cells += [d.count(estimate.count)] + d.shareCells(estimate)
                    }
                    cells += [d.count(row.counts.notApplicable), d.count(row.counts.dontKnow),
                              d.count(row.counts.missing), d.count(row.counts.notAsked)]
                    if weighted { cells += DesignLayout.shareCells(row.positive, d) }
                }
                table.rows.append(cells)
            }
        }
        table.notes = notes(result) + d.notes(for: table, hiddenGroups: hiddenGroups(result))
        return table
    }

    /// Subgroup levels with a domain too few answered to show.
    static func hiddenGroups(_ result: OutcomeTableResult) -> Int {
        let d = DisclosureControl(result.definition)
        return result.groups.dropFirst().filter { group in
            group.rows.contains { d.hides(groupOf: $0.counts.answering) }
        }.count
    }

    /// The overall table, then one "% positive (95% CI)" table per subgroup variable.
    public static func humanTables(_ result: OutcomeTableResult) -> [ReportTable] {
        let d = DisclosureControl(result.definition)
        let level = confidenceLabel(result.definition.confidence)
        var overall = ReportTable(
            title: "All respondents (N = \(d.countText(result.overall.responses)))",
            columns: [.init("domain", "Domain", alignRight: false), .init("n", "N"),
                      .init("positive", "Positive, % (\(level) CI)"), .init("no_change", "No change, % (\(level) CI)"),
                      .init("negative", "Negative, % (\(level) CI)"), .init("not_applicable", "Not applicable"),
                      .init("missing", "Missing")],
            notes: notes(result))
        if result.overall.rows.contains(where: { $0.counts.dontKnow > 0 }) {
            overall.columns.insert(.init("dont_know", "Don't know"), at: 6)
        }
        let showDontKnow = overall.columns.count == 8
        let showNotAsked = result.overall.rows.contains { $0.counts.notAsked > 0 }
        if showNotAsked { overall.columns.append(.init("not_asked", "Not asked")) }
        if result.design != nil {
            overall.columns += [.init("design_effect", "Design effect"), .init("effective_n", "Effective N")]
        }
        for row in result.overall.rows {
            var cells: [ReportTable.Cell] = [.text(row.domain.label), d.count(row.counts.answering),
                                             d.percentCell(row.positive), d.percentCell(row.noChange),
                                             d.percentCell(row.negative), d.count(row.counts.notApplicable)]
            if showDontKnow { cells.append(d.count(row.counts.dontKnow)) }
            cells.append(d.count(row.counts.missing))
            if showNotAsked { cells.append(d.count(row.counts.notAsked)) }
            if result.design != nil {
                let design = DesignLayout.shareCells(row.positive, d)
                cells += [design[1], design[2]]
            }
            overall.rows.append(cells)
        }
        overall.notes += d.notes(for: overall, hiddenGroups: 0)
        var tables = [overall]

        // Subgroup variables in the order the analysis file names them.
        var variables: [String] = []
        for group in result.groups.dropFirst() where !variables.contains(group.variable!) {
            variables.append(group.variable!)
        }
        for variable in variables {
            let groups = result.groups.filter { $0.variable == variable }
            var table = ReportTable(
                title: "Positive, % (\(level) CI), by \(variable.lowercasedFirst)",
                columns: [.init("domain", "Domain", alignRight: false)] + groups.map { group in
                    .init(group.level!, "\(group.level!) ("
                          + "\(d.hides(groupOf: group.responses) ? d.fewer : "n = " + d.countText(group.responses)))")
                },
                notes: ["Each cell: % positive among those answering in that group, with its "
                        + "\(result.design == nil ? "Wilson" : "weighted design-based") interval; "
                        + "N answering in brackets after the interval."])
            for (index, row) in result.overall.rows.enumerated() {
                table.rows.append([.text(row.domain.label)] + groups.map { group in
                    let estimate = group.rows[index].positive
                    if d.hides(groupOf: estimate.n) { return .suppressed(d.fewer) }
                    return estimate.n == 0
                        ? .text("–") : d.percentCell(estimate, suffix: " [\(d.countText(estimate.n))]")
                })
            }
            let hidden = groups.filter { group in group.rows.contains { d.hides(groupOf: $0.counts.answering) } }.count
            table.notes += d.notes(for: table, hiddenGroups: hidden)
            tables.append(table)
        }
        return tables
    }

    static func notes(_ result: OutcomeTableResult) -> [String] {
        let d = DisclosureControl(result.definition)
        return notAskedNote(result.overall.rows.map { ($0.domain.label, d.countText($0.counts.notAsked)) }) + [
            "N: respondents who answered on the scale; not applicable"
                + "\(result.overall.rows.contains { $0.counts.dontKnow > 0 } ? ", don't know" : "") "
                + "and missing answers are excluded from N and counted separately.",
            "Positive: \(result.positiveLabels.joined(separator: " or ")). "
                + "No change: \(result.neutralLabels.joined(separator: " or ")). "
                + "Negative: \(result.negativeLabels.joined(separator: " or ")).",
        ] + intervalNotes(result)
    }

    /// How the intervals were found: Wilson's for a simple count, or the survey design's.
    static func intervalNotes(_ result: OutcomeTableResult) -> [String] {
        let level = confidenceLabel(result.definition.confidence)
        guard let design = result.design else {
            return ["Intervals: \(level) Wilson score intervals "
                    + "for a binomial proportion (critical value from GSL's gsl_cdf_ugaussian_Pinv)."]
        }
        return DesignLayout.notes(design, level: level, of: "the weighted % positive")
    }

    static func percentWithCI(_ estimate: ProportionEstimate) -> String {
        guard estimate.n > 0 else { return "–" }
        let p = TableFormat.format(estimate.proportion * 100, percentDecimals)
        let lo = TableFormat.format(estimate.lower * 100, percentDecimals)
        let hi = TableFormat.format(estimate.upper * 100, percentDecimals)
        return "\(p) (\(lo) to \(hi))"
    }

    static func confidenceLabel(_ confidence: Double) -> String {
        let percent = confidence * 100
        return percent == percent.rounded() ? "\(Int(percent))%" : "\(percent)%"
    }
}

extension String {
    var lowercasedFirst: String {
        guard let first else { return self }
        // Keep acronyms and proper names ("NHS") as they are.
        if count > 1, self[index(after: startIndex)].isUppercase { return self }
        return first.lowercased() + dropFirst()
    }
}

extension OutcomeTableResult: KindLayout, SurveyAnalysisResult {
    var appliesDisclosureControl: Bool { true }

    var csvTables: [(suffix: String, table: ReportTable)] {
        [("", OutcomeTableLayout.longTable(self))]
    }

    var humanTables: [ReportTable] { OutcomeTableLayout.humanTables(self) }

    var charts: [Chart] {
        let id = definition.id, d = DisclosureControl(definition)
        // The bars show the published shares: a negative or positive share withheld (a count of 1 to 7)
        // has no bar and a * instead; a domain whose no-change share is withheld is left out (its bar
        // could not be placed around zero), and said so.
        let published = overall.rows.filter { $0.counts.answering > 0 }.map { row in
            (row, d.share(row.negative), d.share(row.noChange), d.share(row.positive))
        }
        let shown = published.compactMap { row, negative, neutral, positive -> (OutcomeRow, Double, Double, Double)? in
            guard let neutral else { return nil }
            return (row, negative.map { $0.proportion * 100 } ?? .nan, neutral.proportion * 100,
                    positive.map { $0.proportion * 100 } ?? .nan)
        }.sorted { ($0.3.isFinite ? $0.3 : -1) > ($1.3.isFinite ? $1.3 : -1) }
        let bars = shown.map { row, negative, neutral, positive in
            SVGCharts.DivergingRow(label: row.domain.label, negative: negative, neutral: neutral, positive: positive,
                                   n: d.rounded(row.counts.answering) ?? 0)
        }
        let top = bars.first(where: { $0.positive.isFinite }).map {
            "\($0.label) is the most often positive (\(TableFormat.format($0.positive, 1))%)"
        } ?? ""
        var data = ReportTable(title: "Figures in the chart", columns: [
            .init("domain", "Domain", alignRight: false), .init("negative", "Negative %"),
            .init("no_change", "No change %"), .init("positive", "Positive %"), .init("n", "N"),
        ])
        let share = { (value: Double) -> ReportTable.Cell in
            value.isFinite ? .text(TableFormat.format(value, 1)) : .suppressed("*")
        }
        data.rows = bars.map {
            [.text($0.label), share($0.negative), share($0.neutral), share($0.positive), .integer($0.n)]
        }
        var notes: [String] = []
        if bars.contains(where: { !$0.negative.isFinite || !$0.positive.isFinite }) {
            notes.append("*: a share withheld by disclosure control (a count of 1 to 7), drawn as no bar.")
        }
        let withheld = published.filter { $0.2 == nil }.map(\.0.domain.label)
        if !withheld.isEmpty {
            notes.append("Not drawn, as the no-change share is withheld by disclosure control: "
                         + withheld.joined(separator: ", ") + ".")
        }
        data.notes = notes
        return [Chart(svg: SVGCharts.diverging(id: "\(id)-diverging", title: "\(definition.title), by domain",
                                               description: "Diverging bars of the % reporting a negative, no change "
                                                   + "or positive impact in each of \(bars.count) domains, "
                                                   + "sorted by % positive. \(top).",
                                               rows: bars),
                      caption: "Negative, no change and positive impact in each domain, sorted by % positive "
                          + "(all respondents answering on the scale).",
                      table: data)]
    }

    var methods: String {
        let level = OutcomeTableLayout.confidenceLabel(definition.confidence), table = self
        let intervals = design == nil ? "with \(level) Wilson score intervals"
            : "weighted, with \(level) design-based intervals and design effects"
        return "Shares positive, no change and negative among those answering on the scale in each of "
            + "\(table.overall.rows.count) domains, \(intervals); "
            + "not applicable, don't know and missing answers are counted, not included. "
            + "\(table.groups.count - 1) subgroup levels."
    }

    var summary: String {
        let table = self
        return "\(table.responses) responses, \(table.overall.rows.count) domains, "
            + "\(table.groups.count - 1) subgroup levels"
    }
}

/// "Not asked (a skip condition did not apply to them): Caring 68, ..." for the domains some were not
/// asked, so that Missing means asked and not answered; nothing when everyone was asked everything.
func notAskedNote(_ counts: [(label: String, notAsked: String)]) -> [String] {
    let unasked = counts.filter { $0.notAsked != "0" }
    guard !unasked.isEmpty else { return [] }
    return ["Not asked (the question's skip condition did not apply to them), neither in N nor in Missing: "
            + unasked.map { "\($0.label) \($0.notAsked)" }.joined(separator: ", ")
            + ". Missing: asked and not answered."]
}
