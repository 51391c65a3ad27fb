import CReadStat
import Foundation
import OutcomesInstruments

/// SPSS (.sav, .zsav) and Stata (.dta) files read with ReadStat, as a table of text cells: numbers as
/// written in the interchange format (whole numbers without a decimal point), dates as YYYY-MM-DD,
/// system and user-defined missing values as empty cells, and each variable's value labels.
enum StatisticalFileReader {
    enum Kind: String { case sav, dta }

    /// What the first bytes say the file is, if it is one of these.
    static func kind(of data: Data) -> Kind? {
        if data.starts(with: Array("$FL2".utf8)) || data.starts(with: Array("$FL3".utf8)) { return .sav }
        if data.starts(with: Array("<stata_dta>".utf8)) { return .dta }
        // Formats 104-115 begin with the release number and a byte-order byte (1 or 2).
        if data.count > 2, (104...115).contains(Int(data[data.startIndex])),
           [1, 2].contains(data[data.startIndex + 1]) {
            return .dta
        }
        return nil
    }

    struct Variable {
        var name: String
        var label: String?
        var format: String
        var isString: Bool
        var labelSet: String?
    }

    struct Table {
        var variables: [Variable] = []
        var rows: [[String]] = []
        /// Value labels by label set: value as text -> label.
        var labelSets: [String: [(value: String, label: String)]] = [:]
    }

    /// The context ReadStat's callbacks fill in.
    private final class Context {
        var table = Table()
        var current: [String] = []
        var currentRow = -1
        var kind: Kind
        init(kind: Kind) { self.kind = kind }

        func finishRow() {
            if currentRow >= 0 { table.rows.append(current) }
        }
    }

    static func read(file: String, kind: Kind) throws -> Table {
        guard let parser = readstat_parser_init() else {
            throw Diagnostic(file: file, message: "ReadStat could not start")
        }
        defer { readstat_parser_free(parser) }
        let context = Context(kind: kind)
        let pointer = Unmanaged.passUnretained(context).toOpaque()
        readstat_set_variable_handler(parser) { _, variable, labelSet, ctx in
            let context = Unmanaged<Context>.fromOpaque(ctx!).takeUnretainedValue()
            let type = readstat_variable_get_type(variable)
            context.table.variables.append(Variable(
                name: String(cString: readstat_variable_get_name(variable)),
                label: readstat_variable_get_label(variable).map { String(cString: $0) }
                    .flatMap { $0.isEmpty ? nil : $0 },
                format: readstat_variable_get_format(variable).map { String(cString: $0) } ?? "",
                isString: type == READSTAT_TYPE_STRING || type == READSTAT_TYPE_STRING_REF,
                labelSet: labelSet.map { String(cString: $0) }))
            return Int32(READSTAT_HANDLER_OK)
        }
        readstat_set_value_handler(parser) { row, variable, value, ctx in
            let context = Unmanaged<Context>.fromOpaque(ctx!).takeUnretainedValue()
            if Int(row) != context.currentRow {
                context.finishRow()
                context.currentRow = Int(row)
                context.current = Array(repeating: "", count: context.table.variables.count)
            }
            let index = Int(readstat_variable_get_index(variable))
            guard index < context.current.count else { return Int32(READSTAT_HANDLER_OK) }
            let format = context.table.variables[index].format
            context.current[index] = StatisticalFileReader.text(of: value, variable: variable, format: format,
                                                                kind: context.kind)
            return Int32(READSTAT_HANDLER_OK)
        }
        readstat_set_value_label_handler(parser) { labelSet, value, label, ctx in
            let context = Unmanaged<Context>.fromOpaque(ctx!).takeUnretainedValue()
            guard let labelSet, let label else { return Int32(READSTAT_HANDLER_OK) }
            let text: String
            switch readstat_value_type(value) {
            case READSTAT_TYPE_STRING: text = readstat_string_value(value).map { String(cString: $0) } ?? ""
            default:
                guard readstat_value_is_tagged_missing(value) == 0 else { return Int32(READSTAT_HANDLER_OK) }
                text = XLSXReader.Cell.numberText(readstat_double_value(value))
            }
            context.table.labelSets[String(cString: labelSet), default: []].append((text, String(cString: label)))
            return Int32(READSTAT_HANDLER_OK)
        }
        let status = file.withCString { path in
            kind == .sav ? readstat_parse_sav(parser, path, pointer) : readstat_parse_dta(parser, path, pointer)
        }
        context.finishRow()
        guard status == READSTAT_OK else {
            let reason = readstat_error_message(status).map { String(cString: $0) } ?? "error \(status.rawValue)"
            throw Diagnostic(file: file, message: "cannot read the \(kind == .sav ? "SPSS" : "Stata") file: \(reason)")
        }
        // Cases with no values at all come through with no value callbacks; none are expected.
        return context.table
    }

    /// A value as interchange text: missing values (system, user-defined or Stata's .a-.z) empty.
    static func text(of value: readstat_value_t, variable: UnsafeMutablePointer<readstat_variable_t>?, format: String,
                     kind: Kind) -> String {
        if readstat_value_is_system_missing(value) != 0 || readstat_value_is_tagged_missing(value) != 0 { return "" }
        if let variable, readstat_value_is_defined_missing(value, variable) != 0 { return "" }
        switch readstat_value_type(value) {
        case READSTAT_TYPE_STRING, READSTAT_TYPE_STRING_REF:
            return readstat_string_value(value).map { String(cString: $0) } ?? ""
        default:
            let number = readstat_double_value(value)
            guard number.isFinite else { return "" }
            if let date = dateText(number, format: format, kind: kind) { return date }
            return XLSXReader.Cell.numberText(number)
        }
    }

    /// Dates by their display format: SPSS counts seconds from 1582-10-14, Stata days (%td) or
    /// milliseconds (%tc) from 1960-01-01.
    static func dateText(_ value: Double, format: String, kind: Kind) -> String? {
        let upper = format.uppercased()
        var days: Double
        var withTime = false
        switch kind {
        case .sav:
            let dateFormats = ["DATE", "ADATE", "EDATE", "SDATE", "JDATE"]
            if upper.hasPrefix("DATETIME") || upper.hasPrefix("YMDHMS") {
                withTime = true
            } else if !dateFormats.contains(where: { upper.hasPrefix($0) }) {
                return nil
            }
            days = value / 86_400 + Double(XLSXReader.daysFrom1970(1582, 10, 14))
        case .dta:
            if upper.hasPrefix("%TD") || upper.hasPrefix("%D") {
                days = value + Double(XLSXReader.daysFrom1970(1960, 1, 1))
            } else if upper.hasPrefix("%TC") {
                withTime = true
                days = value / 86_400_000 + Double(XLSXReader.daysFrom1970(1960, 1, 1))
            } else {
                return nil
            }
        }
        let whole = days.rounded(.down)
        let (year, month, day) = XLSXReader.civil(fromDays: Int(whole))
        let date = String(format: "%04d-%02d-%02d", year, month, day)
        guard withTime else { return date }
        let seconds = Int(((days - whole) * 86_400).rounded())
        return date + String(format: " %02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }
}
