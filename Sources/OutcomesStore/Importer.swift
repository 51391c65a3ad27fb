import Crypto
import Foundation
import OutcomesInstruments

/// The SHA-256 of `data` in lower-case hex: what the audit trail records of every file and database
/// stored, and of every server token.
public func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}

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
    /// The import's row in the audit trail (`imports.import_id`).
    public var importID: Int64 = 0
    /// The encoding the file was transcoded from, if it was not UTF-8.
    public var transcodedFrom: TextEncoding?
    /// The field separator read from the header (or given).
    public var delimiter: String = ","

    public init(file: String, instrumentID: String, instrumentVersion: String, rows: Int, new: Int, duplicates: Int, corrected: Int,
                sha256: String, absentRequiredItems: [String], dryRun: Bool, importID: Int64) {
        self.file = file; self.instrumentID = instrumentID; self.instrumentVersion = instrumentVersion; self.rows = rows
        self.new = new; self.duplicates = duplicates; self.corrected = corrected; self.sha256 = sha256
        self.absentRequiredItems = absentRequiredItems; self.dryRun = dryRun; self.importID = importID
    }
}

/// Progress of a long import: rows read so far and the share of the file's bytes.
public typealias ImportProgress = (_ rows: Int, _ fractionRead: Double) -> Void

public struct ImportOptions: Sendable {
    /// Validate and count, then roll back: nothing is stored.
    public var dryRun: Bool
    /// Apply changed answers to responses already stored (keeping old and new in `corrections`),
    /// instead of refusing the file.
    public var applyCorrections: Bool
    /// Accept rows of this site only (a site's submission to the server): any other site is an error.
    public var site: String?
    /// The submission server's record of who sent the file (its token) and how.
    public var submission: APISubmission?
    /// The file's encoding and separator, when they are not UTF-8 and detected.
    public var text: TextOptions
    /// The format the file came in, for the audit trail (csv, redcap, kobo, xlsx, sav, dta).
    public var format: String = "csv"
    /// The SHA-256 of the file as given, when the bytes imported were made from it (another tool's export).
    public var sha256: String?
    /// Items a row was never asked (REDCap forms not entered for that record and event), by the
    /// row's line: required items among them may be empty.
    public var notAsked: NotAskedItems?
    /// Problems kept and reported at most (all are counted): a bad file's report, and the memory it
    /// takes, stay bounded however many rows it has.
    public var maximumProblems = RowValidator.defaultMaximumProblems

    public init(dryRun: Bool = false, applyCorrections: Bool = false, site: String? = nil,
                submission: APISubmission? = nil, text: TextOptions = TextOptions()) {
        self.dryRun = dryRun
        self.applyCorrections = applyCorrections
        self.site = site
        self.submission = submission
        self.text = text
    }
}

/// Which items each row of a file was not asked, by line (an export's forms that were not filled in).
public final class NotAskedItems: Sendable {
    public let items: [Int: Set<String>]
    public init(_ items: [Int: Set<String>]) { self.items = items }
}

/// A file received by the submission server: the token that sent it, and as what.
public struct APISubmission: Sendable {
    public enum Format: String, Sendable { case csv, json }
    public var tokenID: Int64
    public var format: Format
    /// The body's encoding, from its Content-Type's charset (nil: UTF-8).
    public var charset: TextEncoding?
    public init(tokenID: Int64, format: Format, charset: TextEncoding? = nil) {
        self.tokenID = tokenID; self.format = format; self.charset = charset
    }

    /// How the body is read: its charset, a detected separator, remedies given as HTTP headers.
    public var text: TextOptions { TextOptions(encoding: charset, advice: .http) }
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
        // The checksum is of the bytes as given; what is read is UTF-8, checked first.
        let checksum = options.sha256 ?? sha256Hex(data)
        let text = try PreparedText.prepare(data, file: file, options: options.text)
        var importer = CSVImport(store: self, file: file, instrument: instrument, options: options,
                                 delimiter: text.delimiter)
        do {
            try db.execute("BEGIN IMMEDIATE")
            try registerInTransaction(instrument, definition: definition)
            let summary = try text.data.withUnsafeBytes { raw in
                try importer.run(raw.bindMemory(to: UInt8.self), sha256: checksum, progress: progress)
            }
            if !importer.problems.diagnostics.isEmpty { throw importer.problems }
            if let submission = options.submission, let site = options.site {
                let insert = try db.prepare("INSERT INTO api_submissions (import_id, token_id, site, format) VALUES (?, ?, ?, ?)")
                try insert.bind([.int(summary.importID), .int(submission.tokenID), .text(site), .text(submission.format.rawValue)])
                try insert.run()
            }
            try db.execute(options.dryRun ? "ROLLBACK" : "COMMIT")
            var result = summary
            result.dryRun = options.dryRun
            result.transcodedFrom = text.transcodedFrom
            result.delimiter = text.delimiterName
            return result
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}

/// One file's import. Two threads share the work, because a national survey's file is a million rows:
/// a reading thread splits the CSV, checks every cell against the instrument and hands over rows in
/// batches; the calling thread, which owns the database connection, stores them. Rows are stored only
/// while no problem has been found; the transaction is rolled back if any is, so a bad file stores
/// nothing whichever thread found the problem.
private struct CSVImport {
    let store: Store
    let file: String
    let instrument: Instrument
    let options: ImportOptions
    let delimiter: UInt8

    init(store: Store, file: String, instrument: Instrument, options: ImportOptions, delimiter: UInt8) {
        self.store = store
        self.file = file
        self.instrument = instrument
        self.options = options
        self.delimiter = delimiter
    }

    /// What was wrong with the file: none when it was stored.
    var problems = DiagnosticList([])

    mutating func run(_ data: UnsafeBufferPointer<UInt8>, sha256: String, progress: ImportProgress?) throws -> ImportSummary {
        // A submission is stored by its token (as on PostgreSQL), not by the server's operating-system user.
        let importID = try store.beginImport(kind: "csv", source: file, sha256: sha256, instrument: instrument,
                                             format: options.format,
                                             storedBy: options.submission.map { "api token \($0.tokenID)" })
        var validator = RowValidator(file: file, instrument: instrument, site: options.site, delimiter: delimiter,
                                     maximumProblems: options.maximumProblems)
        validator.notAsked = options.notAsked
        // Files this toolkit exported come back by `import`; a site's submission to the server is its own
        // (PostgreSQL's check of it restores nothing either).
        validator.restoresSpreadsheetText = options.format == "csv" && options.submission == nil
        guard let dataStart = validator.readHeader(data) else {
            problems = validator.problems
            return summary(rows: 0, new: 0, duplicates: 0, corrected: 0, sha256: sha256, absent: [])
        }
        let writer = try ResponseWriter(store: store, instrument: instrument, items: validator.columns.map(\.rule.item),
                                        importID: importID, applyCorrections: options.applyCorrections)

        // The reading thread: validates every row, sends rows while none has failed.
        let channel = BatchChannel(capacity: 8)
        let input = UnsafeInput(data: data)
        let startingValidator = validator
        let start = dataStart
        let reader = ThreadResult { () -> (problems: DiagnosticList, rows: Int) in
            var validator = startingValidator
            validator.readRows(input.data, from: start, send: channel.send)
            channel.close()
            return (validator.problems, validator.rows)
        }
        // Whatever happens here, the reading thread must be done before `data` goes away.
        defer { channel.cancel(); _ = reader.wait() }

        var new = 0, duplicates = 0, corrected = 0
        var writerProblems: [Diagnostic] = []
        var reported = 0
        // Store ids of the file's sites, waves and respondents, by the reader's numbering.
        var siteIDs: [Int64] = [], siteCodes: [String] = [], waveIDs: [Int64] = [], waveNames: [String] = []
        var respondentIDs: [Int64] = [], respondentCodes: [String] = [], respondentSites: [Int32] = []
        let items = validator.columns.map(\.rule.item)
        while let batch = channel.receive() {
            if let progress, batch.rowsRead / 20_000 > reported {
                reported = batch.rowsRead / 20_000
                progress(batch.rowsRead, Double(batch.bytesRead) / Double(max(data.count, 1)))
            }
            guard writerProblems.isEmpty else { continue }
            for code in batch.newSites { siteIDs.append(try writer.siteID(code)); siteCodes.append(code) }
            for name in batch.newWaves { waveIDs.append(try writer.waveID(name)); waveNames.append(name) }
            for respondent in batch.newRespondents {
                respondentIDs.append(try writer.storeRespondent(site: siteIDs[Int(respondent.site)], code: respondent.code))
                respondentCodes.append(respondent.code)
                respondentSites.append(respondent.site)
            }
            try batch.withRows { row, cells, text in
                let respondent = Int(batch.respondents[row])
                let arm = ImportBatch.armNames[Int(batch.arms[row])]
                let stored = try writer.insertIfNew(respondentID: respondentIDs[respondent], waveID: waveIDs[Int(batch.waves[row])],
                                                    arm: arm, sourceLine: batch.lines[row]) { statement in
                    for (index, cell) in cells.enumerated() { cell.bind(to: statement, at: Int32(index + 2), text: text) }
                }
                if stored { new += 1; return true }
                // Already stored: the same answers (a file submitted again) are a duplicate; otherwise
                // the general path tells a correction from a conflict.
                if try writer.storedUnchanged(respondentID: respondentIDs[respondent], waveID: waveIDs[Int(batch.waves[row])],
                                              arm: arm, sameAnswers: { statement in
                    cells.indices.allSatisfy { cells[$0].matches(statement, column: Int32($0 + 1), text: text) }
                }) {
                    duplicates += 1
                    return true
                }
                let site = siteCodes[Int(respondentSites[respondent])], code = respondentCodes[respondent]
                let wave = waveNames[Int(batch.waves[row])]
                let values = cells.indices.map { cells[$0].answer(type: items[$0].type, text: text) }
                switch try writer.write(site: site, respondent: code, wave: wave, arm: arm, values: values, sourceLine: batch.lines[row]) {
                case .new: new += 1
                case .duplicate: duplicates += 1
                case .corrected: corrected += 1
                case let .conflict(changed):
                    writerProblems.append(Diagnostic(
                        file: file, line: batch.lines[row],
                        message: "respondent \(code) at site \(site) already has a stored \(wave) response with different answers "
                            + "(\(changed.joined(separator: ", "))); "
                            + (options.submission == nil ? "to apply them as a correction, import with --corrections"
                               : "corrections are made by the evaluation team with outcomes import --corrections")))
                    return false
                }
                return true
            }
        }
        let read = try reader.wait().get()
        problems = read.problems.adding(writerProblems, keeping: options.maximumProblems)
        progress?(read.rows, 1)
        try store.finishImport(importID, rows: read.rows, new: new, duplicates: duplicates, corrected: corrected)
        return summary(rows: read.rows, new: new, duplicates: duplicates, corrected: corrected, sha256: sha256,
                       absent: validator.absentRequired, importID: importID)
    }

    func summary(rows: Int, new: Int, duplicates: Int, corrected: Int, sha256: String, absent: [String], importID: Int64 = 0) -> ImportSummary {
        ImportSummary(file: file, instrumentID: instrument.id, instrumentVersion: instrument.version, rows: rows,
                      new: new, duplicates: duplicates, corrected: corrected, sha256: sha256,
                      absentRequiredItems: absent, dryRun: false, importID: importID)
    }
}

/// A file's rows checked against an instrument without storing them: for stores other than the
/// SQLite one (the submission server's PostgreSQL store), which then store `rows` themselves.
public struct ValidatedFile: Sendable {
    public struct Row: Sendable {
        public var site: String
        public var respondent: String
        public var wave: String
        public var arm: String?
        public var line: Int
        /// `values[i]` answers `items[i]`.
        public var values: [AnswerValue?]
    }
    /// The items the file has columns for, in the instrument's order.
    public var items: [Item]
    public var rows: [Row]
    public var rowsRead: Int
    public var absentRequiredItems: [String]
    public var sha256: String

    /// Checks CSV bytes as `Store.importCSV` does (header, cells, skip logic, required items, repeated
    /// rows, and rows of `site` only if it is given), or throws a `DiagnosticList` naming every problem.
    public static func check(_ data: Data, file: String, instrument: Instrument, site: String? = nil,
                             text options: TextOptions = TextOptions()) throws -> ValidatedFile {
        let text = try PreparedText.prepare(data, file: file, options: options)
        var validator = RowValidator(file: file, instrument: instrument, site: site, delimiter: text.delimiter)
        var batches: [ImportBatch] = []
        text.data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            if let start = validator.readHeader(bytes) {
                validator.readRows(bytes, from: start) { batches.append($0); return true }
            }
        }
        if !validator.diagnostics.isEmpty { throw validator.problems }
        let items = validator.columns.map(\.rule.item)
        var sites: [String] = [], waves: [String] = [], respondents: [(site: Int32, code: String)] = []
        var rows: [Row] = []
        for batch in batches {
            sites += batch.newSites
            waves += batch.newWaves
            respondents += batch.newRespondents
            batch.withRows { row, cells, text in
                rows.append(Row(site: sites[Int(batch.sites[row])], respondent: respondents[Int(batch.respondents[row])].code,
                                wave: waves[Int(batch.waves[row])], arm: ImportBatch.armNames[Int(batch.arms[row])], line: batch.lines[row],
                                values: cells.indices.map { cells[$0].answer(type: items[$0].type, text: text) }))
                return true
            }
        }
        let checksum = sha256Hex(data)
        return ValidatedFile(items: items, rows: rows, rowsRead: validator.rows, absentRequiredItems: validator.absentRequired,
                             sha256: checksum)
    }
}

/// Validated rows on their way from the reading thread to the writer, in a form that is cheap to hand
/// over and to free: numbers, and text as byte ranges, with no reference-counted value per cell.
/// Sites, waves and respondents are numbered by the reader in order of first appearance in the file;
/// a batch carries those it numbered first, so the writer looks each up in the store once.
struct ImportBatch: Sendable {
    /// One answer, ready to bind.
    enum Cell: Sendable {
        case missing
        case integer(Int64)
        case number(Double)
        /// Bytes `start..<start+count` of the batch's `text`.
        case text(start: Int32, count: Int32)

        func bind(to statement: SQLiteStatement, at index: Int32, text: UnsafeBufferPointer<UInt8>) {
            switch self {
            case .missing: statement.bindNull(index)
            case let .integer(value): statement.bind(index, value)
            case let .number(value): statement.bind(index, value)
            case let .text(start, count): statement.bindText(index, UnsafeBufferPointer(rebasing: text[Int(start)..<Int(start + count)]))
            }
        }

        /// Whether column `column` of a row read back from the store holds this answer.
        func matches(_ statement: SQLiteStatement, column: Int32, text: UnsafeBufferPointer<UInt8>) -> Bool {
            switch self {
            case .missing: return statement.isNull(column)
            case let .integer(value): return !statement.isNull(column) && statement.int(column) == value
            case let .number(value): return !statement.isNull(column) && statement.double(column) == value
            case let .text(start, count):
                guard !statement.isNull(column) else { return false }
                return statement.bytes(column).elementsEqual(text[Int(start)..<Int(start + count)])
            }
        }

        /// The answer as the rest of the store handles it (for the rare row already stored).
        func answer(type: ItemType, text: UnsafeBufferPointer<UInt8>) -> AnswerValue? {
            switch self {
            case .missing: return nil
            case let .integer(value): return .integer(Int(value))
            case let .number(value): return .number(value)
            case let .text(start, count):
                let string = String(decoding: UnsafeBufferPointer(rebasing: text[Int(start)..<Int(start + count)]), as: UTF8.self)
                return type == .multipleChoice ? .codes(string.split(separator: ";").compactMap { Int($0) }) : .text(string)
            }
        }
    }

    static let armNames: [String?] = [nil, "pilot", "control"]

    var sites: [Int32] = []
    var waves: [Int32] = []
    var respondents: [Int32] = []
    /// 0 none, 1 pilot, 2 control (`armNames`).
    var arms: [UInt8] = []
    var lines: [Int] = []
    /// Row after row, one cell per item column of the file.
    var cells: [Cell] = []
    var text: [UInt8] = []
    var width: Int
    var newSites: [String] = []
    var newWaves: [String] = []
    var newRespondents: [(site: Int32, code: String)] = []
    /// Rows and bytes of the file read when the batch was sent (for progress).
    var rowsRead = 0
    var bytesRead = 0
    var count: Int { lines.count }

    init(width: Int) { self.width = width }

    /// Calls `body` with each row's cells and the text they point into, while it returns true.
    func withRows(_ body: (Int, UnsafeBufferPointer<Cell>, UnsafeBufferPointer<UInt8>) throws -> Bool) rethrows {
        try cells.withUnsafeBufferPointer { cells in
            try text.withUnsafeBufferPointer { text in
                for row in 0..<count {
                    guard try body(row, UnsafeBufferPointer(rebasing: cells[(row * width)..<((row + 1) * width)]), text) else { return }
                }
            }
        }
    }
}

/// A bounded queue of batches between two threads: the reader waits when the writer is behind, so
/// memory stays small whatever the file's size.
final class BatchChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [ImportBatch] = []
    private var closed = false, cancelled = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// False once the receiver has given up (then the sender should stop).
    func send(_ batch: ImportBatch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity, !cancelled { condition.wait() }
        guard !cancelled else { return false }
        queue.append(batch)
        condition.broadcast()
        return true
    }

    /// The next batch, or nil when the sender has closed the channel and every batch was received.
    func receive() -> ImportBatch? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty, !closed { condition.wait() }
        guard !queue.isEmpty else { return nil }
        condition.broadcast()
        return queue.removeFirst()
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}

/// The file's bytes, read by the reading thread while the caller keeps them alive (it waits for that
/// thread before returning).
private struct UnsafeInput: @unchecked Sendable { let data: UnsafeBufferPointer<UInt8> }

/// Checks rows against the instrument: the header's columns, identity fields, each cell, skip
/// conditions, required items and repeated rows. Collects every problem as a diagnostic.
struct RowValidator: Sendable {
    let file: String
    let instrument: Instrument
    var diagnostics: [Diagnostic] = []
    var header: Header?
    var columns: [ItemColumn] = []
    var absentRequired: [String] = []
    var rows = 0
    /// Problems found and lines with one; only the first `maximumProblems` are kept as diagnostics.
    var problemCount = 0
    var problemRows = 0
    private var lastProblemLine = -1
    let maximumProblems: Int
    public static let defaultMaximumProblems = 1000

    struct Header: Sendable { var respondent: Int; var site: Int; var arm: Int?; var wave: Int; var expectedFields: Int }

    /// A column of the file that holds an item.
    struct ItemColumn: Sendable {
        var field: Int
        var rule: AnswerRule
        /// The item's skip condition, and the file's column (an index into `columns`) of each item it
        /// reads; an item without a column makes the condition's outcome unknown.
        var condition: SkipCondition?
        var conditionColumns: [String: Int] = [:]
        var required: Bool
    }

    /// The only site whose rows are accepted, if one is set.
    let site: String?
    /// The field separator (the file's bytes are UTF-8, checked by `PreparedText`).
    let delimiter: UInt8
    /// Items rows were not asked, whose emptiness is no problem even if they are required.
    var notAsked: NotAskedItems?
    /// Whether text answers are taken as the export writes them (`SpreadsheetText`): interchange CSV
    /// files imported, not other tools' exports converted to it nor a site's submission.
    var restoresSpreadsheetText = false

    init(file: String, instrument: Instrument, site: String? = nil, delimiter: UInt8 = UInt8(ascii: ","),
         maximumProblems: Int = RowValidator.defaultMaximumProblems) {
        self.file = file
        self.maximumProblems = max(1, maximumProblems)
        self.instrument = instrument
        self.site = site.map(IdentityField.normalised)
        self.delimiter = delimiter
    }

    /// The problems found, as reported: the first `maximumProblems`, every one counted.
    var problems: DiagnosticList { DiagnosticList(diagnostics, total: problemCount, rows: problemRows) }

    mutating func fail(_ line: Int, _ column: Int?, _ message: String) {
        problemCount += 1
        if line != lastProblemLine { problemRows += 1; lastProblemLine = line }
        if diagnostics.count < maximumProblems {
            diagnostics.append(Diagnostic(file: file, line: line, column: column, message: message))
        }
    }

    /// Reads and maps the header row; returns where the data rows start, or nil (with diagnostics)
    /// when the file has no usable header.
    mutating func readHeader(_ data: UnsafeBufferPointer<UInt8>) -> CSVReader.Position? {
        var start = CSVReader.Position(offset: 0, line: 1)
        var sawHeader = false
        do {
            start = try CSVReader.read(data, delimiter: delimiter, trimming: true) { record in
                sawHeader = true
                mapHeader(record)
                throw CSVReader.Stop()
            }
        } catch let error as CSVReader.SyntaxError {
            fail(error.line, nil, "malformed CSV: \(error.message)")
        } catch {}
        guard header != nil else {
            if diagnostics.isEmpty {
                fail(1, nil, sawHeader ? "the header should name respondent_id, site and wave columns" : "the file is empty: expected a header row")
            }
            return nil
        }
        return start
    }

    /// Maps header names to identity columns and items; every unknown or repeated name is an error.
    mutating func mapHeader(_ record: CSVReader.Record) {
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
                let scoreColumn = instrument.scales.contains { name == $0.id || name == "\($0.id)_level" }
                fail(record.line, index + 1,
                     "column '\(name)' names no item of instrument \(instrument.id) \(instrument.version)"
                     + (scoreColumn ? " (it is a scale's score or level, as export --scores writes: scores are "
                        + "computed from the items, so remove the column, or export again without --scores)"
                        : separatorHint(name)))
            }
        }
        for name in ["respondent_id", "site", "wave"] where positions[name] == nil {
            fail(record.line, nil, "the header has no '\(name)' column (expected respondent_id,site,arm,wave,<item ids>)")
        }
        guard let respondent = positions["respondent_id"], let site = positions["site"], let wave = positions["wave"] else { return }
        var columnOfItem: [String: Int] = [:]
        for item in instrument.items {
            guard let field = positions[item.id] else { continue }
            columnOfItem[item.id] = columns.count
            // A semicolon-separated file is what European spreadsheets write, with decimal commas.
            let rule = AnswerRule(item: item, instrument: instrument, decimalComma: delimiter == UInt8(ascii: ";"))
            columns.append(ItemColumn(field: field, rule: rule,
                                      condition: item.showIf, required: item.required))
        }
        for index in columns.indices {
            for name in columns[index].condition?.items ?? [] {
                columns[index].conditionColumns[name] = columnOfItem[name]
            }
        }
        absentRequired = instrument.items.filter { $0.required && positions[$0.id] == nil }.map(\.id)
        header = Header(respondent: respondent, site: site, arm: positions["arm"], wave: wave, expectedFields: record.count)
    }

    /// A header name that holds another separator says the file was split on the wrong one.
    func separatorHint(_ name: String) -> String {
        let others: [(UInt8, String)] = [(UInt8(ascii: ";"), "semicolon"), (UInt8(ascii: "\t"), "tab"),
                                         (UInt8(ascii: ","), "comma")]
        guard let (byte, word) = others.first(where: { $0.0 != delimiter && name.utf8.contains($0.0) }) else {
            return ""
        }
        let flag = byte == UInt8(ascii: "\t") ? "tab" : String(UnicodeScalar(byte))
        return " (the file looks \(word)-separated, but is read as \(PreparedText.name(of: delimiter))-separated: "
            + "pass --delimiter '\(flag)')"
    }

    /// Reads and checks every data row, sending rows to `channel` in batches while no row has failed.
    mutating func readRows(_ data: UnsafeBufferPointer<UInt8>, from start: CSVReader.Position, send: (ImportBatch) -> Bool) {
        let batchSize = 1024
        var batch = ImportBatch(width: columns.count)
        var row = [AnswerValue?](repeating: nil, count: columns.count)
        // The file's sites, waves and respondents, numbered in order of first appearance; and the line
        // of each respondent's response in each wave, to report a repeated one.
        var siteNumbers: [String: Int32] = [:], waveNumbers: [String: Int32] = [:]
        struct RespondentKey: Hashable { var site: Int32; var code: String }
        var respondentNumbers: [RespondentKey: Int32] = [:]
        var lineOfResponse: [Int64: Int] = [:]
        // Only the columns with a row-level rule are visited a second time.
        let ruled = columns.indices.filter { columns[$0].condition != nil || columns[$0].required }
        do {
            try CSVReader.read(data, from: start, delimiter: delimiter, trimming: true) { record in
                rows += 1
                guard let header else { return }
                guard record.count == header.expectedFields else {
                    fail(record.line, nil, "the row has \(record.count) fields; the header has \(header.expectedFields)")
                    return
                }
                // Identity fields in one form (NFC), so that one person typed two ways is one person.
                var respondent = IdentityField.normalised(record.string(header.respondent))
                var site = IdentityField.normalised(record.string(header.site))
                let wave = IdentityField.normalised(record.string(header.wave))
                let arm = header.arm.map { record.string($0) } ?? ""
                if let problem = IdentityField.respondent.problem(respondent) {
                    fail(record.line, header.respondent + 1, problem)
                    respondent = ""
                }
                if let problem = IdentityField.site.problem(site) {
                    fail(record.line, header.site + 1, problem)
                    site = ""
                } else if let only = self.site, site != only {
                    fail(record.line, header.site + 1, "site '\(site)': this submission may hold responses of site '\(only)' only")
                }
                var waveNumber = waveNumbers[wave]
                if waveNumber == nil {
                    if let problem = IdentityField.wave.problem(wave) {
                        fail(record.line, header.wave + 1, problem)
                    } else {
                        waveNumber = Int32(waveNumbers.count)
                        waveNumbers[wave] = waveNumber
                        batch.newWaves.append(wave)
                    }
                }
                let armCode: UInt8 = arm.isEmpty ? 0 : arm == "pilot" ? 1 : arm == "control" ? 2 : 255
                if armCode == 255 {
                    fail(record.line, header.arm.map { $0 + 1 }, "arm '\(arm)' should be pilot, control or empty")
                }
                columns.withUnsafeBufferPointer { columns in
                    for index in columns.indices {
                        let field = columns[index].field
                        if record.isEmpty(field) { row[index] = nil; continue }
                        let rule = columns[index].rule
                        switch record.withField(field, { rule.parse($0) }) {
                        case let .success(.text(text)) where restoresSpreadsheetText && rule.item.type == .text:
                            row[index] = .text(SpreadsheetText.restored(text))
                        case let .success(value): row[index] = value
                        case let .failure(problem):
                            row[index] = nil
                            fail(record.line, field + 1, "\(rule.item.id): \(problem.message)")
                        }
                    }
                }
                // Row-level rules: skip conditions and required items.
                // A condition whose items have no column in the file cannot be checked (nil): then neither
                // rule is applied, rather than refuse answers that may well have been asked.
                for index in ruled {
                    var shown: Bool? = true
                    if let condition = columns[index].condition {
                        let known = columns[index].conditionColumns
                        shown = condition.evaluate { name in known[name].map { row[$0] } }
                    }
                    let field = columns[index].field
                    if shown == false, row[index] != nil, let condition = columns[index].condition {
                        let given = condition.items.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                            .map { name in
                                guard let column = columns[index].conditionColumns[name] else {
                                    return "\(name) not in the file"
                                }
                                return "\(name) is \(row[column]?.description ?? "empty")"
                            }
                        fail(record.line, field + 1,
                             "\(columns[index].rule.item.id) is answered, but it is asked only when \(condition) "
                             + "(here \(given.joined(separator: ", ")))")
                    }
                    if shown == true, columns[index].required, record.isEmpty(field),
                       notAsked?.items[record.line]?.contains(columns[index].rule.item.id) != true {
                        fail(record.line, field + 1, "\(columns[index].rule.item.id) is required but empty")
                    }
                }
                guard !site.isEmpty, !respondent.isEmpty, let waveNumber else { return }
                let siteNumber: Int32
                if let known = siteNumbers[site] { siteNumber = known } else {
                    siteNumber = Int32(siteNumbers.count)
                    siteNumbers[site] = siteNumber
                    batch.newSites.append(site)
                }
                let key = RespondentKey(site: siteNumber, code: respondent)
                let respondentNumber: Int32
                if let known = respondentNumbers[key] { respondentNumber = known } else {
                    respondentNumber = Int32(respondentNumbers.count)
                    respondentNumbers[key] = respondentNumber
                    batch.newRespondents.append((siteNumber, respondent))
                }
                // One questionnaire per respondent and wave: a repeated row means a broken export.
                let response = Int64(respondentNumber) << 32 | Int64(waveNumber)
                if let firstLine = lineOfResponse[response] {
                    fail(record.line, nil, "respondent \(respondent) at site \(site) already has a \(wave) response on line \(firstLine) of this file")
                } else {
                    lineOfResponse[response] = record.line
                }
                // Once any row has failed nothing more is sent; the rest is only validated. The rows before
                // the first failure still go to the writer, which may find problems of its own in them
                // (a changed answer to a stored response), so that those are reported too.
                guard diagnostics.isEmpty else {
                    if batch.count > 0 {
                        batch.rowsRead = rows
                        batch.bytesRead = record.endOffset
                        guard send(batch) else { throw CSVReader.Stop() }
                        batch = ImportBatch(width: columns.count)
                    }
                    return
                }
                batch.sites.append(siteNumber)
                batch.waves.append(waveNumber)
                batch.respondents.append(respondentNumber)
                batch.arms.append(armCode)
                batch.lines.append(record.line)
                for value in row { batch.cells.append(Self.cell(value, text: &batch.text)) }
                if batch.count == batchSize {
                    batch.rowsRead = rows
                    batch.bytesRead = record.endOffset
                    guard send(batch) else { throw CSVReader.Stop() }
                    batch = ImportBatch(width: columns.count)
                }
            }
        } catch let error as CSVReader.SyntaxError {
            fail(error.line, nil, "malformed CSV: \(error.message)")
        } catch {
            // Stop: the writer gave up (an error of its own), so nothing more is needed.
        }
        if batch.count > 0 {
            batch.rowsRead = rows
            batch.bytesRead = data.count
            _ = send(batch)
        }
    }

    /// A validated answer as a batch cell; text (and multiple choice codes, as stored) go to `text`.
    static func cell(_ value: AnswerValue?, text: inout [UInt8]) -> ImportBatch.Cell {
        func append(_ string: String) -> ImportBatch.Cell {
            let start = text.count
            text.append(contentsOf: string.utf8)
            return .text(start: Int32(start), count: Int32(text.count - start))
        }
        switch value {
        case nil: return .missing
        case let .integer(v)?: return .integer(Int64(v))
        case let .number(v)?: return .number(v)
        case let .text(v)?: return append(v)
        case let .codes(v)?: return append(AnswerValue.codes(v).description)
        }
    }
}


extension DiagnosticList {
    /// A reader's problems with those a writer found in the rows sent before any of them, in file order
    /// (a stable sort keeps a line's problems in order), the first `maximum` kept and every one counted.
    /// A writer's problem is on a row the reader passed, so on a line of its own.
    func adding(_ writer: [Diagnostic], keeping maximum: Int) -> DiagnosticList {
        let ordered = (diagnostics + writer).enumerated()
            .sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }.map(\.element)
        return DiagnosticList(Array(ordered.prefix(maximum)), total: total + writer.count, rows: rows + writer.count)
    }
}
