import Foundation
import OutcomesInstruments

/// The character encodings a site's text file may come in. Files are stored as UTF-8 only; the others
/// are transcoded when the user names them, never guessed, because a wrong guess silently changes
/// letters (and so respondent ids).
public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    /// What Excel's "CSV (Comma delimited)" writes on Windows in Western Europe.
    case windows1252 = "windows-1252"
    /// ISO 8859-1.
    case latin1
    /// Excel's "Unicode Text": UTF-16 with a byte order mark (read whenever the mark is there).
    case utf16 = "utf-16"

    /// Names as users and HTTP `charset` parameters write them.
    public init?(name: String) {
        switch name.lowercased().trimmingCharacters(in: .whitespaces) {
        case "utf-8", "utf8": self = .utf8
        case "windows-1252", "cp1252", "win-1252", "windows1252": self = .windows1252
        case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "iso_8859-1": self = .latin1
        case "utf-16", "utf16", "utf-16le", "utf-16be": self = .utf16
        default: return nil
        }
    }
}

/// How a text file's bytes are to be read: its encoding and separator, when not the defaults.
public struct TextOptions: Sendable, Equatable {
    /// Transcode from this encoding (nil: UTF-8, or UTF-16 when the file starts with its byte order mark).
    public var encoding: TextEncoding?
    /// The field separator (nil: detected from the header line among ',', ';' and tab).
    public var delimiter: UInt8?
    /// How the user names an encoding where the file is refused: a command's option or an HTTP header.
    public var advice: Advice

    public enum Advice: Sendable, Equatable {
        case commandLine
        case http

        func encoding(_ encoding: TextEncoding) -> String {
            switch self {
            case .commandLine: return "--encoding \(encoding.rawValue)"
            case .http: return "Content-Type: text/csv; charset=\(encoding.rawValue)"
            }
        }
    }

    public init(encoding: TextEncoding? = nil, delimiter: UInt8? = nil, advice: Advice = .commandLine) {
        self.encoding = encoding
        self.delimiter = delimiter
        self.advice = advice
    }

    /// A `--delimiter` value: ',', ';', 'tab' (or a tab character) or '|'.
    public static func delimiter(named name: String) -> UInt8? {
        switch name {
        case ",", "comma": return UInt8(ascii: ",")
        case ";", "semicolon": return UInt8(ascii: ";")
        case "\t", "\\t", "tab": return UInt8(ascii: "\t")
        case "|", "pipe": return UInt8(ascii: "|")
        default: return nil
        }
    }
}

/// A text file made ready for the CSV reader: UTF-8 without a byte order mark, no NUL bytes, and
/// the separator its header uses.
public struct PreparedText: Sendable {
    public var data: Data
    public var delimiter: UInt8
    /// The encoding it was transcoded from, if it was not UTF-8.
    public var transcodedFrom: TextEncoding?

    public var delimiterName: String { Self.name(of: delimiter) }

    static func name(of delimiter: UInt8) -> String {
        switch delimiter {
        case UInt8(ascii: ","): return ","
        case UInt8(ascii: ";"): return ";"
        case UInt8(ascii: "\t"): return "tab"
        default: return String(UnicodeScalar(delimiter))
        }
    }

    /// Checks and, where asked, transcodes `data`. Every problem is a diagnostic naming the file, the
    /// line and column of the first bad byte and what to do; nothing invalid gets through, because an
    /// invalid byte read as U+FFFD makes different ids the same.
    public static func prepare(_ data: Data, file: String,
                               options: TextOptions = TextOptions()) throws -> PreparedText {
        let hasUTF16Mark = data.count >= 2 && ((data[data.startIndex] == 0xFF && data[data.startIndex + 1] == 0xFE)
                                               || (data[data.startIndex] == 0xFE && data[data.startIndex + 1] == 0xFF))
        var text = data
        var from: TextEncoding?
        switch options.encoding {
        case nil where hasUTF16Mark, .utf16?:
            text = Data(try utf16ToUTF8([UInt8](data), file: file, hasMark: hasUTF16Mark))
            from = .utf16
        case let single? where single == .windows1252 || single == .latin1:
            guard !hasUTF16Mark else {
                throw DiagnosticList([Diagnostic(file: file, line: 1,
                                                 message: "the file starts with a UTF-16 byte order mark, "
                    + "not \(single.rawValue) text: leave out --encoding (UTF-16 files are read as they are)")])
            }
            if case .valid(let nonASCII) = scanUTF8(data), let nonASCII {
                // Transcoding text that is already UTF-8 would turn 'é' into 'Ã©' in every id and answer.
                let sample = String(decoding: data[(data.startIndex + nonASCII.offset)...].prefix(4),
                                    as: UTF8.self).prefix(1)
                throw DiagnosticList([Diagnostic(file: file, line: nonASCII.line, column: nonASCII.column, message:
                    "the file is already valid UTF-8 ('\(sample)' here): reading it as \(single.rawValue) "
                    + "would change its letters; "
                    + "leave out --encoding")])
            }
            text = Data(try singleByteToUTF8(data, encoding: single, file: file))
            from = single
        default:
            break
        }
        // A UTF-8 byte order mark stays: the CSV reader skips it.
        if case let .invalid(problems, lines) = scanUTF8(text) {
            throw DiagnosticList(describe(problems, lines: lines, data: text, file: file, options: options))
        }
        let delimiter = options.delimiter ?? detectDelimiter(text)
        return PreparedText(data: text, delimiter: delimiter, transcodedFrom: from)
    }

    /// The separator of the first record: the most frequent of ',', ';' and tab outside quotes (a tie,
    /// or none, is a comma, the interchange format's own).
    static func detectDelimiter(_ bytes: Data) -> UInt8 {
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, UInt8(ascii: "\t"): 0]
        var inQuotes = false
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { inQuotes.toggle(); continue }
            if inQuotes { continue }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { break }
            if counts[byte] != nil { counts[byte]! += 1 }
        }
        let comma = counts[UInt8(ascii: ",")]!
        let best = counts.max {
            ($0.value, $0.key == UInt8(ascii: ",") ? 1 : 0) < ($1.value, $1.key == UInt8(ascii: ",") ? 1 : 0)
        }!
        return best.value > comma ? best.key : UInt8(ascii: ",")
    }

    /// A bad byte: where it is, and what it is.
    struct BadByte { var offset: Int; var line: Int; var column: Int; var isNUL: Bool }
    enum Scan { case valid(firstNonASCII: BadByte?), invalid([BadByte], lines: Int) }

    /// One pass over the bytes: NUL bytes and sequences that are not UTF-8, with their lines and
    /// columns (in characters), the first few kept and the lines with any counted.
    static func scanUTF8(_ data: Data, keep: Int = 5) -> Scan {
        var problems: [BadByte] = []
        var badLines = 0, lastBadLine = 0
        var firstNonASCII: BadByte?
        var line = 1, column = 1
        let count = data.count
        // A UTF-8 byte order mark is not a character of the first line.
        var index = count >= 3 && data.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        return data.withUnsafeBytes { raw in
            let b = raw.bindMemory(to: UInt8.self)
            func bad(_ isNUL: Bool) {
                if line != lastBadLine { badLines += 1; lastBadLine = line }
                if problems.count < keep {
                    problems.append(BadByte(offset: index, line: line, column: column, isNUL: isNUL))
                }
            }
            while index < count {
                let byte = b[index]
                if byte < 0x80 {
                    if byte == 0x0A {
                        line += 1; column = 1
                    } else if byte == 0 {
                        bad(true); column += 1
                    } else {
                        column += 1
                    }
                    index += 1
                    continue
                }
                // The length a lead byte announces, and the range its first continuation byte may take
                // (which rules out overlong forms, surrogates and code points above U+10FFFF).
                var length = 0, low: UInt8 = 0x80, high: UInt8 = 0xBF
                switch byte {
                case 0xC2...0xDF: length = 2
                case 0xE0: length = 3; low = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: length = 3
                case 0xED: length = 3; high = 0x9F
                case 0xF0: length = 4; low = 0x90
                case 0xF1...0xF3: length = 4
                case 0xF4: length = 4; high = 0x8F
                default: length = 0
                }
                var valid = length > 0 && index + length <= count
                if valid {
                    for offset in 1..<length {
                        let next = b[index + offset]
                        if offset == 1 ? (next < low || next > high) : (next < 0x80 || next > 0xBF) {
                            valid = false; break
                        }
                    }
                }
                if valid {
                    if firstNonASCII == nil {
                        firstNonASCII = BadByte(offset: index, line: line, column: column, isNUL: false)
                    }
                    index += length
                } else {
                    bad(false)
                    index += 1
                }
                column += 1
            }
            return problems.isEmpty ? .valid(firstNonASCII: firstNonASCII) : .invalid(problems, lines: badLines)
        }
    }

    static func describe(_ problems: [BadByte], lines: Int, data: Data, file: String,
                         options: TextOptions) -> [Diagnostic] {
        let bytes = data
        let nuls = problems.filter(\.isNUL)
        // Every other byte NUL near the start: UTF-16 text with no byte order mark.
        let head = bytes.prefix(200)
        let zeros = head.enumerated().filter { $0.element == 0 }
        if zeros.count * 3 >= head.count, zeros.count > 2 {
            return [Diagnostic(file: file, line: 1, message: "the file looks like UTF-16 text without a byte "
                + "order mark (every other byte is NUL): read it with \(options.advice.encoding(.utf16)), "
                + "or save it as CSV UTF-8")]
        }
        var diagnostics: [Diagnostic] = []
        for problem in problems {
            if problem.isNUL {
                diagnostics.append(Diagnostic(file: file, line: problem.line, column: problem.column, message:
                    "a NUL byte (0x00): text cannot hold one, and nothing after it would be read back; "
                    + "remove it from the file"))
            } else {
                let byte = bytes[bytes.startIndex + problem.offset]
                let asWindows = windows1252Table[Int(byte)].map { " (in Windows-1252, '\($0)')" } ?? ""
                diagnostics.append(Diagnostic(file: file, line: problem.line, column: problem.column, message:
                    "byte 0x\(String(byte, radix: 16, uppercase: true)) is not UTF-8\(asWindows)"))
            }
        }
        if nuls.count < problems.count {
            let more = lines > problems.count ? ": \(lines) lines hold such bytes" : ""
            // Placed at the first bad byte's line, so that every problem of a file has a line to go to.
            diagnostics.append(Diagnostic(file: file, line: problems[0].line, message: "the file is not UTF-8\(more). "
                + "It looks like Windows-1252, as Excel's "
                + "\"CSV (Comma delimited)\" saves it: save it as \"CSV UTF-8 (Comma delimited)\", or read it with "
                + "\(options.advice.encoding(.windows1252)) (or \(options.advice.encoding(.latin1)))"))
        }
        return diagnostics
    }

    /// Windows-1252's characters for each byte, from Foundation's own table (nil where the code page
    /// leaves a byte undefined: 0x81, 0x8D, 0x8F, 0x90, 0x9D).
    static let windows1252Table: [Character?] = (0...255).map { byte in
        byte < 0x80
            ? Character(UnicodeScalar(UInt8(byte)))
            : String(data: Data([UInt8(byte)]), encoding: .windowsCP1252)?.first
    }

    static func singleByteToUTF8(_ bytes: Data, encoding: TextEncoding, file: String) throws -> [UInt8] {
        // Each byte's UTF-8 bytes, looked up: a million-row file transcodes in well under a second.
        let table: [[UInt8]?] = (0...255).map { byte in
            if encoding == .latin1 { return Array(String(UnicodeScalar(UInt8(byte))).utf8) }
            return windows1252Table[byte].map { Array(String($0).utf8) }
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        var line = 1, column = 1
        for byte in bytes {
            if byte < 0x80 {
                out.append(byte)
                if byte == 0x0A { line += 1; column = 1 } else { column += 1 }
                continue
            }
            guard let encoded = table[Int(byte)] else {
                throw DiagnosticList([Diagnostic(file: file, line: line, column: column, message:
                    "byte 0x\(String(byte, radix: 16, uppercase: true)) has no character in Windows-1252: "
                    + "is the file in another encoding?")])
            }
            out.append(contentsOf: encoded)
            column += 1
        }
        return out
    }

    static func utf16ToUTF8(_ bytes: [UInt8], file: String, hasMark: Bool) throws -> [UInt8] {
        var bigEndian = false
        var body = bytes[...]
        if hasMark {
            bigEndian = bytes[0] == 0xFE
            body = bytes.dropFirst(2)
        } else if bytes.count >= 2 {
            // No mark: ASCII text has its zero byte first in big-endian order.
            bigEndian = bytes[0] == 0 && bytes[1] != 0
        }
        guard body.count % 2 == 0 else {
            throw DiagnosticList([Diagnostic(file: file, message: "the file is read as UTF-16 but has an odd "
                + "number of bytes: it is cut short or not UTF-16")])
        }
        var units: [UInt16] = []
        units.reserveCapacity(body.count / 2)
        var index = body.startIndex
        while index < body.endIndex {
            let a = UInt16(body[index]), b = UInt16(body[index + 1])
            units.append(bigEndian ? a << 8 | b : b << 8 | a)
            index += 2
        }
        var out: [UInt8] = []
        out.reserveCapacity(units.count)
        var line = 1, column = 1
        var iterator = units.makeIterator()
        var decoder = UTF16()
        loop: while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(scalar):
                out.append(contentsOf: String(scalar).utf8)
                if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
            case .emptyInput: break loop
            case .error:
                throw DiagnosticList([Diagnostic(file: file, line: line, column: column, message:
                    "an unpaired UTF-16 surrogate: the file is damaged or not UTF-16")])
            }
        }
        return out
    }
}
