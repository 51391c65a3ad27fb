import Foundation
import OutcomesInstruments

/// What merging one site's database did.
public struct MergeSummary: Sendable, Equatable {
    public var source: String
    public var instrumentID: String
    public var responses: Int
    public var new: Int
    public var duplicates: Int
    public var corrected: Int
}

extension Store {
    /// Merges the completed responses of a database captured offline at a site into this one, with
    /// the import's rules: the same response twice is stored once, a changed one is refused unless
    /// `applyCorrections` (then kept in the audit trail), and an instrument version whose definition
    /// differs from the one stored here is refused. All of one site file, or none of it, is merged.
    /// Drafts stay at the site.
    public func merge(from path: String, applyCorrections: Bool = false) throws -> [MergeSummary] {
        guard path != self.path else { throw StoreError("cannot merge \(path) into itself") }
        let site = try Store.openExisting(path: path)
        guard let data = FileManager.default.contents(atPath: path) else { throw StoreError("cannot read \(path)") }
        let checksum = sha256Hex(data)
        // Every instrument version the site holds, with its definition as registered there.
        let statement = try site.db.prepare("SELECT instrument_id, version, definition FROM instruments ORDER BY rowid")
        var versions: [(id: String, definition: String)] = []
        while try statement.step() { versions.append((statement.text(0) ?? "", statement.text(2) ?? "")) }
        var summaries: [MergeSummary] = []
        try db.transaction {
            for version in versions {
                let instrument = try InstrumentParser.parse(version.definition, file: "\(path): instrument \(version.id)")
                do {
                    try registerInTransaction(instrument, definition: version.definition)
                } catch {
                    throw StoreError("\(path): refusing instrument \(instrument.id) version \(instrument.version): \(error)")
                }
            }
            for id in Set(versions.map(\.id)).sorted() {
                let frame = try site.responses(instrument: id, respondentCodes: true)
                let instrument = frame.instrument
                let importID = try beginImport(kind: "merge", source: path, sha256: checksum, instrument: instrument)
                let writer = try ResponseWriter(store: self, instrument: instrument, items: instrument.items, importID: importID,
                                                applyCorrections: applyCorrections)
                let columns = instrument.items.map { frame.column($0.id)! }
                var summary = MergeSummary(source: path, instrumentID: id, responses: frame.count, new: 0, duplicates: 0, corrected: 0)
                for row in 0..<frame.count {
                    let values = zip(instrument.items, columns).map { item, column in column.answer(row, type: item.type) }
                    let outcome = try writer.write(site: frame.sites.level(row) ?? "", respondent: frame.respondents[row],
                                                   wave: frame.waves.level(row) ?? "", arm: frame.arms.level(row),
                                                   values: values, sourceLine: nil)
                    switch outcome {
                    case .new: summary.new += 1
                    case .duplicate: summary.duplicates += 1
                    case .corrected: summary.corrected += 1
                    case let .conflict(changed):
                        throw StoreError("\(path): respondent \(frame.respondents[row]) at site \(frame.sites.level(row) ?? "") already has a \(frame.waves.level(row) ?? "") response to \(id) here with different answers (\(changed.joined(separator: ", "))); merge with --corrections to apply them")
                    }
                }
                try finishImport(importID, rows: frame.count, new: summary.new, duplicates: summary.duplicates, corrected: summary.corrected)
                summaries.append(summary)
            }
        }
        return summaries
    }
}

extension AnswerColumn {
    /// One row's answer, typed as its item.
    func answer(_ row: Int, type: ItemType) -> AnswerValue? {
        switch self {
        case let .integers(values): return values[row].map { .integer($0) }
        case let .numbers(values): return values[row].map { .number($0) }
        case let .texts(values):
            guard let text = values[row] else { return nil }
            return type == .multipleChoice ? .codes(text.split(separator: ";").compactMap { Int($0) }) : .text(text)
        }
    }
}
