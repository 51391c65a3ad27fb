import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import OutcomesInstruments
import ZIPFoundation

/// The sheets of an Excel workbook (.xlsx) as rows of text: enough of the Office Open XML format to
/// read a form (shared and inline strings, numbers, booleans; no formulas evaluated, no dates
/// converted). An .xlsx file is a zip archive of XML parts.
enum XLSXReader {
    struct Sheet {
        var name: String
        /// Rows in sheet order with their 1-based row numbers; cells by 0-based column.
        var rows: [(number: Int, cells: [String])]
    }

    static func sheets(file: String) throws -> [Sheet] {
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: file), accessMode: .read) } catch {
            throw Diagnostic(file: file, message: "cannot open as an .xlsx workbook (a zip archive): \(error)")
        }
        func part(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            var data = Data()
            _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
            return data
        }
        guard let workbook = try part("xl/workbook.xml") else {
            throw Diagnostic(file: file, message: "not an Excel workbook: no xl/workbook.xml inside")
        }
        let sheetList = try XMLElements.collect(workbook, file: file, named: ["sheet"])
        let relations = try part("xl/_rels/workbook.xml.rels").map { try XMLElements.collect($0, file: file, named: ["Relationship"]) } ?? []
        var targets: [String: String] = [:]
        for relation in relations {
            guard let id = relation.attributes["Id"], let target = relation.attributes["Target"] else { continue }
            targets[id] = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        }
        let shared = try part("xl/sharedStrings.xml").map { try sharedStrings($0, file: file) } ?? []
        var sheets: [Sheet] = []
        for sheet in sheetList {
            guard let name = sheet.attributes["name"],
                  let relation = sheet.attributes["r:id"] ?? sheet.attributes.first(where: { $0.key.hasSuffix(":id") })?.value,
                  let path = targets[relation], let data = try part(path) else { continue }
            sheets.append(Sheet(name: name, rows: try rows(data, shared: shared, file: "\(file) [\(name)]")))
        }
        return sheets
    }

    /// The shared string table: each <si> is one string, possibly in several formatted runs <r><t>.
    private static func sharedStrings(_ data: Data, file: String) throws -> [String] {
        let parser = TextCollector(container: "si")
        try parser.run(data, file: file)
        return parser.values
    }

    private static func rows(_ data: Data, shared: [String], file: String) throws -> [(number: Int, cells: [String])] {
        let parser = CellCollector()
        try parser.run(data, file: file)
        var rows: [Int: [Int: String]] = [:]
        for cell in parser.cells {
            var text = cell.value
            switch cell.type {
            case "s": text = Int(cell.value).flatMap { $0 < shared.count ? shared[$0] : nil } ?? ""
            case "inlineStr": text = cell.inline
            case "b": text = cell.value == "1" ? "TRUE" : "FALSE"
            default: break
            }
            rows[cell.row, default: [:]][cell.column] = text
        }
        return rows.keys.sorted().map { number in
            let cells = rows[number]!
            let width = (cells.keys.max() ?? -1) + 1
            return (number, (0..<width).map { cells[$0] ?? "" })
        }
    }

    /// "BC12" -> (row 12, column 54).
    static func reference(_ text: String) -> (row: Int, column: Int)? {
        var column = 0, digits = ""
        for scalar in text.unicodeScalars {
            if ("A"..."Z").contains(scalar) { column = column * 26 + Int(scalar.value - 64) } else { digits.unicodeScalars.append(scalar) }
        }
        guard column > 0, let row = Int(digits) else { return nil }
        return (row, column - 1)
    }
}

/// Runs `delegate` over one XML part of the workbook.
private func parseXML(_ data: Data, with delegate: XMLParserDelegate, file: String) throws {
    let parser = XMLParser(data: data)
    parser.delegate = delegate
    guard parser.parse() else {
        throw Diagnostic(file: file, message: "unreadable XML inside the workbook: \(parser.parserError.map { "\($0)" } ?? "unknown error")")
    }
}

/// Elements of one name anywhere in a document, with their attributes.
private enum XMLElements {
    struct Element { var attributes: [String: String] }

    static func collect(_ data: Data, file: String, named names: Set<String>) throws -> [Element] {
        final class Delegate: NSObject, XMLParserDelegate {
            let names: Set<String>
            var found: [Element] = []
            init(names: Set<String>) { self.names = names }
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                if names.contains(name) { found.append(Element(attributes: attributes)) }
            }
        }
        let delegate = Delegate(names: names)
        try parseXML(data, with: delegate, file: file)
        return delegate.found
    }
}

/// The text of every <container> element (all its <t> runs joined).
private final class TextCollector: NSObject, XMLParserDelegate {
    let container: String
    var values: [String] = []
    private var current: String?
    private var inText = false
    init(container: String) { self.container = container }

    func run(_ data: Data, file: String) throws { try parseXML(data, with: self, file: file) }
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == container { current = "" } else if name == "t" { inText = true }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { current? += string } }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "t" { inText = false } else if name == container, let text = current { values.append(text); current = nil }
    }
}

/// Every <c> cell of a worksheet: its position, type, <v> value and inline string.
private final class CellCollector: NSObject, XMLParserDelegate {
    struct Cell { var row: Int; var column: Int; var type: String; var value = ""; var inline = "" }
    var cells: [Cell] = []
    private var current: Cell?
    private var inValue = false, inText = false
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
            current = Cell(row: position.row, column: position.column, type: attributes["t"] ?? "n")
            nextColumn = position.column + 1
        case "v": inValue = true
        case "t": inText = current != nil
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
        case "c": if let cell = current { cells.append(cell) }; current = nil
        default: break
        }
    }
}
