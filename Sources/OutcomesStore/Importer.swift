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
    /// Required items with no column in the file: stored as missing for every row.
    public var absentRequiredItems: [String]
    public var dryRun: Bool
}

/// Progress of a long import: rows read so far and the share of the file's bytes.
public typealias ImportProgress = (_ rows: Int, _ fractionRead: Double) -> Void

extension Store {
    /// The tool version recorded with each import.
    nonisolated(unsafe) public static var toolVersion = "0.1.0"

    /// Imports a CSV file in the interchange format (`respondent_id,site,arm,wave,<item ids...>`).
    ///
    /// Every row is validated against the instrument. Either the whole file is stored, in one
    /// transaction, or nothing is and a `DiagnosticList` names every problem as
    /// `file:line:column: message`. A response already stored (same instrument, site, respondent and
    /// wave, same answers) is counted as a duplicate and not stored again; the same key with different
    /// answers is an error, because silently overwriting stored data loses it.
    public func importCSV(file: String, instrument: Instrument, definition: String, dryRun: Bool = false,
                          progress: ImportProgress? = nil) throws -> ImportSummary {
        guard let data = FileManager.default.contents(atPath: file) else {
            let reason = FileManager.default.fileExists(atPath: file) ? "cannot read the file" : "no such file"
            throw DiagnosticList([Diagnostic(file: file, message: reason)])
        }
        return try importCSV(data: data, file: file, instrument: instrument, definition: definition,
                             dryRun: dryRun, progress: progress)
    }

    /// Imports CSV bytes; `file` names the source in messages and in the imports table.
    public func importCSV(data: Data, file: String, instrument: Instrument, definition: String, dryRun: Bool = false,
                          progress: ImportProgress? = nil) throws -> ImportSummary {
        var importer = CSVImport(store: self, file: file, instrument: instrument)
        do {
            try db.execute("BEGIN IMMEDIATE")
            try registerInTransaction(instrument, definition: definition)
            let summary = try data.withUnsafeBytes { raw in
                try importer.run(raw.bindMemory(to: UInt8.self), progress: progress)
            }
            if !importer.diagnostics.isEmpty { throw DiagnosticList(importer.diagnostics) }
            try db.execute(dryRun ? "ROLLBACK" : "COMMIT")
            var result = summary
            result.dryRun = dryRun
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
    var diagnostics: [Diagnostic] = []

    init(store: Store, file: String, instrument: Instrument) {
        self.store = store
        self.file = file
        self.instrument = instrument
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

    mutating func run(_ data: UnsafeBufferPointer<UInt8>, progress: ImportProgress?) throws -> ImportSummary {
        let db = store.db
        var identity: Header?
        var columns: [ItemColumn] = []
        var absentRequired: [String] = []
        var rows = 0, new = 0, duplicates = 0
        var insertAnswers: SQLiteStatement?
        var selectAnswers: SQLiteStatement?
        let table = try store.answerTable(for: instrument.id, create: false)!

        // Statements are prepared once: the per-row cost is binding and stepping only.
        let insertSite = try db.prepare("INSERT INTO sites (code) VALUES (?) ON CONFLICT (code) DO NOTHING")
        let selectSite = try db.prepare("SELECT site_id FROM sites WHERE code = ?")
        let insertWave = try db.prepare("INSERT INTO waves (name) VALUES (?) ON CONFLICT (name) DO NOTHING")
        let selectWave = try db.prepare("SELECT wave_id FROM waves WHERE name = ?")
        let insertRespondent = try db.prepare("INSERT INTO respondents (site_id, code) VALUES (?, ?) ON CONFLICT (site_id, code) DO NOTHING")
        let selectRespondent = try db.prepare("SELECT respondent_id FROM respondents WHERE site_id = ? AND code = ?")
        let insertResponse = try db.prepare("""
            INSERT INTO responses (instrument_id, instrument_version, respondent_id, wave_id, arm, import_id, source_line)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (instrument_id, respondent_id, wave_id) DO NOTHING
            """)
        let selectResponse = try db.prepare("""
            SELECT response_id, arm FROM responses WHERE instrument_id = ? AND respondent_id = ? AND wave_id = ?
            """)
        let insertImport = try db.prepare("""
            INSERT INTO imports (source, instrument_id, instrument_version, rows_read, responses_new, responses_duplicate,
                                 tool_version, imported_at) VALUES (?, ?, ?, 0, 0, 0, ?, ?)
            """)
        try insertImport.bind([.text(file), .text(instrument.id), .text(instrument.version),
                               .text(Store.toolVersion), .text(Store.timestamp())])
        try insertImport.run()
        let importID = db.lastInsertRowID

        var siteIDs: [String: Int64] = [:]
        var waveIDs: [String: Int64] = [:]
        struct RespondentKey: Hashable { var site: Int64; var code: String }
        var respondentIDs: [RespondentKey: Int64] = [:]
        struct RowKey: Hashable { var site: String; var respondent: String; var wave: String }
        var linesInFile: [RowKey: Int] = [:]
        var values: [AnswerValue?] = []

        func id(for key: String, cache: inout [String: Int64], insert: SQLiteStatement, select: SQLiteStatement) throws -> Int64 {
            if let id = cache[key] { return id }
            insert.bind(1, key)
            try insert.run()
            select.bind(1, key)
            defer { select.reset() }
            guard try select.step() else { throw StoreError("could not store '\(key)'") }
            let id = select.int(0)
            cache[key] = id
            return id
        }

        let total = max(data.count, 1)
        do {
            try CSVReader.read(data) { record in
                guard let header = identity else {
                    (identity, columns, absentRequired) = mapHeader(record)
                    if identity != nil {
                        let names = columns.map { quoted($0.rule.item.id) }
                        insertAnswers = try db.prepare("INSERT INTO \(quoted(table)) (response_id\(names.map { ", " + $0 }.joined())) VALUES (?\(String(repeating: ", ?", count: names.count)))")
                        selectAnswers = try db.prepare("SELECT \((["response_id"] + names).joined(separator: ", ")) FROM \(quoted(table)) WHERE response_id = ?")
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

                let siteID = try id(for: site, cache: &siteIDs, insert: insertSite, select: selectSite)
                let waveID = try id(for: wave, cache: &waveIDs, insert: insertWave, select: selectWave)
                let respondentKey = RespondentKey(site: siteID, code: respondent)
                var respondentID = respondentIDs[respondentKey]
                if respondentID == nil {
                    insertRespondent.bind(1, siteID)
                    insertRespondent.bind(2, respondent)
                    try insertRespondent.run()
                    if db.changes == 1 {
                        respondentID = db.lastInsertRowID
                    } else {
                        selectRespondent.bind(1, siteID)
                        selectRespondent.bind(2, respondent)
                        defer { selectRespondent.reset() }
                        _ = try selectRespondent.step()
                        respondentID = selectRespondent.int(0)
                    }
                    respondentIDs[respondentKey] = respondentID
                }
                insertResponse.bind(1, instrument.id)
                insertResponse.bind(2, instrument.version)
                insertResponse.bind(3, respondentID!)
                insertResponse.bind(4, waveID)
                insertResponse.bind(5, arm.isEmpty ? nil : arm)
                insertResponse.bind(6, importID)
                insertResponse.bind(7, Int64(record.line))
                try insertResponse.run()
                if db.changes == 1 {
                    let responseID = db.lastInsertRowID
                    let insert = insertAnswers!
                    insert.bind(1, responseID)
                    for (index, value) in values.enumerated() { Self.bind(value, to: insert, at: Int32(index + 2)) }
                    try insert.run()
                    new += 1
                } else if try isSameAsStored(respondentID: respondentID!, waveID: waveID, arm: arm, values: values, select: selectResponse,
                                             selectAnswers: selectAnswers!) {
                    duplicates += 1
                } else {
                    fail(record.line, nil, "respondent \(respondent) at site \(site) already has a stored \(wave) response with different answers; corrections are not applied by import")
                }
            }
        } catch let error as CSVReader.SyntaxError {
            fail(error.line, nil, "malformed CSV: \(error.message)")
        }
        if identity == nil, diagnostics.isEmpty { fail(1, nil, "the file is empty: expected a header row") }
        progress?(rows, 1)
        let update = try db.prepare("UPDATE imports SET rows_read = ?, responses_new = ?, responses_duplicate = ? WHERE import_id = ?")
        try update.bind([.int(Int64(rows)), .int(Int64(new)), .int(Int64(duplicates)), .int(importID)])
        try update.run()
        return ImportSummary(file: file, instrumentID: instrument.id, instrumentVersion: instrument.version, rows: rows,
                             new: new, duplicates: duplicates, absentRequiredItems: absentRequired, dryRun: false)
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

    static func bind(_ value: AnswerValue?, to statement: SQLiteStatement, at index: Int32) {
        switch value {
        case nil: statement.bindNull(index)
        case let .integer(v)?: statement.bind(index, Int64(v))
        case let .number(v)?: statement.bind(index, v)
        case let .text(v)?: statement.bind(index, v)
        case let .codes(v)?: statement.bind(index, AnswerValue.codes(v).description)
        }
    }

    /// Whether the stored response under `key` has the same arm and the same answer in every column
    /// of this file (a re-import of the same data).
    func isSameAsStored(respondentID: Int64, waveID: Int64, arm: String, values: [AnswerValue?],
                        select: SQLiteStatement, selectAnswers: SQLiteStatement) throws -> Bool {
        select.bind(1, instrument.id)
        select.bind(2, respondentID)
        select.bind(3, waveID)
        defer { select.reset() }
        guard try select.step() else { return false }
        let responseID = select.int(0)
        if (select.text(1) ?? "") != arm { return false }
        selectAnswers.bind(1, responseID)
        defer { selectAnswers.reset() }
        guard try selectAnswers.step() else { return false }
        for (index, value) in values.enumerated() {
            let column = Int32(index + 1)
            let stored: AnswerValue?
            if selectAnswers.isNull(column) {
                stored = nil
            } else {
                switch value {
                case .integer?: stored = .integer(Int(selectAnswers.int(column)))
                case .number?: stored = .number(selectAnswers.double(column))
                case .text?: stored = .text(selectAnswers.text(column) ?? "")
                case .codes?: stored = selectAnswers.text(column).flatMap { text in
                        .codes(text.split(separator: ";").compactMap { Int($0) })
                    }
                case nil: stored = .text("")  // stored has a value where the file has none
                }
            }
            if stored != value { return false }
        }
        return true
    }
}

private extension Array where Element == AnswerValue? {
    /// The value of an optional column, for messages.
    subscript(conditionColumn column: Int?) -> String {
        guard let column, let value = self[column] else { return "empty" }
        return value.description
    }
}
