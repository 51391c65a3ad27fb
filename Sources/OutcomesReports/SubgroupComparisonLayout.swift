import OutcomesAnalyses
import OutcomesStatistics

/// % positive by subgroup level, with a chi-square or Fisher test per domain and adjusted p-values.
public enum SubgroupComparisonLayout {
    public static func levelsTable(_ result: SubgroupComparisonResult) -> ReportTable {
        let d = DisclosureControl(result.definition)
        var table = ReportTable(title: result.definition.title, columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("item", "Item", alignRight: false), .init("domain", "Domain", alignRight: false),
            .init("tested", "In the test", alignRight: false), .init("group_responses", "Responses in group"),
            .init("n_answering", "N answering"), .init("positive_n", "Positive n"),
            .init("positive_pct", "Positive %"), .init("positive_ci_low", "CI low %"),
            .init("positive_ci_high", "CI high %"), .init("not_applicable_n", "Not applicable"),
            .init("dont_know_n", "Don't know"), .init("missing_n", "Missing"), .init("not_asked_n", "Not asked"),
        ])
        let weighted = result.design != nil
        if weighted {
            table.columns += DesignLayout.columns(se: "positive_se", "positive SE %", qualifier: " (positive)")
        }
        for variable in result.variables {
            for domain in variable.domains {
                for (level, label) in variable.levels.enumerated() {
                    let c = domain.counts[level], p = domain.positive[level]
                    var cells: [ReportTable.Cell] = [.text(variable.label), .text(label), .text(domain.item),
                                                     .text(domain.domain.label),
                                                     .text(variable.untested.contains(level) ? "no" : "yes")]
                    if d.hides(groupOf: c.answering) {
                        let fewer = ReportTable.Cell.suppressed(d.fewer)
                        cells += [d.hides(groupOf: variable.sizes[level]) ? fewer : d.count(variable.sizes[level])]
                        cells += Array(repeating: fewer, count: weighted ? 13 : 9)
                    } else {
                        cells += [d.count(variable.sizes[level]), d.count(c.answering), d.count(c.positive)]
                            + d.shareCells(p)
                        cells += [d.count(c.notApplicable), d.count(c.dontKnow), d.count(c.missing),
                                  d.count(c.notAsked)]
                        if weighted { cells += DesignLayout.shareCells(p, d) }
                    }
                    table.rows.append(cells)
                }
            }
        }
        table.notes = notes(result) + d.notes(for: table, hiddenGroups: hiddenGroups(result))
        return table
    }

    /// Subgroup levels with a domain too few answered to show.
    static func hiddenGroups(_ result: SubgroupComparisonResult) -> Int {
        let d = DisclosureControl(result.definition)
        return result.variables.map { variable in
            variable.levels.indices.filter { level in
                variable.domains.contains { d.hides(groupOf: $0.counts[level].answering) }
            }.count
        }.reduce(0, +)
    }

    /// Whether a domain's test may be shown: not when a level it compares is too small to show.
    static func showsTest(_ domain: ComparedDomain, in variable: ComparedVariable, _ d: DisclosureControl) -> Bool {
        !variable.levels.indices.contains {
            !variable.untested.contains($0) && d.hides(groupOf: domain.counts[$0].answering)
        }
    }

    public static func testsTable(_ result: SubgroupComparisonResult) -> ReportTable {
        let control = DisclosureControl(result.definition)
        var table = ReportTable(title: "\(result.definition.title): tests", columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("item", "Item", alignRight: false),
            .init("domain", "Domain", alignRight: false),
            .init("n", "N in test"), .init("excluded", "Excluded"), .init("method", "Method", alignRight: false),
            .init("correction", "2 x 2 chi-square", alignRight: false),
            .init("statistic", "Chi-square"), .init("df", "df"), .init("smallest_expected", "Smallest expected count"),
            .init("monte_carlo_tables", "Monte Carlo tables"), .init("p", "p"),
            .init("p_adjusted", "p adjusted across domains"),
            .init("reason", "Why this method, or why no test", alignRight: false),
        ])
        // A weighted test is an F on fractional degrees of freedom (Rao and Scott's d₀ and d₀ ν).
        let weighted = result.design != nil
        if weighted {
            table.columns[7] = .init("statistic", "Rao-Scott F")
            table.columns[8] = .init("df", "Numerator df")
            table.columns.insert(.init("denominator_df", "Denominator df"), at: 9)
        }
        for variable in result.variables {
            for d in variable.domains {
                var cells: [ReportTable.Cell] = [.text(variable.label), .text(d.item), .text(d.domain.label),
                                                 control.count(d.n), control.count(d.excluded)]
                if !showsTest(d, in: variable, control) {
                    cells += Array(repeating: .suppressed(control.fewer), count: weighted ? 9 : 8)
                        + [.text("not shown: a compared group has \(control.fewer) answering")]
                } else if let test = d.test, let df = test.designDegreesOfFreedom {
                    cells += [.text(test.method.rawValue), .empty, .number(test.statistic ?? .nan, decimals: 6),
                              .number(df.numerator, decimals: 4), .number(df.denominator, decimals: 4), .empty,
                              .empty, .number(test.pValue, decimals: 6),
                              d.adjustedP.map { .number($0, decimals: 6) } ?? .empty, .text(test.reason)]
                } else if let test = d.test {
                    cells += [.text(test.method.rawValue), test.correction.map { .text($0.rawValue) } ?? .empty,
                              test.statistic.map { .number($0, decimals: 6) } ?? .empty,
                              test.df.map { .integer($0) } ?? .empty, .number(test.smallestExpected, decimals: 3),
                              test.monteCarloTables.map { .integer($0) } ?? .empty, .number(test.pValue, decimals: 6),
                              d.adjustedP.map { .number($0, decimals: 6) } ?? .empty, .text(test.reason)]
                } else {
                    cells += [.text("none")] + Array(repeating: .empty, count: weighted ? 8 : 7)
                        + [.text(d.notTested ?? "")]
                }
                table.rows.append(cells)
            }
        }
        table.notes = control.notes(for: table, hiddenGroups: hiddenGroups(result))
        return table
    }

    /// One table per subgroup variable: % positive (CI) per level, the test and both p-values.
    public static func humanTables(_ result: SubgroupComparisonResult) -> [ReportTable] {
        let control = DisclosureControl(result.definition)
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        return result.variables.map { variable in
            let shown = variable.levels.indices
            let size = { (level: Int) in
                control.hides(groupOf: variable.sizes[level])
                    ? control.fewer : "n = " + control.countText(variable.sizes[level])
            }
            var table = ReportTable(
                title: "Positive, % (\(level) CI), by \(variable.label.lowercasedFirst)",
                columns: [.init("domain", "Domain", alignRight: false), .init("n", "N"), .init("excluded", "Excluded")]
                    + shown.map {
                        .init(variable.levels[$0],
                              "\(variable.levels[$0]) (\(size($0)))\(variable.untested.contains($0) ? " ‡" : "")")
                    }
                    + [.init("test", "Test", alignRight: false), .init("p", "p"), .init("p_adjusted", "p adjusted")])
            var withheld = 0
            for d in variable.domains {
                var cells: [ReportTable.Cell] = [.text(d.domain.label), control.count(d.n), control.count(d.excluded)]
                cells += shown.map { level in
                    if control.hides(groupOf: d.counts[level].answering) { return .suppressed(control.fewer) }
                    return d.positive[level].n == 0 ? .text("–") : control.percentCell(d.positive[level])
                }
                if !showsTest(d, in: variable, control) {
                    withheld += 1
                    cells += [.suppressed("not shown"), .suppressed("–"), .suppressed("–")]
                } else if let test = d.test {
                    cells += [.text(testLabel(test)), .text(TableFormat.pValue(test.pValue)),
                              .text(TableFormat.pValue(d.adjustedP))]
                } else {
                    cells += [.text("not tested: \(d.notTested ?? "")"), .text("–"), .text("–")]
                }
                table.rows.append(cells)
            }
            var notes = [
                "N: respondents answering on the scale in the compared groups. "
                    + "Excluded: not applicable, don't know, missing, or in a group not compared.",
            ]
            if !variable.untested.isEmpty {
                notes.append("‡ Shown, not compared: "
                             + "\(variable.untested.map { variable.levels[$0] }.joined(separator: ", ")).")
            }
            if withheld > 0 {
                notes.append("Test not shown in \(withheld) domain\(withheld == 1 ? "" : "s"): "
                             + "a compared group has \(control.fewer) answering.")
            }
            notes += testMethodNotes(variable.domains.filter { showsTest($0, in: variable, control) }
                .compactMap { d in d.test.map { (d.domain.label, $0) } })
            notes.append("p adjusted: \(adjustmentName(result.settings.adjustment)) "
                         + "across the \(variable.domains.count) domains of this table.")
            table.notes = notes
            let hidden = variable.levels.indices.filter { level in
                variable.domains.contains { control.hides(groupOf: $0.counts[level].answering) }
            }
            table.notes += control.notes(for: table, hiddenGroups: hidden.count)
            return table
        }
    }


    static func notes(_ result: SubgroupComparisonResult) -> [String] {
        let d = DisclosureControl(result.definition)
        return ["Positive: \(result.positiveLabels.joined(separator: " or ")), among respondents answering "
                    + "on the scale (not applicable, don't know and missing excluded).",
            ] + DesignLayout.shareIntervalNotes(result.design, result.definition, of: "the weighted % positive")
            // Everyone is in one level of each variable: the first variable's levels count each person once.
            + notAskedNote((result.variables.first?.domains ?? []).map {
                ($0.domain.label, d.countText($0.counts.map(\.notAsked).reduce(0, +)))
            })
    }
}

extension SubgroupComparisonResult: KindLayout, SurveyAnalysisResult {
    var appliesDisclosureControl: Bool { true }

    var csvTables: [(suffix: String, table: ReportTable)] {
        [("", SubgroupComparisonLayout.levelsTable(self)),
         ("-tests", SubgroupComparisonLayout.testsTable(self))]
    }

    var humanTables: [ReportTable] { SubgroupComparisonLayout.humanTables(self) }

    /// Per subgroup variable, a dot plot of each group's % positive in each domain, from the published
    /// figures: a group too small to show, or a share withheld, has no dot.
    var charts: [Chart] {
        let d = DisclosureControl(definition), level = OutcomeTableLayout.confidenceLabel(definition.confidence)
        return variables.enumerated().compactMap { index, variable -> Chart? in
            guard !variable.domains.isEmpty, variable.levels.count >= 2 else { return nil }
            // A group with no share shown in any domain (too small, or nobody answering) is left out.
            let shownLevels = variable.levels.indices.filter { level in
                variable.domains.contains {
                    !d.hides(groupOf: $0.counts[level].answering) && $0.positive[level].n > 0
                        && d.share($0.positive[level]) != nil
                }
            }
            guard shownLevels.count >= 2 else { return nil }
            let left = variable.levels.indices.filter { !shownLevels.contains($0) }.map { variable.levels[$0] }
            let dots = variable.domains.map { domain in
                shownLevels.map { level -> SVGCharts.Dot? in
                    guard !d.hides(groupOf: domain.counts[level].answering), domain.positive[level].n > 0,
                          let shown = d.share(domain.positive[level]) else { return nil }
                    return SVGCharts.Dot(estimate: shown.proportion * 100, lower: shown.lower * 100,
                                         upper: shown.upper * 100)
                }
            }
            var data = ReportTable(title: "Figures in the chart",
                                   columns: [.init("domain", "Domain", alignRight: false)]
                                       + variable.levels.map { .init($0, "\($0), % (\(level) CI)") })
            data.rows = variable.domains.map { domain in
                [.text(domain.domain.label)] + variable.levels.indices.map { level in
                    d.hides(groupOf: domain.counts[level].answering) ? .suppressed(d.fewer)
                        : domain.positive[level].n == 0 ? .text("–") : d.percentCell(domain.positive[level])
                }
            }
            let withheld = dots.joined().filter { $0 == nil }.count
            let name = variable.label.lowercasedFirst
            return Chart(
                svg: SVGCharts.dotPlot(
                    id: "\(definition.id)-dots-\(index)", title: "\(definition.title): % positive by \(name)",
                    description: "Dot plot of the % positive in each of \(variable.domains.count) domains for each "
                        + "\(name) group (\(shownLevels.map { variable.levels[$0] }.joined(separator: ", "))), "
                        + "with \(level) intervals"
                        + (withheld > 0 ? "; \(withheld) shares withheld by disclosure control are marked *" : "")
                        + (left.isEmpty ? "." : "; not drawn, as no share of theirs is shown: "
                            + left.joined(separator: ", ") + "."),
                    rows: variable.domains.map(\.domain.label), groups: shownLevels.map { variable.levels[$0] },
                    dots: dots,
                    axisLabel: "% positive among those answering"),
                caption: "% positive in each domain by \(name), with \(level) intervals.", table: data)
        }
    }

    var methods: String {
        let level = OutcomeTableLayout.confidenceLabel(definition.confidence), comparison = self
        let tests = comparison.variables.flatMap(\.domains).compactMap(\.test)
        let fisher = tests.filter { $0.method == .fisher }
        let monteCarlo = fisher.filter { $0.monteCarloTables != nil }.count
        let untested = comparison.variables.flatMap(\.domains).filter { $0.test == nil }.count
        if design != nil {
            return "Weighted % positive per group with \(level) design-based intervals; Rao and Scott's F test "
                + "of the weighted shares in \(tests.count) comparisons"
                + (untested > 0 ? "; \(untested) not tested (one group, or one outcome category)" : "")
                + "; p-values adjusted across domains within each subgroup variable by "
                + "\(adjustmentName(comparison.settings.adjustment))."
        }
        return "% positive per group with \(level) Wilson intervals; "
            + "Pearson's chi-square test in \(tests.count - fisher.count) comparisons "
            + "and Fisher's exact test in \(fisher.count) (an expected count below 5)"
            + (monteCarlo > 0
               ? ", \(monteCarlo) of them with a Monte Carlo p-value (too many tables to enumerate)" : "")
            + (untested > 0 ? "; \(untested) not tested (one group, or one outcome category)" : "")
            + "; p-values adjusted across domains within each subgroup variable by "
            + "\(adjustmentName(comparison.settings.adjustment))."
    }

    var summary: String {
        let comparison = self
        let tests = comparison.variables.flatMap(\.domains).compactMap(\.test)
        return "\(comparison.responses) responses, \(comparison.variables.count) subgroup variables, "
            + "\(tests.count) tests (\(tests.filter { $0.method == .fisher }.count) Fisher's exact)"
    }
}
