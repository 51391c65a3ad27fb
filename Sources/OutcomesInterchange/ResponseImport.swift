import Foundation
import OutcomesInstruments
import OutcomesStore

/// The layouts responses come in: the toolkit's own CSV interchange layout, or as REDCap or
/// KoboToolbox / ODK Central export them. Each may come as a CSV file, an .xlsx workbook, or an SPSS
/// or Stata file (recognised by its contents).
public enum ResponseLayoutName: String, Sendable, CaseIterable {
    case csv, redcap, kobo
}

/// How to read another tool's export: what the file itself does not say.
public struct ResponseImportOptions: Sendable {
    public var layout: ResponseLayoutName = .csv
    /// The workbook's sheet (default: the first).
    public var sheet: String?
    /// The site of every row, where the file has no site column (or a REDCap record no data access group).
    public var site: String?
    /// The wave of every row, where the file has no wave column (a REDCap project without events).
    public var wave: String?
    /// KoboToolbox / ODK: the questions (or metadata columns) holding the respondent id, site and wave.
    public var respondentColumn: String?
    public var siteColumn: String?
    public var waveColumn: String?
    /// REDCap: the wave of each event, over the instrument's `source.events` ("skip" leaves an event out).
    public var events: [String: String] = [:]
    /// REDCap: import records whose forms are incomplete or unverified (status 0 or 1) too.
    public var includeIncomplete = false
    public var store = ImportOptions()

    public init() {}
}

/// What an import of another tool's export did, and what it left out and why.
public struct ResponseImportSummary: Sendable {
    public var stored: ImportSummary
    /// The file's container and layout, as the audit trail records them ("redcap", "xlsx", "sav").
    public var format: String
    /// Decisions worth telling the user: columns not used, rows left out, how ids were found.
    public var notes: [String]
    /// Rows of the file not imported, by reason, with how many.
    public var skipped: [(reason: String, rows: Int)]
    /// Data rows (or cases) in the file.
    public var rowsRead: Int
}

/// Rows in the interchange layout, made from another tool's table by a layout.
struct Translation {
    /// The interchange header: respondent_id, site, arm, wave and item ids.
    var columns: [String] = ["respondent_id", "site", "arm", "wave"]
    /// For each interchange column, the source column it came from (for messages).
    var sourceColumns: [Int?] = [nil, nil, nil, nil]
    /// Each kept row's index in the source table, in order.
    var sources: [Int] = []
    /// Kept rows as interchange CSV records, written as they come (the header is added at the end).
    var body = ""
    /// The line (counted from 0) each kept row starts on in `body`.
    var lines: [Int] = []
    private var nextLine = 0
    /// Items a row was not asked, by source row index.
    var notAsked: [Int: Set<String>] = [:]

    /// Adds a kept row.
    mutating func add(source: Int, cells: [String]) {
        sources.append(source)
        lines.append(nextLine)
        for (index, cell) in cells.enumerated() {
            if index > 0 { body.append(",") }
            let escaped = csvEscape(cell)
            body += escaped
            if escaped.utf8.count != cell.utf8.count || cell.utf8.contains(UInt8(ascii: "\n")) {
                nextLine += cell.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            }
        }
        body.append("\n")
        nextLine += 1
    }
    var notes: [String] = []
    var problems: [Diagnostic] = []
    var skipped: [(reason: String, rows: Int)] = []

    mutating func skip(_ reason: String) {
        if let index = skipped.firstIndex(where: { $0.reason == reason }) {
            skipped[index].rows += 1
        } else {
            skipped.append((reason, 1))
        }
    }
}

/// A layout: how one tool's columns and values become interchange rows.
protocol ResponseLayout {
    func translate(_ table: ResponseTable, instrument: Instrument, options: ResponseImportOptions) -> Translation
}

extension ResponseLayoutName {
    var layout: ResponseLayout {
        switch self {
        case .csv: return InterchangeLayout()
        case .redcap: return REDCapLayout()
        case .kobo: return KoboLayout()
        }
    }
}

extension Store {
    /// Imports a file of responses in any layout and container, with the promises of `importCSV`:
    /// every problem listed with its place in the file, nothing stored unless the whole file is good,
    /// duplicates skipped, corrections only on request, and the audit record naming the file, its
    /// SHA-256 and its format.
    public func importResponses(file: String, instrument: Instrument, definition: String,
                                options: ResponseImportOptions,
                                progress: ImportProgress? = nil) throws -> ResponseImportSummary {
        let data = try readInputFile(file)
        let container = ResponseTable.container(of: data)
        var storeOptions = options.store
        // The CSV interchange layout in a CSV file is the import's own fast path, byte for byte.
        if options.layout == .csv, container == .csv, options.site == nil, options.wave == nil,
           options.respondentColumn == nil, options.siteColumn == nil, options.waveColumn == nil {
            storeOptions.format = "csv"
            let stored = try importCSV(data: data, file: file, instrument: instrument, definition: definition,
                                       options: storeOptions, progress: progress)
            return ResponseImportSummary(stored: stored, format: "csv", notes: [], skipped: [], rowsRead: stored.rows)
        }
        let table = try ResponseTable.read(file: file, data: data, sheet: options.sheet, text: options.store.text)
        var translation = options.layout.layout.translate(table, instrument: instrument, options: options)
        if !table.otherSheets.isEmpty {
            translation.notes.append("only the first sheet is read; the others "
                                     + "(\(table.otherSheets.joined(separator: ", "))) are not "
                                     + "(Kobo puts each repeat group on a sheet of its own; name another with --sheet)")
        }
        if !translation.problems.isEmpty { throw DiagnosticList(translation.problems) }
        let format = options.layout == .csv ? table.container.rawValue
            : table.container == .csv ? options.layout.rawValue
            : "\(options.layout.rawValue)-\(table.container.rawValue)"
        let generated = Generated(translation)
        storeOptions.format = format
        storeOptions.sha256 = sha256Hex(data)
        storeOptions.text = TextOptions()
        storeOptions.notAsked = NotAskedItems(Dictionary(uniqueKeysWithValues:
            generated.lines.enumerated().compactMap { index, line in
                translation.notAsked[translation.sources[index]].map { (line, $0) }
            }))
        do {
            let stored = try importCSV(data: generated.data, file: file, instrument: instrument, definition: definition,
                                       options: storeOptions, progress: progress)
            return ResponseImportSummary(stored: stored, format: format, notes: translation.notes,
                                         skipped: translation.skipped, rowsRead: table.rows.count)
        } catch let list as DiagnosticList {
            throw DiagnosticList(list.diagnostics.map { generated.place($0, in: table, translation: translation) })
        }
    }
}

/// A translation written as interchange CSV, and where each record starts, to put problems found in
/// it back at their place in the source file.
struct Generated {
    var data: Data
    /// The line each kept row starts on in `data`.
    var lines: [Int] = []
    private var rowOfLine: [Int: Int] = [:]

    init(_ translation: Translation) {
        var data = Data((translation.columns.map(csvEscape).joined(separator: ",") + "\n").utf8)
        data.append(contentsOf: translation.body.utf8)
        self.data = data
        // The header is line 1: the first row is on line 2.
        lines = translation.lines.map { $0 + 2 }
        for (index, line) in lines.enumerated() { rowOfLine[line] = index }
    }

    /// A problem found in the generated CSV, at its place in the source table.
    func place(_ diagnostic: Diagnostic, in table: ResponseTable, translation: Translation) -> Diagnostic {
        let sourceColumn = diagnostic.column.flatMap {
            $0 >= 1 && $0 <= translation.sourceColumns.count ? translation.sourceColumns[$0 - 1] : nil
        }
        guard let line = diagnostic.line else { return Diagnostic(file: table.file, message: diagnostic.message) }
        if line == 1 { return table.diagnostic(row: nil, column: sourceColumn, diagnostic.message) }
        guard let index = rowOfLine[line] else { return Diagnostic(file: table.file, message: diagnostic.message) }
        let row = table.rows[translation.sources[index]]
        // A message that names another line of the generated file names the source's instead.
        var message = diagnostic.message
        if let range = message.range(of: #"on line (\d+) of this file"#, options: .regularExpression),
           let other = Int(message[range].dropFirst(8).prefix { $0.isNumber }), let otherIndex = rowOfLine[other] {
            let place = table.rows[translation.sources[otherIndex]].place
            message.replaceSubrange(range, with: "on "
                + "\(table.container == .sav || table.container == .dta ? "case" : "line") \(place) of this file")
        }
        return table.diagnostic(row: row, column: sourceColumn, message)
    }
}

/// The interchange layout in a workbook, SPSS or Stata file: columns named as in a CSV file (the site
/// and wave may come from the options), value labels checked against the instrument's choices.
struct InterchangeLayout: ResponseLayout {
    func translate(_ table: ResponseTable, instrument: Instrument, options: ResponseImportOptions) -> Translation {
        var translation = Translation()
        translation.columns = []
        translation.sourceColumns = []
        // A site's own id, site or wave variable may stand for the interchange column (SPSS files
        // often have an "id" variable and no respondent_id).
        var renamed: [String: String] = [:]
        for (name, given) in [("respondent_id", options.respondentColumn), ("site", options.siteColumn),
                              ("wave", options.waveColumn)] {
            guard let given else { continue }
            guard table.index(of: given) != nil else {
                translation.problems.append(table.diagnostic(row: nil, column: nil, "no column '\(given)' for \(name) "
                    + "(columns: "
                    + table.columns.prefix(10).map(\.name).joined(separator: ", ") + ")"))
                continue
            }
            renamed[given] = name
        }
        for (index, column) in table.columns.enumerated() {
            translation.columns.append(renamed[column.name] ?? column.name)
            translation.sourceColumns.append(index)
        }
        var constant: [String] = []
        for (name, value) in [("site", options.site), ("wave", options.wave)] {
            guard let value else { continue }
            if table.index(of: name) != nil {
                translation.problems.append(table.diagnostic(row: nil, column: table.index(of: name),
                                                             "the file has a \(name) column, and --\(name) \(value) "
                                                             + "was given: use one"))
            }
            translation.columns.append(name)
            translation.sourceColumns.append(nil)
            constant.append(value)
        }
        checkValueLabels(table, instrument: instrument, into: &translation)
        for (index, row) in table.rows.enumerated() {
            translation.add(source: index, cells: (0..<table.columns.count).map { row[$0] } + constant)
        }
        return translation
    }
}

/// SPSS and Stata value labels are the file's own statement of what each code means: a code whose
/// label differs from the instrument's choice is an error naming both, because the file was coded
/// against another version of the questionnaire (or another questionnaire).
func checkValueLabels(_ table: ResponseTable, instrument: Instrument, into translation: inout Translation,
                      item itemOfColumn: (Int) -> Item? = { _ in nil }) {
    func normalised(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0.isWhitespace || $0.isPunctuation }).joined(separator: " ")
    }
    for (index, column) in table.columns.enumerated() where !column.valueLabels.isEmpty {
        guard let item = itemOfColumn(index) ?? instrument.item(column.name),
              let set = instrument.choiceSet(for: item) else { continue }
        for (value, label) in column.valueLabels {
            guard let code = Int(value), let choice = set.choice(code) else {
                translation.notes.append("\(column.name): value label \(value) '\(label)' has no choice in \(set.id) "
                    + "(rows with it are refused)")
                continue
            }
            if normalised(choice.label) != normalised(label) {
                translation.problems.append(table.diagnostic(row: nil, column: index,
                    "\(item.id): code \(code) is labelled '\(label)' in the file but '\(choice.label)' "
                    + "in the instrument "
                    + "(\(instrument.id) \(instrument.version), choice set \(set.id)): "
                    + "was the file coded for another version?"))
            }
        }
    }
}

/// Values as another tool writes a choice: its source code or name (or, in a labels export, its label).
struct ChoiceLookup {
    private var byName: [String: Int] = [:]
    private var byLowerName: [String: Int] = [:]
    private var byLabel: [String: Int] = [:]
    /// The names an export may use, for messages.
    let names: String

    /// Whether every choice is written as its own code: then a code needs no lookup.
    let codesAreNames: Bool

    init(_ set: ChoiceSet) {
        codesAreNames = set.choices.allSatisfy { $0.source == nil }
        let listed = set.choices.map(\.sourceCode)
        names = "expected " + (listed.count > 12 ? listed.prefix(12).joined(separator: ", ") + ", ..."
                               : listed.joined(separator: ", "))
        for choice in set.choices {
            byName[choice.sourceCode] = choice.code
            byLowerName[choice.sourceCode.lowercased()] = choice.code
            byLabel[choice.label.lowercased()] = choice.code
        }
    }

    enum Found { case code(Int), byLabel(Int), none }

    func code(_ value: String) -> Found {
        if codesAreNames, let code = Int(value), String(code) == value { return .code(code) }  // the import checks it
        if let code = byName[value] ?? byLowerName[value.lowercased()] { return .code(code) }
        if let code = byLabel[value.lowercased()] { return .byLabel(code) }
        return .none
    }
}
