import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import OutcomesAnalyses
import OutcomesReports

/// Every fixture analysis, run once, for the report tests.
func allFixtureResults() throws -> [any AnalysisResult] {
    var results: [any AnalysisResult] = [try SmallSurveyStore().outcomeTable(), try SmallActivationStore().result(),
                                         try SmallEvaluationStore().result()]
    let poet = try SmallPoetStore()
    for name in ["subgroups", "processes", "index", "confidence"] { results.append(try poet.run("small-poet.\(name).yaml")) }
    results.append(try FixtureStore.shippedSample("budget-holder").runShipped("budget-holder-planning-helpers.yaml"))
    var sites = try AnalysisDefinition.parse(SiteBenchmarks.yaml, file: "sites.yaml")
    sites.disclosure = .off
    results.append(try AnalysisRunner.run(sites, store: poet.store))
    var summary = try AnalysisDefinition.parse(ScaleSummaries.yaml, file: "summary.yaml")
    summary.disclosure = .off
    results.append(try AnalysisRunner.run(summary, store: SmallActivationStore().store))
    return results
}

func fixtureReport() throws -> (html: String, results: [any AnalysisResult]) {
    let results = try allFixtureResults()
    let context = ReportContext(title: "Test report", waves: [
        .init(instrument: "small-survey", version: "1", wave: "2026", responses: 28, sites: ["north", "south"],
              firstStored: "2026-11-01T10:00:00Z", lastStored: "2026-11-02T09:00:00Z"),
    ], generatedAt: Date(timeIntervalSince1970: 1_800_000_000), generator: "outcomes test")
    return (HTMLReport.render(results, context: context), results)
}

/// Collects what an XML parser makes of the report: errors, and the text of <title> elements.
final class ReportParser: NSObject, XMLParserDelegate {
    var error: Error?
    var elements: [String: Int] = [:]
    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements[name, default: 0] += 1
    }
}

@Suite struct HTMLReportContent {
    @Test func isWellFormedAndSelfContained() throws {
        let (html, _) = try fixtureReport()
        let body = html.replacingOccurrences(of: "<!DOCTYPE html>", with: "")
        let parser = XMLParser(data: Data(body.utf8))
        let collector = ReportParser()
        parser.delegate = collector
        #expect(parser.parse(), "not well-formed: \(String(describing: collector.error ?? parser.parserError))")
        // Charts: diverging bars, grouped bars (activation, index) and forest plots, each titled and described.
        let svgs = collector.elements["svg"] ?? 0
        #expect(svgs >= 6)
        #expect(collector.elements["desc"] == svgs)
        #expect((collector.elements["figure"] ?? 0) == svgs)
        #expect(html.components(separatedBy: "role=\"img\" aria-labelledby=").count - 1 == svgs)
        // One file: nothing fetched from elsewhere.
        for external in ["<script", "src=\"http", "href=\"http", "@import", "url("] { #expect(!html.contains(external), "\(external)") }
    }

    /// Every figure of every table for people appears in the report, as written in the Markdown.
    @Test func containsEveryTablesFigures() throws {
        let (html, results) = try fixtureReport()
        for result in results {
            #expect(html.contains("id=\"analysis-\(result.definition.id)\""))
            for table in ReportWriter.humanTables(result) {
                #expect(html.contains(SVGCharts.escape(table.title)), "\(table.title)")
                for row in table.rows {
                    for cell in row {
                        guard case let .text(text) = cell, !text.isEmpty else { continue }
                        #expect(html.contains(SVGCharts.escape(text)), "\(result.definition.id): \(text)")
                    }
                }
                for note in table.notes { #expect(html.contains(SVGCharts.escape(note)), "note: \(note)") }
            }
        }
    }

    @Test func statesDataAndMethods() throws {
        let (html, _) = try fixtureReport()
        #expect(html.contains("<h2>Data</h2>") && html.contains("2026-11-01 to 2026-11-02"))
        #expect(html.contains("Pearson's chi-square test in") && html.contains("Fisher's exact test in"))
        #expect(html.contains("not fitted: Getting or keeping a paid job (perfect or quasi-complete separation"))
        #expect(html.contains("Wilson score intervals"))
        #expect(html.contains("cluster-robust standard errors by site"))
    }

    @Test func escapesWhatItPrints() {
        #expect(SVGCharts.escape("a < b & \"c\" > d") == "a &lt; b &amp; &quot;c&quot; &gt; d")
    }
}

/// Renders the report in headless Chromium (Debian's `chromium`, installed by scripts/test) and
/// checks the picture is not blank. The PNG is not decoded (that would need zlib); instead the
/// screenshot is compared with one of an empty page of the same size: text, tables and charts make
/// a PNG many times larger than a blank one, which compresses to almost nothing.
@Suite struct HTMLReportRendering {
    static func chromium() -> String? {
        if let path = ProcessInfo.processInfo.environment["CHROMIUM"] { return path }
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for directory in ["/usr/bin", "/usr/local/bin", "/snap/bin"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
        }
        return nil
    }

    static func screenshot(_ chromium: String, html: URL, png: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,2400",
                             "--screenshot=\(png.path)", html.absoluteString]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
    }

    @Test func rendersToAPictureThatIsNotBlank() throws {
        guard let chromium = Self.chromium() else {
            Issue.record("headless Chromium is needed for this test: run scripts/test (it installs Debian's chromium) or apt-get install -y chromium")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outcomes-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("report.html"), blank = directory.appendingPathComponent("blank.html")
        try fixtureReport().html.write(to: report, atomically: true, encoding: .utf8)
        try "<!DOCTYPE html><html><body></body></html>".write(to: blank, atomically: true, encoding: .utf8)
        let reportPNG = directory.appendingPathComponent("report.png"), blankPNG = directory.appendingPathComponent("blank.png")
        try Self.screenshot(chromium, html: report, png: reportPNG)
        try Self.screenshot(chromium, html: blank, png: blankPNG)
        let picture = try Data(contentsOf: reportPNG), empty = try Data(contentsOf: blankPNG)
        #expect(picture.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "not a PNG")
        // IHDR: width and height, big-endian, at bytes 16-23.
        let width = picture[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = picture[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 1280 && height == 2400)
        #expect(picture.count > 20 * empty.count, "the report renders to \(picture.count) bytes, a blank page to \(empty.count)")
    }
}

/// The JSON of every analysis kind keeps the layout docs/json-tables.md documents.
@Suite struct JSONTablesSchema {
    @Test func everyKindFollowsTheDocumentedLayout() throws {
        var kinds: Set<String> = []
        for result in try allFixtureResults() {
            let text = try ReportWriter.json(result, generatedAt: Date(timeIntervalSince1970: 0))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(Set(object.keys) == ["schema", "generated_at", "analysis", "disclosure", "data", "tables"])
            #expect(object["schema"] as? String == "outcomes.tables/1")
            let analysis = try #require(object["analysis"] as? [String: Any])
            #expect(Set(analysis.keys) == ["id", "title", "kind", "confidence"])
            kinds.insert(try #require(analysis["kind"] as? String))
            let tables = try #require(object["tables"] as? [[String: Any]])
            #expect(tables.first?["name"] as? String == "main")
            let csvNames = ReportWriter.csvTables(result).map { "\(result.definition.id)\($0.suffix).csv" }
            #expect(tables.map { $0["csv"] as? String } == csvNames)
            for table in tables {
                #expect(Set(table.keys) == ["name", "csv", "title", "columns", "rows", "notes"])
                let keys = try #require(table["columns"] as? [[String: String]]).map { $0["key"]! }
                for row in try #require(table["rows"] as? [[String: Any]]) { #expect(Set(row.keys) == Set(keys)) }
            }
        }
        #expect(kinds == Set(AnalysisDefinition.Kind.allCases.map(\.rawValue)))
        // The documentation names every kind.
        let doc = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/json-tables.md"), encoding: .utf8)
        for kind in kinds { #expect(doc.contains("`\(kind)`"), "docs/json-tables.md does not describe \(kind)") }
    }
}
