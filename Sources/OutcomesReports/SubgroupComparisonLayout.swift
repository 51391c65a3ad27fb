import OutcomesAnalyses
import OutcomesStatistics

/// % positive by subgroup level, with a chi-square or Fisher test per domain and adjusted p-values.
public enum SubgroupComparisonLayout {
    public static func levelsTable(_ result: SubgroupComparisonResult) -> ReportTable {
        var table = ReportTable(title: result.definition.title, columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("item", "Item", alignRight: false), .init("domain", "Domain", alignRight: false), .init("tested", "In the test", alignRight: false),
            .init("group_responses", "Responses in group"), .init("n_answering", "N answering"), .init("positive_n", "Positive n"),
            .init("positive_pct", "Positive %"), .init("positive_ci_low", "CI low %"), .init("positive_ci_high", "CI high %"),
            .init("not_applicable_n", "Not applicable"), .init("dont_know_n", "Don't know"), .init("missing_n", "Missing"),
            .init("not_asked_n", "Not asked"),
        ], notes: notes(result))
        for variable in result.variables {
            for domain in variable.domains {
                for (level, label) in variable.levels.enumerated() {
                    let c = domain.counts[level], p = domain.positive[level]
                    table.rows.append([.text(variable.label), .text(label), .text(domain.item), .text(domain.domain.label),
                                       .text(variable.untested.contains(level) ? "no" : "yes"), .integer(variable.sizes[level]),
                                       .integer(c.answering), .integer(c.positive), .number(p.proportion * 100, decimals: 3),
                                       .number(p.lower * 100, decimals: 3), .number(p.upper * 100, decimals: 3),
                                       .integer(c.notApplicable), .integer(c.dontKnow), .integer(c.missing),
                                       .integer(c.notAsked)])
                }
            }
        }
        return table
    }

    public static func testsTable(_ result: SubgroupComparisonResult) -> ReportTable {
        var table = ReportTable(title: "\(result.definition.title): tests", columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("item", "Item", alignRight: false), .init("domain", "Domain", alignRight: false),
            .init("n", "N in test"), .init("excluded", "Excluded"), .init("method", "Method", alignRight: false),
            .init("statistic", "Chi-square"), .init("df", "df"), .init("smallest_expected", "Smallest expected count"),
            .init("monte_carlo_tables", "Monte Carlo tables"), .init("p", "p"), .init("p_adjusted", "p adjusted across domains"),
            .init("reason", "Why this method, or why no test", alignRight: false),
        ])
        for variable in result.variables {
            for d in variable.domains {
                var cells: [ReportTable.Cell] = [.text(variable.label), .text(d.item), .text(d.domain.label), .integer(d.n), .integer(d.excluded)]
                if let test = d.test {
                    cells += [.text(test.method.rawValue), test.statistic.map { .number($0, decimals: 6) } ?? .empty,
                              test.df.map { .integer($0) } ?? .empty, .number(test.smallestExpected, decimals: 3),
                              test.monteCarloTables.map { .integer($0) } ?? .empty, .number(test.pValue, decimals: 6),
                              d.adjustedP.map { .number($0, decimals: 6) } ?? .empty, .text(test.reason)]
                } else {
                    cells += [.text("none"), .empty, .empty, .empty, .empty, .empty, .empty, .text(d.notTested ?? "")]
                }
                table.rows.append(cells)
            }
        }
        return table
    }

    /// One table per subgroup variable: % positive (CI) per level, the test and both p-values.
    public static func humanTables(_ result: SubgroupComparisonResult) -> [ReportTable] {
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        return result.variables.map { variable in
            let shown = variable.levels.indices
            var table = ReportTable(
                title: "Positive, % (\(level) CI), by \(variable.label.lowercasedFirst)",
                columns: [.init("domain", "Domain", alignRight: false), .init("n", "N"), .init("excluded", "Excluded")]
                    + shown.map { .init(variable.levels[$0], "\(variable.levels[$0]) (n = \(variable.sizes[$0]))\(variable.untested.contains($0) ? " ‡" : "")") }
                    + [.init("test", "Test", alignRight: false), .init("p", "p"), .init("p_adjusted", "p adjusted")])
            for d in variable.domains {
                var cells: [ReportTable.Cell] = [.text(d.domain.label), .integer(d.n), .integer(d.excluded)]
                cells += shown.map { .text(d.positive[$0].n == 0 ? "–" : OutcomeTableLayout.percentWithCI(d.positive[$0])) }
                if let test = d.test {
                    cells += [.text(testLabel(test)), .text(TableFormat.pValue(test.pValue)), .text(TableFormat.pValue(d.adjustedP))]
                } else {
                    cells += [.text("not tested: \(d.notTested ?? "")"), .text("–"), .text("–")]
                }
                table.rows.append(cells)
            }
            var notes = [
                "N: respondents answering on the scale in the compared groups. Excluded: not applicable, don't know, missing, or in a group not compared.",
            ]
            if !variable.untested.isEmpty {
                notes.append("‡ Shown, not compared: \(variable.untested.map { variable.levels[$0] }.joined(separator: ", ")).")
            }
            notes += testMethodNotes(variable.domains.compactMap { d in d.test.map { (d.domain.label, $0) } })
            notes.append("p adjusted: \(adjustmentName(result.settings.adjustment)) across the \(variable.domains.count) domains of this table.")
            table.notes = notes
            return table
        }
    }

    static func notes(_ result: SubgroupComparisonResult) -> [String] {
        ["Positive: \(result.positiveLabels.joined(separator: " or ")), among respondents answering on the scale (not applicable, don't know and missing excluded).",
         "Intervals: \(OutcomeTableLayout.confidenceLabel(result.definition.confidence)) Wilson score intervals."]
            // Everyone is in one level of each variable: the first variable's levels count each person once.
            + notAskedNote((result.variables.first?.domains ?? []).map { ($0.domain.label, $0.counts.map(\.notAsked).reduce(0, +)) })
    }
}

extension SubgroupComparisonResult: KindLayout, SurveyAnalysisResult {
    var csvTables: [(suffix: String, table: ReportTable)] {
        [("", SubgroupComparisonLayout.levelsTable(self)), ("-tests", SubgroupComparisonLayout.testsTable(self))]
    }

    var humanTables: [ReportTable] { SubgroupComparisonLayout.humanTables(self) }

    var methods: String {
        let level = OutcomeTableLayout.confidenceLabel(definition.confidence), comparison = self
        let tests = comparison.variables.flatMap(\.domains).compactMap(\.test)
        let fisher = tests.filter { $0.method == .fisher }
        let monteCarlo = fisher.filter { $0.monteCarloTables != nil }.count
        let untested = comparison.variables.flatMap(\.domains).filter { $0.test == nil }.count
        return "% positive per group with \(level) Wilson intervals; Pearson's chi-square test in \(tests.count - fisher.count) comparisons and Fisher's exact test in \(fisher.count) (an expected count below 5)"
            + (monteCarlo > 0 ? ", \(monteCarlo) of them with a Monte Carlo p-value (too many tables to enumerate)" : "")
            + (untested > 0 ? "; \(untested) not tested (one group, or one outcome category)" : "")
            + "; p-values adjusted across domains within each subgroup variable by \(adjustmentName(comparison.settings.adjustment))."
    }

    var summary: String {
        let comparison = self
        let tests = comparison.variables.flatMap(\.domains).compactMap(\.test)
        return "\(comparison.responses) responses, \(comparison.variables.count) subgroup variables, \(tests.count) tests (\(tests.filter { $0.method == .fisher }.count) Fisher's exact)"
    }
}
