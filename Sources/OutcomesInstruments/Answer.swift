/// One stored answer, typed by its item.
public enum AnswerValue: Sendable, Equatable, CustomStringConvertible {
    /// A single choice code or an integer item's value.
    case integer(Int)
    case number(Double)
    /// A text item, or a date item as `YYYY-MM-DD`.
    case text(String)
    /// A multiple choice item's codes, sorted and without repeats.
    case codes([Int])

    /// The interchange format's spelling of the value (multiple choice codes joined by ';').
    public var description: String {
        switch self {
        case let .integer(value): return String(value)
        case let .number(value): return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case let .text(value): return value
        case let .codes(values): return values.map(String.init).joined(separator: ";")
        }
    }
}

/// Checks and converts one item's answers from their text form (a CSV cell, a typed reply).
///
/// Built once per item so that validating a million rows does not look up choice sets per cell.
/// A class, so that the per-cell loop passes a reference instead of copying the item.
public final class AnswerRule: Sendable {
    public let item: Item
    private let codes: Set<Int>
    /// `isSmallCode[c]` for codes 0..<256: the per-cell check without hashing.
    private let isSmallCode: [Bool]
    private let codeList: String

    /// Whether a number may be written with a decimal comma ("1,54"): items declared so (REDCap's
    /// number_comma_decimal) and every number in a semicolon-separated file, as European spreadsheets
    /// write them. A decimal point is always accepted, so an export reads back.
    private let decimalComma: Bool

    public init(item: Item, instrument: Instrument, decimalComma: Bool = false) {
        self.item = item
        self.decimalComma = decimalComma || item.decimalComma
        let choices = instrument.choiceSet(for: item)?.choices ?? []
        codes = Set(choices.map(\.code))
        var small = [Bool](repeating: false, count: 256)
        for code in codes where (0..<256).contains(code) { small[code] = true }
        isSmallCode = small
        let listed = choices.map { String($0.code) }
        codeList = listed.count > 1 ? listed.dropLast().joined(separator: ", ") + " or " + listed.last! : listed.joined()
        self.choiceSetID = item.choiceSetID ?? ""
    }

    private let choiceSetID: String

    /// Parses a non-empty answer given as UTF-8 bytes (the import's hot path: no String for numbers).
    /// Returns the value, or a message saying what was expected.
    public func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<AnswerValue, AnswerProblem> {
        switch item.type {
        case .singleChoice:
            guard let code = Self.parseInt(bytes) else { return .failure(problem(bytes, "expected a code (\(codeList))")) }
            guard (0..<256).contains(code) ? isSmallCode[code] : codes.contains(code) else {
                return .failure(problem(bytes, "\(code) is not a code of choice set \(choiceSetID) (expected \(codeList))"))
            }
            return .success(.integer(code))
        case .integer:
            guard let value = Self.parseInt(bytes) else { return .failure(problem(bytes, "expected a whole number")) }
            // Within 32 bits: analyses hold whole-number columns as Int32 (with Int32.min for missing).
            guard abs(value) <= Int(Int32.max) else {
                return .failure(problem(bytes, "expected a whole number between -2147483647 and 2147483647 (use a number item for larger values)"))
            }
            if let range = item.range, !range.contains(Double(value)) {
                return .failure(problem(bytes, "\(value) is out of range (\(range.description))"))
            }
            return .success(.integer(value))
        case .number:
            var text = String(decoding: bytes, as: UTF8.self).trimmingSpaces
            if decimalComma, text.utf8.contains(UInt8(ascii: ",")) {
                // One comma and no point: "1,54" is 1.54. "1.234,5" (thousands marks) is refused.
                guard text.utf8.filter({ $0 == UInt8(ascii: ",") }).count == 1, !text.contains(".") else {
                    return .failure(problem(bytes,
                                            "expected a number with one decimal comma and no thousands separators"))
                }
                text = text.replacingOccurrences(of: ",", with: ".")
            }
            guard let value = Double(text), value.isFinite,
                  text.utf8.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                                         || "+-.eE".utf8.contains($0) }) else {
                let comma = !decimalComma && text.contains(",") && !text.contains(".")
                return .failure(problem(bytes, comma
                    ? "expected a number with a decimal point (this one has a decimal comma: "
                        + "declare the item decimal_separator: comma, or send the file semicolon-separated)"
                    : "expected a number"))
            }
            if let range = item.range, !range.contains(value) {
                return .failure(problem(bytes, "\(text) is out of range (\(range.description))"))
            }
            return .success(.number(value))
        case .text:
            guard let text = String(validating: bytes, as: UTF8.self) else {
                return .failure(AnswerProblem(message: "the text is not valid UTF-8"))
            }
            return .success(.text(text))
        case .date:
            let text = String(decoding: bytes, as: UTF8.self).trimmingSpaces
            if let message = Self.dateProblem(text) { return .failure(problem(bytes, message)) }
            return .success(.text(text))
        case .multipleChoice:
            let text = String(decoding: bytes, as: UTF8.self)
            var values: [Int] = []
            for part in text.split(whereSeparator: { $0 == ";" || $0 == " " }) {
                guard let code = Int(part) else {
                    return .failure(problem(bytes, "expected codes separated by ';' (codes: \(codeList))"))
                }
                guard codes.contains(code) else {
                    return .failure(problem(bytes, "\(code) is not a code of choice set \(choiceSetID) (expected \(codeList))"))
                }
                values.append(code)
            }
            guard !values.isEmpty else { return .failure(problem(bytes, "expected codes separated by ';'")) }
            return .success(.codes(Array(Set(values)).sorted()))
        }
    }

    /// Parses a non-empty answer given as text.
    public func parse(_ text: String) -> Result<AnswerValue, AnswerProblem> {
        var text = text
        return text.withUTF8 { parse($0) }
    }

    private func problem(_ bytes: UnsafeBufferPointer<UInt8>, _ message: String) -> AnswerProblem {
        let shown = String(decoding: bytes.prefix(40), as: UTF8.self)
        return AnswerProblem(message: message.hasPrefix("expected") ? "'\(shown)': \(message)" : message)
    }

    /// A decimal integer with optional sign and surrounding spaces, without allocating.
    static func parseInt(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var start = bytes.startIndex, end = bytes.endIndex
        while start < end, bytes[start] == 0x20 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 { end -= 1 }
        guard start < end else { return nil }
        var negative = false
        if bytes[start] == UInt8(ascii: "-") || bytes[start] == UInt8(ascii: "+") {
            negative = bytes[start] == UInt8(ascii: "-")
            start += 1
        }
        guard start < end, end - start <= 18 else { return nil }
        var value = 0
        for index in start..<end {
            let digit = Int(bytes[index]) - 48
            guard digit >= 0, digit <= 9 else { return nil }
            value = value * 10 + digit
        }
        return negative ? -value : value
    }

    /// A real calendar date written YYYY-MM-DD.
    public static func isISODate(_ text: String) -> Bool { dateProblem(text) == nil }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                             "October", "November", "December"]

    /// Why `text` is not a date written YYYY-MM-DD, or nil if it is one: a date of the right shape that
    /// does not exist says so, and one written day/month/year says how to write it.
    public static func dateProblem(_ text: String) -> String? {
        // ASCII digits, read as bytes: a million rows' dates need no Unicode property lookups.
        let digits = { (part: Substring) in
            part.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2, parts.allSatisfy(digits),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else {
            let slashed = text.split(separator: "/", omittingEmptySubsequences: false)
            if slashed.count == 3, slashed.allSatisfy({ !$0.isEmpty && digits($0) }), slashed[2].count == 4,
               let first = Int(slashed[0]), let second = Int(slashed[1]) {
                let year = slashed[2]
                func iso(_ month: Int, _ day: Int) -> String { "\(year)-" + String(format: "%02d-%02d", month, day) }
                if first > 12, second <= 12 {
                    return "expected a date as YYYY-MM-DD (write this day/month/year date as \(iso(second, first)))"
                }
                if second > 12, first <= 12 {
                    return "expected a date as YYYY-MM-DD (write this month/day/year date as \(iso(first, second)))"
                }
                return "expected a date as YYYY-MM-DD (is this \(iso(second, first)) or \(iso(first, second))?)"
            }
            return "expected a date as YYYY-MM-DD"
        }
        guard (1...12).contains(month) else { return "\(text) is not a date: there is no month \(month)" }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard day >= 1, day <= days else {
            return "\(text) is not a date: \(monthNames[month - 1]) \(year) has \(days) days"
        }
        return nil
    }
}

/// Quotes a field for the CSV interchange format (RFC 4180) when it holds a comma, quote or line
/// break; shared by import's writers, export, sample generation and report tables.
public func csvEscape(_ text: String) -> String {
    // Bytes, not characters: the check runs for every cell written, and these four are ASCII.
    guard text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// Appends `text` as a JSON string literal (quotes, backslashes and control characters escaped).
/// JSON's escapes are also valid in a YAML double-quoted scalar: shared by the JSON tables and the
/// instrument files written by converters.
public func appendJSONString(_ text: String, to out: inout String) {
    out += "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    out += "\""
}

public struct AnswerProblem: Error, Sendable, Equatable {
    public var message: String
    public init(message: String) { self.message = message }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
