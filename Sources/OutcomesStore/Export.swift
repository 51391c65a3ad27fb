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
    /// Returns the number of responses written. With `scores`, each of the instrument's scales adds its
    /// score (column `<scale id>`) and, when it has levels, its level (`<scale id>_level`), computed as
    /// the analyses compute them and blank where too few items were answered; such a file is for
    /// analysis elsewhere, not for importing again (the importer knows no such items).
    @discardableResult
    public func export(instrument instrumentID: String, wave: String? = nil, format: ExportFormat, to path: String,
                       scores: Bool = false) throws -> Int {
        let frame = try responses(instrument: instrumentID, wave: wave, respondentCodes: true)
        let items = frame.instrument.items
        let scored = scores ? try ScoreColumns(frame) : nil
        var out = ""
        out.reserveCapacity(frame.count * (format == .csv ? items.count * 3 : 40))
        switch format {
        case .csv:
            out += (["respondent_id", "site", "arm", "wave"] + items.map(\.id) + (scored?.names ?? []))
                .joined(separator: ",") + "\n"
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
                if let scored { for text in scored.texts(row) { out += ","; out += text } }
                out += "\n"
            case .longCSV:
                for (item, column) in zip(items, cells) {
                    let text = column.exportText(row)
                    if !text.isEmpty { out += identity + "," + item.id + "," + text + "\n" }
                }
                if let scored {
                    for (name, text) in zip(scored.names, scored.texts(row)) where !text.isEmpty {
                        out += identity + "," + name + "," + text + "\n"
                    }
                }
            }
        }
        try Data(out.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return frame.count
    }
}

/// Each scale's score (and level) per response, for an export.
struct ScoreColumns {
    var names: [String] = []
    var scorers: [(scorer: ScaleScorer, columns: [AnswerColumn?], levels: Bool)] = []

    init(_ frame: ResponseFrame) throws {
        let instrument = frame.instrument
        for scale in instrument.scales {
            let columns = [scale.id] + (scale.levels.isEmpty ? [] : ["\(scale.id)_level"])
            for name in columns where instrument.item(name) != nil {
                throw StoreError("scale \(scale.id)'s column \(name) would repeat the item of that name: "
                                 + "export without --scores")
            }
            names += columns
            scorers.append((try ScaleScorer(scale: scale, instrument: instrument),
                            scale.items.map { frame.column($0) }, !scale.levels.isEmpty))
        }
    }

    /// The score (as the interchange writes numbers) and level of each scale for one response.
    func texts(_ row: Int) -> [String] {
        scorers.flatMap { scorer, columns, levels -> [String] in
            let score = scorer.score(columns.map { $0?.number(at: row) })
            let text = score.score.map { AnswerValue.number($0).description } ?? ""
            return levels ? [text, score.level.map(String.init) ?? ""] : [text]
        }
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
        // Text answers are the only cells a respondent writes freely: neutralised for spreadsheets.
        case let .texts(values): return values[row].map { csvEscape(SpreadsheetText.neutralised($0)) } ?? ""
        }
    }
}
