import Crypto
import Foundation
import OutcomesInstruments

/// What an import stored (or, in a dry run, would have stored).
public struct ImportSummary: Sendable, Equatable {
    public var file: String
    public var instrumentID: String
    public var instrumentVersion: String
    /// Data rows read (the header excluded).
    public var rows: Int
    /// Responses not stored before.
    public var new: Int
    /// Responses already stored with the same answers (a file imported twice), skipped.
    public var duplicates: Int
    /// Stored responses whose answers the file changed (only with `applyCorrections`); history kept.
    public var corrected: Int
    /// SHA-256 of the file's bytes, as recorded in the audit trail.
    public var sha256: String
    /// Required items with no column in the file: stored as missing for every row.
    public var absentRequiredItems: [String]
    public var dryRun: Bool
}

/// Progress of a long import: rows read so far and the share of the file's bytes.
public typealias ImportProgress = (_ rows: Int, _ fractionRead: Double) -> Void

public struct ImportOptions: Sendable {
    /// Validate and count, then roll back: nothing is stored.
    public var dryRun: Bool
    /// Apply changed answers to responses already stored (keeping old and new in `corrections`),
    /// instead of refusing the file.
    public var applyCorrections: Bool
    public init(dryRun: Bool = false, applyCorrections: Bool = false) {
        self.dryRun = dryRun
        self.applyCorrections = applyCorrections
    }
}

extension Store {
    /// The tool version recorded with each import.
    nonisolated(unsafe) public static var toolVersion = "0.1.0"

    /// Imports a CSV file in the interchange format (`respondent_id,site,arm,wave,<item ids...>`).
    ///
    /// Every row is validated against the instrument. Either the whole file is stored, in one
    /// transaction, or nothing is and a `DiagnosticList` names every problem as
    /// `file:line:column: message`. A response already stored (same instrument, site, respondent and
    /// wave, same answers) is counted as a duplicate and not stored again; the same key with different
    /// answers is an error unless `options.applyCorrections` is set, because silently overwriting
    /// stored data loses it; an applied correction keeps the old and new answers.
    public func importCSV(file: String, instrument: Instrument, definition: String, options: ImportOptions = ImportOptions(),
                          progress: ImportProgress? = nil) throws -> ImportSummary {
        return try importCSV(data: readInputFile(file), file: file, instrument: instrument, definition: definition,
                             options: options, progress: progress)
    }

    /// Imports CSV bytes; `file` names the source in messages and in the imports table.
    public func importCSV(data: Data, file: String, instrument: Instrument, definition: String,
                          options: ImportOptions = ImportOptions(), progress: ImportProgress? = nil) throws -> ImportSummary {
        var importer = CSVImport(store: self, file: file, instrument: instrument, options: options)
        let checksum = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        do {
            try db.execute("BEGIN IMMEDIATE")
            try registerInTransaction(instrument, definition: definition)
            let summary = try data.withUnsafeBytes { raw in
                try importer.run(raw.bindMemory(to: UInt8.self), sha256: checksum, progress: progress)
            }
            if !importer.diagnostics.isEmpty { throw DiagnosticList(importer.diagnostics) }
            try db.execute(options.dryRun ? "ROLLBACK" : "COMMIT")
            var result = summary
            result.dryRun = options.dryRun
            return result
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}

/// One file's import: header mapping, row validation and the prepared statements that store rows.
private struct CSVImport {
    let store: Store
    let file: String
    let instrument: Instrument
    let options: ImportOptions
    var diagnostics: [Diagnostic] = []

    init(store: Store, file: String, instrument: Instrument, options: ImportOptions) {
        self.store = store
        self.file = file
        self.instrument = instrument
        self.options = options
    }

    /// A column of the file that holds an item.
    struct ItemColumn {
        var field: Int
        var rule: AnswerRule
        /// The column holding this item's skip-condition item, if the file has it.
        var conditionColumn: Int?
        var conditionCodes: Set<Int>
        var required: Bool
    }

    mutating func fail(_ line: Int, _ column: Int?, _ message: String) {
        diagnostics.append(Diagnostic(file: file, line: line, column: column, message: message))
    }

    mutating func run(_ data: UnsafeBufferPointer<UInt8>, sha256: String, progress: ImportProgress?) throws -> ImportSummary {
        var identity: Header?
        var columns: [ItemColumn] = []
        var absentRequired: [String] = []
        var rows = 0, new = 0, duplicates = 0, corrected = 0
        var writer: ResponseWriter?
        let importID = try store.beginImport(kind: "csv", source: file, sha256: sha256, instrument: instrument)
        struct RowKey: Hashable { var site: String; var respondent: String; var wave: String }
        var linesInFile: [RowKey: Int] = [:]
        var values: [AnswerValue?] = []

        let total = max(data.count, 1)
        do {
            try CSVReader.read(data) { record in
                guard let header = identity else {
                    (identity, columns, absentRequired) = mapHeader(record)
                    if identity != nil {
                        writer = try ResponseWriter(store: store, instrument: instrument, items: columns.map(\.rule.item),
                                                    importID: importID, applyCorrections: options.applyCorrections)
                        values = Array(repeating: nil, count: columns.count)
                    } else if diagnostics.isEmpty {
                        fail(record.line, nil, "the header should name respondent_id, site and wave columns")
                    }
                    return
                }
                rows += 1
                if let progress, rows % 20_000 == 0 { progress(rows, Double(record.endOffset) / Double(total)) }
                guard record.count == header.expectedFields else {
                    fail(record.line, nil, "the row has \(record.count) fields; the header has \(header.expectedFields)")
                    return
                }
                let respondent = record.string(header.respondent)
                let site = record.string(header.site)
                let wave = record.string(header.wave)
                let arm = header.arm.map { record.string($0) } ?? ""
                if respondent.isEmpty { fail(record.line, header.respondent + 1, "respondent_id is empty") }
                if site.isEmpty { fail(record.line, header.site + 1, "site is empty") }
                if wave.isEmpty {
                    fail(record.line, header.wave + 1, "wave is empty (expected e.g. baseline or followup)")
                } else if !Self.isWaveName(wave) {
                    fail(record.line, header.wave + 1, "wave '\(wave)' should be letters, digits, '-' or '_'")
                }
                if !(arm.isEmpty || arm == "pilot" || arm == "control") {
                    fail(record.line, header.arm.map { $0 + 1 }, "arm '\(arm)' should be pilot, control or empty")
                }
                // Indexing (not iterating) the columns avoids copying each column's description per cell.
                for index in columns.indices {
                    let field = columns[index].field
                    if record.isEmpty(field) { values[index] = nil; continue }
                    let rule = columns[index].rule
                    switch record.withField(field, { rule.parse($0) }) {
                    case let .success(value): values[index] = value
                    case let .failure(problem):
                        values[index] = nil
                        fail(record.line, field + 1, "\(rule.item.id): \(problem.message)")
                    }
                }
                // Row-level rules: skip conditions and required items.
                for index in columns.indices {
                    var shown = true
                    if let conditionColumn = columns[index].conditionColumn {
                        if case let .integer(code)? = values[conditionColumn] { shown = columns[index].conditionCodes.contains(code) } else {
                            shown = false
                        }
                    }
                    let field = columns[index].field
                    if !shown, values[index] != nil, let condition = columns[index].rule.item.showIf {
                        let given = values[conditionColumn: columns[index].conditionColumn]
                        fail(record.line, field + 1,
                             "\(columns[index].rule.item.id) is answered, but it is asked only when \(condition.item) is \(condition.codes.map(String.init).joined(separator: " or ")) (here \(given))")
                    }
                    if shown, columns[index].required, record.isEmpty(field) {
                        fail(record.line, field + 1, "\(columns[index].rule.item.id) is required but empty")
                    }
                }
                // One questionnaire per respondent and wave: a repeated row means a broken export.
                if !respondent.isEmpty {
                    let key = RowKey(site: site, respondent: respondent, wave: wave)
                    if let firstLine = linesInFile[key] {
                        fail(record.line, nil, "respondent \(respondent) at site \(site) already has a \(wave) response on line \(firstLine) of this file")
                    } else {
                        linesInFile[key] = record.line
                    }
                }
                // Once any row has failed nothing more is written; the rest is only validated.
                guard diagnostics.isEmpty else { return }

                switch try writer!.write(site: site, respondent: respondent, wave: wave, arm: arm.isEmpty ? nil : arm,
                                         values: values, sourceLine: record.line) {
                case .new: new += 1
                case .duplicate: duplicates += 1
                case .corrected: corrected += 1
                case let .conflict(changed):
                    fail(record.line, nil, "respondent \(respondent) at site \(site) already has a stored \(wave) response with different answers "
                         + "(\(changed.joined(separator: ", "))); to apply them as a correction, import with --corrections")
                }
            }
        } catch let error as CSVReader.SyntaxError {
            fail(error.line, nil, "malformed CSV: \(error.message)")
        }
        if identity == nil, diagnostics.isEmpty { fail(1, nil, "the file is empty: expected a header row") }
        progress?(rows, 1)
        try store.finishImport(importID, rows: rows, new: new, duplicates: duplicates, corrected: corrected)
        return ImportSummary(file: file, instrumentID: instrument.id, instrumentVersion: instrument.version, rows: rows,
                             new: new, duplicates: duplicates, corrected: corrected, sha256: sha256,
                             absentRequiredItems: absentRequired, dryRun: false)
    }

    struct Header { var respondent: Int; var site: Int; var arm: Int?; var wave: Int; var expectedFields: Int }

    /// Maps header names to identity columns and items; every unknown or repeated name is an error.
    mutating func mapHeader(_ record: CSVReader.Record) -> (Header?, [ItemColumn], [String]) {
        var positions: [String: Int] = [:]
        for index in 0..<record.count {
            let name = record.string(index).trimmingCharacters(in: .whitespaces)
            if name.isEmpty { fail(record.line, index + 1, "column \(index + 1) has no name"); continue }
            if let first = positions[name] {
                fail(record.line, index + 1, "column '\(name)' appears twice (also column \(first + 1))")
                continue
            }
            positions[name] = index
            if !InstrumentParser.reservedColumns.contains(name), instrument.item(name) == nil {
                fail(record.line, index + 1, "column '\(name)' names no item of instrument \(instrument.id) \(instrument.version)")
            }
        }
        for name in ["respondent_id", "site", "wave"] where positions[name] == nil {
            fail(record.line, nil, "the header has no '\(name)' column (expected respondent_id,site,arm,wave,<item ids>)")
        }
        guard let respondent = positions["respondent_id"], let site = positions["site"], let wave = positions["wave"] else {
            return (nil, [], [])
        }
        var columns: [ItemColumn] = []
        var columnOfItem: [String: Int] = [:]
        for item in instrument.items {
            guard let field = positions[item.id] else { continue }
            columnOfItem[item.id] = columns.count
            columns.append(ItemColumn(field: field, rule: AnswerRule(item: item, instrument: instrument),
                                      conditionColumn: nil, conditionCodes: Set(item.showIf?.codes ?? []),
                                      required: item.required))
        }
        for index in columns.indices {
            if let condition = columns[index].rule.item.showIf { columns[index].conditionColumn = columnOfItem[condition.item] }
        }
        let absent = instrument.items.filter { $0.required && positions[$0.id] == nil }.map(\.id)
        return (Header(respondent: respondent, site: site, arm: positions["arm"], wave: wave, expectedFields: record.count),
                columns, absent)
    }

    static func isWaveName(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }
    }

}

private extension Array where Element == AnswerValue? {
    /// The value of an optional column, for messages.
    subscript(conditionColumn column: Int?) -> String {
        guard let column, let value = self[column] else { return "empty" }
        return value.description
    }
}
