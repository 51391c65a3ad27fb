import Foundation
import OutcomesInstruments

/// What storing one response did.
enum WriteOutcome: Equatable {
    case new
    /// Already stored with the same answers: nothing written.
    case duplicate
    /// Already stored with other answers, and corrections were allowed: updated, history kept.
    case corrected
    /// Already stored with other answers, corrections not allowed: nothing written.
    case conflict(changed: [String])
}

/// Stores responses to one instrument inside an open transaction: the single path by which import,
/// capture and merge write, so that all three follow the same duplicate and correction rules.
///
/// Statements are prepared once and ids cached, so the per-response cost is binding and stepping.
final class ResponseWriter {
    let store: Store
    let instrument: Instrument
    /// The items this writer's value arrays hold, in order (a file's columns, or every item).
    let items: [Item]
    let importID: Int64
    let applyCorrections: Bool

    private let insertSite, selectSite, insertWave, selectWave, insertRespondent, selectRespondent: SQLiteStatement
    private let insertResponse, selectResponse, completeDraft, updateArm, insertAnswers, selectAnswers, updateAnswers,
                insertCorrection: SQLiteStatement
    private var siteIDs: [String: Int64] = [:]
    private var waveIDs: [String: Int64] = [:]
    private struct RespondentKey: Hashable { var site: Int64; var code: String }
    private var respondentIDs: [RespondentKey: Int64] = [:]

    init(store: Store, instrument: Instrument, items: [Item], importID: Int64, applyCorrections: Bool) throws {
        self.store = store
        self.instrument = instrument
        self.items = items
        self.importID = importID
        self.applyCorrections = applyCorrections
        let db = store.db
        guard let table = try store.answerTable(for: instrument.id, create: false) else {
            throw StoreError("instrument \(instrument.id) is not registered in \(store.path)")
        }
        let names = items.map { quoted($0.id) }
        insertSite = try db.prepare("INSERT INTO sites (code) VALUES (?) ON CONFLICT (code) DO NOTHING")
        selectSite = try db.prepare("SELECT site_id FROM sites WHERE code = ?")
        insertWave = try db.prepare("INSERT INTO waves (name) VALUES (?) ON CONFLICT (name) DO NOTHING")
        selectWave = try db.prepare("SELECT wave_id FROM waves WHERE name = ?")
        insertRespondent = try db.prepare("INSERT INTO respondents (site_id, code) VALUES (?, ?) ON CONFLICT (site_id, code) DO NOTHING")
        selectRespondent = try db.prepare("SELECT respondent_id FROM respondents WHERE site_id = ? AND code = ?")
        insertResponse = try db.prepare("""
            INSERT INTO responses (instrument_id, instrument_version, respondent_id, wave_id, arm, status, import_id, source_line)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """)
        selectResponse = try db.prepare("""
            SELECT response_id, arm, status FROM responses WHERE instrument_id = ? AND respondent_id = ? AND wave_id = ?
            """)
        completeDraft = try db.prepare("UPDATE responses SET status = ?, arm = ?, import_id = ?, instrument_version = ? WHERE response_id = ?")
        updateArm = try db.prepare("UPDATE responses SET arm = ? WHERE response_id = ?")
        insertAnswers = try db.prepare("INSERT INTO \(quoted(table)) (response_id\(names.map { ", " + $0 }.joined())) VALUES (?\(String(repeating: ", ?", count: names.count)))")
        selectAnswers = try db.prepare("SELECT \((["response_id"] + names).joined(separator: ", ")) FROM \(quoted(table)) WHERE response_id = ?")
        updateAnswers = try db.prepare(names.isEmpty ? "SELECT 1 WHERE ? IS NULL"
            : "UPDATE \(quoted(table)) SET \(names.map { "\($0) = ?" }.joined(separator: ", ")) WHERE response_id = ?")
        insertCorrection = try db.prepare("INSERT INTO corrections (response_id, import_id, old_answers, new_answers) VALUES (?, ?, ?, ?)")
        // Bound once: a statement keeps its bindings from one run to the next.
        insertResponse.bind(1, instrument.id)
        insertResponse.bind(2, instrument.version)
        insertResponse.bind(7, importID)
        selectResponse.bind(1, instrument.id)
    }

    /// Stores one response. `values[i]` answers `items[i]`.
    func write(site: String, respondent: String, wave: String, arm: String?, draft: Bool = false,
               values: [AnswerValue?], sourceLine: Int?) throws -> WriteOutcome {
        try values.withUnsafeBufferPointer { values in
            try write(site: site, respondent: respondent, wave: wave, arm: arm, draft: draft, values: values, sourceLine: sourceLine)
        }
    }

    /// Stores one response from a slice of a larger buffer (the import hands over rows in batches).
    func write(site: String, respondent: String, wave: String, arm: String?, draft: Bool = false,
               values: UnsafeBufferPointer<AnswerValue?>, sourceLine: Int?) throws -> WriteOutcome {
        let siteID = try id(for: site, cache: &siteIDs, insert: insertSite, select: selectSite)
        let waveID = try id(for: wave, cache: &waveIDs, insert: insertWave, select: selectWave)
        let respondentID = try self.respondentID(site: siteID, code: respondent)
        let status = draft ? "draft" : "complete"
        insertResponse.bind(3, respondentID)
        insertResponse.bind(4, waveID)
        insertResponse.bind(5, arm)
        insertResponse.bind(6, status)
        if let sourceLine { insertResponse.bind(8, Int64(sourceLine)) } else { insertResponse.bindNull(8) }
        try insertResponse.run()
        if store.db.changes == 1 {
            let responseID = store.db.lastInsertRowID
            insertAnswers.bind(1, responseID)
            for index in values.indices { Self.bind(values[index], to: insertAnswers, at: Int32(index + 2)) }
            try insertAnswers.run()
            return .new
        }

        // Already stored: the same answers are a duplicate; a draft is completed; anything else is a change.
        selectResponse.bind(2, respondentID)
        selectResponse.bind(3, waveID)
        guard try selectResponse.step() else {
            selectResponse.reset()
            throw StoreError("the \(wave) response of respondent \(respondent) at site \(site) could not be stored or found")
        }
        let responseID = selectResponse.int(0)
        let storedArm = selectResponse.text(1)
        let storedStatus = selectResponse.text(2)
        selectResponse.reset()
        let stored = try storedAnswers(responseID)
        var changed: [String] = []
        var old: [String: Any] = [:], new: [String: Any] = [:]
        for (index, item) in items.enumerated() where stored[index] != values[index] {
            changed.append(item.id)
            old[item.id] = stored[index].map(Self.jsonValue) ?? NSNull()
            new[item.id] = values[index].map(Self.jsonValue) ?? NSNull()
        }
        if storedArm != arm {
            changed.insert("arm", at: 0)
            old["arm"] = storedArm ?? NSNull()
            new["arm"] = arm ?? NSNull()
        }
        if storedStatus == "draft" || draft {
            // Completing a draft (or saving a draft again) replaces it: drafts have no history to keep.
            guard storedStatus == "draft" else { return .conflict(changed: ["a complete response is already stored"]) }
            try replace(responseID, values: values)
            completeDraft.bind(1, status)
            completeDraft.bind(2, arm)
            completeDraft.bind(3, importID)
            completeDraft.bind(4, instrument.version)
            completeDraft.bind(5, responseID)
            try completeDraft.run()
            return .new
        }
        if changed.isEmpty { return .duplicate }
        guard applyCorrections else { return .conflict(changed: changed) }
        try replace(responseID, values: values)
        updateArm.bind(1, arm)
        updateArm.bind(2, responseID)
        try updateArm.run()
        insertCorrection.bind(1, responseID)
        insertCorrection.bind(2, importID)
        insertCorrection.bind(3, Self.json(old))
        insertCorrection.bind(4, Self.json(new))
        try insertCorrection.run()
        return .corrected
    }

    private func replace(_ responseID: Int64, values: UnsafeBufferPointer<AnswerValue?>) throws {
        guard !items.isEmpty else { return }
        for index in values.indices { Self.bind(values[index], to: updateAnswers, at: Int32(index + 1)) }
        updateAnswers.bind(Int32(items.count + 1), responseID)
        try updateAnswers.run()
    }

    /// The stored answers of a response, typed as the items are.
    private func storedAnswers(_ responseID: Int64) throws -> [AnswerValue?] {
        selectAnswers.bind(1, responseID)
        defer { selectAnswers.reset() }
        guard try selectAnswers.step() else { return Array(repeating: nil, count: items.count) }
        return items.enumerated().map { index, item in selectAnswers.answer(Int32(index + 1), type: item.type) }
    }

    private func respondentID(site: Int64, code: String) throws -> Int64 {
        let key = RespondentKey(site: site, code: code)
        if let id = respondentIDs[key] { return id }
        let id = try storeRespondent(site: site, code: code)
        respondentIDs[key] = id
        return id
    }

    /// The id of a respondent, stored now if new. Uncached: the import looks each respondent up once
    /// per file and keeps the ids itself.
    func storeRespondent(site: Int64, code: String) throws -> Int64 {
        insertRespondent.bind(1, site)
        insertRespondent.bind(2, code)
        try insertRespondent.run()
        if store.db.changes == 1 { return store.db.lastInsertRowID }
        selectRespondent.bind(1, site)
        selectRespondent.bind(2, code)
        defer { selectRespondent.reset() }
        guard try selectRespondent.step() else { throw StoreError("could not store respondent \(code)") }
        return selectRespondent.int(0)
    }

    /// The id of a site or a wave, stored now if new.
    func siteID(_ code: String) throws -> Int64 { try id(for: code, cache: &siteIDs, insert: insertSite, select: selectSite) }
    func waveID(_ name: String) throws -> Int64 { try id(for: name, cache: &waveIDs, insert: insertWave, select: selectWave) }

    /// Whether a complete response is stored for this respondent and wave with this arm and answers
    /// (`sameAnswers` compares the stored answers, columns 1..., with the file's): the bulk import's
    /// check for a file submitted again, without the general path's conversions.
    func storedUnchanged(respondentID: Int64, waveID: Int64, arm: String?, sameAnswers: (SQLiteStatement) -> Bool) throws -> Bool {
        selectResponse.bind(2, respondentID)
        selectResponse.bind(3, waveID)
        guard try selectResponse.step() else { selectResponse.reset(); return false }
        let responseID = selectResponse.int(0), storedArm = selectResponse.text(1), status = selectResponse.text(2)
        selectResponse.reset()
        guard status == "complete", storedArm == arm else { return false }
        selectAnswers.bind(1, responseID)
        defer { selectAnswers.reset() }
        return try selectAnswers.step() && sameAnswers(selectAnswers)
    }

    /// The bulk import's fast path: stores a complete response if none is stored for this respondent
    /// and wave, with the answers `bindAnswers` binds to parameters 2... of the answers insert.
    /// Returns false, writing nothing, if one is stored: the caller then goes through `write`, which
    /// tells a duplicate from a correction or a conflict.
    func insertIfNew(respondentID: Int64, waveID: Int64, arm: String?, sourceLine: Int,
                     bindAnswers: (SQLiteStatement) -> Void) throws -> Bool {
        insertResponse.bind(3, respondentID)
        insertResponse.bind(4, waveID)
        insertResponse.bind(5, arm)
        insertResponse.bind(6, "complete")
        insertResponse.bind(8, Int64(sourceLine))
        try insertResponse.run()
        guard store.db.changes == 1 else { return false }
        insertAnswers.bind(1, store.db.lastInsertRowID)
        bindAnswers(insertAnswers)
        try insertAnswers.run()
        return true
    }

    private func id(for key: String, cache: inout [String: Int64], insert: SQLiteStatement, select: SQLiteStatement) throws -> Int64 {
        if let id = cache[key] { return id }
        insert.bind(1, key)
        try insert.run()
        select.bind(1, key)
        defer { select.reset() }
        guard try select.step() else { throw StoreError("could not store '\(key)'") }
        let id = select.int(0)
        cache[key] = id
        return id
    }

    static func bind(_ value: AnswerValue?, to statement: SQLiteStatement, at index: Int32) {
        switch value {
        case nil: statement.bindNull(index)
        case let .integer(v)?: statement.bind(index, Int64(v))
        case let .number(v)?: statement.bind(index, v)
        case let .text(v)?: statement.bind(index, v)
        case let .codes(v)?: statement.bind(index, AnswerValue.codes(v).description)
        }
    }

    static func jsonValue(_ value: AnswerValue) -> Any {
        switch value {
        case let .integer(v): return v
        case let .number(v): return v
        case let .text(v): return v
        case let .codes(v): return v
        }
    }

    static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

extension Store {
    /// Opens an audit record for a batch of writes (a file, a capture, a merge) and returns its id.
    func beginImport(kind: String, source: String, sha256: String?, instrument: Instrument,
                     format: String? = nil, storedBy: String? = nil) throws -> Int64 {
        let insert = try db.prepare("""
            INSERT INTO imports (kind, format, source, sha256, instrument_id, instrument_version, tool_version, \
            stored_by, imported_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try insert.bind([.text(kind), format.map { .text($0) } ?? .null, .text(source),
                         sha256.map { .text($0) } ?? .null, .text(instrument.id),
                         .text(instrument.version), .text(Store.toolVersion), .text(storedBy ?? Self.currentUser),
                         .text(Self.timestamp())])
        try insert.run()
        return db.lastInsertRowID
    }

    func finishImport(_ importID: Int64, rows: Int, new: Int, duplicates: Int, corrected: Int) throws {
        let update = try db.prepare("""
            UPDATE imports SET rows_read = ?, responses_new = ?, responses_duplicate = ?, responses_corrected = ? WHERE import_id = ?
            """)
        try update.bind([.int(Int64(rows)), .int(Int64(new)), .int(Int64(duplicates)), .int(Int64(corrected)), .int(importID)])
        try update.run()
    }

    /// The operating-system user running the tool, for the audit trail.
    static var currentUser: String {
        if let name = ProcessInfo.processInfo.environment["USER"], !name.isEmpty { return name }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }
}
