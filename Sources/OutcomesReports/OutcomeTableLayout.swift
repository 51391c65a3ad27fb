import OutcomesAnalyses
import OutcomesStatistics

/// How the cohort outcome table is laid out: one long CSV for other tools; for people, an overall
/// table (gtsummary style: N, each share with its interval, exclusions counted) and one compact
/// "% positive by group" table per subgroup variable.
public enum OutcomeTableLayout {
    static let percentDecimals = 1

    /// Every group and domain in one long table (one row per group and item).
    public static func longTable(_ result: OutcomeTableResult) -> ReportTable {
        var columns: [ReportTable.Column] = [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("item", "Item", alignRight: false), .init("domain", "Domain", alignRight: false),
            .init("group_responses", "Responses in group"), .init("n_answering", "N answering"),
        ]
        for share in ["positive", "no_change", "negative"] {
            columns += [.init("\(share)_n", "\(share) n"), .init("\(share)_pct", "\(share) %"),
                        .init("\(share)_ci_low", "\(share) CI low %"), .init("\(share)_ci_high", "\(share) CI high %")]
        }
        columns += [.init("not_applicable_n", "Not applicable"), .init("dont_know_n", "Don't know"), .init("missing_n", "Missing"),
                    .init("not_asked_n", "Not asked")]
        var table = ReportTable(title: result.definition.title, columns: columns, notes: notes(result))
        for group in result.groups {
            for row in group.rows {
                var cells: [ReportTable.Cell] = [
                    .text(group.variable ?? "Overall"), .text(group.level ?? "All respondents"),
                    .text(row.item), .text(row.domain.label), .integer(group.responses), .integer(row.counts.answering),
                ]
                for estimate in [row.positive, row.noChange, row.negative] {
                    cells += [.integer(estimate.count), .number(estimate.proportion * 100, decimals: 3),
                              .number(estimate.lower * 100, decimals: 3), .number(estimate.upper * 100, decimals: 3)]
                }
                cells += [.integer(row.counts.notApplicable), .integer(row.counts.dontKnow), .integer(row.counts.missing),
                          .integer(row.counts.notAsked)]
                table.rows.append(cells)
            }
        }
        return table
    }

    /// The overall table, then one "% positive (95% CI)" table per subgroup variable.
    public static func humanTables(_ result: OutcomeTableResult) -> [ReportTable] {
        let level = confidenceLabel(result.definition.confidence)
        var overall = ReportTable(
            title: "All respondents (N = \(result.overall.responses))",
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
        for row in result.overall.rows {
            var cells: [ReportTable.Cell] = [.text(row.domain.label), .integer(row.counts.answering),
                                             .text(percentWithCI(row.positive)), .text(percentWithCI(row.noChange)),
                                             .text(percentWithCI(row.negative)), .integer(row.counts.notApplicable)]
            if showDontKnow { cells.append(.integer(row.counts.dontKnow)) }
            cells.append(.integer(row.counts.missing))
            if showNotAsked { cells.append(.integer(row.counts.notAsked)) }
            overall.rows.append(cells)
        }
        var tables = [overall]

        // Subgroup variables in the order the analysis file names them.
        var variables: [String] = []
        for group in result.groups.dropFirst() where !variables.contains(group.variable!) { variables.append(group.variable!) }
        for variable in variables {
            let groups = result.groups.filter { $0.variable == variable }
            var table = ReportTable(
                title: "Positive, % (\(level) CI), by \(variable.lowercasedFirst)",
                columns: [.init("domain", "Domain", alignRight: false)]
                    + groups.map { .init($0.level!, "\($0.level!) (n = \($0.responses))") },
                notes: ["Each cell: % positive among those answering in that group, with its Wilson interval; N answering in brackets after the interval."])
            for (index, row) in result.overall.rows.enumerated() {
                table.rows.append([.text(row.domain.label)] + groups.map { group in
                    let estimate = group.rows[index].positive
                    return .text(estimate.n == 0 ? "–" : "\(percentWithCI(estimate)) [\(estimate.n)]")
                })
            }
            tables.append(table)
        }
        return tables
    }

    static func notes(_ result: OutcomeTableResult) -> [String] {
        notAskedNote(result.overall.rows.map { ($0.domain.label, $0.counts.notAsked) }) + [
            "N: respondents who answered on the scale; not applicable\(result.overall.rows.contains { $0.counts.dontKnow > 0 } ? ", don't know" : "") and missing answers are excluded from N and counted separately.",
            "Positive: \(result.positiveLabels.joined(separator: " or ")). No change: \(result.neutralLabels.joined(separator: " or ")). Negative: \(result.negativeLabels.joined(separator: " or ")).",
            "Intervals: \(confidenceLabel(result.definition.confidence)) Wilson score intervals for a binomial proportion (critical value from GSL's gsl_cdf_ugaussian_Pinv).",
        ]
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
    var csvTables: [(suffix: String, table: ReportTable)] {
        [("", OutcomeTableLayout.longTable(self))]
    }

    var humanTables: [ReportTable] { OutcomeTableLayout.humanTables(self) }

    var charts: [Chart] {
        let id = definition.id, table = self
        let rows = table.overall.rows.filter { $0.counts.answering > 0 }.sorted { $0.positive.proportion > $1.positive.proportion }
        let bars = rows.map { row in
            SVGCharts.DivergingRow(label: row.domain.label, negative: row.negative.proportion * 100, neutral: row.noChange.proportion * 100,
                                   positive: row.positive.proportion * 100, n: row.counts.answering)
        }
        let top = bars.first.map { "\($0.label) is the most often positive (\(TableFormat.format($0.positive, 1))%)" } ?? ""
        var data = ReportTable(title: "Figures in the chart", columns: [
            .init("domain", "Domain", alignRight: false), .init("negative", "Negative %"), .init("no_change", "No change %"),
            .init("positive", "Positive %"), .init("n", "N"),
        ])
        data.rows = bars.map { [.text($0.label), .text(TableFormat.format($0.negative, 1)), .text(TableFormat.format($0.neutral, 1)),
                                .text(TableFormat.format($0.positive, 1)), .integer($0.n)] }
        return [Chart(svg: SVGCharts.diverging(id: "\(id)-diverging", title: "\(definition.title), by domain",
                                               description: "Diverging bars of the % reporting a negative, no change or positive impact in each of \(bars.count) domains, sorted by % positive. \(top).",
                                               rows: bars),
                      caption: "Negative, no change and positive impact in each domain, sorted by % positive (all respondents answering on the scale).",
                      table: data)]
    }

    var methods: String {
        let level = OutcomeTableLayout.confidenceLabel(definition.confidence), table = self
        return "Shares positive, no change and negative among those answering on the scale in each of \(table.overall.rows.count) domains, with \(level) Wilson score intervals; not applicable, don't know and missing answers are counted, not included. \(table.groups.count - 1) subgroup levels."
    }

    var summary: String {
        let table = self
        return "\(table.responses) responses, \(table.overall.rows.count) domains, \(table.groups.count - 1) subgroup levels"
    }
}

/// "Not asked (a skip condition did not apply to them): Caring 68, ..." for the domains some were not
/// asked, so that Missing means asked and not answered; nothing when everyone was asked everything.
func notAskedNote(_ counts: [(label: String, notAsked: Int)]) -> [String] {
    let unasked = counts.filter { $0.notAsked > 0 }
    guard !unasked.isEmpty else { return [] }
    return ["Not asked (the question's skip condition did not apply to them), neither in N nor in Missing: "
            + unasked.map { "\($0.label) \($0.notAsked)" }.joined(separator: ", ") + ". Missing: asked and not answered."]
}
