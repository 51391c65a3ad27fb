import Foundation
import OutcomesAnalyses

/// Writes an analysis result as `<analysis id>.csv`, `.md` and `.json` in a folder.
///
/// Files are written whole or not at all (atomically), so a failed run never leaves a half table
/// beside good ones.
public enum ReportWriter {
    /// The version of the JSON layout; raised whenever a key is renamed or removed.
    public static let jsonSchema = "outcomes.tables/1"

    /// Writes the files and returns their paths.
    @discardableResult
    public static func write(_ result: AnalysisResult, to directory: String, generatedAt: Date = Date()) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let id = result.definition.id
        let base = (directory as NSString).appendingPathComponent(id)
        let files = [
            (base + ".csv", csv(result)),
            (base + ".md", markdown(result)),
            (base + ".json", try json(result, generatedAt: generatedAt)),
        ]
        for (path, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
        return files.map(\.0)
    }

    /// The long CSV of the result.
    public static func csv(_ result: AnalysisResult) -> String {
        switch result {
        case let .outcomeTable(table): return TableFormat.csv(OutcomeTableLayout.longTable(table))
        }
    }

    /// A Markdown document: title, what data it covers, then the tables.
    public static func markdown(_ result: AnalysisResult) -> String {
        switch result {
        case let .outcomeTable(table):
            var out = "# \(table.definition.title)\n\n"
            out += dataLine(table) + "\n\n"
            for human in OutcomeTableLayout.humanTables(table) { out += TableFormat.markdown(human) + "\n" }
            return out
        }
    }

    /// JSON for other tools: `{"schema", "analysis", "data", "tables": [...]}`; see docs/json-tables.md.
    public static func json(_ result: AnalysisResult, generatedAt: Date = Date()) throws -> String {
        switch result {
        case let .outcomeTable(table):
            let object: [String: Any] = [
                "schema": jsonSchema,
                "generated_at": ISO8601DateFormatter().string(from: generatedAt),
                "analysis": ["id": table.definition.id, "title": table.definition.title,
                             "kind": table.definition.kind.rawValue, "confidence": table.definition.confidence],
                "data": ["instrument": table.instrumentID, "instrument_version": table.instrumentVersion,
                         "wave": table.wave as Any? ?? NSNull(), "responses": table.responses, "sites": table.sites],
                "tables": [TableFormat.jsonObject(OutcomeTableLayout.longTable(table))],
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }

    static func dataLine(_ table: OutcomeTableResult) -> String {
        let sites = table.sites.count == 1 ? "1 site" : "\(table.sites.count) sites"
        let wave = table.wave.map { ", wave \($0)" } ?? ""
        return "Instrument: \(table.instrumentTitle) (`\(table.instrumentID)` \(table.instrumentVersion))\(wave). "
            + "Responses: \(table.responses) from \(sites) (\(table.sites.joined(separator: ", ")))."
    }
}
