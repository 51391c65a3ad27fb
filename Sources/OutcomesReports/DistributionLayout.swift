import OutcomesAnalyses
import OutcomesStatistics

/// The answers to one item, overall and by subgroup, with a test of the `top` share between groups.
public enum DistributionLayout {
    public static func longTable(_ result: DistributionResult) -> ReportTable {
        let d = DisclosureControl(result.definition)
        var table = ReportTable(title: result.definition.title, columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false),
            .init("responses", "Responses in group"),
            .init("n_answering", "N answering"), .init("answer_code", "Answer code", alignRight: false),
            .init("answer", "Answer", alignRight: false),
            .init("n", "n"), .init("pct", "%"), .init("ci_low", "CI low %"), .init("ci_high", "CI high %"),
            .init("special_n", "Don't know or not applicable"), .init("missing_n", "Missing"),
            .init("not_asked_n", "Not asked"),
        ])
        if result.design != nil { table.columns += DesignLayout.columns(se: "se", "SE %") }
        for g in [result.overall] + result.variables.flatMap(\.groups) {
            var rows: [(String, String, ProportionEstimate)] = zip(result.choices, g.answers)
                .map { (String($0.code), $0.label, $1) }
            if let top = g.top, let definition = result.settings.top {
                rows.append((definition.codes.map(String.init).joined(separator: ";"), definition.label, top))
            }
            let hidden = d.hides(groupOf: g.n, isTotal: g.variable == nil)
            for (code, label, e) in rows {
                var cells: [ReportTable.Cell] = [.text(g.variable ?? "Overall"), .text(g.level ?? "All respondents")]
                if hidden {
                    let fewer = ReportTable.Cell.suppressed(d.fewer)
                    cells += [d.hides(groupOf: g.responses) ? fewer : d.count(g.responses), fewer,
                              .text(code), .text(label)]
                    cells += Array(repeating: fewer, count: result.design == nil ? 7 : 11)
                } else {
                    cells += [d.count(g.responses), d.count(g.n), .text(code), .text(label), d.count(e.count)]
                        + d.shareCells(e)
                    cells += [d.count(g.special), d.count(g.missing), d.count(g.notAsked)]
                    if result.design != nil { cells += DesignLayout.shareCells(e, d) }
                }
                table.rows.append(cells)
            }
        }
        table.notes = notes(result) + d.notes(for: table, hiddenGroups: hiddenGroups(result))
        return table
    }

    static func hiddenGroups(_ result: DistributionResult) -> Int {
        let d = DisclosureControl(result.definition)
        return result.variables.flatMap(\.groups).filter { d.hides(groupOf: $0.n) }.count
    }

    /// Whether a variable's test may be shown: not when a group it compares is too small to show.
    static func showsTest(_ v: DistributionVariable, _ d: DisclosureControl) -> Bool {
        !v.groups.contains { !v.untested.contains($0.level ?? "") && d.hides(groupOf: $0.n) }
    }

    public static func testsTable(_ result: DistributionResult) -> ReportTable {
        let d = DisclosureControl(result.definition)
        var table = ReportTable(title: "\(result.definition.title): tests", columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("n", "N in test"),
            .init("method", "Method", alignRight: false),
            .init("statistic", "Chi-square"), .init("df", "df"), .init("smallest_expected", "Smallest expected count"),
            .init("p", "p"),
            .init("reason", "Why this method, or why no test", alignRight: false),
        ])
        // A weighted test is an F on fractional degrees of freedom (Rao and Scott's d₀ and d₀ ν).
        let weighted = result.design != nil
        if weighted {
            table.columns[3] = .init("statistic", "Rao-Scott F")
            table.columns[4] = .init("df", "Numerator df")
            table.columns.insert(.init("denominator_df", "Denominator df"), at: 5)
        }
        for v in result.variables {
            let n = v.groups.filter { !v.untested.contains($0.level ?? "") }.reduce(0) { $0 + $1.n }
            if !showsTest(v, d) {
                let fewer = ReportTable.Cell.suppressed(d.fewer)
                table.rows.append([.text(v.label), d.count(n)] + Array(repeating: fewer, count: weighted ? 6 : 5)
                                  + [.text("not shown: a compared group has \(d.fewer) answering")])
            } else if let test = v.test, let df = test.designDegreesOfFreedom {
                table.rows.append([.text(v.label), d.count(n), .text(test.method.rawValue),
                                   .number(test.statistic ?? .nan, decimals: 6), .number(df.numerator, decimals: 4),
                                   .number(df.denominator, decimals: 4), .empty, .number(test.pValue, decimals: 6),
                                   .text(test.reason)])
            } else if let test = v.test {
                table.rows.append([.text(v.label), d.count(n), .text(test.method.rawValue),
                                   test.statistic.map { .number($0, decimals: 6) } ?? .empty,
                                   test.df.map { .integer($0) } ?? .empty, .number(test.smallestExpected, decimals: 3),
                                   .number(test.pValue, decimals: 6), .text(test.reason)])
            } else {
                table.rows.append([.text(v.label), d.count(n), .text("none")]
                                  + Array(repeating: .empty, count: weighted ? 5 : 4) + [.text(v.notTested ?? "")])
            }
        }
        table.notes = d.notes(for: table, hiddenGroups: hiddenGroups(result))
        return table
    }

    public static func humanTables(_ result: DistributionResult) -> [ReportTable] {
        let d = DisclosureControl(result.definition)
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        var overall = ReportTable(title: "All respondents (N = \(d.countText(result.overall.n)) answering of "
                                      + "\(d.countText(result.overall.responses)))",
                                  columns: [.init("answer", "Answer", alignRight: false), .init("n", "n"),
                                            .init("pct", "% (\(level) CI)")],
                                  notes: notes(result))
        for (choice, e) in zip(result.choices, result.overall.answers) {
            overall.rows.append([.text(choice.label), d.count(e.count), d.percentCell(e)])
        }
        if let top = result.overall.top, let definition = result.settings.top {
            overall.rows.append([.text("\(definition.label) (total)"), d.count(top.count), d.percentCell(top)])
        }
        overall.notes += d.notes(for: overall, hiddenGroups: 0)
        var tables = [overall]
        for v in result.variables {
            var columns: [ReportTable.Column] = [.init("group", "Group", alignRight: false), .init("n", "N")]
            columns += result.choices.map { .init(String($0.code), "\($0.label) %") }
            if let definition = result.settings.top {
                columns.append(.init("top", "\(definition.label), % (\(level) CI)"))
            }
            var table = ReportTable(title: "By \(v.label.lowercasedFirst)", columns: columns)
            for g in v.groups {
                let label = ReportTable.Cell.text((g.level ?? "") + (v.untested.contains(g.level ?? "") ? " ‡" : ""))
                if d.hides(groupOf: g.n) {
                    table.rows.append([label] + Array(repeating: .suppressed(d.fewer), count: columns.count - 1))
                    continue
                }
                var cells: [ReportTable.Cell] = [label, d.count(g.n)]
                cells += g.answers.map { e in
                    d.share(e).map { .text(TableFormat.fixed($0.proportion * 100, 1)) } ?? .suppressed("*")
                }
                if let top = g.top { cells.append(d.percentCell(top)) }
                table.rows.append(cells)
            }
            if !showsTest(v, d) {
                table.notes.append("Test not shown: a compared group has \(d.fewer) answering.")
            } else if let test = v.test {
                let statistic = test.method == .fisher ? "" : ", \(testLabel(test))"
                let because = [.fisher: "Fisher's exact test because ", .chiSquare: "chi-square because "][test.method]
                table.notes.append("Test of the \(result.settings.top?.label.lowercased() ?? "") share "
                    + "between groups: \(test.methodName)\(statistic), p = \(TableFormat.pValue(test.pValue)); "
                    + "\(because ?? "")\(test.reason).")
            } else {
                table.notes.append("No test: \(v.notTested ?? "").")
            }
            if !v.untested.isEmpty {
                table.notes.append("‡ Shown, not in the test: \(v.untested.joined(separator: ", ")).")
            }
            table.notes += d.notes(for: table, hiddenGroups: v.groups.filter { d.hides(groupOf: $0.n) }.count)
            tables.append(table)
        }
        return tables
    }

    static func notes(_ result: DistributionResult) -> [String] {
        let d = DisclosureControl(result.definition)
        let o = result.overall
        return [
            "Question: \(result.item.text)",
            "N: respondents answering on the scale; \(d.countText(o.special)) answered don't know or not applicable "
                + "and \(d.countText(o.missing)) did not answer (excluded from the percentages).",
        ] + DesignLayout.shareIntervalNotes(result.design, result.definition, of: "each weighted share")
            + notAskedNote([(result.item.id, d.countText(o.notAsked))])
    }
}

extension DistributionResult: KindLayout, SurveyAnalysisResult {
    var appliesDisclosureControl: Bool { true }

    var csvTables: [(suffix: String, table: ReportTable)] {
        [("", DistributionLayout.longTable(self)), ("-tests", DistributionLayout.testsTable(self))]
    }

    var humanTables: [ReportTable] { DistributionLayout.humanTables(self) }

    /// The share giving each answer (everyone), then, with `top` answers, the top share by group for
    /// each subgroup variable: dot plots of the published figures.
    var charts: [Chart] {
        let d = DisclosureControl(definition), level = OutcomeTableLayout.confidenceLabel(definition.confidence)
        func row(_ label: String, _ e: ProportionEstimate, hidden: Bool = false) -> SVGCharts.ForestRow {
            guard !hidden, e.n > 0, let shown = d.share(e) else {
                return SVGCharts.ForestRow(label: label, estimate: .nan, lower: .nan, upper: .nan,
                                           text: hidden ? d.fewer : e.n == 0 ? "–" : "*")
            }
            return SVGCharts.ForestRow(label: label, estimate: shown.proportion * 100, lower: shown.lower * 100,
                                       upper: shown.upper * 100, text: OutcomeTableLayout.percentWithCI(shown))
        }
        func chart(_ id: String, _ title: String, _ description: String, _ rows: [SVGCharts.ForestRow],
                   _ what: String, _ caption: String) -> Chart {
            var data = ReportTable(title: "Figures in the chart", columns: [
                .init("label", what, alignRight: false), .init("pct", "% (\(level) CI)"),
            ])
            data.rows = rows.map { [.text($0.label), .text($0.text)] }
            return Chart(svg: SVGCharts.forest(id: id, title: title, description: description, rows: rows,
                                               axisLabel: "% of those answering", ratio: false),
                         caption: caption, table: data)
        }
        guard overall.n > 0 else { return [] }
        var charts = [chart("\(definition.id)-answers", "\(definition.title): the answers",
                            "Dot plot of the % of the \(d.countText(overall.n)) respondents answering giving each "
                                + "of the \(choices.count) answers, with \(level) intervals.",
                            zip(choices, overall.answers).map { row($0.label, $1) }, "Answer",
                            "\(item.text) % giving each answer, with \(level) interval.")]
        if let top = settings.top {
            for (index, variable) in variables.enumerated() {
                let rows = variable.groups.compactMap { group in
                    group.top.map { row(group.level ?? "", $0, hidden: d.hides(groupOf: group.n)) }
                }
                guard rows.count >= 2 else { continue }
                let name = variable.label.lowercasedFirst
                charts.append(chart("\(definition.id)-top-\(index)", "\(definition.title): \(top.label) by \(name)",
                                    "Dot plot of the % \(top.label.lowercased()) in each \(name) group, with "
                                        + "\(level) intervals.", rows, variable.label,
                                    "% \(top.label.lowercased()) by \(name), with \(level) interval."))
            }
        }
        return charts
    }

    var methods: String {
        let level = OutcomeTableLayout.confidenceLabel(definition.confidence), distribution = self
        let tests = distribution.variables.compactMap(\.test)
        let intervals = design == nil ? "\(level) Wilson intervals"
            : "weighted shares with \(level) design-based intervals"
        return "Answers to \(distribution.item.id) with \(intervals), overall and by subgroup"
            + (tests.isEmpty ? "." : "; the \(distribution.settings.top?.label.lowercased() ?? "top") share "
               + "compared between groups by "
               + tests.map { "\($0.methodName) (\($0.reason))" }.joined(separator: "; ") + ".")
    }

    var summary: String {
        let distribution = self
        return "\(distribution.responses) responses, \(distribution.overall.n) answering \(distribution.item.id)"
    }
}
