import Foundation
import OutcomesInstruments

/// A categorical column held as small integer codes into a list of levels (sites, waves, arms):
/// cheap to group by, for a million rows.
public struct Factor: Sendable, Equatable {
    public var levels: [String]
    /// Index into `levels` per row, or -1 where the value is missing.
    public var codes: [Int32]
    public init(levels: [String], codes: [Int32]) { self.levels = levels; self.codes = codes }

    /// The levels that occur in `rows` (all rows if nil), sorted; found by code, not by hashing a
    /// name per row.
    public func presentLevels(_ rows: [Int]? = nil) -> [String] {
        var present = [Bool](repeating: false, count: levels.count)
        if let rows {
            for row in rows where codes[row] >= 0 { present[Int(codes[row])] = true }
        } else {
            for code in codes where code >= 0 { present[Int(code)] = true }
        }
        return levels.indices.filter { present[$0] }.map { levels[$0] }.sorted()
    }
}

/// Whole-number answers (choice codes, integer items), 4 bytes a row: a national survey's frame holds
/// tens of millions of answers, and `[Int?]` takes 16 bytes for each. `Int32.min` marks a missing
/// answer (the import accepts integers within ±2,147,483,647 only, so no answer has that value).
public struct IntegerColumn: RandomAccessCollection, Sendable, Equatable, ExpressibleByArrayLiteral {
    public static let missingValue = Int32.min
    public var storage: [Int32]

    public init(storage: [Int32]) { self.storage = storage }
    public init(repeating value: Int?, count: Int) { storage = Array(repeating: value.map(Int32.init) ?? Self.missingValue, count: count) }
    public init(_ values: [Int?]) { storage = values.map { $0.map(Int32.init) ?? Self.missingValue } }
    public init(arrayLiteral values: Int?...) { self.init(values) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count }
    @inlinable public subscript(row: Int) -> Int? {
        let value = storage[row]
        return value == Self.missingValue ? nil : Int(value)
    }
}

/// Real-number answers, 8 bytes a row; NaN marks a missing answer (the import refuses NaN and infinities).
public struct NumberColumn: RandomAccessCollection, Sendable, Equatable, ExpressibleByArrayLiteral {
    public var storage: [Double]

    public init(storage: [Double]) { self.storage = storage }
    public init(repeating value: Double?, count: Int) { storage = Array(repeating: value ?? .nan, count: count) }
    public init(_ values: [Double?]) { storage = values.map { $0 ?? .nan } }
    public init(arrayLiteral values: Double?...) { self.init(values) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count }
    @inlinable public subscript(row: Int) -> Double? {
        let value = storage[row]
        return value.isNaN ? nil : value
    }

    /// NaN-marked storage is not Equatable as it is (NaN != NaN): missing equals missing here.
    public static func == (lhs: NumberColumn, rhs: NumberColumn) -> Bool {
        lhs.storage.count == rhs.storage.count
            && zip(lhs.storage, rhs.storage).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }
}

/// One item's answers for every response in a frame.
public enum AnswerColumn: Sendable, Equatable {
    /// Choice codes and integers.
    case integers(IntegerColumn)
    case numbers(NumberColumn)
    /// Text, dates, and multiple choice codes joined by ';'.
    case texts([String?])

    public var integers: IntegerColumn? { if case let .integers(v) = self { return v } else { return nil } }

    /// One row's value as a double (nil where missing or not numeric), without converting the whole
    /// column as `numbers` does.
    @inlinable public func number(at row: Int) -> Double? {
        switch self {
        case let .integers(values): return values[row].map(Double.init)
        case let .numbers(values): return values[row]
        case .texts: return nil
        }
    }

    /// Values as doubles (integers converted), nil where not numeric.
    public var numbers: NumberColumn? {
        switch self {
        case let .integers(values):
            return NumberColumn(storage: values.storage.map { $0 == IntegerColumn.missingValue ? .nan : Double($0) })
        case let .numbers(values): return values
        case .texts: return nil
        }
    }
}

/// Completed responses to one instrument, read column-wise, each response once.
public struct ResponseFrame: Sendable {
    public var instrument: Instrument
    public var count: Int
    public var responseIDs: [Int64]
    /// The store's id of each row's respondent (unique per site and respondent code): what links a
    /// person's waves, without reading a string per row.
    public var respondentKeys: [Int64]
    /// Respondent codes as submitted; read only when asked for (`respondentCodes: true`), else empty.
    public var respondents: [String]
    public var sites: Factor
    public var waves: Factor
    /// "pilot", "control", or missing (-1).
    public var arms: Factor
    public var answers: [String: AnswerColumn]
    /// The instrument version each row's response was validated against: the levels are every
    /// version registered, oldest first, and each row holds an index into them (4 bytes, no string).
    public var versions: Factor
    /// The definition of each of `versions.levels`, in the same order (the newest is `instrument`).
    public var versionDefinitions: [Instrument]

    public func column(_ itemID: String) -> AnswerColumn? { answers[itemID] }

    /// Responses per instrument version, oldest version first, versions with none left out.
    public var versionCounts: [(version: String, responses: Int)] {
        var counts = Array(repeating: 0, count: versions.levels.count)
        for code in versions.codes where code >= 0 { counts[Int(code)] += 1 }
        return versions.levels.indices.filter { counts[$0] > 0 }.map { (versions.levels[$0], counts[$0]) }
    }

    /// Responses and sites per wave, in the order the waves were first stored (for a report's data table).
    public var waveCounts: [(wave: String, responses: Int, sites: [String])] {
        var counts = Array(repeating: 0, count: waves.levels.count)
        var sitesByWave = Array(repeating: Set<Int32>(), count: waves.levels.count)
        for row in 0..<count where waves.codes[row] >= 0 {
            counts[Int(waves.codes[row])] += 1
            sitesByWave[Int(waves.codes[row])].insert(sites.codes[row])
        }
        return waves.levels.indices.map { (waves.levels[$0], counts[$0], sitesByWave[$0].filter { $0 >= 0 }.map { sites.levels[Int($0)] }.sorted()) }
    }
}

extension Store {
    /// Reads the completed responses to `instrumentID` (optionally one wave) with the answers to
    /// `items` (all items if nil), in one pass over the answers table. Drafts are never read.
    /// Respondent codes are read only with `respondentCodes` (exports and merges need them; analyses
    /// link waves by `respondentKeys`).
    public func responses(instrument instrumentID: String, wave: String? = nil, items: [String]? = nil,
                          respondentCodes: Bool = false) throws -> ResponseFrame {
        // Every version registered, oldest first: the newest labels the frame, and each row says which
        // version it was validated against.
        let versionDefinitions = try instrumentVersions(id: instrumentID)
        guard let instrument = versionDefinitions.last else {
            let known = try instruments().map(\.id)
            throw StoreError("no responses to instrument '\(instrumentID)' are stored in \(path)"
                             + (known.isEmpty ? " (the store is empty)" : " (stored: \(Set(known).sorted().joined(separator: ", ")))"))
        }
        guard let table = try answerTable(for: instrumentID, create: false) else {
            throw StoreError("instrument \(instrumentID) has no answers table in \(path)")
        }
        let itemIDs = items ?? instrument.items.map(\.id)
        let storedColumns = try columns(of: table)
        var kinds: [ItemType] = []
        for id in itemIDs {
            guard let item = instrument.item(id), storedColumns[id] != nil else {
                throw StoreError("instrument \(instrumentID) has no item '\(id)'")
            }
            kinds.append(item.type)
        }
        var waveID: Int64?
        if let wave {
            guard let id = try db.scalarInt("SELECT wave_id FROM waves WHERE name = ?", [.text(wave)]) else {
                let known = try waveNames()
                throw StoreError("no wave '\(wave)' is stored (waves: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
            }
            waveID = id
        }
        // Whether a second connection may read half the rows: not inside a transaction of this
        // connection (it could not see that transaction's writes), nor in an in-memory database.
        let parallel = db.isAutocommit && path != ":memory:" && !path.isEmpty && ProcessInfo.processInfo.activeProcessorCount > 1
        // One snapshot for the count and the rows (a savepoint opens a read transaction, or nests).
        try db.execute("SAVEPOINT read_frame")
        defer { try? db.execute("RELEASE read_frame") }
        // Room for every stored response to the instrument (counting only complete ones of one wave
        // would look each up in the responses table: most of a second per million).
        let expected = Int(try db.scalarInt("SELECT count(*) FROM \(quoted(table))") ?? 0)

        // Driven by the instrument's own answers table in rowid order (CROSS JOIN fixes the join
        // order in SQLite): responses and respondents are then looked up by key and no sort is needed.
        // Starting from the responses index instead sorted a million wide rows in a temporary b-tree.
        // Whole numbers come with missing as Int32.min, and arms as 0/1/2, so that each cell is read
        // with one call and no text is made per row. The answers table is the instrument's own: no
        // need to compare instrument ids per row.
        let selected = zip(itemIDs, kinds).map { id, kind -> String in
            switch kind {
            case .singleChoice, .integer: return ", coalesce(a.\(quoted(id)), \(IntegerColumn.missingValue))"
            default: return ", a.\(quoted(id))"
            }
        }
        // The version as its index among those registered, compared in SQLite (no text per row); a
        // constant where only one version is registered.
        let versionLevels = versionDefinitions.map(\.version)
        let versionIndex = versionLevels.count < 2 ? "0" : "CASE r.instrument_version "
            + versionLevels.enumerated().map { "WHEN '\($1.replacingOccurrences(of: "'", with: "''"))' THEN \($0) " }
                .joined() + "ELSE -1 END"
        let sql = """
            SELECT r.response_id, \(respondentCodes ? "p.code" : "NULL"), r.respondent_id, p.site_id, r.wave_id,
                   CASE r.arm WHEN 'pilot' THEN 1 WHEN 'control' THEN 2 ELSE 0 END, \(versionIndex)\(selected.joined())
            FROM \(quoted(table)) a
            CROSS JOIN responses r ON r.response_id = a.response_id
            CROSS JOIN respondents p ON p.respondent_id = r.respondent_id
            WHERE a.response_id BETWEEN ? AND ? AND r.status = 'complete'\(waveID == nil ? "" : " AND r.wave_id = ?")
            ORDER BY a.response_id
            """
        func read(on connection: SQLiteConnection, from first: Int64, to last: Int64, capacity: Int) throws -> StoredRows {
            let statement = try connection.prepare(sql)
            try statement.bind([.int(first), .int(last)] + (waveID.map { [.int($0)] } ?? []))
            var rows = StoredRows(kinds: kinds, capacity: capacity)
            try rows.read(statement, respondentCodes: respondentCodes)
            return rows
        }

        // A national survey's frame is a million rows, and reading them is most of an analysis's time:
        // a second connection reads the upper half of the answers table on another core. Both read the
        // same snapshot if no import was committed between their two reads of the newest import id
        // (every write to responses and answers is part of an import); otherwise this connection reads
        // that half again.
        var rows: StoredRows
        let bounds = try db.prepare("SELECT min(response_id), max(response_id), (SELECT max(import_id) FROM imports) FROM \(quoted(table))")
        _ = try bounds.step()
        let (lowest, highest, stamp) = (bounds.int(0), bounds.int(1), bounds.int(2))
        if parallel, expected >= parallelReadMinimum, highest > lowest {
            let middle = lowest + (highest - lowest) / 2
            let upper = ThreadResult { [path] () throws -> (Int64, StoredRows) in
                let connection = try SQLiteConnection(path: path, readOnly: true)
                try connection.execute("BEGIN")
                defer { try? connection.execute("COMMIT") }
                let stamp = try connection.scalarInt("SELECT max(import_id) FROM imports") ?? 0
                return (stamp, try read(on: connection, from: middle + 1, to: highest, capacity: expected / 2 + 1024))
            }
            rows = try read(on: db, from: lowest, to: middle, capacity: expected)
            if case let .success((upperStamp, upperRows)) = upper.wait(), upperStamp == stamp {
                rows.append(upperRows)
            } else {
                rows.append(try read(on: db, from: middle + 1, to: highest, capacity: expected / 2 + 1024))
            }
        } else {
            rows = try read(on: db, from: .min, to: .max, capacity: expected)
        }

        // Levels in order of first appearance, found by store id (a few sites and waves, a million rows).
        let siteNames = try idNames("SELECT site_id, code FROM sites")
        let waveNamesByID = try idNames("SELECT wave_id, name FROM waves")
        var siteLevels = LevelIndex(), waveLevels = LevelIndex(), armLevels = LevelIndex()
        let siteCodes = rows.siteIDs.levelCodes { siteLevels.code(for: siteNames[$0] ?? "?") }
        let waveCodes = rows.waveIDs.levelCodes { waveLevels.code(for: waveNamesByID[$0] ?? "?") }
        let armCodes = rows.arms.levelCodes { $0 == 0 ? -1 : armLevels.code(for: $0 == 1 ? "pilot" : "control") }
        var answers: [String: AnswerColumn] = [:]
        for (index, id) in itemIDs.enumerated() {
            switch kinds[index] {
            case .singleChoice, .integer: answers[id] = .integers(IntegerColumn(storage: rows.integerColumns[index]))
            case .number: answers[id] = .numbers(NumberColumn(storage: rows.numberColumns[index]))
            case .text, .date, .multipleChoice: answers[id] = .texts(rows.textColumns[index])
            }
        }
        return ResponseFrame(instrument: instrument, count: rows.responseIDs.count, responseIDs: rows.responseIDs,
                             respondentKeys: rows.respondentKeys, respondents: rows.respondents,
                             sites: Factor(levels: siteLevels.levels, codes: siteCodes),
                             waves: Factor(levels: waveLevels.levels, codes: waveCodes),
                             arms: Factor(levels: armLevels.levels, codes: armCodes), answers: answers,
                             versions: Factor(levels: versionLevels, codes: rows.versionIndexes),
                             versionDefinitions: versionDefinitions)
    }

    /// Wave names stored for an instrument (all instruments if nil), in order of first storage.
    public func waveNames(instrument: String? = nil) throws -> [String] {
        let statement = try db.prepare(instrument == nil
            ? "SELECT name FROM waves ORDER BY wave_id"
            : "SELECT name FROM waves WHERE wave_id IN (SELECT DISTINCT wave_id FROM responses WHERE instrument_id = ? AND status = 'complete') ORDER BY wave_id")
        if let instrument { statement.bind(1, instrument) }
        var names: [String] = []
        while try statement.step() { names.append(statement.text(0) ?? "") }
        return names
    }

    private func idNames(_ sql: String) throws -> [Int64: String] {
        let statement = try db.prepare(sql)
        var result: [Int64: String] = [:]
        while try statement.step() { result[statement.int(0)] = statement.text(1) ?? "" }
        return result
    }
}

/// A frame's rows as stored (store ids, not yet levels), read by one statement.
private struct StoredRows {
    let kinds: [ItemType]
    /// The rows expected: room reserved for them before reading.
    let capacity: Int
    var responseIDs: [Int64] = [], respondents: [String] = [], respondentKeys: [Int64] = []
    var siteIDs: [Int64] = [], waveIDs: [Int64] = [], arms: [Int64] = []
    /// Index of each row's instrument version among those registered.
    var versionIndexes: [Int32] = []
    var integerColumns: [[Int32]], numberColumns: [[Double]], textColumns: [[String?]]

    init(kinds: [ItemType], capacity: Int) {
        self.kinds = kinds
        self.capacity = capacity
        integerColumns = Array(repeating: [], count: kinds.count)
        numberColumns = Array(repeating: [], count: kinds.count)
        textColumns = Array(repeating: [], count: kinds.count)
        responseIDs.reserveCapacity(capacity)
        respondentKeys.reserveCapacity(capacity)
        siteIDs.reserveCapacity(capacity)
        waveIDs.reserveCapacity(capacity)
        arms.reserveCapacity(capacity)
        versionIndexes.reserveCapacity(capacity)
        for (index, kind) in kinds.enumerated() where [.text, .date, .multipleChoice].contains(kind) {
            textColumns[index].reserveCapacity(capacity)
        }
    }

    /// Columns: response id, respondent code (or NULL), respondent id, site id, wave id, arm 0/1/2,
    /// version index, items.
    mutating func read(_ statement: SQLiteStatement, respondentCodes: Bool) throws {
        // Numbers go into raw buffers, not nested arrays: appending to `integerColumns[index]` checked
        // the uniqueness of both arrays for each of a frame's 17 million answers.
        var integers = kinds.map { RawColumn<Int32>(capacity: $0 == .singleChoice || $0 == .integer ? capacity : 0) }
        var numbers = kinds.map { RawColumn<Double>(capacity: $0 == .number ? capacity : 0) }
        defer {
            for index in kinds.indices { integers[index].free(); numbers[index].free() }
        }
        // 0: whole number, 1: number, 2: text.
        let storage: [UInt8] = kinds.map { $0 == .singleChoice || $0 == .integer ? 0 : $0 == .number ? 1 : 2 }
        try integers.withUnsafeMutableBufferPointer { integers in
            try numbers.withUnsafeMutableBufferPointer { numbers in
                try storage.withUnsafeBufferPointer { storage in
                    while try statement.step() {
                        responseIDs.append(statement.int(0))
                        if respondentCodes { respondents.append(statement.text(1) ?? "") }
                        respondentKeys.append(statement.int(2))
                        siteIDs.append(statement.int(3))
                        waveIDs.append(statement.int(4))
                        arms.append(statement.int(5))
                        versionIndexes.append(Int32(truncatingIfNeeded: statement.int(6)))
                        for index in 0..<storage.count {
                            let column = Int32(index + 7)
                            switch storage[index] {
                            case 0: integers[index].append(Int32(truncatingIfNeeded: statement.int(column)))
                            case 1: numbers[index].append(statement.isNull(column) ? .nan : statement.double(column))
                            default: textColumns[index].append(statement.isNull(column) ? nil : statement.text(column))
                            }
                        }
                    }
                }
            }
        }
        for (index, kind) in kinds.enumerated() {
            switch kind {
            case .singleChoice, .integer: integerColumns[index] += integers[index].contents
            case .number: numberColumns[index] += numbers[index].contents
            case .text, .date, .multipleChoice: break
            }
        }
    }

    mutating func append(_ other: StoredRows) {
        responseIDs += other.responseIDs
        respondents += other.respondents
        respondentKeys += other.respondentKeys
        siteIDs += other.siteIDs
        waveIDs += other.waveIDs
        arms += other.arms
        versionIndexes += other.versionIndexes
        for index in kinds.indices {
            integerColumns[index] += other.integerColumns[index]
            numberColumns[index] += other.numberColumns[index]
            textColumns[index] += other.textColumns[index]
        }
    }
}

/// A column of plain numbers being read: written through a pointer, grown by doubling.
struct RawColumn<Element: BitwiseCopyable> {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    mutating func append(_ value: Element) {
        if count == capacity {
            let larger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
            larger.update(from: base, count: count)
            base.deallocate()
            base = larger
            capacity *= 2
        }
        (base + count).initialize(to: value)
        count += 1
    }

    var contents: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }

    func free() { base.deallocate() }
}

private extension Array where Element == Int64 {
    /// Each store id's level code, `code(id)` asked once per distinct id (a few sites, a million rows).
    func levelCodes(_ code: (Int64) -> Int32) -> [Int32] {
        var known: [Int64: Int32] = [:]
        var lastID = Int64.min, lastCode: Int32 = 0
        return map { id in
            if id == lastID { return lastCode }
            if let found = known[id] { lastID = id; lastCode = found; return found }
            let new = code(id)
            known[id] = new
            lastID = id
            lastCode = new
            return new
        }
    }
}

/// Assigns level codes in order of first appearance (a factor's levels, as a frame's reader meets them).
public struct LevelIndex: Sendable {
    public private(set) var levels: [String] = []
    var index: [String: Int32] = [:]
    public init() {}
    public mutating func code(for level: String) -> Int32 {
        if let code = index[level] { return code }
        let code = Int32(levels.count)
        levels.append(level)
        index[level] = code
        return code
    }
}

/// Where analyses read responses from: the SQLite store, or responses loaded from elsewhere (the
/// submission server's PostgreSQL store) into an `InMemoryResponses`.
public protocol ResponseSource {
    /// Names the source in messages ("no responses to X are stored in ...").
    var sourceDescription: String { get }
    /// The newest registered version of an instrument.
    func instrument(id: String) throws -> Instrument?
    /// Wave names with complete responses to an instrument (all instruments if nil), oldest first.
    func waveNames(instrument: String?) throws -> [String]
    /// Completed responses to an instrument (one wave, or all), with at least the answers to `items`
    /// (all items if nil).
    func responses(instrument: String, wave: String?, items: [String]?, respondentCodes: Bool) throws -> ResponseFrame
}

extension Store: ResponseSource {
    public var sourceDescription: String { path }
}

/// Responses already in memory, one frame (every wave, every item) per instrument.
public struct InMemoryResponses: ResponseSource, Sendable {
    public var frames: [String: ResponseFrame]
    public var sourceDescription: String

    public init(frames: [ResponseFrame], description: String) {
        self.frames = Dictionary(frames.map { ($0.instrument.id, $0) }, uniquingKeysWith: { $1 })
        sourceDescription = description
    }

    public func instrument(id: String) throws -> Instrument? { frames[id]?.instrument }

    public func waveNames(instrument: String?) throws -> [String] {
        let chosen = instrument.map { frames[$0].map { [$0] } ?? [] } ?? Array(frames.values)
        var names: [String] = []
        for frame in chosen { for wave in frame.waveCounts where wave.responses > 0 && !names.contains(wave.wave) { names.append(wave.wave) } }
        return names
    }

    public func responses(instrument: String, wave: String?, items: [String]?, respondentCodes: Bool) throws -> ResponseFrame {
        guard let frame = frames[instrument] else {
            throw StoreError("no responses to instrument '\(instrument)' are stored in \(sourceDescription)")
        }
        guard let wave else { return frame }
        guard let code = frame.waves.levels.firstIndex(of: wave) else {
            throw StoreError("no wave '\(wave)' is stored (waves: \(try waveNames(instrument: instrument).joined(separator: ", ")))")
        }
        return frame.subset(rows: frame.waves.codes.indices.filter { frame.waves.codes[$0] == Int32(code) })
    }
}

extension ResponseFrame {
    /// A frame of responses gathered one by one (from a database other than the SQLite store).
    /// `versions` gives each response's instrument version, one of `versionDefinitions` (every version
    /// registered, oldest first, ending with `instrument`); without them every response is taken to be
    /// to `instrument`'s version.
    public init(instrument: Instrument, responseIDs: [Int64], respondentKeys: [Int64], respondents: [String],
                sites: [String], waves: [String], arms: [String?], answers: [String: [AnswerValue?]],
                versions: [String]? = nil, versionDefinitions: [Instrument] = []) {
        func factor(_ values: [String?]) -> Factor {
            var levels = LevelIndex()
            return Factor(levels: [], codes: values.map { $0.map { levels.code(for: $0) } ?? -1 }).withLevels(levels.levels)
        }
        var columns: [String: AnswerColumn] = [:]
        for item in instrument.items {
            guard let values = answers[item.id] else { continue }
            switch item.type {
            case .singleChoice, .integer:
                columns[item.id] = .integers(IntegerColumn(values.map { if case let .integer(v)? = $0 { return v } else { return nil } }))
            case .number:
                columns[item.id] = .numbers(NumberColumn(values.map { if case let .number(v)? = $0 { return v } else { return nil } }))
            case .text, .date, .multipleChoice:
                columns[item.id] = .texts(values.map { $0?.description })
            }
        }
        let definitions = versionDefinitions.isEmpty ? [instrument] : versionDefinitions
        let levels = definitions.map(\.version)
        let versionCodes = versions.map { versions in
            versions.map { version in levels.firstIndex(of: version).map(Int32.init) ?? -1 }
        } ?? Array(repeating: Int32(levels.firstIndex(of: instrument.version) ?? 0), count: responseIDs.count)
        self.init(instrument: instrument, count: responseIDs.count, responseIDs: responseIDs, respondentKeys: respondentKeys,
                  respondents: respondents, sites: factor(sites), waves: factor(waves), arms: factor(arms),
                  answers: columns,
                  versions: Factor(levels: levels, codes: versionCodes), versionDefinitions: definitions)
    }

    /// A frame of columns already read (from a database other than the SQLite store): each factor's
    /// levels as given, `versions` indexing `versionDefinitions` (every version registered, oldest first).
    public init(instrument: Instrument, responseIDs: [Int64], respondentKeys: [Int64], respondents: [String],
                sites: Factor, waves: Factor, arms: Factor, columns: [String: AnswerColumn],
                versions: Factor, versionDefinitions: [Instrument]) {
        self.init(instrument: instrument, count: responseIDs.count, responseIDs: responseIDs,
                  respondentKeys: respondentKeys, respondents: respondents, sites: sites, waves: waves, arms: arms,
                  answers: columns,
                  versions: versions, versionDefinitions: versionDefinitions)
    }

    /// The frame's rows `rows`, in that order; sites, waves and arms keep only the levels present,
    /// versions keep every level (each with its definition).
    public func subset(rows: [Int]) -> ResponseFrame {
        func factor(_ factor: Factor) -> Factor {
            var levels = LevelIndex()
            let codes = rows.map { row -> Int32 in
                let code = factor.codes[row]
                return code < 0 ? -1 : levels.code(for: factor.levels[Int(code)])
            }
            return Factor(levels: levels.levels, codes: codes)
        }
        var columns: [String: AnswerColumn] = [:]
        for (id, column) in answers {
            switch column {
            case let .integers(values): columns[id] = .integers(IntegerColumn(storage: rows.map { values.storage[$0] }))
            case let .numbers(values): columns[id] = .numbers(NumberColumn(storage: rows.map { values.storage[$0] }))
            case let .texts(values): columns[id] = .texts(rows.map { values[$0] })
            }
        }
        return ResponseFrame(instrument: instrument, count: rows.count, responseIDs: rows.map { responseIDs[$0] },
                             respondentKeys: rows.map { respondentKeys[$0] }, respondents: respondents.isEmpty ? [] : rows.map { respondents[$0] },
                             sites: factor(sites), waves: factor(waves), arms: factor(arms), answers: columns,
                             versions: Factor(levels: versions.levels, codes: rows.map { versions.codes[$0] }),
                             versionDefinitions: versionDefinitions)
    }
}

private extension Factor {
    func withLevels(_ levels: [String]) -> Factor { Factor(levels: levels, codes: codes) }
}
