import Foundation
import OutcomesAnalyses
import OutcomesStatistics

/// What a report says about the data it describes and how it was made. The store or the caller
/// fills it in; the report module does not read the database itself.
public struct ReportContext: Sendable {
    /// One instrument's wave as stored: responses, sites and when they were stored.
    public struct Wave: Sendable {
        public var instrument: String
        public var version: String
        public var wave: String
        public var responses: Int
        public var sites: [String]
        public var firstStored: String
        public var lastStored: String
        public init(instrument: String, version: String, wave: String, responses: Int, sites: [String], firstStored: String, lastStored: String) {
            self.instrument = instrument
            self.version = version
            self.wave = wave
            self.responses = responses
            self.sites = sites
            self.firstStored = firstStored
            self.lastStored = lastStored
        }
    }

    public var title: String
    public var waves: [Wave]
    public var generatedAt: Date
    public var generator: String
    /// Analysis files that failed, with why: listed, so a reader knows the report is incomplete.
    public var omitted: [String]

    public init(title: String = "Outcomes evaluation report", waves: [Wave], generatedAt: Date = Date(), generator: String = "outcomes",
                omitted: [String] = []) {
        self.title = title
        self.waves = waves
        self.generatedAt = generatedAt
        self.generator = generator
        self.omitted = omitted
    }
}

/// One self-contained HTML file for all the analyses of a run: the data, a methods note written from
/// what was computed, then each analysis with its charts (inline SVG, each with the table of its
/// figures beside it) and its tables laid out as in a published evaluation.
///
/// The markup is well-formed XML (XHTML syntax served as HTML), so any XML parser can check it.
public enum HTMLReport {
    public static func render(_ unordered: [AnalysisResult], context: ReportContext) -> String {
        // Read as an evaluation is: what people report, who does better and why, then change over time.
        let order: [AnalysisDefinition.Kind] = [.outcomeTable, .subgroupComparison, .processAssociations, .outcomeIndex, .distribution,
                                                .scaleChange, .pilotVsControl]
        let results = unordered.enumerated().sorted {
            (order.firstIndex(of: $0.element.definition.kind)!, $0.offset) < (order.firstIndex(of: $1.element.definition.kind)!, $1.offset)
        }.map(\.element)
        var body = "<header><h1>\(e(context.title))</h1>"
        body += "<p class=\"meta\">Generated \(e(ISO8601DateFormatter().string(from: context.generatedAt))) by \(e(context.generator)) from \(results.count) analysis file\(results.count == 1 ? "" : "s").</p></header>"
        if !context.omitted.isEmpty {
            body += "<p class=\"warning\">This report is incomplete: \(context.omitted.count) analysis file\(context.omitted.count == 1 ? "" : "s") failed (see Methods).</p>"
        }
        body += "<nav aria-label=\"Contents\"><h2>Contents</h2><ol><li><a href=\"#data\">Data</a></li>"
        for result in results { body += "<li><a href=\"#\(anchor(result))\">\(e(result.definition.title))</a></li>" }
        body += "<li><a href=\"#methods\">Methods: how each figure was computed</a></li></ol></nav>"
        body += dataSection(results, context: context)
        for result in results { body += section(result) }
        body += "<section id=\"methods\"><h2>Methods</h2><p>Written from what was computed in this run; each table's notes say the same for its figures.</p><ul class=\"methods\">"
        for result in results {
            body += "<li><strong>\(e(result.definition.title))</strong> (<code>\(e(result.definition.file))</code>, \(e(result.definition.kind.rawValue))): \(e(methods(result)))</li>"
        }
        body += "</ul>"
        if !context.omitted.isEmpty {
            body += "<p class=\"warning\"><strong>Not in this report</strong> (the analysis failed):</p><ul>" + context.omitted.map { "<li>\(e($0))</li>" }.joined() + "</ul>"
        }
        body += "</section>"
        return """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(e(context.title))</title>
            <style>\(style)</style>
            </head>
            <body>
            \(body)
            </body>
            </html>

            """
    }

    // MARK: Sections

    static func dataSection(_ results: [AnalysisResult], context: ReportContext) -> String {
        let used = Set(results.map(\.definition.instrument))
        var table = ReportTable(title: "Responses analysed, by instrument and wave", columns: [
            .init("instrument", "Instrument", alignRight: false), .init("version", "Version", alignRight: false),
            .init("wave", "Wave", alignRight: false), .init("responses", "Responses"), .init("sites", "Sites"),
            .init("stored", "Imported (first to last)", alignRight: false),
        ])
        for wave in context.waves where used.contains(wave.instrument) {
            table.rows.append([.text(wave.instrument), .text(wave.version), .text(wave.wave), .integer(wave.responses), .integer(wave.sites.count),
                               .text(dateRange(wave.firstStored, wave.lastStored))])
        }
        let sites = Set(context.waves.filter { used.contains($0.instrument) }.flatMap(\.sites)).sorted()
        table.notes = ["Sites: \(sites.joined(separator: ", ")).",
                       "Completed responses read by the analyses in this report; drafts saved during capture are never analysed. Imported: when this instrument's responses were first and last stored or corrected."]
        return "<section id=\"data\"><h2>Data</h2>" + html(table) + "</section>"
    }

    static func section(_ result: AnalysisResult) -> String {
        var out = "<section id=\"\(anchor(result))\"><h2>\(e(result.definition.title))</h2>"
        out += "<p class=\"meta\">\(code(e(ReportWriter.dataDescription(result))))</p>"
        let tables = ReportWriter.humanTables(result)
        let chartList = charts(result)
        for chart in chartList {
            out += "<div class=\"chart-row\"><figure><figcaption>\(e(chart.caption))</figcaption>\(chart.svg)</figure>"
            out += "<div class=\"beside\">" + html(chart.table) + "</div></div>"
        }
        // A table already printed beside its chart is not printed twice.
        let besideTitles = Set(chartList.map(\.table.title))
        for table in tables where !besideTitles.contains(table.title) { out += html(table) }
        return out + "</section>"
    }

    // MARK: Charts

    struct Chart {
        var svg: String
        var caption: String
        var table: ReportTable
    }

    static func charts(_ result: AnalysisResult) -> [Chart] {
        let id = result.definition.id
        switch result {
        case let .outcomeTable(table):
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
            return [Chart(svg: SVGCharts.diverging(id: "\(id)-diverging", title: "What difference the budget made, by domain",
                                                   description: "Diverging bars of the % reporting a negative, no change or positive impact in each of \(bars.count) domains, sorted by % positive. \(top).",
                                                   rows: bars),
                          caption: "Negative, no change and positive impact in each domain, sorted by % positive (all respondents answering on the scale).",
                          table: data)]
        case let .scaleChange(change):
            let armGroups = change.groups.filter { $0.variable == "Arm" }
            let groups = armGroups.isEmpty ? [change.overall] : armGroups
            let labels = ScaleChangeLayout.levelLabels(change)
            let categories: [(label: String, bars: [SVGCharts.Bar])] = labels.enumerated().map { index, label in
                (label, groups.map { group in
                    let estimate = group.changeByBaselineLevel[index]
                    return SVGCharts.Bar(series: group.level ?? "All linked", value: estimate?.mean ?? .nan, lower: estimate?.lower, upper: estimate?.upper)
                })
            }
            var data = ReportTable(title: "Figures in the chart: mean change (95% CI) by baseline level",
                                   columns: [.init("level", "Baseline level", alignRight: false)] + groups.map { .init($0.level ?? "all", $0.level ?? "All linked") })
            for (index, label) in labels.enumerated() {
                data.rows.append([.text(label)] + groups.map { group in
                    .text(group.changeByBaselineLevel[index].map { "\(ScaleChangeLayout.signed($0.mean)) (\(ScaleChangeLayout.signed($0.lower)) to \(ScaleChangeLayout.signed($0.upper))), n = \($0.n)" } ?? "–")
                })
            }
            return [Chart(svg: SVGCharts.groupedBars(id: "\(id)-by-level", title: "Mean change in \(change.scale.label) by baseline level",
                                                     description: "Bars of the mean change from baseline to follow-up for people starting at each level, \(armGroups.isEmpty ? "all linked respondents" : "by arm"), with 95% confidence intervals. Bars above zero are gains.",
                                                     groups: categories, axisLabel: "Mean change (points)", categoryLabel: "Level at baseline"),
                          caption: "Did those starting lowest improve most? Mean change by level at baseline, with 95% intervals.", table: data)]
        case let .pilotVsControl(evaluation):
            return evaluation.overall.comparisons.enumerated().compactMap { index, comparison in
                // One number format per chart, from the outcome's scale (as the tables do).
                let d = comparison.adjustedIsOddsRatio ? 2 : PilotVsControlLayout.decimals(comparison)
                let rows = evaluation.groups.map { group -> SVGCharts.ForestRow in
                    let label = group.variable.map { "\($0): \(group.level ?? "")" } ?? "All respondents"
                    guard let a = group.comparisons[index].adjusted else {
                        return SVGCharts.ForestRow(label: label, estimate: .nan, lower: .nan, upper: .nan, text: "not computed (see the table)",
                                                   emphasised: group.variable == nil)
                    }
                    return SVGCharts.ForestRow(
                        label: label, estimate: a.estimate, lower: a.lower, upper: a.upper,
                        text: "\(TableFormat.format(a.estimate, d)) (\(TableFormat.format(a.lower, d)) to \(TableFormat.format(a.upper, d)))",
                        emphasised: group.variable == nil)
                }
                guard rows.contains(where: { $0.estimate.isFinite }) else { return nil }
                let ratio = comparison.adjustedIsOddsRatio
                var data = ReportTable(title: "Figures in the chart", columns: [
                    .init("group", "Group", alignRight: false), .init("effect", ratio ? "Odds ratio (95% CI)" : "Adjusted difference (95% CI)"),
                ])
                data.rows = rows.map { [.text($0.label), .text($0.text)] }
                return Chart(svg: SVGCharts.forest(id: "\(id)-forest-\(index)", title: "\(comparison.label): pilot against control",
                                                   description: "Forest plot of the baseline-adjusted \(ratio ? "odds ratio" : "difference") between pilot and control sites, overall and by subgroup, with 95% intervals; the vertical line marks no difference.",
                                                   rows: rows, axisLabel: ratio ? "Adjusted odds ratio, pilot against control (log scale)" : "Adjusted difference, pilot minus control",
                                                   ratio: ratio),
                             caption: "\(comparison.label): adjusted \(ratio ? "odds ratio" : "difference") with 95% interval, overall and by subgroup.", table: data)
            }
        case let .processAssociations(associations):
            return associations.contrasts.enumerated().compactMap { index, contrast in
                let rows = associations.domains.compactMap { domain -> SVGCharts.ForestRow? in
                    guard let e = domain.estimates[index] else { return nil }
                    return SVGCharts.ForestRow(label: domain.domain.label, estimate: e.oddsRatio, lower: e.lower, upper: e.upper,
                                               text: "\(TableFormat.format(e.oddsRatio, 2)) (\(TableFormat.format(e.lower, 2)) to \(TableFormat.format(e.upper, 2)))")
                }
                guard !rows.isEmpty else { return nil }
                var data = ReportTable(title: "Figures in the chart", columns: [
                    .init("domain", "Domain", alignRight: false), .init("or", "Odds ratio (95% CI)"),
                ])
                data.rows = rows.map { [.text($0.label), .text($0.text)] }
                let missing = associations.domains.count - rows.count
                if missing > 0 { data.notes = ["Not estimated in \(missing) domain\(missing == 1 ? "" : "s"): see the table below for why."] }
                return Chart(svg: SVGCharts.forest(id: "\(associations.definition.id)-forest-\(index)", title: contrast.label,
                                                   description: "Forest plot of the odds ratio of a positive outcome for \(contrast.level) against \(contrast.reference), in each domain, with 95% intervals; right of the line favours \(contrast.level).",
                                                   rows: rows, axisLabel: "Odds ratio of a positive outcome (log scale)", ratio: true),
                             caption: "\(contrast.label): odds ratio of a positive outcome in each domain (adjusted), with 95% interval.", table: data)
            }
        case let .outcomeIndex(index):
            let total = index.distribution.reduce(0) { $0 + $1.count }
            let counts = Dictionary(uniqueKeysWithValues: index.distribution.map { ($0.value, $0.count) })
            // Every value from lowest to highest, empty ones included, so the axis is evenly spaced.
            let values = (index.distribution.first?.value ?? 0)...(index.distribution.last?.value ?? 0)
            let bars = values.map { ("\($0)", [SVGCharts.Bar(series: "Respondents", value: TableFormat.percent(counts[$0] ?? 0, total), lower: nil, upper: nil)]) }
            var data = OutcomeIndexLayout.distributionTable(index)
            data.notes = []
            return [Chart(svg: SVGCharts.groupedBars(id: "\(index.definition.id)-histogram", title: "Distribution of the outcome index",
                                                     description: "Bars of the % of respondents at each value of the index (domains better minus domains worse), from \(index.distribution.first?.value ?? 0) to \(index.distribution.last?.value ?? 0).",
                                                     groups: bars, axisLabel: "% of respondents", categoryLabel: "Domains better minus domains worse"),
                          caption: "How many more domains got better than worse, per respondent.", table: data)]
        case .subgroupComparison, .distribution:
            return []
        }
    }

    // MARK: Methods, written from what was computed

    static func methods(_ result: AnalysisResult) -> String {
        let level = OutcomeTableLayout.confidenceLabel(result.definition.confidence)
        switch result {
        case let .outcomeTable(table):
            return "Shares positive, no change and negative among those answering on the scale in each of \(table.overall.rows.count) domains, with \(level) Wilson score intervals; not applicable, don't know and missing answers are counted, not included. \(table.groups.count - 1) subgroup levels."
        case let .subgroupComparison(comparison):
            let tests = comparison.variables.flatMap(\.domains).compactMap(\.test)
            let fisher = tests.filter { $0.method == .fisher }
            let monteCarlo = fisher.filter { $0.monteCarloTables != nil }.count
            let untested = comparison.variables.flatMap(\.domains).filter { $0.test == nil }.count
            return "% positive per group with \(level) Wilson intervals; Pearson's chi-square test in \(tests.count - fisher.count) comparisons and Fisher's exact test in \(fisher.count) (an expected count below 5)"
                + (monteCarlo > 0 ? ", \(monteCarlo) of them with a Monte Carlo p-value (too many tables to enumerate)" : "")
                + (untested > 0 ? "; \(untested) not tested (one group, or one outcome category)" : "")
                + "; p-values adjusted across domains within each subgroup variable by \(adjustmentName(comparison.definition.adjustment))."
        case let .processAssociations(associations):
            let failed = associations.domains.filter { $0.notComputed != nil }
            return "Per domain, a \(ProcessAssociationsLayout.modelDescription(associations)). \(associations.domains.count - failed.count) of \(associations.domains.count) models fitted"
                + (failed.isEmpty ? "" : "; not fitted: " + failed.map { "\($0.domain.label) (\($0.notComputed!))" }.joined(separator: "; "))
                + ". p-values adjusted across domains for each contrast by \(adjustmentName(associations.definition.adjustment))."
        case let .outcomeIndex(index):
            return "Per respondent, domains better minus domains worse among the \(index.domains.count) domains answered on the scale; mean with \(level) t interval, SD, median and quartiles, overall and by subgroup; \(index.unscored) respondents with no domain answered have no index."
        case let .distribution(distribution):
            let tests = distribution.variables.compactMap(\.test)
            return "Answers to \(distribution.item.id) with \(level) Wilson intervals, overall and by subgroup"
                + (tests.isEmpty ? "." : "; the \(distribution.definition.top?.label.lowercased() ?? "top") share compared between groups by " + tests.map { "\($0.methodName) (\($0.reason))" }.joined(separator: "; ") + ".")
        case let .scaleChange(change):
            return ScaleChangeLayout.notes(change).joined(separator: " ")
        case let .pilotVsControl(evaluation):
            return PilotVsControlLayout.notes(evaluation).joined(separator: " ")
        }
    }

    // MARK: Tables

    /// A table with its caption and footnotes; numbers right-aligned.
    public static func html(_ table: ReportTable) -> String {
        var out = "<div class=\"table-block\"><table><caption>\(e(table.title))</caption><thead><tr>"
        for column in table.columns { out += "<th scope=\"col\"\(column.alignRight ? " class=\"num\"" : "")>\(e(column.heading))</th>" }
        out += "</tr></thead><tbody>"
        for row in table.rows {
            out += "<tr>"
            for (column, cell) in zip(table.columns, row) {
                let text: String
                switch cell {
                case let .text(value): text = value
                case let .integer(value): text = String(value)
                case let .number(value, decimals): text = value.isFinite ? TableFormat.format(value, decimals) : "–"
                case .empty: text = ""
                }
                out += "<td\(column.alignRight ? " class=\"num\"" : "")>\(e(text))</td>"
            }
            out += "</tr>"
        }
        out += "</tbody></table>"
        if !table.notes.isEmpty { out += "<ul class=\"notes\">" + table.notes.map { "<li>\(e($0))</li>" }.joined() + "</ul>" }
        return out + "</div>"
    }

    static func e(_ text: String) -> String { SVGCharts.escape(text) }

    /// Markdown's `code` spans (already escaped text) as <code> elements.
    static func code(_ escaped: String) -> String {
        let parts = escaped.split(separator: "`", omittingEmptySubsequences: false)
        guard parts.count % 2 == 1 else { return escaped }
        return parts.enumerated().map { $0.offset % 2 == 1 ? "<code>\($0.element)</code>" : String($0.element) }.joined()
    }

    static func anchor(_ result: AnalysisResult) -> String { "analysis-" + result.definition.id }


    static func dateRange(_ first: String, _ last: String) -> String {
        let a = String(first.prefix(10)), b = String(last.prefix(10))
        return a == b ? a : "\(a) to \(b)"
    }

    static let style = """
        body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#222;max-width:1180px;margin:0 auto;padding:24px;line-height:1.45;font-size:15px}
        h1{font-size:28px;margin:0 0 4px}h2{font-size:22px;margin:36px 0 8px;border-bottom:2px solid #0072B2;padding-bottom:4px}
        .meta{color:#555;margin:4px 0 16px}nav ol{columns:2}code{font-size:13px}
        table{border-collapse:collapse;margin:8px 0;font-size:13.5px}caption{text-align:left;font-weight:600;font-size:15px;padding:6px 0}
        th,td{padding:4px 8px;border-bottom:1px solid #ddd;vertical-align:top;text-align:left}th{background:#f3f5f8;border-bottom:2px solid #999}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tbody tr:nth-child(even){background:#fafafa}
        .table-block{overflow-x:auto;margin:12px 0 20px}.notes{font-size:12.5px;color:#444;margin:4px 0 0;padding-left:18px}
        .chart-row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start;margin:12px 0}.chart-row figure{margin:0;max-width:100%}
        .chart-row svg{max-width:100%;height:auto}figcaption{font-size:14px;font-weight:600;margin:6px 0 8px;max-width:720px}.beside{flex:1 1 300px}
        .methods li{margin-bottom:6px}.warning{color:#9a3412}@media print{h2{break-after:avoid}.chart-row,table{break-inside:avoid}}
        """
}
