import Foundation
import OutcomesInstruments

/// A fast reader for the CSV interchange format (RFC 4180: comma-separated, fields optionally in
/// double quotes, `""` for a quote inside quotes, CRLF or LF line ends, newlines allowed inside quotes).
/// The separator may be another byte (`;` or a tab, as spreadsheets in much of Europe write), and
/// spaces and tabs around each field may be dropped, so that ` 3 ` and `3` are the same cell.
///
/// It works on the file's bytes and hands each record to a closure as byte ranges, so importing a
/// million rows makes no String per cell. Line numbers are those of the file, counting from 1.
struct CSVReader {
    struct Record {
        /// The file line on which the record starts.
        var line: Int
        /// Bytes of the file read so far (for progress).
        var endOffset: Int = 0
        /// Unescaped field bytes, back to back; `fields[i]` is the range of field i.
        var bytes: [UInt8] = []
        var fields: [Range<Int>] = []
        /// Whether field i was written in quotes (an empty quoted field is still a value: "").
        var quoted: [Bool] = []

        var count: Int { fields.count }

        func withField<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
            try bytes.withUnsafeBufferPointer { buffer in
                try body(UnsafeBufferPointer(rebasing: buffer[fields[index]]))
            }
        }

        func string(_ index: Int) -> String { String(decoding: bytes[fields[index]], as: UTF8.self) }
        func isEmpty(_ index: Int) -> Bool { fields[index].isEmpty }
    }

    struct SyntaxError: Error {
        var line: Int
        var message: String
    }

    /// Thrown by a reader's `body` to stop reading after the current record.
    struct Stop: Error {}

    /// Where a read stopped: the byte offset and the file line of the next record.
    struct Position { var offset: Int; var line: Int }

    /// Calls `body` for each record, from `start` (the beginning of the file, or a position an earlier
    /// read stopped at). A syntax error (an unterminated quote, a stray quote) stops the read, because
    /// the rest of the file cannot be split into records reliably; `body` throwing `Stop` stops it
    /// cleanly, and the position after that record is returned.
    @discardableResult
    static func read(_ data: UnsafeBufferPointer<UInt8>, from start: Position = Position(offset: 0, line: 1),
                     delimiter: UInt8 = UInt8(ascii: ","), trimming: Bool = false,
                     _ body: (inout Record) throws -> Void) throws -> Position {
        let quote = UInt8(ascii: "\""), comma = delimiter, lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
        var index = start.offset
        let end = data.count
        // A UTF-8 byte order mark, as spreadsheet exports often write, is not part of the first header.
        if index == 0, end >= 3, data[0] == 0xEF, data[1] == 0xBB, data[2] == 0xBF { index = 3 }
        var line = start.line
        var record = Record(line: 1)
        record.bytes.reserveCapacity(1024)
        while index < end {
            record.line = line
            record.bytes.removeAll(keepingCapacity: true)
            record.fields.removeAll(keepingCapacity: true)
            record.quoted.removeAll(keepingCapacity: true)
            var atRecordEnd = false
            while !atRecordEnd {
                let fieldStart = record.bytes.count
                var wasQuoted = false
                if trimming {
                    // Spaces before an opening quote are not part of the field either.
                    var ahead = index
                    while ahead < end, data[ahead] == space || (data[ahead] == tab && comma != tab) { ahead += 1 }
                    if ahead < end, data[ahead] == quote { index = ahead }
                }
                if index < end, data[index] == quote {
                    wasQuoted = true
                    let openedOn = line
                    index += 1
                    var closed = false
                    while index < end {
                        let byte = data[index]
                        if byte == quote {
                            if index + 1 < end, data[index + 1] == quote {
                                record.bytes.append(quote)
                                index += 2
                                continue
                            }
                            index += 1
                            closed = true
                            break
                        }
                        if byte == lf { line += 1 }
                        record.bytes.append(byte)
                        index += 1
                    }
                    guard closed else { throw SyntaxError(line: openedOn, message: "a quoted field opened here is never closed") }
                    if trimming {
                        while index < end, data[index] == space || (data[index] == tab && comma != tab) { index += 1 }
                    }
                    if index < end, data[index] != comma, data[index] != lf, data[index] != cr {
                        throw SyntaxError(line: line, message: "unexpected text after a closing quote "
                            + "(a quote inside a quoted field is written twice: \"\")")
                    }
                } else {
                    while index < end {
                        let byte = data[index]
                        if byte == comma || byte == lf || byte == cr { break }
                        if byte == quote {
                            throw SyntaxError(line: line, message: "a quote inside an unquoted field (quote the whole field and double the quote)")
                        }
                        record.bytes.append(byte)
                        index += 1
                    }
                }
                var fieldEnd = record.bytes.count
                if trimming {
                    var first = fieldStart
                    while first < fieldEnd, record.bytes[first] == space || record.bytes[first] == tab { first += 1 }
                    while fieldEnd > first, record.bytes[fieldEnd - 1] == space || record.bytes[fieldEnd - 1] == tab {
                        fieldEnd -= 1
                    }
                    record.fields.append(first..<fieldEnd)
                } else {
                    record.fields.append(fieldStart..<fieldEnd)
                }
                record.quoted.append(wasQuoted)
                if index >= end {
                    atRecordEnd = true
                } else if data[index] == comma {
                    index += 1
                    // A trailing comma at the end of the data still ends with an empty field.
                    if index >= end { record.fields.append(record.bytes.count..<record.bytes.count); record.quoted.append(false) }
                } else {
                    if data[index] == cr { index += 1 }
                    if index < end, data[index] == lf { index += 1 }
                    line += 1
                    atRecordEnd = true
                }
            }
            // Blank lines (a lone empty field) carry no record.
            if record.fields.count == 1, record.fields[0].isEmpty, !record.quoted[0] { continue }
            record.endOffset = index
            do { try body(&record) } catch is Stop { return Position(offset: index, line: line) }
        }
        return Position(offset: index, line: line)
    }
}

/// Every record of a CSV file in turn, as the file's line and its fields (spaces and tabs around each
/// dropped when `trimming`), without keeping the file's records: for other tools' exports of any size.
/// The bytes are checked and transcoded as for `readCSVRecords`.
public func forEachCSVRecord(_ data: Data, file: String, options: TextOptions = TextOptions(), trimming: Bool = true,
                             _ body: (_ line: Int, _ fields: [String]) throws -> Void) throws {
    let text = try PreparedText.prepare(data, file: file, options: options)
    do {
        try text.data.withUnsafeBytes { raw in
            _ = try CSVReader.read(raw.bindMemory(to: UInt8.self), delimiter: text.delimiter,
                                   trimming: trimming) { record in
                try body(record.line, (0..<record.count).map { record.string($0) })
            }
        }
    } catch let error as CSVReader.SyntaxError {
        throw Diagnostic(file: file, line: error.line, message: "malformed CSV: \(error.message)")
    }
}

/// Every record of a small CSV file (a data dictionary, a form's sheet) as strings, with the file line
/// each record starts on. The bytes are checked as UTF-8 (or transcoded as `options` says) and the
/// separator is detected from the header. A syntax error is reported as `file:line: malformed CSV: ...`.
public func readCSVRecords(_ data: Data, file: String,
                           options: TextOptions = TextOptions()) throws -> [(line: Int, fields: [String])] {
    var records: [(line: Int, fields: [String])] = []
    let text = try PreparedText.prepare(data, file: file, options: options)
    do {
        try text.data.withUnsafeBytes { raw in
            _ = try CSVReader.read(raw.bindMemory(to: UInt8.self), delimiter: text.delimiter) { record in
                records.append((record.line, (0..<record.count).map { record.string($0) }))
            }
        }
    } catch let error as CSVReader.SyntaxError {
        throw Diagnostic(file: file, line: error.line, message: "malformed CSV: \(error.message)")
    }
    return records
}
