import OutcomesAnalyses
import OutcomesStatistics

/// The answers to one item, overall and by subgroup, with a test of the `top` share between groups.
public enum DistributionLayout {
    public static func longTable(_ result: DistributionResult) -> ReportTable {
        var table = ReportTable(title: result.definition.title, columns: [
            .init("subgroup", "Subgroup", alignRight: false), .init("group", "Group", alignRight: false), .init("responses", "Responses in group"),
            .init("n_answering", "N answering"), .init("answer_code", "Answer code", alignRight: false), .init("answer", "Answer", alignRight: false),
            .init("n", "n"), .init("pct", "%"), .init("ci_low", "CI low %"), .init("ci_high", "CI high %"),
            .init("special_n", "Don't know or not applicable"), .init("missing_n", "Missing"), .init("not_asked_n", "Not asked"),
        ], notes: notes(result))
        for g in [result.overall] + result.variables.flatMap(\.groups) {
            var rows: [(String, String, ProportionEstimate)] = zip(result.choices, g.answers).map { (String($0.code), $0.label, $1) }
            if let top = g.top, let definition = result.settings.top {
                rows.append((definition.codes.map(String.init).joined(separator: ";"), definition.label, top))
            }
            for (code, label, e) in rows {
                table.rows.append([.text(g.variable ?? "Overall"), .text(g.level ?? "All respondents"), .integer(g.responses), .integer(g.n),
                                   .text(code), .text(label), .integer(e.count), .number(e.proportion * 100, decimals: 3),
                                   .number(e.lower * 100, decimals: 3), .number(e.upper * 100, decimals: 3), .integer(g.special), .integer(g.missing),
                                   .integer(g.notAsked)])
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
        if let top = result.overall.top, let definition = result.settings.top {
            overall.rows.append([.text("\(definition.label) (total)"), .integer(top.count), .text(OutcomeTableLayout.percentWithCI(top))])
        }
        var tables = [overall]
        for v in result.variables {
            var columns: [ReportTable.Column] = [.init("group", "Group", alignRight: false), .init("n", "N")]
            columns += result.choices.map { .init(String($0.code), "\($0.label) %") }
            if let definition = result.settings.top { columns.append(.init("top", "\(definition.label), % (\(level) CI)")) }
            var table = ReportTable(title: "By \(v.label.lowercasedFirst)", columns: columns)
            for g in v.groups {
                var cells: [ReportTable.Cell] = [.text((g.level ?? "") + (v.untested.contains(g.level ?? "") ? " ‡" : "")), .integer(g.n)]
                cells += g.answers.map { .text(TableFormat.fixed($0.proportion * 100, 1)) }
                if let top = g.top { cells.append(.text(OutcomeTableLayout.percentWithCI(top))) }
                table.rows.append(cells)
            }
            if let test = v.test {
                let statistic = test.method == .chiSquare ? ", \(testLabel(test))" : ""
                table.notes.append("Test of the \(result.settings.top?.label.lowercased() ?? "") share between groups: \(test.methodName)\(statistic), p = \(TableFormat.pValue(test.pValue)); \(test.method == .fisher ? "Fisher's exact test because " : "chi-square because ")\(test.reason).")
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
        ] + notAskedNote([(result.item.id, o.notAsked)])
    }
}

extension DistributionResult: KindLayout, SurveyAnalysisResult {
    var csvTables: [(suffix: String, table: ReportTable)] {
        [("", DistributionLayout.longTable(self)), ("-tests", DistributionLayout.testsTable(self))]
    }

    var humanTables: [ReportTable] { DistributionLayout.humanTables(self) }

    var methods: String {
        let level = OutcomeTableLayout.confidenceLabel(definition.confidence), distribution = self
        let tests = distribution.variables.compactMap(\.test)
        return "Answers to \(distribution.item.id) with \(level) Wilson intervals, overall and by subgroup"
            + (tests.isEmpty ? "." : "; the \(distribution.settings.top?.label.lowercased() ?? "top") share compared between groups by " + tests.map { "\($0.methodName) (\($0.reason))" }.joined(separator: "; ") + ".")
    }

    var summary: String {
        let distribution = self
        return "\(distribution.responses) responses, \(distribution.overall.n) answering \(distribution.item.id)"
    }
}
