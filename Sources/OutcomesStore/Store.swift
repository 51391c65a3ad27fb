import Foundation
import OutcomesInstruments

/// The SQLite store of instruments and responses.
///
/// Layout (schema version 4; version 1 also stored the response key, indexed, in every row; version 2
/// had no tables for the submission server; version 3 did not record an import's file format):
/// - `instruments`: every instrument version responses were validated against, with its definition.
/// - `sites`, `waves`, `respondents` (unique by site and respondent id): so that one respondent's
///   baseline and follow-up link up.
/// - `imports`: one row per imported file, capture or merge (source and its SHA-256, counts, tool
///   version, user, time): with `responses.import_id`, the audit of who or what stored each response.
/// - `responses`: one row per questionnaire (instrument, respondent, wave, arm, status), unique by
///   instrument, respondent and wave, so re-importing adds nothing.
/// - `response_keys`: a view giving each response its stable key, the same in every database
///   (instrument, site, respondent and wave joined by '/', with '%' and '/' inside a part escaped).
/// - `corrections`: old and new answers of every change to a stored response; `audit_trail` is a
///   view over imports, responses and corrections.
/// - `api_tokens`, `api_requests`, `api_submissions`: the submission server's tokens (hashed), every
///   request it answered, and which token stored which import (`outcomes serve`).
/// - `answers_<instrument>`: one row per response with one typed column per item. A national survey
///   holds millions of responses: a row per response (not per answer) keeps import and analysis fast,
///   and the table still reads naturally in any SQLite tool.
public final class Store {
    public static let schemaVersion = 5
    public static let defaultPath = "outcomes.sqlite"

    let db: SQLiteConnection
    public var path: String { db.path }
    /// Stored instrument versions already parsed, by id and version.
    private var storedInstruments: [String: Instrument] = [:]
    /// Frames of at least this many stored responses are read by two connections at once (tests lower it).
    var parallelReadMinimum = 100_000

    /// Opens (creating if needed) the store at `path`. A store made by an older version of the tool is
    /// upgraded first, once; `upgradeNotice` is told before that starts (it takes about ten seconds per
    /// million stored responses), so that a command can say why it is busy.
    /// How each commit reaches the disk. `normal` (SQLite's advice for WAL): a commit may be lost on power
    /// failure, never corrupted; `full`: each commit is synced to the disk before it returns (about 4 ms
    /// more per commit here), which a server needs before it answers "stored".
    public enum Durability: String, Sendable { case normal = "NORMAL", full = "FULL" }

    public init(path: String = Store.defaultPath, upgradeNotice: ((String) -> Void)? = nil,
                durability: Durability = .normal) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            throw StoreError("cannot open database \(path): folder \(directory) does not exist")
        }
        db = try SQLiteConnection(path: path)
        try db.execute("PRAGMA foreign_keys = ON")
        // WAL: readers are not blocked by an import, and a crash mid-import leaves the last commit intact.
        try db.executeRetryingWhileBusy("PRAGMA journal_mode = WAL")
        try db.execute("PRAGMA synchronous = \(durability.rawValue)")
        try migrate(upgradeNotice: upgradeNotice)
    }

    /// The durability in force (SQLite's `PRAGMA synchronous`).
    public func durability() throws -> Durability {
        try db.scalarInt("PRAGMA synchronous") == 2 ? .full : .normal
    }

    /// Opens an existing store only (for analyses: a mistyped path must not create an empty database).
    public static func openExisting(path: String, upgradeNotice: ((String) -> Void)? = nil) throws -> Store {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError("no database at \(path) (import responses first, or pass --db PATH)")
        }
        return try Store(path: path, upgradeNotice: upgradeNotice)
    }

    private func migrate(upgradeNotice: ((String) -> Void)?) throws {
        let version = try db.scalarInt("PRAGMA user_version") ?? 0
        if version > Int64(Self.schemaVersion) {
            throw StoreError("\(path) has schema version \(version), newer than this tool's \(Self.schemaVersion): upgrade outcomes")
        }
        if version == 0 {
            try db.transaction {
                // Another process may have created the schema while this one waited for the lock.
                guard (try db.scalarInt("PRAGMA user_version") ?? 0) == 0 else { return }
                try db.execute(Self.tables + Self.serverTables + Self.views + "PRAGMA user_version = \(Self.schemaVersion);")
            }
            return
        }
        if version == 1 {
            let responses = try db.scalarInt("SELECT count(*) FROM responses") ?? 0
            upgradeNotice?("upgrading \(path) from schema version 1 to \(Self.schemaVersion) "
                           + "(\(responses) responses; once only)...")
            try upgradeFromVersion1()
        }
        if version <= 2 {
            try db.transaction {
                guard (try db.scalarInt("PRAGMA user_version") ?? 0) == 2 else { return }
                try db.execute(Self.serverTables + "PRAGMA user_version = 3;")
            }
        }
        if version <= 3 {
            // Version 4 records each import's file format (csv, redcap, kobo, xlsx, sav, dta) in the
            // audit trail. Files imported before were all in the CSV interchange format.
            try db.transaction {
                guard (try db.scalarInt("PRAGMA user_version") ?? 0) == 3 else { return }
                if try db.scalarText("SELECT name FROM pragma_table_info('imports') WHERE name = 'format'") == nil {
                    try db.execute("ALTER TABLE imports ADD COLUMN format TEXT")
                }
                try db.execute("""
                    UPDATE imports SET format = 'csv' WHERE kind = 'csv' AND format IS NULL;
                    DROP VIEW IF EXISTS audit_trail;
                    DROP VIEW IF EXISTS response_keys;
                    \(Self.views)
                    PRAGMA user_version = 4;
                    """)
            }
        }
        if version <= 4 {
            // Version 5 logs each request's client address.
            try db.transaction {
                guard (try db.scalarInt("PRAGMA user_version") ?? 0) == 4 else { return }
                let hasClient = "SELECT name FROM pragma_table_info('api_requests') WHERE name = 'client'"
                if try db.scalarText(hasClient) == nil {
                    try db.execute("ALTER TABLE api_requests ADD COLUMN client TEXT")
                }
                try db.execute("PRAGMA user_version = 5;")
            }
        }
    }

    /// Version 1 stored each response's key in an indexed text column: a sixth b-tree insert per
    /// response (a fifth of a million-row import) that duplicated the (instrument, respondent, wave)
    /// constraint. The key is now computed by the `response_keys` view. SQLite cannot drop a UNIQUE
    /// column, so the table is rebuilt (SQLite's documented twelve-step procedure), keeping every id.
    private func upgradeFromVersion1() throws {
        try db.execute("PRAGMA foreign_keys = OFF")
        defer { try? db.execute("PRAGMA foreign_keys = ON") }
        try db.transaction {
            guard (try db.scalarInt("PRAGMA user_version") ?? 0) == 1 else { return }
            try db.execute("""
                DROP VIEW audit_trail;
                ALTER TABLE imports ADD COLUMN format TEXT;
                \(Self.responsesTable.replacingOccurrences(of: "CREATE TABLE responses (", with: "CREATE TABLE responses_v2 ("))
                INSERT INTO responses_v2 (response_id, instrument_id, instrument_version, respondent_id, wave_id, arm, status,
                                          import_id, source_line)
                    SELECT response_id, instrument_id, instrument_version, respondent_id, wave_id, arm, status, import_id, source_line
                    FROM responses;
                DROP TABLE responses;
                ALTER TABLE responses_v2 RENAME TO responses;
                \(Self.views)
                PRAGMA user_version = 2;
                """)
            if try db.scalarText("SELECT \"table\" FROM pragma_foreign_key_check LIMIT 1") != nil {
                throw StoreError("\(path): upgrading the schema to version 2 would break a reference between tables; nothing was changed")
            }
        }
    }

    static let responsesTable = """
        CREATE TABLE responses (
            response_id INTEGER PRIMARY KEY,
            instrument_id TEXT NOT NULL,
            instrument_version TEXT NOT NULL,
            respondent_id INTEGER NOT NULL REFERENCES respondents,
            wave_id INTEGER NOT NULL REFERENCES waves,
            arm TEXT CHECK (arm IN ('pilot', 'control')),
            -- A draft (a capture stopped part-way) is never counted in analyses.
            status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'draft')),
            import_id INTEGER NOT NULL REFERENCES imports,
            source_line INTEGER,
            UNIQUE (instrument_id, respondent_id, wave_id),
            FOREIGN KEY (instrument_id, instrument_version) REFERENCES instruments
        );

        """

    static let tables = """
        CREATE TABLE instruments (
            instrument_id TEXT NOT NULL,
            version TEXT NOT NULL,
            title TEXT NOT NULL,
            definition TEXT NOT NULL,      -- the instrument file as registered
            registered_at TEXT NOT NULL,
            PRIMARY KEY (instrument_id, version)
        );
        CREATE TABLE answer_tables (
            instrument_id TEXT PRIMARY KEY,
            table_name TEXT NOT NULL UNIQUE
        );
        CREATE TABLE sites (site_id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);
        CREATE TABLE waves (wave_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        CREATE TABLE respondents (
            respondent_id INTEGER PRIMARY KEY,
            site_id INTEGER NOT NULL REFERENCES sites,
            code TEXT NOT NULL,
            UNIQUE (site_id, code)
        );
        CREATE TABLE imports (
            import_id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('csv', 'capture', 'merge')),
            source TEXT NOT NULL,          -- file path, database path, or 'terminal'
            format TEXT,                   -- an imported file's format: csv, redcap, kobo, xlsx, sav or dta
            sha256 TEXT,                   -- of the file or database as read
            instrument_id TEXT NOT NULL,
            instrument_version TEXT NOT NULL,
            rows_read INTEGER NOT NULL DEFAULT 0,
            responses_new INTEGER NOT NULL DEFAULT 0,
            responses_duplicate INTEGER NOT NULL DEFAULT 0,
            responses_corrected INTEGER NOT NULL DEFAULT 0,
            tool_version TEXT NOT NULL,
            stored_by TEXT NOT NULL,       -- the operating-system user who ran the tool
            imported_at TEXT NOT NULL
        );
        \(responsesTable)
        -- A stored response changed later keeps its history: old and new answers, as JSON objects.
        CREATE TABLE corrections (
            correction_id INTEGER PRIMARY KEY,
            response_id INTEGER NOT NULL REFERENCES responses,
            import_id INTEGER NOT NULL REFERENCES imports,
            old_answers TEXT NOT NULL,
            new_answers TEXT NOT NULL
        );

        """

    static let serverTables = """
        -- Who may use the submission server: a site's token submits and reads that site's responses
        -- only; an evaluator's token reads every site's and runs analyses. Only a SHA-256 of each
        -- token is kept: the token itself is shown once, when it is made.
        CREATE TABLE api_tokens (
            token_id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('site', 'evaluator')),
            site TEXT,                     -- the site a site token submits for
            sha256 TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            CHECK ((role = 'site') = (site IS NOT NULL))
        );
        -- Every request the server answered, allowed or not.
        CREATE TABLE api_requests (
            request_id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            token_id INTEGER REFERENCES api_tokens,
            method TEXT NOT NULL,
            path TEXT NOT NULL,
            status INTEGER NOT NULL,
            milliseconds REAL NOT NULL,
            detail TEXT,
            client TEXT                    -- the client's IP address
        );
        -- Which token stored which import, for which site, sent as CSV or JSON.
        CREATE TABLE api_submissions (
            import_id INTEGER PRIMARY KEY REFERENCES imports,
            token_id INTEGER NOT NULL REFERENCES api_tokens,
            site TEXT NOT NULL,
            format TEXT NOT NULL CHECK (format IN ('csv', 'json'))
        );

        """

    static let views = """
        -- The stable key of each response: instrument, site, respondent and wave joined by '/', with '%'
        -- and '/' inside a part written %25 and %2F so that two keys cannot collide.
        CREATE VIEW response_keys AS
            SELECT r.response_id,
                   replace(replace(r.instrument_id, '%', '%25'), '/', '%2F') || '/' || replace(replace(s.code, '%', '%25'), '/', '%2F')
                   || '/' || replace(replace(p.code, '%', '%25'), '/', '%2F') || '/' || replace(replace(w.name, '%', '%25'), '/', '%2F')
                   AS response_key
            FROM responses r JOIN respondents p ON p.respondent_id = r.respondent_id JOIN sites s ON s.site_id = p.site_id
            JOIN waves w ON w.wave_id = r.wave_id;
        -- Who or what stored or changed each response, when, from which source.
        CREATE VIEW audit_trail AS
            SELECT k.response_key, s.code AS site, 'stored' AS action, i.kind, i.format, i.source, i.sha256,
                   i.tool_version, i.stored_by, i.imported_at AS at, NULL AS old_answers, NULL AS new_answers
            FROM responses r JOIN response_keys k ON k.response_id = r.response_id JOIN imports i ON i.import_id = r.import_id
            JOIN respondents p ON p.respondent_id = r.respondent_id JOIN sites s ON s.site_id = p.site_id
            UNION ALL
            SELECT k.response_key, s.code, 'corrected', i.kind, i.format, i.source, i.sha256, i.tool_version,
                   i.stored_by, i.imported_at, c.old_answers, c.new_answers
            FROM corrections c JOIN responses r ON r.response_id = c.response_id JOIN response_keys k ON k.response_id = r.response_id
            JOIN imports i ON i.import_id = c.import_id
            JOIN respondents p ON p.respondent_id = r.respondent_id JOIN sites s ON s.site_id = p.site_id;

        """

    // MARK: Instruments

    /// Records an instrument version so responses can be stored against it, and creates or extends
    /// its answers table. Registering the same version again is a no-op; a different definition under
    /// a version already stored is refused, because stored responses were validated against the old one.
    public func register(_ instrument: Instrument, definition: String) throws {
        try db.transaction { try registerInTransaction(instrument, definition: definition) }
    }

    func registerInTransaction(_ instrument: Instrument, definition: String) throws {
        if let stored = try db.scalarText("SELECT definition FROM instruments WHERE instrument_id = ? AND version = ?",
                                          [.text(instrument.id), .text(instrument.version)]) {
            // A stored version never changes, so it is parsed once per connection, not on every
            // import (a server registers before each of thousands of small submissions).
            let key = instrument.id + "\u{0}" + instrument.version
            let previous = storedInstruments[key] ?? (try? InstrumentParser.parse(stored, file: "stored \(instrument.id) \(instrument.version)"))
            storedInstruments[key] = previous
            guard previous == instrument else {
                throw StoreError("instrument \(instrument.id) version \(instrument.version) is already stored with a different definition: give the changed instrument a new version")
            }
            return
        }
        let table = try answerTable(for: instrument.id, create: true)!
        let existing = try columns(of: table)
        for item in instrument.items {
            let type = Self.sqlType(of: item.type)
            if let current = existing[item.id] {
                guard current == type else {
                    throw StoreError("item \(item.id) of \(instrument.id) was stored as \(current) and is now \(item.type.rawValue): a changed item needs a new id")
                }
            } else {
                try db.execute("ALTER TABLE \(quoted(table)) ADD COLUMN \(quoted(item.id)) \(type)")
            }
        }
        let insert = try db.prepare("INSERT INTO instruments VALUES (?, ?, ?, ?, ?)")
        try insert.bind([.text(instrument.id), .text(instrument.version), .text(instrument.title),
                         .text(definition), .text(Self.timestamp())])
        try insert.run()
    }

    /// Instrument versions in the store, oldest first.
    public func instruments() throws -> [(id: String, version: String, title: String)] {
        let statement = try db.prepare("SELECT instrument_id, version, title FROM instruments ORDER BY instrument_id, rowid")
        var result: [(String, String, String)] = []
        while try statement.step() { result.append((statement.text(0) ?? "", statement.text(1) ?? "", statement.text(2) ?? "")) }
        return result
    }

    /// The newest registered version of an instrument, parsed from its stored definition.
    public func instrument(id: String) throws -> Instrument? {
        guard let definition = try db.scalarText(
            "SELECT definition FROM instruments WHERE instrument_id = ? ORDER BY rowid DESC LIMIT 1", [.text(id)])
        else { return nil }
        return try InstrumentParser.parse(definition, file: "stored instrument \(id)")
    }

    /// Every registered version of an instrument, oldest first (the last is `instrument(id:)`), each
    /// parsed from its stored definition once per connection.
    public func instrumentVersions(id: String) throws -> [Instrument] {
        let statement = try db.prepare(
            "SELECT version, definition FROM instruments WHERE instrument_id = ? ORDER BY rowid")
        statement.bind(1, id)
        var result: [Instrument] = []
        while try statement.step() {
            let version = statement.text(0) ?? "", key = id + "\u{0}" + version
            if let known = storedInstruments[key] { result.append(known); continue }
            let parsed = try InstrumentParser.parse(statement.text(1) ?? "", file: "stored instrument \(id) \(version)")
            storedInstruments[key] = parsed
            result.append(parsed)
        }
        return result
    }

    func answerTable(for instrumentID: String, create: Bool) throws -> String? {
        if let table = try db.scalarText("SELECT table_name FROM answer_tables WHERE instrument_id = ?", [.text(instrumentID)]) {
            return table
        }
        guard create else { return nil }
        // Instrument ids may hold '-', which SQL names do not like; numbered if two ids collide.
        let base = "answers_" + instrumentID.replacingOccurrences(of: "-", with: "_")
        var name = base, suffix = 1
        while try db.scalarText("SELECT table_name FROM answer_tables WHERE table_name = ?", [.text(name)]) != nil {
            suffix += 1
            name = "\(base)_\(suffix)"
        }
        try db.execute("CREATE TABLE \(quoted(name)) (response_id INTEGER PRIMARY KEY REFERENCES responses ON DELETE CASCADE)")
        let insert = try db.prepare("INSERT INTO answer_tables VALUES (?, ?)")
        try insert.bind([.text(instrumentID), .text(name)])
        try insert.run()
        return name
    }

    func columns(of table: String) throws -> [String: String] {
        let statement = try db.prepare("SELECT name, type FROM pragma_table_info(?)")
        try statement.bind([.text(table)])
        var result: [String: String] = [:]
        while try statement.step() { result[statement.text(0) ?? ""] = statement.text(1) ?? "" }
        return result
    }

    static func sqlType(of type: ItemType) -> String {
        switch type {
        case .singleChoice, .integer: return "INTEGER"
        case .number: return "REAL"
        case .text, .date, .multipleChoice: return "TEXT"
        }
    }

    /// Now, as ISO 8601 in UTC (`2026-11-23T23:44:02Z`, as ISO8601DateFormatter writes it). By the C
    /// library: a new Foundation formatter per record cost more than the record on the server.
    public static func timestamp(_ date: Date? = nil) -> String {
        var now = date.map { time_t($0.timeIntervalSince1970) } ?? time(nil), parts = tm()
        gmtime_r(&now, &parts)
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
            let length = strftime(buffer.baseAddress!, 32, "%Y-%m-%dT%H:%M:%SZ", &parts)
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: length), as: UTF8.self)
        }
    }

    /// Counts of stored responses by instrument, wave and status (complete or draft).
    public func responseCounts() throws -> [(instrument: String, wave: String, complete: Int, drafts: Int)] {
        let statement = try db.prepare("""
            SELECT r.instrument_id, w.name, sum(r.status = 'complete'), sum(r.status = 'draft')
            FROM responses r JOIN waves w USING (wave_id)
            GROUP BY r.instrument_id, w.name ORDER BY r.instrument_id, w.name
            """)
        var result: [(String, String, Int, Int)] = []
        while try statement.step() {
            result.append((statement.text(0) ?? "", statement.text(1) ?? "", Int(statement.int(2)), Int(statement.int(3))))
        }
        return result
    }

    /// When an instrument's responses were stored: the first and last import that stored or
    /// corrected any (ISO 8601), from the small imports table rather than the responses.
    public func storedDates(instrument: String) throws -> (first: String, last: String)? {
        let statement = try db.prepare("""
            SELECT min(imported_at), max(imported_at) FROM imports
            WHERE instrument_id = ? AND responses_new + responses_corrected > 0
            """)
        statement.bind(1, instrument)
        guard try statement.step(), let first = statement.text(0), let last = statement.text(1) else { return nil }
        return (first, last)
    }

    /// Runs SQLite's own consistency check; "ok" when the file is sound.
    public func integrityCheck() throws -> String {
        try db.scalarText("PRAGMA integrity_check") ?? ""
    }
}

/// Quotes an SQL identifier (ids are validated as identifiers already; quoting is belt and braces).
package func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
