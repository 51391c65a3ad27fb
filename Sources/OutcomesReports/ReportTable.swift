import Foundation
import OutcomesInstruments

/// A table ready to write as CSV, Markdown or JSON: the layouts of each analysis build these.
public struct ReportTable: Sendable, Equatable {
    public enum Cell: Sendable, Equatable {
        case text(String)
        case integer(Int)
        /// A number written with `decimals` places; NaN is written as empty (CSV/JSON null) or "–".
        case number(Double, decimals: Int)
        case empty
        /// A figure withheld by disclosure control, with what is shown in its place (`*`, "fewer than 10").
        case suppressed(String)
    }

    public struct Column: Sendable, Equatable {
        /// Machine name (CSV header, JSON key): stable across releases.
        public var key: String
        /// Human heading (Markdown).
        public var heading: String
        public var alignRight: Bool
        public init(_ key: String, _ heading: String, alignRight: Bool = true) {
            self.key = key
            self.heading = heading
            self.alignRight = alignRight
        }
    }

    public var title: String
    public var columns: [Column]
    public var rows: [[Cell]]
    public var notes: [String]

    public init(title: String, columns: [Column], rows: [[Cell]] = [], notes: [String] = []) {
        self.title = title
        self.columns = columns
        self.rows = rows
        self.notes = notes
    }
}

/// Writers for the three plain formats. Each is deterministic, so tables can be diffed and snapshot-tested.
public enum TableFormat {
    /// RFC 4180 CSV with a header of column keys; numbers at full stated precision, NaN as empty.
    public static func csv(_ table: ReportTable) -> String {
        var lines = [table.columns.map { csvEscape($0.key) }.joined(separator: ",")]
        for row in table.rows {
            lines.append(row.map { cell -> String in
                switch cell {
                case let .text(text): return csvEscape(text)
                case let .integer(value): return String(value)
                case let .number(value, decimals): return value.isFinite ? machine(value, decimals) : ""
                case .empty: return ""
                case let .suppressed(shown): return csvEscape(shown)
                }
            }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A GitHub-flavoured Markdown table with its title as a heading and notes as a list below.
    public static func markdown(_ table: ReportTable, headingLevel: Int = 2) -> String {
        var out = String(repeating: "#", count: headingLevel) + " " + table.title + "\n\n"
        out += "| " + table.columns.map { escapeMarkdown($0.heading) }.joined(separator: " | ") + " |\n"
        out += "|" + table.columns.map { $0.alignRight ? "---:|" : ":---|" }.joined() + "\n"
        for row in table.rows {
            out += "| " + row.map { cell -> String in
                switch cell {
                case let .text(text): return escapeMarkdown(text)
                case let .integer(value): return String(value)
                case let .number(value, decimals): return value.isFinite ? format(value, decimals) : "–"
                case .empty: return ""
                case let .suppressed(shown): return escapeMarkdown(shown)
                }
            }.joined(separator: " | ") + " |\n"
        }
        if !table.notes.isEmpty { out += "\n" + table.notes.map { "- " + $0 }.joined(separator: "\n") + "\n" }
        return out
    }

    /// The table as a JSON object value: `{"title", "columns": [{"key","heading"}], "rows": [{key: value}], "notes"}`.
    public static func jsonObject(_ table: ReportTable) -> [String: Any] {
        let rows: [[String: Any]] = table.rows.map { row in
            var object: [String: Any] = [:]
            for (column, cell) in zip(table.columns, row) {
                switch cell {
                case let .text(text): object[column.key] = text
                case let .integer(value): object[column.key] = value
                case let .number(value, decimals):
                    object[column.key] = value.isFinite ? (Double(machine(value, max(decimals, 6))) ?? value) as Any
                        : NSNull()
                case .empty: object[column.key] = NSNull()
                // Marked as withheld, not as missing: a reader must not take it for "no answers".
                case let .suppressed(shown): object[column.key] = ["suppressed": true, "shown": shown]
                }
            }
            return object
        }
        return ["title": table.title,
                "columns": table.columns.map { ["key": $0.key, "heading": $0.heading] },
                "rows": rows, "notes": table.notes]
    }

    /// A number for people: `decimals` places, or "–" when there is none (nil, NaN, infinite).
    public static func fixed(_ value: Double?, _ decimals: Int) -> String {
        guard let value, value.isFinite else { return "–" }
        return format(value, decimals)
    }

    /// A p-value for people: three places, "<0.001" below that, "–" when there is none.
    public static func pValue(_ p: Double?) -> String {
        guard let p, p.isFinite else { return "–" }
        return p < 0.001 ? "<0.001" : format(p, 3)
    }

    /// count / total as a percentage; NaN for an empty total.
    public static func percent(_ count: Int, _ total: Int) -> Double {
        total > 0 ? Double(count) / Double(total) * 100 : .nan
    }

    /// 100000 -> "100,000" (the same in every locale).
    public static func thousands(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = value < 0 ? "-" : ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }

    /// A number for machines (CSV, JSON): `decimals` places, or four significant digits where those places
    /// would keep fewer than three (a p-value of 4.1e-8 is not 0.000000, nor a small standard error 0).
    static func machine(_ value: Double, _ decimals: Int) -> String {
        guard value != 0, abs(value) < pow(10, Double(2 - decimals)) else { return format(value, decimals) }
        return String(format: "%.4g", value)
    }

    /// `value` with `decimals` places, as C's printf rounds it; never "-0.0".
    static func format(_ value: Double, _ decimals: Int) -> String { fixedDecimals(value, decimals) }

    static func escapeMarkdown(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
