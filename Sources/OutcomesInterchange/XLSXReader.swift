import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import OutcomesInstruments
import ZIPFoundation

/// The sheets of an Excel workbook (.xlsx) as rows of typed cells: enough of the Office Open XML
/// format to read a form or a sheet of responses. Numbers are read as numbers (never as the text a
/// writer happened to store, such as `2.024091201E9`), dates as dates (from the cell's number format
/// and the workbook's 1900 or 1904 date system), formulas by their cached results. An .xlsx file is a
/// zip archive of XML parts.
public enum XLSXReader {
    public struct Sheet: Sendable {
        public var name: String
        /// Rows in sheet order with their 1-based row numbers; cells by 0-based column.
        public var rows: [(number: Int, cells: [Cell])]
    }

    public enum Cell: Sendable, Equatable {
        case empty
        case text(String)
        case number(Double)
        case bool(Bool)
        /// A calendar date, with the time of day in seconds when the format shows one.
        case date(year: Int, month: Int, day: Int, seconds: Double?)
        /// An Excel error such as `#N/A`.
        case error(String)

        /// The cell as text: whole numbers without a decimal point, dates as YYYY-MM-DD (with the time
        /// as hh:mm:ss if it has one), booleans as TRUE/FALSE.
        public var text: String {
            switch self {
            case .empty: return ""
            case let .text(text): return text
            case let .number(value): return Self.numberText(value)
            case let .bool(value): return value ? "TRUE" : "FALSE"
            case let .error(code): return code
            case let .date(year, month, day, seconds):
                let date = String(format: "%04d-%02d-%02d", year, month, day)
                guard let seconds else { return date }
                let whole = Int(seconds.rounded())
                return date + String(format: " %02d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
            }
        }

        /// Shortest text that reads back as the same number: 2024091201, 5, 0.1, 70.292.
        static func numberText(_ value: Double) -> String {
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return "\(value)"
        }
    }

    /// The first bytes of the files people save from spreadsheets, to say what a file is before
    /// trying to open it as the wrong thing.
    public enum Kind: Equatable { case xlsx, legacyXLS, openDocument, notZip }

    public static func kind(of data: Data) -> Kind {
        if data.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return .legacyXLS }
        guard data.starts(with: [0x50, 0x4B, 0x03, 0x04]) else { return .notZip }
        let head = data.prefix(200)
        if let text = String(data: head, encoding: .isoLatin1),
           text.contains("mimetypeapplication/vnd.oasis.opendocument") { return .openDocument }
        return .xlsx
    }

    /// Why a file that should be a workbook is not one, in words a spreadsheet user can act on.
    static func refusal(_ kind: Kind, file: String) -> Diagnostic? {
        switch kind {
        case .legacyXLS:
            return Diagnostic(file: file, message: "this is an .xls workbook (Excel 97-2003), which is not read: "
                              + "save it as .xlsx "
                              + "(File > Save As > Excel Workbook), or save each sheet as CSV UTF-8")
        case .openDocument:
            return Diagnostic(file: file, message: "this is an OpenDocument spreadsheet (.ods): save it as .xlsx, "
                              + "or each sheet as CSV UTF-8")
        case .notZip:
            return Diagnostic(file: file, message: "not an .xlsx workbook (an .xlsx file is a zip archive): "
                              + "if it is a CSV file, give it a .csv name")
        case .xlsx:
            return nil
        }
    }

    public static func sheets(file: String) throws -> [Sheet] {
        let data = try readInputFile(file)
        if let refusal = refusal(kind(of: data), file: file) { throw refusal }
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch {
            throw Diagnostic(file: file, message: "cannot open as an .xlsx workbook (a zip archive): \(error)")
        }
        func part(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            var data = Data()
            _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
            return data
        }
        // The workbook part is named by the package's relationships (most writers use xl/workbook.xml).
        let packageRelations = try part("_rels/.rels").map {
            try XMLElements.collect($0, file: file, named: ["Relationship"])
        } ?? []
        let workbookPath = packageRelations.first { $0.attributes["Type"]?.hasSuffix("/officeDocument") == true }?
            .attributes["Target"].map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 } ?? "xl/workbook.xml"
        guard let workbook = try part(workbookPath) else {
            throw Diagnostic(file: file, message: "not an Excel workbook: no \(workbookPath) inside")
        }
        let folder = (workbookPath as NSString).deletingLastPathComponent
        func resolve(_ target: String) -> String {
            if target.hasPrefix("/") { return String(target.dropFirst()) }
            return folder.isEmpty ? target : folder + "/" + target
        }
        let workbookElements = try XMLElements.collect(workbook, file: file, named: ["sheet", "workbookPr"])
        let date1904 = workbookElements.contains { ["1", "true"].contains($0.attributes["date1904"] ?? "") }
        let relationsPath = (folder.isEmpty ? "" : folder + "/") + "_rels/"
            + (workbookPath as NSString).lastPathComponent + ".rels"
        let relations = try part(relationsPath).map {
            try XMLElements.collect($0, file: file, named: ["Relationship"])
        } ?? []
        var targets: [String: String] = [:]
        var sharedPath = (folder.isEmpty ? "" : folder + "/") + "sharedStrings.xml",
            stylesPath = (folder.isEmpty ? "" : folder + "/") + "styles.xml"
        for relation in relations {
            guard let id = relation.attributes["Id"], let target = relation.attributes["Target"] else { continue }
            targets[id] = resolve(target)
            if relation.attributes["Type"]?.hasSuffix("/sharedStrings") == true { sharedPath = resolve(target) }
            if relation.attributes["Type"]?.hasSuffix("/styles") == true { stylesPath = resolve(target) }
        }
        let shared = try part(sharedPath).map { try sharedStrings($0, file: file) } ?? []
        let dateStyles = try part(stylesPath).map { try DateStyles.read($0, file: file) } ?? DateStyles()
        var sheets: [Sheet] = []
        for sheet in workbookElements where sheet.name == "sheet" {
            guard let name = sheet.attributes["name"],
                  let relation = sheet.attributes["r:id"]
                      ?? sheet.attributes.first(where: { $0.key.hasSuffix(":id") })?.value,
                  let path = targets[relation], let data = try part(path) else { continue }
            sheets.append(Sheet(name: name, rows: try rows(data, shared: shared, dates: dateStyles, date1904: date1904,
                                                           file: "\(file) [\(name)]")))
        }
        return sheets
    }

    /// The shared string table: each <si> is one string, possibly in several formatted runs <r><t>;
    /// phonetic guides (<rPh>, for East Asian text) are not part of it.
    private static func sharedStrings(_ data: Data, file: String) throws -> [String] {
        let parser = TextCollector(container: "si")
        try parser.run(data, file: file)
        return parser.values
    }

    private static func rows(_ data: Data, shared: [String], dates: DateStyles, date1904: Bool,
                             file: String) throws -> [(number: Int, cells: [Cell])] {
        let parser = CellCollector()
        try parser.run(data, file: file)
        var rows: [Int: [Int: Cell]] = [:]
        for raw in parser.cells {
            let cell: Cell
            switch raw.type {
            case "s": cell = Int(raw.value).flatMap { $0 >= 0 && $0 < shared.count ? .text(shared[$0]) : nil } ?? .empty
            case "inlineStr": cell = .text(raw.inline)
            case "str": cell = .text(raw.value)
            case "b": cell = .bool(raw.value.trimmingCharacters(in: .whitespaces) == "1")
            case "e": cell = .error(raw.value)
            case "d":
                cell = Self.isoDate(raw.value).map { .date(year: $0.0, month: $0.1, day: $0.2, seconds: nil) }
                    ?? .text(raw.value)
            default:
                guard !raw.value.isEmpty else { cell = .empty; break }
                guard let number = Double(raw.value.trimmingCharacters(in: .whitespaces)) else {
                    cell = .text(raw.value); break
                }
                if let style = raw.style, let kind = dates.kind(ofStyle: style) {
                    cell = Self.date(serial: number, date1904: date1904, withTime: kind == .dateTime) ?? .number(number)
                } else {
                    cell = .number(number)
                }
            }
            if cell != .empty { rows[raw.row, default: [:]][raw.column] = cell }
        }
        return rows.keys.sorted().map { number in
            let cells = rows[number]!
            let width = (cells.keys.max() ?? -1) + 1
            return (number, (0..<width).map { cells[$0] ?? .empty })
        }
    }

    /// An Excel serial day number as a calendar date. In the 1900 system day 1 is 1900-01-01 and
    /// Excel counts a 29 February 1900 that never was (serial 60), so later serials are one day ahead.
    static func date(serial: Double, date1904: Bool, withTime: Bool) -> Cell? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        // A time within half a second of midnight belongs to the next day.
        var days = Int(serial.rounded(.down))
        var seconds = ((serial - Double(days)) * 86_400).rounded()
        if seconds >= 86_400 { days += 1; seconds = 0 }
        let count: Int
        if date1904 {
            count = daysFrom1970(1904, 1, 1) + days
        } else if days == 60 {
            return .date(year: 1900, month: 2, day: 29, seconds: withTime ? seconds : nil)
        } else {
            count = daysFrom1970(1899, 12, days > 60 ? 30 : 31) + days
        }
        let (year, month, day) = civil(fromDays: count)
        return .date(year: year, month: month, day: day, seconds: withTime ? seconds : nil)
    }

    /// Days from 1970-01-01 (Howard Hinnant's algorithm, proleptic Gregorian).
    static func daysFrom1970(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func isoDate(_ text: String) -> (Int, Int, Int)? {
        let parts = text.prefix(10).split(separator: "-").compactMap { Int($0) }
        return parts.count == 3 ? (parts[0], parts[1], parts[2]) : nil
    }

    /// "BC12" -> (row 12, column 54).
    static func reference(_ text: String) -> (row: Int, column: Int)? {
        var column = 0, digits = ""
        for scalar in text.unicodeScalars {
            if ("A"..."Z").contains(scalar) {
                column = column * 26 + Int(scalar.value - 64)
            } else {
                digits.unicodeScalars.append(scalar)
            }
        }
        guard column > 0, let row = Int(digits) else { return nil }
        return (row, column - 1)
    }
}

/// Which cell styles show numbers as dates: the built-in date formats and custom formats whose code
/// has day, month or year parts (outside quoted text and [colour] brackets).
private struct DateStyles {
    enum Kind { case date, dateTime }
    var styles: [Kind?] = []

    func kind(ofStyle index: Int) -> Kind? { index >= 0 && index < styles.count ? styles[index] : nil }

    static let builtInDates: Set<Int> = [14, 15, 16, 17, 27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 57, 58]
    static let builtInDateTimes: Set<Int> = [22]
    static let builtInTimes: Set<Int> = [18, 19, 20, 21, 32, 33, 45, 46, 47, 55, 56]

    static func read(_ data: Data, file: String) throws -> DateStyles {
        final class Delegate: NSObject, XMLParserDelegate {
            var formats: [Int: String] = [:]
            var cellFormats: [Int] = []
            var inCellXfs = false
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                        qualifiedName: String?, attributes: [String: String] = [:]) {
                switch name {
                case "numFmt":
                    if let id = attributes["numFmtId"].flatMap(Int.init), let code = attributes["formatCode"] {
                        formats[id] = code
                    }
                case "cellXfs": inCellXfs = true
                case "xf" where inCellXfs: cellFormats.append(attributes["numFmtId"].flatMap(Int.init) ?? 0)
                default: break
                }
            }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?,
                        qualifiedName: String?) {
                if name == "cellXfs" { inCellXfs = false }
            }
        }
        let delegate = Delegate()
        try parseXML(data, with: delegate, file: file)
        var styles = DateStyles()
        styles.styles = delegate.cellFormats.map { id in
            if builtInDates.contains(id) { return .date }
            if builtInDateTimes.contains(id) { return .dateTime }
            if builtInTimes.contains(id) { return nil }
            guard let code = delegate.formats[id] else { return nil }
            return kind(ofCode: code)
        }
        return styles
    }

    static func kind(ofCode code: String) -> Kind? {
        var plain = "", inQuotes = false, inBrackets = false, escaped = false
        for character in code.lowercased() {
            if escaped { escaped = false; continue }
            switch character {
            case "\\": escaped = true
            case "\"": inQuotes.toggle()
            case "[" where !inQuotes: inBrackets = true
            case "]" where !inQuotes: inBrackets = false
            default: if !inQuotes && !inBrackets { plain.append(character) }
            }
        }
        guard plain.contains("d") || plain.contains("y")
                || (plain.contains("m") && !plain.contains("h") && !plain.contains("s")) else {
            return nil
        }
        return plain.contains("h") || plain.contains("s") ? .dateTime : .date
    }
}

/// Every file of a zip archive (an instrument zip, a small workbook), read into memory.
enum ZipEntries {
    struct Entry { var path: String; var data: Data }

    static func read(_ file: String) throws -> [Entry] {
        let data = try readInputFile(file)
        guard data.starts(with: [0x50, 0x4B, 0x03, 0x04]) || data.starts(with: [0x50, 0x4B, 0x05, 0x06]) else {
            throw Diagnostic(file: file, message: "not a zip archive")
        }
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch {
            throw Diagnostic(file: file, message: "cannot open the zip archive: \(error)")
        }
        var entries: [Entry] = []
        for entry in archive where entry.type == .file {
            // A zip made to fill a disk is refused before it is unpacked.
            guard entry.uncompressedSize < 64 << 20 else {
                throw Diagnostic(file: file, message: "\(entry.path) in the zip is over 64 MB unpacked: "
                    + "not an instrument")
            }
            var content = Data()
            _ = try archive.extract(entry, skipCRC32: false) { content.append($0) }
            entries.append(Entry(path: entry.path, data: content))
        }
        return entries
    }
}

/// Runs `delegate` over one XML part of the workbook.
private func parseXML(_ data: Data, with delegate: XMLParserDelegate, file: String) throws {
    let parser = XMLParser(data: data)
    parser.delegate = delegate
    guard parser.parse() else {
        throw Diagnostic(file: file, message: "unreadable XML inside the workbook: "
            + "\(parser.parserError.map { "\($0)" } ?? "unknown error")")
    }
}

/// Elements of some names anywhere in a document, with their attributes.
private enum XMLElements {
    struct Element { var name: String; var attributes: [String: String] }

    static func collect(_ data: Data, file: String, named names: Set<String>) throws -> [Element] {
        final class Delegate: NSObject, XMLParserDelegate {
            let names: Set<String>
            var found: [Element] = []
            init(names: Set<String>) { self.names = names }
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                        qualifiedName: String?, attributes: [String: String] = [:]) {
                if names.contains(name) { found.append(Element(name: name, attributes: attributes)) }
            }
        }
        let delegate = Delegate(names: names)
        try parseXML(data, with: delegate, file: file)
        return delegate.found
    }
}

/// The text of every <container> element (all its <t> runs joined, phonetic <rPh> runs left out).
private final class TextCollector: NSObject, XMLParserDelegate {
    let container: String
    var values: [String] = []
    private var current: String?
    private var inText = false, inPhonetic = false
    init(container: String) { self.container = container }

    func run(_ data: Data, file: String) throws { try parseXML(data, with: self, file: file) }
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == container {
            current = ""
        } else if name == "rPh" {
            inPhonetic = true
        } else if name == "t" {
            inText = !inPhonetic
        }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { current? += string } }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "t" {
            inText = false
        } else if name == "rPh" {
            inPhonetic = false
        } else if name == container, let text = current {
            values.append(text); current = nil
        }
    }
}

/// Every <c> cell of a worksheet: its position, type, style, <v> value and inline string.
private final class CellCollector: NSObject, XMLParserDelegate {
    struct Cell { var row: Int; var column: Int; var type: String; var style: Int?; var value = ""; var inline = "" }
    var cells: [Cell] = []
    private var current: Cell?
    private var inValue = false, inText = false, inPhonetic = false
    private var nextRow = 0, nextColumn = 0

    func run(_ data: Data, file: String) throws { try parseXML(data, with: self, file: file) }
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch name {
        case "row":
            nextRow = attributes["r"].flatMap(Int.init) ?? nextRow + 1
            nextColumn = 0
        case "c":
            // Writers may leave out the reference: the cell is then the next one in its row.
            let position = attributes["r"].flatMap(XLSXReader.reference) ?? (nextRow, nextColumn)
            current = Cell(row: position.row, column: position.column, type: attributes["t"] ?? "n",
                           style: attributes["s"].flatMap(Int.init))
            nextColumn = position.column + 1
        case "v": inValue = true
        case "rPh": inPhonetic = true
        case "t": inText = current != nil && !inPhonetic
        default: break
        }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inValue { current?.value += string } else if inText { current?.inline += string }
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v": inValue = false
        case "t": inText = false
        case "rPh": inPhonetic = false
        case "c": if let cell = current { cells.append(cell) }; current = nil
        default: break
        }
    }
}
