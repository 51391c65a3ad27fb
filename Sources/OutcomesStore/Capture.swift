import Foundation
import OutcomesInstruments

/// What the store holds for one respondent and wave of an instrument.
public enum StoredResponseState: Sendable, Equatable {
    case none
    /// A capture stopped part-way, with the answers given so far.
    case draft([String: AnswerValue])
    case complete
}

extension Store {
    /// Whether a response is stored for this respondent and wave, and the answers of a draft.
    public func storedResponse(instrument: Instrument, site: String, respondent: String, wave: String) throws -> StoredResponseState {
        let (site, respondent, wave) = try Self.identity(site: site, respondent: respondent, wave: wave)
        let statement = try db.prepare("""
            SELECT r.response_id, r.status FROM responses r
            JOIN respondents p ON p.respondent_id = r.respondent_id JOIN sites s ON s.site_id = p.site_id
            JOIN waves w ON w.wave_id = r.wave_id
            WHERE r.instrument_id = ? AND s.code = ? AND p.code = ? AND w.name = ?
            """)
        try statement.bind([.text(instrument.id), .text(site), .text(respondent), .text(wave)])
        guard try statement.step() else { return .none }
        let responseID = statement.int(0)
        guard statement.text(1) == "draft" else { return .complete }
        guard let table = try answerTable(for: instrument.id, create: false) else { return .draft([:]) }
        let stored = try columns(of: table)
        let items = instrument.items.filter { stored[$0.id] != nil }
        let select = try db.prepare("SELECT \(items.map { quoted($0.id) }.joined(separator: ", ")) FROM \(quoted(table)) WHERE response_id = ?")
        select.bind(1, responseID)
        var answers: [String: AnswerValue] = [:]
        if try select.step() {
            for (index, item) in items.enumerated() {
                answers[item.id] = select.answer(Int32(index), type: item.type)
            }
        }
        return .draft(answers)
    }

    /// Site, respondent and wave as an import stores them (trimmed, NFC), or an error saying what is wrong.
    static func identity(site: String, respondent: String, wave: String) throws -> (String, String, String) {
        let values = [(IdentityField.site, site), (.respondent, respondent), (.wave, wave)]
            .map { ($0.0, IdentityField.normalised($0.1)) }
        for (field, value) in values { if let problem = field.problem(value) { throw StoreError(problem) } }
        return (values[0].1, values[1].1, values[2].1)
    }

    /// Stores a response captured at a terminal, complete or as a draft, in one transaction, with an
    /// audit record (kind "capture", source "terminal").
    public func storeCaptured(instrument: Instrument, definition: String, site: String, respondent: String, wave: String,
                              arm: String?, answers: [String: AnswerValue], draft: Bool) throws {
        let (site, respondent, wave) = try Self.identity(site: site, respondent: respondent, wave: wave)
        try db.transaction {
            try registerInTransaction(instrument, definition: definition)
            let importID = try beginImport(kind: "capture", source: "terminal", sha256: nil, instrument: instrument)
            let writer = try ResponseWriter(store: self, instrument: instrument, items: instrument.items, importID: importID,
                                            applyCorrections: false)
            let outcome = try writer.write(site: site, respondent: respondent, wave: wave, arm: arm, draft: draft,
                                           values: instrument.items.map { answers[$0.id] }, sourceLine: nil)
            switch outcome {
            case .new: try finishImport(importID, rows: 1, new: 1, duplicates: 0, corrected: 0)
            case .duplicate: try finishImport(importID, rows: 1, new: 0, duplicates: 1, corrected: 0)
            case .corrected, .conflict:
                throw StoreError("respondent \(respondent) at site \(site) already has a complete \(wave) response to \(instrument.id); change it with import --corrections")
            }
        }
    }
}
