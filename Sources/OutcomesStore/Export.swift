import Foundation
import OutcomesInstruments

/// Layouts of exported responses.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// The interchange format (`respondent_id,site,arm,wave,<item ids>`): re-imports to identical data.
    case csv
    /// One row per answer (`respondent_id,site,arm,wave,item,value`), missing answers left out:
    /// the shape R, SPSS and Stata users reshape from.
    case longCSV = "long-csv"
}

extension Store {
    /// Writes the stored responses to one instrument (optionally one wave) to `path`, atomically.
    /// Returns the number of responses written.
    @discardableResult
    public func export(instrument instrumentID: String, wave: String? = nil, format: ExportFormat, to path: String) throws -> Int {
        let frame = try responses(instrument: instrumentID, wave: wave, respondentCodes: true)
        let items = frame.instrument.items
        var out = ""
        out.reserveCapacity(frame.count * (format == .csv ? items.count * 3 : 40))
        switch format {
        case .csv: out += (["respondent_id", "site", "arm", "wave"] + items.map(\.id)).joined(separator: ",") + "\n"
        case .longCSV: out += "respondent_id,site,arm,wave,item,value\n"
        }
        let cells = items.map { item in frame.column(item.id)! }
        for row in 0..<frame.count {
            let identity = [csvEscape(frame.respondents[row]), csvEscape(frame.sites.level(row) ?? ""),
                            frame.arms.level(row) ?? "", csvEscape(frame.waves.level(row) ?? "")].joined(separator: ",")
            switch format {
            case .csv:
                out += identity
                for column in cells { out += ","; out += column.exportText(row) }
                out += "\n"
            case .longCSV:
                for (item, column) in zip(items, cells) {
                    let text = column.exportText(row)
                    if !text.isEmpty { out += identity + "," + item.id + "," + text + "\n" }
                }
            }
        }
        try Data(out.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return frame.count
    }
}

extension Factor {
    /// The level of row `row`, nil where missing.
    public func level(_ row: Int) -> String? {
        let code = codes[row]
        return code < 0 ? nil : levels[Int(code)]
    }
}

extension AnswerColumn {
    /// The interchange spelling of one cell (empty when missing).
    func exportText(_ row: Int) -> String {
        switch self {
        case let .integers(values): return values[row].map(String.init) ?? ""
        case let .numbers(values): return values[row].map { AnswerValue.number($0).description } ?? ""
        case let .texts(values): return values[row].map(csvEscape) ?? ""
        }
    }
}
