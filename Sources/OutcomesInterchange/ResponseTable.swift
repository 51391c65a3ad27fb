import Foundation
import OutcomesInstruments
import OutcomesStore

/// A file of responses as another tool wrote it: its column names and its rows of text cells, each
/// row with the place a user finds it at (a CSV file's line, a sheet's row, an SPSS or Stata case).
struct ResponseTable {
    enum Container: String { case csv, xlsx, sav, dta }

    struct Column {
        var name: String
        /// The variable label of an SPSS or Stata variable.
        var label: String?
        /// Value labels (SPSS, Stata): each value as interchange text with its label.
        var valueLabels: [(value: String, label: String)] = []
    }

    /// One row, its cells' UTF-8 back to back: a million rows of forty cells take the file's size,
    /// not forty million strings.
    struct Row {
        /// The file line (CSV), sheet row (xlsx) or case number (SPSS, Stata).
        var place: Int
        private var bytes: [UInt8] = []
        private var ends: [Int32] = []

        init(place: Int, cells: [String]) {
            self.place = place
            ends.reserveCapacity(cells.count)
            for cell in cells {
                bytes.append(contentsOf: cell.utf8)
                ends.append(Int32(bytes.count))
            }
        }

        var count: Int { ends.count }

        /// The cell, trimmed of spaces and tabs ("" beyond the row's end).
        subscript(_ column: Int) -> String {
            guard column < ends.count else { return "" }
            var start = column == 0 ? 0 : Int(ends[column - 1]), end = Int(ends[column])
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }

        /// Whether the cell is empty (after trimming), without making a string.
        func isEmpty(_ column: Int) -> Bool {
            guard column < ends.count else { return true }
            let start = column == 0 ? 0 : Int(ends[column - 1]), end = Int(ends[column])
            return bytes[start..<end].allSatisfy { $0 == 0x20 || $0 == 0x09 }
        }
    }

    /// Names the file in messages ("export.xlsx [Sheet1]").
    var file: String
    var container: Container
    var columns: [Column]
    var rows: [Row]
    /// Where the header is (line or row 1 for most files).
    var headerPlace: Int

    /// The column index of each name (the first, if a name repeats).
    func index(of name: String) -> Int? { columns.firstIndex { $0.name == name } }

    func diagnostic(row: Row?, column: Int?, _ message: String) -> Diagnostic {
        // An SPSS or Stata file has no header line: its variables are named, not placed.
        let place = row?.place ?? headerPlace
        return Diagnostic(file: file, line: place > 0 ? place : nil, column: column.map { $0 + 1 }, message: message)
    }

    /// What a file is, from its first bytes: a workbook, an SPSS or Stata file, or text.
    static func container(of data: Data) -> Container {
        switch XLSXReader.kind(of: data) {
        case .xlsx: return .xlsx
        case .legacyXLS, .openDocument: return .xlsx  // refused with its own message when opened
        case .notZip: break
        }
        switch StatisticalFileReader.kind(of: data) {
        case .sav?: return .sav
        case .dta?: return .dta
        case nil: return .csv
        }
    }

    /// Reads any of the containers: a CSV file (UTF-8 or as `text` says, separator detected), the first
    /// or the named sheet of a workbook, or an SPSS or Stata file.
    static func read(file: String, data: Data, sheet: String?, text: TextOptions) throws -> ResponseTable {
        let container = Self.container(of: data)
        if sheet != nil, container != .xlsx {
            throw DiagnosticList([Diagnostic(file: file, message: "--sheet applies to .xlsx workbooks; "
                + "this file is \(container.rawValue)")])
        }
        switch container {
        case .csv:
            var header: (line: Int, fields: [String])?
            var rows: [Row] = []
            var problems: [Diagnostic] = []
            try forEachCSVRecord(data, file: file, options: text) { line, fields in
                guard let header else { header = (line, fields); return }
                // A row longer than the header loses nothing silently (an empty last field is a trailing comma).
                if fields.count > header.fields.count, fields[header.fields.count...].contains(where: { !$0.isEmpty }),
                   problems.count < 100 {
                    problems.append(Diagnostic(file: file, line: line, message: "the row has \(fields.count) fields; "
                        + "the header has \(header.fields.count)"))
                }
                rows.append(Row(place: line, cells: fields))
            }
            if !problems.isEmpty { throw DiagnosticList(problems) }
            guard let header else {
                throw DiagnosticList([Diagnostic(file: file, message: "the file is empty: expected a header row")])
            }
            return ResponseTable(file: file, container: .csv, columns: header.fields.map { Column(name: $0) },
                                 rows: rows, headerPlace: header.line)
        case .xlsx:
            let sheets = try XLSXReader.sheets(file: file)
            guard !sheets.isEmpty else {
                throw DiagnosticList([Diagnostic(file: file, message: "the workbook has no sheets")])
            }
            let chosen: XLSXReader.Sheet
            if let sheet {
                guard let found = sheets.first(where: { $0.name == sheet })
                        ?? sheets.first(where: { $0.name.lowercased() == sheet.lowercased() }) else {
                    throw DiagnosticList([Diagnostic(file: file, message: "no sheet '\(sheet)' (the workbook has: "
                        + sheets.map { "'\($0.name)'" }.joined(separator: ", ") + ")")])
                }
                chosen = found
            } else {
                chosen = sheets[0]
            }
            let rows = chosen.rows.filter { !$0.cells.allSatisfy { $0 == .empty } }
            guard let header = rows.first else {
                throw DiagnosticList([Diagnostic(file: "\(file) [\(chosen.name)]",
                                                 message: "the sheet is empty: expected a header row")])
            }
            var table = ResponseTable(file: "\(file) [\(chosen.name)]", container: .xlsx,
                                      columns: header.cells.map {
                                          Column(name: $0.text.trimmingCharacters(in: .whitespaces))
                                      },
                                      rows: rows.dropFirst().map { Row(place: $0.number, cells: $0.cells.map(\.text)) },
                                      headerPlace: header.number)
            if sheets.count > 1, sheet == nil {
                table.otherSheets = sheets.dropFirst().map(\.name)
            }
            return table
        case .sav, .dta:
            let read = try StatisticalFileReader.read(file: file, kind: container == .sav ? .sav : .dta)
            let columns = read.variables.map { variable in
                Column(name: variable.name, label: variable.label,
                       valueLabels: variable.labelSet.flatMap { read.labelSets[$0] } ?? [])
            }
            return ResponseTable(file: file, container: container, columns: columns,
                                 rows: read.rows.enumerated().map { Row(place: $0.offset + 1, cells: $0.element) },
                                 headerPlace: 0)
        }
    }

    /// Sheets of a workbook other than the one read (Kobo puts each repeat group on its own sheet).
    var otherSheets: [String] = []
}

extension ResponseTable {
    init(file: String, container: Container, columns: [Column], rows: [Row], headerPlace: Int) {
        self.file = file
        self.container = container
        self.columns = columns
        self.rows = rows
        self.headerPlace = headerPlace
    }
}
