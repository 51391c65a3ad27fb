import OutcomesAnalyses
import OutcomesStatistics

/// A test for people: "χ² = 4.21 (2 df)" or "Fisher's exact".
func testLabel(_ test: IndependenceTest) -> String {
    switch test.method {
    case .chiSquare: return "χ² = \(TableFormat.format(test.statistic ?? .nan, 2)) (\(test.df ?? 0) df)"
    case .fisher: return test.monteCarloTables == nil ? "Fisher's exact" : "Fisher's exact (Monte Carlo)"
    }
}

func adjustmentName(_ adjustment: AnalysisDefinition.Adjustment) -> String {
    adjustment == .holm ? "Holm's method" : "the Benjamini-Hochberg method"
}

/// "Fisher's exact test where an expected count was below 5: Paid job (smallest 2.3), ..." and the
/// chi-square rule, so every test's method and reason are stated.
func testMethodNotes(_ tests: [(String, IndependenceTest)]) -> [String] {
    var notes: [String] = []
    let chi = tests.filter { $0.1.method == .chiSquare }
    if !chi.isEmpty {
        let yates = chi.contains { $0.1.df == 1 } ? " (with Yates' continuity correction for two groups)" : ""
        notes.append("Pearson's chi-square test\(yates) where every expected count was 5 or more\(chi.count < tests.count ? ": \(chi.map(\.0).joined(separator: ", "))" : "").")
    }
    let fisher = tests.filter { $0.1.method == .fisher }
    if !fisher.isEmpty {
        notes.append("Fisher's exact test where an expected count was below 5: "
            + fisher.map { "\($0.0) (smallest expected \(TableFormat.format($0.1.smallestExpected, 1)))" }.joined(separator: ", ") + ".")
        if let tables = fisher.compactMap(\.1.monteCarloTables).first {
            notes.append("Tables too large to enumerate: Fisher's p estimated from \(TableFormat.thousands(tables)) random tables with the same margins (seeded, reproducible).")
        }
    }
    return notes
}

/// % positive by subgroup level, with a chi-square or Fisher test per domain and adjusted p-values.
public enum SubgroupComparisonLayout {
    public static func levelsTable(_ result: SubgroupComparisonResult) -> ReportTable {
        var table = ReportTable(title: result.definition.title, columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("item", "Item", alignRight: false), .init("domain", "Domain", alignRight: false), .init("tested", "In the test", alignRight: false),
            .init("group_responses", "Responses in group"), .init("n_answering", "N answering"), .init("positive_n", "Positive n"),
            .init("positive_pct", "Positive %"), .init("positive_ci_low", "CI low %"), .init("positive_ci_high", "CI high %"),
            .init("not_applicable_n", "Not applicable"), .init("dont_know_n", "Don't know"), .init("missing_n", "Missing"),
        ], notes: notes(result))
        for variable in result.variables {
            for domain in variable.domains {
                for (level, label) in variable.levels.enumerated() {
                    let c = domain.counts[level], p = domain.positive[level]
                    table.rows.append([.text(variable.label), .text(label), .text(domain.item), .text(domain.domain.label),
                                       .text(variable.untested.contains(level) ? "no" : "yes"), .integer(variable.sizes[level]),
                                       .integer(c.answering), .integer(c.positive), .number(p.proportion * 100, decimals: 3),
                                       .number(p.lower * 100, decimals: 3), .number(p.upper * 100, decimals: 3),
                                       .integer(c.notApplicable), .integer(c.dontKnow), .integer(c.missing)])
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
            notes.append("p adjusted: \(adjustmentName(result.definition.adjustment)) across the \(variable.domains.count) domains of this table.")
            table.notes = notes
            return table
        }
    }

    static func notes(_ result: SubgroupComparisonResult) -> [String] {
        ["Positive: \(result.positiveLabels.joined(separator: " or ")), among respondents answering on the scale (not applicable, don't know and missing excluded).",
         "Intervals: \(OutcomeTableLayout.confidenceLabel(result.definition.confidence)) Wilson score intervals."]
    }
}

/// Odds ratios of a positive outcome for each process item, per domain, and what they add up to.
public enum ProcessAssociationsLayout {
    public static func estimatesTable(_ result: ProcessAssociationsResult) -> ReportTable {
        var table = ReportTable(title: result.definition.title, columns: [
            .init("item", "Item", alignRight: false), .init("domain", "Domain", alignRight: false), .init("n", "N in model"),
            .init("positive_n", "Positive"), .init("not_applicable_n", "Not applicable or don't know"), .init("outcome_missing_n", "Outcome missing"),
            .init("predictor_missing_n", "Process or covariate missing"), .init("process", "Process item", alignRight: false),
            .init("contrast", "Contrast", alignRight: false), .init("level", "Level", alignRight: false), .init("reference", "Reference", alignRight: false),
            .init("n_level", "n in level"), .init("n_reference", "n in reference"), .init("odds_ratio", "Odds ratio"),
            .init("ci_low", "CI low"), .init("ci_high", "CI high"), .init("p", "p"), .init("p_adjusted", "p adjusted across domains"),
            .init("not_computed", "Not computed because", alignRight: false), .init("notes", "Notes", alignRight: false),
        ], notes: notes(result))
        for d in result.domains {
            for (index, contrast) in result.contrasts.enumerated() {
                var cells: [ReportTable.Cell] = [.text(d.item), .text(d.domain.label), .integer(d.n), .integer(d.positive),
                                                 .integer(d.notApplicable), .integer(d.outcomeMissing), .integer(d.predictorMissing),
                                                 .text(contrast.item), .text(contrast.label), .text(contrast.level), .text(contrast.reference)]
                if let e = d.estimates[index] {
                    cells += [.integer(e.nLevel), .integer(e.nReference), .number(e.oddsRatio, decimals: 6), .number(e.lower, decimals: 6),
                              .number(e.upper, decimals: 6), .number(e.pValue, decimals: 6), e.adjustedP.map { .number($0, decimals: 6) } ?? .empty]
                } else {
                    cells += Array(repeating: .empty, count: 7)
                }
                cells += [d.notComputed.map { .text($0) } ?? .empty, .text(d.notes.joined(separator: "; "))]
                table.rows.append(cells)
            }
        }
        return table
    }

    public static func summaryTable(_ result: ProcessAssociationsResult) -> ReportTable {
        var table = ReportTable(
            title: "Which processes go with better outcomes",
            columns: [.init("contrast", "Process", alignRight: false), .init("better_n", "Domains with better outcomes"),
                      .init("worse_n", "Domains with worse outcomes"), .init("unclear_n", "No clear association"),
                      .init("not_estimated_n", "Not estimated"), .init("odds_ratio_min", "Lowest odds ratio"),
                      .init("odds_ratio_max", "Highest odds ratio"), .init("better_domains", "Better in", alignRight: false),
                      .init("worse_domains", "Worse in", alignRight: false)],
            notes: ["Better or worse: odds ratio above or below 1 with p below \(TableFormat.format(ProcessAssociations.alpha, 2)) after \(adjustmentName(result.definition.adjustment)) across the \(result.domains.count) domains, for each process contrast.",
                    "Each domain's model: \(modelDescription(result))."])
        for s in result.summaries {
            table.rows.append([.text(s.contrast.label), .integer(s.better.count), .integer(s.worse.count), .integer(s.unclear),
                               .integer(s.notEstimated), s.lowestOddsRatio.map { .number($0, decimals: 2) } ?? .empty,
                               s.highestOddsRatio.map { .number($0, decimals: 2) } ?? .empty,
                               .text(s.better.joined(separator: "; ")), .text(s.worse.joined(separator: "; "))])
        }
        return table
    }

    /// The summary, then one table per process item: domains down, "OR (CI)" and p per contrast.
    public static func humanTables(_ result: ProcessAssociationsResult) -> [ReportTable] {
        var summary = summaryTable(result)
        summary.columns = Array(summary.columns.prefix(5)) + [.init("range", "Odds ratios, range")] + summary.columns.suffix(2)
        summary.rows = summary.rows.map { row in
            let range: ReportTable.Cell
            if case let .number(low, _) = row[5], case let .number(high, _) = row[6] {
                range = .text("\(TableFormat.format(low, 2)) to \(TableFormat.format(high, 2))")
            } else { range = .text("–") }
            return Array(row.prefix(5)) + [range] + row.suffix(2)
        }
        var tables = [summary]
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        var items: [String] = []
        for contrast in result.contrasts where !items.contains(contrast.item) { items.append(contrast.item) }
        for item in items {
            let indices = result.contrasts.indices.filter { result.contrasts[$0].item == item }
            let variable = result.contrasts[indices[0]].variable
            var columns: [ReportTable.Column] = [.init("domain", "Domain", alignRight: false), .init("n", "N (positive)")]
            for i in indices {
                let c = result.contrasts[i]
                columns += [.init("or_\(i)", "\(c.level) vs \(c.reference): OR (\(level) CI)"), .init("p_\(i)", "p"), .init("q_\(i)", "p adjusted")]
            }
            var table = ReportTable(title: "\(variable): odds ratios of a positive outcome", columns: columns)
            for d in result.domains {
                var cells: [ReportTable.Cell] = [.text(d.domain.label), .text("\(d.n) (\(d.positive))")]
                if let reason = d.notComputed {
                    cells.append(.text("not computed: \(reason)"))
                    cells += Array(repeating: .text(""), count: indices.count * 3 - 1)
                } else {
                    for i in indices {
                        if let e = d.estimates[i] {
                            cells += [.text("\(TableFormat.format(e.oddsRatio, 2)) (\(TableFormat.format(e.lower, 2)) to \(TableFormat.format(e.upper, 2)))"),
                                      .text(TableFormat.pValue(e.pValue)), .text(TableFormat.pValue(e.adjustedP))]
                        } else {
                            cells += [.text("not estimated"), .text("–"), .text("–")]
                        }
                    }
                }
                table.rows.append(cells)
            }
            table.notes = notes(result)
            let domainNotes = result.domains.flatMap { d in d.notes.filter { $0.hasPrefix(variable + ":") }.map { "\(d.domain.label): \($0)" } }
            table.notes += domainNotes
            tables.append(table)
        }
        return tables
    }

    static func modelDescription(_ result: ProcessAssociationsResult) -> String {
        var processes: [String] = []
        for contrast in result.contrasts where !processes.contains(contrast.variable) { processes.append(contrast.variable) }
        let adjusted = result.covariates.isEmpty ? "" : ", adjusted for \(result.covariates.joined(separator: " and ").lowercased())"
        let errors = result.clusteredBySite
            ? "standard errors clustered by site (CR1, \(siteRange(result)) per domain's model), as people at one site are alike"
            : "classical standard errors, treating every respondent as independent"
                + (result.definition.standardErrors == .automatic
                   ? " (responses from \(result.sites.count) sites, fewer than the \(ProcessAssociations.fewestSitesToCluster) that clustering by site needs; with people at one site alike, intervals may be too narrow)"
                   : "")
        return "logistic regression of a positive impact (vs no change or negative) on \(processes.joined(separator: ", ").lowercased()) together\(adjusted); Wald intervals and p-values from \(errors)"
    }

    static func siteRange(_ result: ProcessAssociationsResult) -> String {
        let counts = result.domains.filter { $0.n > 0 }.map(\.sites)
        guard let low = counts.min(), let high = counts.max() else { return "no sites" }
        return low == high ? "\(low) sites" : "\(low) to \(high) sites"
    }

    static func notes(_ result: ProcessAssociationsResult) -> [String] {
        let excluded = result.domains.map { $0.notApplicable + $0.outcomeMissing + $0.predictorMissing }
        return [
            "Model: \(modelDescription(result)); fitted by iteratively reweighted least squares. Odds ratios above 1: the level goes with better outcomes than the reference.",
            "N: respondents in the model (positive in brackets); \(excluded.min() ?? 0) to \(excluded.max() ?? 0) per domain were left out as the outcome was not applicable, don't know or missing, or a process or covariate answer was missing (per-domain counts in the CSV).",
            "Where a model cannot be fitted (for example perfect separation, or one outcome category) it says so instead of giving numbers.",
        ]
    }
}

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

/// The answers to one item, overall and by subgroup, with a test of the `top` share between groups.
public enum DistributionLayout {
    public static func longTable(_ result: DistributionResult) -> ReportTable {
        var table = ReportTable(title: result.definition.title, columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false), .init("responses", "Responses in group"),
            .init("n_answering", "N answering"), .init("answer_code", "Answer code", alignRight: false), .init("answer", "Answer", alignRight: false),
            .init("n", "n"), .init("pct", "%"), .init("ci_low", "CI low %"), .init("ci_high", "CI high %"),
            .init("special_n", "Don't know or not applicable"), .init("missing_n", "Missing"),
        ], notes: notes(result))
        for g in [result.overall] + result.variables.flatMap(\.groups) {
            var rows: [(String, String, ProportionEstimate)] = zip(result.choices, g.answers).map { (String($0.code), $0.label, $1) }
            if let top = g.top, let definition = result.definition.top {
                rows.append((definition.codes.map(String.init).joined(separator: ";"), definition.label, top))
            }
            for (code, label, e) in rows {
                table.rows.append([.text(g.variable ?? "Overall"), .text(g.level ?? "All respondents"), .integer(g.responses), .integer(g.n),
                                   .text(code), .text(label), .integer(e.count), .number(e.proportion * 100, decimals: 3),
                                   .number(e.lower * 100, decimals: 3), .number(e.upper * 100, decimals: 3), .integer(g.special), .integer(g.missing)])
            }
        }
        return table
    }

    public static func testsTable(_ result: DistributionResult) -> ReportTable {
        var table = ReportTable(title: "\(result.definition.title): tests", columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("n", "N in test"), .init("method", "Method", alignRight: false),
            .init("statistic", "Chi-square"), .init("df", "df"), .init("smallest_expected", "Smallest expected count"), .init("p", "p"),
            .init("reason", "Why this method, or why no test", alignRight: false),
        ])
        for v in result.variables {
            let n = v.groups.filter { !v.untested.contains($0.level ?? "") }.reduce(0) { $0 + $1.n }
            if let test = v.test {
                table.rows.append([.text(v.label), .integer(n), .text(test.method.rawValue), test.statistic.map { .number($0, decimals: 6) } ?? .empty,
                                   test.df.map { .integer($0) } ?? .empty, .number(test.smallestExpected, decimals: 3),
                                   .number(test.pValue, decimals: 6), .text(test.reason)])
            } else {
                table.rows.append([.text(v.label), .integer(n), .text("none"), .empty, .empty, .empty, .empty, .text(v.notTested ?? "")])
            }
        }
        return table
    }

    public static func humanTables(_ result: DistributionResult) -> [ReportTable] {
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        var overall = ReportTable(title: "All respondents (N = \(result.overall.n) answering of \(result.overall.responses))",
                                  columns: [.init("answer", "Answer", alignRight: false), .init("n", "n"), .init("pct", "% (\(level) CI)")],
                                  notes: notes(result))
        for (choice, e) in zip(result.choices, result.overall.answers) {
            overall.rows.append([.text(choice.label), .integer(e.count), .text(OutcomeTableLayout.percentWithCI(e))])
        }
        if let top = result.overall.top, let definition = result.definition.top {
            overall.rows.append([.text("\(definition.label) (total)"), .integer(top.count), .text(OutcomeTableLayout.percentWithCI(top))])
        }
        var tables = [overall]
        for v in result.variables {
            var columns: [ReportTable.Column] = [.init("group", "Group", alignRight: false), .init("n", "N")]
            columns += result.choices.map { .init(String($0.code), "\($0.label) %") }
            if let definition = result.definition.top { columns.append(.init("top", "\(definition.label), % (\(level) CI)")) }
            var table = ReportTable(title: "By \(v.label.lowercasedFirst)", columns: columns)
            for g in v.groups {
                var cells: [ReportTable.Cell] = [.text((g.level ?? "") + (v.untested.contains(g.level ?? "") ? " ‡" : "")), .integer(g.n)]
                cells += g.answers.map { .text(TableFormat.fixed($0.proportion * 100, 1)) }
                if let top = g.top { cells.append(.text(OutcomeTableLayout.percentWithCI(top))) }
                table.rows.append(cells)
            }
            if let test = v.test {
                let statistic = test.method == .chiSquare ? ", \(testLabel(test))" : ""
                table.notes.append("Test of the \(result.definition.top?.label.lowercased() ?? "") share between groups: \(test.methodName)\(statistic), p = \(TableFormat.pValue(test.pValue)); \(test.method == .fisher ? "Fisher's exact test because " : "chi-square because ")\(test.reason).")
            } else {
                table.notes.append("No test: \(v.notTested ?? "").")
            }
            if !v.untested.isEmpty { table.notes.append("‡ Shown, not in the test: \(v.untested.joined(separator: ", ")).") }
            tables.append(table)
        }
        return tables
    }

    static func notes(_ result: DistributionResult) -> [String] {
        let o = result.overall
        return [
            "Question: \(result.item.text)",
            "N: respondents answering on the scale; \(o.special) answered don't know or not applicable and \(o.missing) did not answer (excluded from the percentages).",
            "Intervals: \(OutcomeTableLayout.confidenceLabel(result.definition.confidence)) Wilson score intervals.",
        ]
    }
}
