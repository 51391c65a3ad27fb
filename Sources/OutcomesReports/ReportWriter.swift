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
    public static func write(_ result: any AnalysisResult, to directory: String,
                             generatedAt: Date = Date()) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let id = result.definition.id
        let base = (directory as NSString).appendingPathComponent(id)
        var files = csvTables(result).map { (suffix, table) in (base + suffix + ".csv", TableFormat.csv(table)) }
        files.append((base + ".md", markdown(result)))
        files.append((base + ".json", try json(result, generatedAt: generatedAt)))
        for (path, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
        return files.map(\.0)
    }

    /// Writes `report.html` for all the results of a run (atomically) and returns its path.
    @discardableResult
    public static func writeReport(_ results: [any AnalysisResult], context: ReportContext,
                                   to directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("report.html")
        try Data(HTMLReport.render(results, context: context).utf8)
            .write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }

    /// The machine-readable tables of a result, each with the suffix of its CSV file name
    /// ("" for the main table, `<id>.csv`).
    public static func csvTables(_ result: any AnalysisResult) -> [(suffix: String, table: ReportTable)] {
        var tables = layout(result).csvTables.map { ($0.suffix, stamped($0.table, result)) }
        if !tables.isEmpty { tables[0].1.notes += versionNotes(result) }
        return tables
    }

    /// The main table's notes on items that differ between the instrument versions pooled
    /// ("item q3: wording differs between 1.0 and 2.0"), for every kind that pools versions.
    static func versionNotes(_ result: any AnalysisResult) -> [String] {
        guard let versions = (result as? any PoolsInstrumentVersions)?.versions, !versions.notes.isEmpty else {
            return []
        }
        let pooled = versions.pooled.map(\.version)
        let read = pooled.count == 1 ? "Instrument version \(pooled[0]) read"
            : "Instrument versions \(pooled.dropLast().joined(separator: ", ")) and \(pooled.last ?? "") pooled"
        return [read + ", labelled with version \(versions.labelledWith)'s wording; items that differ:"]
            + versions.notes.map { $0 + "." }
    }

    /// Whether the result's tables may be published: disclosure control on, and applied by its kind.
    public static func isForPublication(_ result: any AnalysisResult) -> Bool {
        result.definition.disclosure.isOn && layout(result).appliesDisclosureControl
    }

    /// Why a result is not for publication, for its outputs' stamps (nil when it is).
    public static func notForPublication(_ result: any AnalysisResult) -> String? {
        if isForPublication(result) { return nil }
        return result.definition.disclosure.isOn
            ? "NOT FOR PUBLICATION: the tables of kind \(result.definition.kind) are not yet under disclosure control, "
                + "so small counts that could identify a person are shown."
            : DisclosureControl.offStamp
    }

    /// A machine-readable table of a result not for publication carries the stamp in a first column,
    /// so that no tool can read its figures without it; and in its notes.
    static func stamped(_ table: ReportTable, _ result: any AnalysisResult) -> ReportTable {
        guard let stamp = notForPublication(result) else { return table }
        var table = table
        table.columns.insert(.init("publication", "Publication", alignRight: false), at: 0)
        table.rows = table.rows.map { [.text("NOT FOR PUBLICATION")] + $0 }
        if !table.notes.contains(where: { $0.hasPrefix("NOT FOR PUBLICATION") }) { table.notes.insert(stamp, at: 0) }
        return table
    }

    /// The disclosure sentence of the report's methods note: the rules, and what they withheld.
    static func disclosureMethods(_ result: any AnalysisResult) -> String {
        if let stamp = notForPublication(result) { return stamp }
        let rules = result.definition.disclosure
        let cells = layout(result).csvTables.flatMap { $0.table.rows.joined() }
        let stars = cells.filter { $0 == .suppressed("*") }.count
        let fewer = cells.filter {
            if case .suppressed = $0 { return $0 != .suppressed("*") } else { return false }
        }.count
        return "Disclosure control: NHS Digital's rules (counts of 1 to 7 as *, others rounded to the nearest 5, "
            + "percentages from the rounded figures)"
            + (rules.minimumBase > 0 ? " and groups of fewer than \(rules.minimumBase) answering not shown" : "")
            + "; in its CSV tables \(stars) count\(stars == 1 ? "" : "s") "
            + "or share\(stars == 1 ? "" : "s") shown as * and "
            + "\(fewer) figure\(fewer == 1 ? "" : "s") of small groups withheld."
    }

    /// The result as its kind lays it out: every kind's result type conforms in its layout file.
    static func layout(_ result: any AnalysisResult) -> any KindLayout {
        guard let layout = result as? any KindLayout else {
            preconditionFailure("analysis kind \(result.definition.kind) has no layout in OutcomesReports")
        }
        return layout
    }

    /// The main CSV of the result.
    public static func csv(_ result: any AnalysisResult) -> String {
        TableFormat.csv(csvTables(result)[0].table)
    }

    /// The tables for people, in reading order (Markdown and HTML both use them).
    public static func humanTables(_ result: any AnalysisResult) -> [ReportTable] {
        var tables = layout(result).humanTables
        if !tables.isEmpty { tables[0].notes += versionNotes(result) }
        guard let stamp = notForPublication(result) else { return tables }
        return tables.map { table in
            var table = table
            if !table.notes.contains(where: { $0.hasPrefix("NOT FOR PUBLICATION") }) {
                table.notes.insert(stamp, at: 0)
            }
            return table
        }
    }

    /// One line for the console on what an analysis covered (responses, groups, tests).
    public static func summary(_ result: any AnalysisResult) -> String { layout(result).summary }

    /// The report's data table for a run: each instrument and wave the analyses read, once, sorted,
    /// with when its responses were first and last stored (`storedDates` of an instrument).
    public static func dataWaves(_ results: [any AnalysisResult],
                                 storedDates: (String) throws -> (first: String, last: String)?)
        rethrows -> [ReportContext.Wave] {
        var waves: [ReportContext.Wave] = []
        for result in results {
            let read = ReportWriter.waves(result)
            let dates = try storedDates(read.instrument)
            for wave in read.waves
                where !waves.contains(where: { $0.instrument == read.instrument && $0.wave == wave.wave }) {
                waves.append(ReportContext.Wave(instrument: read.instrument, version: read.version, wave: wave.wave,
                                                responses: wave.responses, sites: wave.sites,
                                                firstStored: dates?.first ?? "", lastStored: dates?.last ?? ""))
            }
        }
        return waves.sorted { ($0.instrument, $0.wave) < ($1.instrument, $1.wave) }
    }

    /// Responses and sites per wave that an analysis read, for the report's data table.
    public static func waves(_ result: any AnalysisResult)
        -> (instrument: String, version: String, waves: [(wave: String, responses: Int, sites: [String])]) {
        layout(result).wavesRead
    }

    /// One sentence on the data an analysis covers: instrument and version, waves, responses, sites.
    public static func dataDescription(_ result: any AnalysisResult) -> String { layout(result).dataDescription }

    /// A Markdown document: title, what data it covers, then the tables.
    public static func markdown(_ result: any AnalysisResult) -> String {
        var out = "# \(result.definition.title)\n\n"
        if let stamp = notForPublication(result) { out += "**\(stamp)**\n\n" }
        out += dataDescription(result) + "\n\n"
        for table in humanTables(result) { out += TableFormat.markdown(table) + "\n" }
        return out
    }

    /// JSON for other tools: `{"schema", "analysis", "data", "tables": [...]}`; see docs/json-tables.md.
    public static func json(_ result: any AnalysisResult, generatedAt: Date = Date()) throws -> String {
        let definition = result.definition
        let data = layout(result).jsonData
        let object: [String: Any] = [
            "schema": jsonSchema,
            "generated_at": ISO8601DateFormatter().string(from: generatedAt),
            "analysis": ["id": definition.id, "title": definition.title, "kind": definition.kind.rawValue,
                         "confidence": definition.confidence],
            "disclosure": ["policy": definition.disclosure.policy.rawValue,
                           "minimum_base": definition.disclosure.minimumBase,
                           "for_publication": isForPublication(result),
                           "applied_by_kind": layout(result).appliesDisclosureControl] as [String: Any],
            "data": data,
            "tables": csvTables(result).map { suffix, table in
                TableFormat.jsonObject(table).merging(["name": suffix.isEmpty ? "main" : String(suffix.dropFirst()),
                                                       "csv": "\(definition.id)\(suffix).csv"]) { first, _ in first }
            },
        ]
        return try JSONText.encode(object) + "\n"
    }
}
