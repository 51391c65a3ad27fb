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
        public init(instrument: String, version: String, wave: String, responses: Int, sites: [String],
                    firstStored: String, lastStored: String) {
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

    public init(title: String = "Outcomes evaluation report", waves: [Wave], generatedAt: Date = Date(),
                generator: String = "outcomes", omitted: [String] = []) {
        self.title = title
        self.waves = waves
        self.generatedAt = generatedAt
        self.generator = generator
        self.omitted = omitted
    }
}

/// A chart of the report: inline SVG, its caption and the table of its figures beside it.
struct Chart {
    var svg: String
    var caption: String
    var table: ReportTable
}

/// One self-contained HTML file for all the analyses of a run: the data, a methods note written from
/// what was computed, then each analysis with its charts (inline SVG, each with the table of its
/// figures beside it) and its tables laid out as in a published evaluation.
///
/// The markup is well-formed XML (XHTML syntax served as HTML), so any XML parser can check it.
public enum HTMLReport {
    public static func render(_ unordered: [any AnalysisResult], context: ReportContext) -> String {
        // Read as an evaluation is: what people report, who does better and why, then change over time.
        let order = AnalysisDefinition.Kind.allCases
        let results = unordered.enumerated().sorted {
            (order.firstIndex(of: $0.element.definition.kind)!, $0.offset)
                < (order.firstIndex(of: $1.element.definition.kind)!, $1.offset)
        }.map(\.element)
        var body = "<header><h1>\(e(context.title))</h1>"
        body += "<p class=\"meta\">Generated \(e(ISO8601DateFormatter().string(from: context.generatedAt))) "
            + "by \(e(context.generator)) from \(results.count) "
            + "analysis file\(results.count == 1 ? "" : "s").</p></header>"
        let unpublishable = results.filter { !ReportWriter.isForPublication($0) }
        if !unpublishable.isEmpty {
            body += "<p class=\"stamp\" role=\"alert\"><strong>NOT FOR PUBLICATION.</strong> Small counts that could "
                + "identify a person are shown in: "
                + unpublishable.map { e($0.definition.title) }.joined(separator: "; ")
                + " (disclosure control is off for them, or their kind is not yet under it; see Methods).</p>"
        }
        if !context.omitted.isEmpty {
            body += "<p class=\"warning\">This report is incomplete: \(context.omitted.count) analysis file"
                + "\(context.omitted.count == 1 ? "" : "s") failed (see Methods).</p>"
        }
        body += "<nav aria-label=\"Contents\"><h2>Contents</h2><ol><li><a href=\"#data\">Data</a></li>"
        for result in results { body += "<li><a href=\"#\(anchor(result))\">\(e(result.definition.title))</a></li>" }
        body += "<li><a href=\"#methods\">Methods: how each figure was computed</a></li></ol></nav>"
        body += dataSection(results, context: context)
        for result in results { body += section(result) }
        body += "<section id=\"methods\"><h2>Methods</h2><p>Written from what was computed in this run; "
            + "each table's notes say the same for its figures.</p><ul class=\"methods\">"
        for result in results {
            body += "<li><strong>\(e(result.definition.title))</strong> (<code>\(e(result.definition.file))</code>, "
                + "\(e(result.definition.kind.rawValue))): \(e(ReportWriter.layout(result).methods)) "
                + "\(e(ReportWriter.disclosureMethods(result)))</li>"
        }
        body += "</ul>"
        if !context.omitted.isEmpty {
            body += "<p class=\"warning\"><strong>Not in this report</strong> (the analysis failed):</p><ul>"
                + context.omitted.map { "<li>\(e($0))</li>" }.joined() + "</ul>"
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

    static func dataSection(_ results: [any AnalysisResult], context: ReportContext) -> String {
        let used = Set(results.map(\.definition.instrument))
        var table = ReportTable(title: "Responses analysed, by instrument and wave", columns: [
            .init("instrument", "Instrument", alignRight: false), .init("version", "Version", alignRight: false),
            .init("wave", "Wave", alignRight: false), .init("responses", "Responses"), .init("sites", "Sites"),
            .init("stored", "Imported (first to last)", alignRight: false),
        ])
        for wave in context.waves where used.contains(wave.instrument) {
            table.rows.append([.text(wave.instrument), .text(wave.version), .text(wave.wave), .integer(wave.responses),
                               .integer(wave.sites.count), .text(dateRange(wave.firstStored, wave.lastStored))])
        }
        let sites = Set(context.waves.filter { used.contains($0.instrument) }.flatMap(\.sites)).sorted()
        table.notes = ["Sites: \(sites.joined(separator: ", ")).",
                       "Completed responses read by the analyses in this report; "
                           + "drafts saved during capture are never analysed. "
                           + "Imported: when this instrument's responses were first and last stored or corrected."]
        return "<section id=\"data\"><h2>Data</h2>" + html(table) + "</section>"
    }

    static func section(_ result: any AnalysisResult) -> String {
        var out = "<section id=\"\(anchor(result))\"><h2>\(e(result.definition.title))</h2>"
        out += "<p class=\"meta\">\(code(e(ReportWriter.dataDescription(result))))</p>"
        let tables = ReportWriter.humanTables(result)
        let chartList = ReportWriter.layout(result).charts
        for chart in chartList {
            out += "<div class=\"chart-row\"><figure><figcaption>\(e(chart.caption))</figcaption>\(chart.svg)</figure>"
            out += "<div class=\"beside\">" + html(chart.table) + "</div></div>"
        }
        // A table already printed beside its chart is not printed twice.
        let besideTitles = Set(chartList.map(\.table.title))
        for table in tables where !besideTitles.contains(table.title) { out += html(table) }
        return out + "</section>"
    }

    // MARK: Tables

    /// A table with its caption and footnotes; numbers right-aligned.
    public static func html(_ table: ReportTable) -> String {
        var out = "<div class=\"table-block\"><table><caption>\(e(table.title))</caption><thead><tr>"
        for column in table.columns {
            out += "<th scope=\"col\"\(column.alignRight ? " class=\"num\"" : "")>\(e(column.heading))</th>"
        }
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
                case let .suppressed(shown): text = shown
                }
                out += "<td\(column.alignRight ? " class=\"num\"" : "")>\(e(text))</td>"
            }
            out += "</tr>"
        }
        out += "</tbody></table>"
        if !table.notes.isEmpty {
            out += "<ul class=\"notes\">" + table.notes.map { "<li>\(e($0))</li>" }.joined() + "</ul>"
        }
        return out + "</div>"
    }

    static func e(_ text: String) -> String { SVGCharts.escape(text) }

    /// Markdown's `code` spans (already escaped text) as <code> elements.
    static func code(_ escaped: String) -> String {
        let parts = escaped.split(separator: "`", omittingEmptySubsequences: false)
        guard parts.count % 2 == 1 else { return escaped }
        return parts.enumerated().map { $0.offset % 2 == 1 ? "<code>\($0.element)</code>" : String($0.element) }
            .joined()
    }

    static func anchor(_ result: any AnalysisResult) -> String { "analysis-" + result.definition.id }


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
        .stamp{border:3px solid #9a3412;color:#7c2d12;background:#fff7ed;padding:10px 14px;font-size:16px}
        .methods li{margin-bottom:6px}.warning{color:#9a3412}@media print{h2{break-after:avoid}.chart-row,table{break-inside:avoid}}
        """
}
