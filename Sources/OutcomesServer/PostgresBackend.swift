import Foundation
import Logging
import Synchronization
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesStore
import PostgresNIO

/// A PostgreSQL store that several servers (or a server and an evaluator's tools) can share. The
/// tables mirror the SQLite store's (`responses`, `answers_<instrument>` with one typed column per
/// item, `imports`, `api_*`), so the two answer alike; the rows are checked by the same validator
/// before anything is written, and each submission is one transaction.
public final class PostgresBackend: SubmissionBackend, @unchecked Sendable {
    let client: PostgresClient
    let logger: Logger
    private let runner: Task<Void, Never>
    /// Ids of sites and waves seen in committed submissions (stored rows are never renumbered).
    private let knownIDs = Mutex((sites: [String: Int64](), waves: [String: Int64]()))
    /// Answers tables by instrument, and the temporary tables each pooled connection has, as of
    /// committed submissions (a small submission then spends no statement on either).
    private let knownTables = Mutex((answers: [String: String](), temporary: Set<String>()))
    public let description: String

    /// Connects to `postgres://user[:password]@host:port/database` (the password, if not in the URL,
    /// from PGPASSWORD or the password file: `PostgresURL`) and creates the tables if needed.
    public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) async throws {
        let location = try PostgresURL(url, environment: environment)
        let configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: .disable)
        client = PostgresClient(configuration: configuration)
        var logger = Logger(label: "outcomes.postgres")
        logger.logLevel = .error
        self.logger = logger
        let client = self.client
        runner = Task { await client.run() }
        description = location.description
        do {
            try await createTables()
        } catch {
            runner.cancel()
            throw StoreError("cannot use the PostgreSQL database \(description): \(Self.explain(error))")
        }
    }

    deinit { runner.cancel() }

    /// Closes the connections (the server is stopping, or a test is done with its database).
    public func close() async {
        runner.cancel()
        _ = await runner.result
    }

    /// The tables, as in the SQLite store (schema 3). An advisory lock keeps two servers starting at
    /// once from racing to create them.
    func createTables() async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(7101)", logger: logger)
            for statement in Self.schema {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS instruments (instrument_id TEXT NOT NULL, version TEXT NOT NULL, title TEXT NOT NULL,
            definition TEXT NOT NULL, registered_at TEXT NOT NULL, PRIMARY KEY (instrument_id, version))
        """,
        "CREATE TABLE IF NOT EXISTS answer_tables (instrument_id TEXT PRIMARY KEY, table_name TEXT NOT NULL UNIQUE)",
        "CREATE TABLE IF NOT EXISTS sites (site_id BIGSERIAL PRIMARY KEY, code TEXT NOT NULL UNIQUE)",
        "CREATE TABLE IF NOT EXISTS waves (wave_id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
        """
        CREATE TABLE IF NOT EXISTS respondents (respondent_id BIGSERIAL PRIMARY KEY, site_id BIGINT NOT NULL REFERENCES sites,
            code TEXT NOT NULL, UNIQUE (site_id, code))
        """,
        """
        CREATE TABLE IF NOT EXISTS imports (import_id BIGSERIAL PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('csv', 'capture', 'merge')), source TEXT NOT NULL, sha256 TEXT,
            instrument_id TEXT NOT NULL, instrument_version TEXT NOT NULL, rows_read INTEGER NOT NULL DEFAULT 0,
            responses_new INTEGER NOT NULL DEFAULT 0, responses_duplicate INTEGER NOT NULL DEFAULT 0,
            responses_corrected INTEGER NOT NULL DEFAULT 0, tool_version TEXT NOT NULL, stored_by TEXT NOT NULL, imported_at TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS responses (response_id BIGSERIAL PRIMARY KEY, instrument_id TEXT NOT NULL,
            instrument_version TEXT NOT NULL, respondent_id BIGINT NOT NULL REFERENCES respondents,
            wave_id BIGINT NOT NULL REFERENCES waves, arm TEXT CHECK (arm IN ('pilot', 'control')),
            status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'draft')),
            import_id BIGINT NOT NULL REFERENCES imports, source_line INTEGER,
            UNIQUE (instrument_id, respondent_id, wave_id), FOREIGN KEY (instrument_id, instrument_version) REFERENCES instruments)
        """,
        """
        CREATE TABLE IF NOT EXISTS api_tokens (token_id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('site', 'evaluator')), site TEXT, sha256 TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL, revoked_at TEXT, CHECK ((role = 'site') = (site IS NOT NULL)))
        """,
        """
        CREATE TABLE IF NOT EXISTS api_requests (request_id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL,
            token_id BIGINT REFERENCES api_tokens, method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL,
            milliseconds DOUBLE PRECISION NOT NULL, detail TEXT)
        """,
        """
        CREATE TABLE IF NOT EXISTS api_submissions (import_id BIGINT PRIMARY KEY REFERENCES imports,
            token_id BIGINT NOT NULL REFERENCES api_tokens, site TEXT NOT NULL, format TEXT NOT NULL CHECK (format IN ('csv', 'json')))
        """,
        // Each request's client address (added after the first release of the schema).
        "ALTER TABLE api_requests ADD COLUMN IF NOT EXISTS client TEXT",
    ]

    static func timestamp() -> String { Store.timestamp() }

    // MARK: Instruments

    public func register(_ instruments: [ServedInstrument]) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(7102)", logger: logger)
            for served in instruments { try await self.register(served, on: connection) }
        }
    }

    func register(_ served: ServedInstrument, on connection: PostgresConnection) async throws {
        let instrument = served.instrument
        let stored = try await connection.query(
            "SELECT definition FROM instruments WHERE instrument_id = \(instrument.id) AND version = \(instrument.version)", logger: logger)
        for try await definition in stored.decode(String.self) {
            let previous = try? InstrumentParser.parse(definition, file: "stored \(instrument.id) \(instrument.version)")
            guard previous == instrument else {
                throw StoreError("instrument \(instrument.id) version \(instrument.version) is already stored with a different definition: give the changed instrument a new version")
            }
            return
        }
        let table = try await answerTable(instrument.id, on: connection)
        var existing: [String: String] = [:]
        let columns = try await connection.query("""
            SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(table)
            """, logger: logger)
        for try await (name, type) in columns.decode((String, String).self) { existing[name] = type }
        for item in instrument.items {
            let type = Self.sqlType(of: item.type)
            if let current = existing[item.id] {
                guard current == type.lowercased() else {
                    throw StoreError("item \(item.id) of \(instrument.id) was stored as \(current) and is now \(item.type.rawValue): a changed item needs a new id")
                }
            } else {
                try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(quoted(table)) ADD COLUMN \(quoted(item.id)) \(type)"),
                                           logger: logger)
            }
        }
        try await connection.query("""
            INSERT INTO instruments VALUES (\(instrument.id), \(instrument.version), \(instrument.title), \(served.definition), \(Self.timestamp()))
            """, logger: logger)
    }

    /// The instrument's answers table, created if needed (named as in the SQLite store).
    func answerTable(_ instrumentID: String, on connection: PostgresConnection) async throws -> String {
        for try await name in try await connection.query("SELECT table_name FROM answer_tables WHERE instrument_id = \(instrumentID)",
                                                         logger: logger).decode(String.self) { return name }
        let table = "answers_" + instrumentID.replacingOccurrences(of: "-", with: "_")
        try await connection.query(PostgresQuery(unsafeSQL: """
            CREATE TABLE IF NOT EXISTS \(quoted(table)) (response_id BIGINT PRIMARY KEY REFERENCES responses ON DELETE CASCADE)
            """), logger: logger)
        try await connection.query("INSERT INTO answer_tables VALUES (\(instrumentID), \(table))", logger: logger)
        return table
    }

    static func sqlType(of type: ItemType) -> String {
        switch type {
        case .singleChoice, .integer: return "INTEGER"
        case .number: return "DOUBLE PRECISION"
        case .text, .date, .multipleChoice: return "TEXT"
        }
    }

    // MARK: Tokens and the request log

    public func principal(token: String) async throws -> APIPrincipal? {
        let rows = try await client.query("""
            SELECT token_id, name, role, site FROM api_tokens WHERE sha256 = \(APITokens.hash(token)) AND revoked_at IS NULL
            """, logger: logger)
        for try await (id, name, role, site) in rows.decode((Int64, String, String, String?).self) {
            return APIPrincipal(tokenID: id, name: name, role: APIPrincipal.Role(rawValue: role) ?? .site, site: site)
        }
        return nil
    }

    public func tokenID(token: String) async throws -> Int64? {
        let rows = try await client.query("SELECT token_id FROM api_tokens WHERE sha256 = \(APITokens.hash(token))",
                                          logger: logger)
        for try await id in rows.decode(Int64.self) { return id }
        return nil
    }

    public func pruneRequests(olderThanDays days: Int) async throws -> Int {
        let cutoff = Store.timestamp(Date().addingTimeInterval(-Double(days) * 86_400))
        var deleted = 0
        let rows = try await client.query("""
            WITH gone AS (DELETE FROM api_requests WHERE at < \(cutoff)
                            AND NOT (method = 'POST' AND path LIKE '/v1/submissions%' AND status = 200) RETURNING 1)
            SELECT count(*)::BIGINT FROM gone
            """, logger: logger)
        for try await count in rows.decode(Int64.self) { deleted = Int(count) }
        return deleted
    }

    public func addToken(name: String, role: APIPrincipal.Role, site: String?) async throws -> (id: Int64, token: String) {
        guard (role == .site) == (site != nil) else {
            throw StoreError(role == .site ? "a site token needs the site it submits for" : "an evaluator token is for every site: give no site")
        }
        let token = APITokens.generate()
        let rows = try await client.query("""
            INSERT INTO api_tokens (name, role, site, sha256, created_at)
            VALUES (\(name), \(role.rawValue), \(site), \(APITokens.hash(token)), \(Self.timestamp())) RETURNING token_id
            """, logger: logger)
        for try await id in rows.decode(Int64.self) { return (id, token) }
        throw StoreError("the token could not be stored")
    }

    public func tokens() async throws -> [APITokenInfo] {
        let rows = try await client.query("SELECT token_id, name, role, site, created_at, revoked_at FROM api_tokens ORDER BY token_id",
                                          logger: logger)
        var tokens: [APITokenInfo] = []
        for try await (id, name, role, site, created, revoked) in rows.decode((Int64, String, String, String?, String, String?).self) {
            tokens.append(APITokenInfo(principal: APIPrincipal(tokenID: id, name: name, role: APIPrincipal.Role(rawValue: role) ?? .site, site: site),
                                       createdAt: created, revokedAt: revoked))
        }
        return tokens
    }

    public func revokeToken(id: Int64) async throws -> Bool {
        let rows = try await client.query("""
            UPDATE api_tokens SET revoked_at = \(Self.timestamp()) WHERE token_id = \(id) AND revoked_at IS NULL RETURNING token_id
            """, logger: logger)
        for try await _ in rows.decode(Int64.self) { return true }
        return false
    }

    public func record(_ request: RequestRecord) async throws {
        try await client.query("""
            INSERT INTO api_requests (at, token_id, method, path, status, milliseconds, detail, client)
            VALUES (\(Self.timestamp()), \(request.tokenID), \(request.method), \(request.path), \(request.status),
                    \(request.milliseconds), \(request.detail), \(request.client))
            """, logger: logger)
    }

    public func requests() async throws -> [RequestRecord] {
        let rows = try await client.query(
            "SELECT token_id, method, path, status, detail, client FROM api_requests ORDER BY request_id",
            logger: logger)
        var requests: [RequestRecord] = []
        for try await (token, method, path, status, detail, address) in
            rows.decode((Int64?, String, String, Int, String?, String?).self) {
            requests.append(RequestRecord(tokenID: token, method: method, path: path, status: status, milliseconds: 0,
                                          detail: detail, client: address))
        }
        return requests
    }

    // MARK: Submissions

    public func submit(csv: Data, file: String, instrument served: ServedInstrument, site: String,
                       submission: APISubmission) async throws -> ImportSummary {
        // A file without a usable header costs no transaction; its rows are checked as they are sent.
        let opened = try StreamedFile.open(csv, file: file, instrument: served.instrument, site: site,
                                           text: submission.text)
        // Two submissions may wait on each other's new rows; locks are taken in key order, so that
        // should not deadlock, but if PostgreSQL still picks this one as the victim it is run again.
        var attempt = 0
        while true {
            attempt += 1
            do {
                let stored = try await client.withTransaction(logger: logger) { connection in
                    try await self.store(opened, instrument: served.instrument, site: site, submission: submission,
                                         on: connection)
                }
                // Only ids and tables of a committed transaction may be reused.
                knownIDs.withLock { known in
                    known.sites.merge(stored.sites) { $1 }
                    known.waves.merge(stored.waves) { $1 }
                }
                knownTables.withLock { known in
                    known.answers[served.instrument.id] = stored.tables.answers
                    known.temporary.insert(stored.tables.temporary)
                }
                return stored.summary
            } catch let error as PostgresTransactionError {
                // The transaction was rolled back; what made it fail is the closure's error.
                if let problems = error.closureError as? DiagnosticList { throw problems }
                let cause = error.closureError ?? error.commitError ?? error.beginError ?? error
                if attempt < Self.attempts, Self.mayRetry(cause) {
                    try await Task.sleep(for: .milliseconds(Int.random(in: 10...50) * attempt))
                    continue
                }
                throw StoreError("PostgreSQL: \(Self.explain(cause))")
            } catch let problems as DiagnosticList {
                throw problems
            } catch {
                throw StoreError("PostgreSQL: \(Self.explain(error))")
            }
        }
    }

    /// How many times a submission is tried when PostgreSQL aborts it to break a deadlock.
    static let attempts = 4

    /// A deadlock or serialization failure: the transaction may succeed if run again.
    static func mayRetry(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40P01" || state == "40001"
    }

    /// What PostgreSQL said (message and SQLSTATE), without the query's text or bound values.
    static func explain(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        guard let info = error.serverInfo else {
            return "\(error.code)" + (error.underlying.map { ": \(String(describing: $0))" } ?? "")
        }
        let message = info[.message] ?? "error"
        return "\(message) (SQLSTATE \(info[.sqlState] ?? "?"))" + (info[.detail].map { ": \($0)" } ?? "")
    }

    /// Columns of the temporary tables that are not items (item ids start with a letter).
    static let rowColumns = ["_line", "_site", "_code", "_wave", "_arm"]

    /// Stores one submission in the caller's transaction. The rows go by COPY into a temporary table as
    /// the file is read and checked; then a few set-based statements, whatever the file's size, store
    /// the new sites, waves, respondents, responses and answers (each in key order, so that two
    /// submissions of the same new respondents lock them in the same order), and find the rows stored
    /// already with other answers. Nothing of the file is held in memory but the batch being sent.
    func store(_ opened: StreamedFile, instrument: Instrument, site: String, submission: APISubmission,
               on connection: PostgresConnection) async throws
        -> (summary: ImportSummary, sites: [String: Int64], waves: [String: Int64],
            tables: (answers: String, temporary: String)) {
        let known = knownTables.withLock { $0 }
        var table = known.answers[instrument.id] ?? ""
        if table.isEmpty { table = try await answerTable(instrument.id, on: connection) }
        var importID: Int64 = 0
        for try await id in try await connection.query("""
            INSERT INTO imports (kind, source, sha256, instrument_id, instrument_version, tool_version, stored_by,
                                 imported_at)
            VALUES ('csv', \(opened.file), \(opened.sha256), \(instrument.id), \(instrument.version),
                    \(Store.toolVersion), \("api token \(submission.tokenID)"), \(Self.timestamp())) RETURNING import_id
            """, logger: logger).decode(Int64.self) { importID = id }
        let itemColumns = opened.items.map { quoted($0.id) }
        // One temporary table per connection and instrument definition, emptied at each commit: made
        // once, not once a submission (catalog work that tripled a small submission's cost).
        let typed = instrument.items.map { "\(quoted($0.id)) \(Self.sqlType(of: $0.type))" }
        let submitted = "submitted_" + Self.digest(table + " " + typed.joined(separator: ", "))
        let temporaryKey = "\(connection.id) \(submitted)"
        if !known.temporary.contains(temporaryKey) {
            try await connection.query(PostgresQuery(unsafeSQL: """
                CREATE TEMPORARY TABLE IF NOT EXISTS \(submitted) (_line INTEGER NOT NULL, _site TEXT NOT NULL,
                    _code TEXT NOT NULL, _wave TEXT NOT NULL, _arm TEXT, _respondent BIGINT, _wave_id BIGINT\(
                    typed.map { ", " + $0 }.joined())) ON COMMIT DELETE ROWS
                """), logger: logger)
        }
        var rows = 0, sent = 0, absent: [String] = []
        var siteNames = Set<String>(), waveNames = Set<String>()
        try await connection.copyFrom(table: submitted, columns: Self.rowColumns + opened.items.map(\.id),
                                      logger: logger) { writer in
            (rows, absent) = try await opened.rows { batch in
                var buffer = ByteBuffer()
                buffer.reserveCapacity(batch.count * (64 + 8 * opened.items.count))
                let problems = Self.copyText(batch, of: opened, into: &buffer)
                guard problems.isEmpty else { return problems }
                for row in 0..<batch.count {
                    siteNames.insert(batch.site(row))
                    waveNames.insert(batch.wave(row))
                }
                try await writer.write(buffer)
                sent += batch.count
                return []
            }
        }
        // Site and wave ids never change once stored: kept between submissions, stored in name order.
        var siteIDs = knownIDs.withLock { $0.sites }, waveIDs = knownIDs.withLock { $0.waves }
        for name in siteNames.sorted() {
            _ = try await id(of: name, in: "sites", column: "code", key: "site_id", cache: &siteIDs, on: connection)
        }
        for name in waveNames.sorted() {
            _ = try await id(of: name, in: "waves", column: "name", key: "wave_id", cache: &waveIDs, on: connection)
        }
        try await connection.query(PostgresQuery(unsafeSQL: """
            INSERT INTO respondents (site_id, code)
            SELECT DISTINCT s.site_id, t._code FROM \(submitted) t JOIN sites s ON s.code = t._site ORDER BY 1, 2
            ON CONFLICT (site_id, code) DO NOTHING
            """), logger: logger)
        // Each row's respondent and wave ids. Stored rows are looked up by their whole unique key, row by
        // row inside the statement: an index lookup whatever the statistics say (those of tables being
        // filled lag, and joins planned on them scanned every stored response for a 20-row submission,
        // or paired every row with every row).
        try await connection.query(PostgresQuery(unsafeSQL: """
            UPDATE \(submitted) t SET _wave_id = w.wave_id,
                _respondent = (SELECT p.respondent_id FROM respondents p
                               WHERE p.site_id = s.site_id AND p.code = t._code)
            FROM sites s, waves w WHERE s.code = t._site AND w.name = t._wave
            """), logger: logger)
        // Statistics of a temporary table are gathered by no one else (a large one only: 0.5 s at 200,000 rows).
        if sent >= 1_000 {
            try await connection.query(PostgresQuery(unsafeSQL: "ANALYZE \(submitted)"), logger: logger)
        }
        // New responses and their answers in one statement; a response stored already is left alone.
        var bindings = PostgresBindings()
        bindings.append(instrument.id)
        bindings.append(instrument.version)
        bindings.append(importID)
        var new = 0
        for try await count in try await connection.query(PostgresQuery(unsafeSQL: """
            WITH added AS (
                INSERT INTO responses (instrument_id, instrument_version, respondent_id, wave_id, arm, status,
                                       import_id, source_line)
                SELECT $1, $2, _respondent, _wave_id, _arm, 'complete', $3, _line FROM \(submitted)
                ORDER BY _respondent, _wave_id
                ON CONFLICT (instrument_id, respondent_id, wave_id) DO NOTHING
                RETURNING response_id, respondent_id, wave_id),
            answered AS (
                INSERT INTO \(quoted(table)) (response_id\(itemColumns.map { ", " + $0 }.joined()))
                SELECT a.response_id\(itemColumns.map { ", k." + $0 }.joined())
                FROM added a JOIN \(submitted) k ON k._respondent = a.respondent_id AND k._wave_id = a.wave_id
                RETURNING 1)
            SELECT count(*) FROM answered
            """, binds: bindings), logger: logger).decode(Int64.self) { new = Int(count) }
        // Stored already: the same answers are a duplicate (a submission sent twice); anything else
        // would change stored data, which the server never does. Compared in one statement.
        let differs = ["r.status <> 'complete'", "r.arm IS DISTINCT FROM t._arm"]
            + itemColumns.map { "a.\($0) IS DISTINCT FROM t.\($0)" }
        var conflictBindings = PostgresBindings()
        conflictBindings.append(instrument.id)
        conflictBindings.append(importID)
        var problems: [Diagnostic] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT t._line, t._code, t._site, t._wave, \(differs.joined(separator: ", "))
            FROM \(submitted) t
            CROSS JOIN LATERAL (SELECT response_id, status, arm, import_id FROM responses
                                WHERE instrument_id = $1 AND respondent_id = t._respondent AND wave_id = t._wave_id
                                LIMIT 1) r
            LEFT JOIN LATERAL (SELECT * FROM \(quoted(table)) WHERE response_id = r.response_id LIMIT 1) a ON true
            WHERE r.import_id <> $2 AND (\(differs.joined(separator: " OR ")))
            ORDER BY t._line LIMIT \(Self.conflictsReported)
            """, binds: conflictBindings), logger: logger) {
            let cells = row.makeRandomAccess()
            let line = try cells[0].decode(Int.self), code = try cells[1].decode(String.self)
            let site = try cells[2].decode(String.self), wave = try cells[3].decode(String.self)
            let names = ["a draft is stored", "arm"] + opened.items.map(\.id)
            let changed = try names.indices.filter { try cells[4 + $0].decode(Bool.self) }.map { names[$0] }
            problems.append(Diagnostic(file: opened.file, line: line, message: """
                respondent \(code) at site \(site) already has a stored \(wave) response with different answers \
                (\(changed.joined(separator: ", "))); corrections are made by the evaluation team with outcomes \
                import --corrections
                """))
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }
        let duplicates = sent - new
        try await connection.query("""
            WITH counted AS (UPDATE imports SET rows_read = \(rows), responses_new = \(new),
                                 responses_duplicate = \(duplicates) WHERE import_id = \(importID))
            INSERT INTO api_submissions (import_id, token_id, site, format)
            VALUES (\(importID), \(submission.tokenID), \(site), \(submission.format.rawValue))
            """, logger: logger)
        let summary = ImportSummary(file: opened.file, instrumentID: instrument.id,
                                    instrumentVersion: instrument.version, rows: rows, new: new,
                                    duplicates: duplicates, corrected: 0, sha256: opened.sha256,
                                    absentRequiredItems: absent, dryRun: false, importID: importID)
        return (summary, siteIDs, waveIDs, (table, temporaryKey))
    }

    /// A short stable name for `text` (FNV-1a, hex), for a temporary table of one instrument definition.
    static func digest(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    /// Conflicting rows named in a refusal at most (the first, in file order).
    static let conflictsReported = 1_000

    /// Appends `batch` to `buffer` in COPY's text format (tab-separated, `\N` for missing); returns
    /// problems instead for text PostgreSQL cannot hold (a NUL character).
    static func copyText(_ batch: StreamedBatch, of file: StreamedFile, into buffer: inout ByteBuffer) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        func escaped<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
            let special: (UInt8) -> Bool = { $0 == UInt8(ascii: "\\") || $0 == 9 || $0 == 10 || $0 == 13 }
            guard bytes.contains(where: special) else { buffer.writeBytes(bytes); return }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
                case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
                case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
                default: buffer.writeInteger(byte)
                }
            }
        }
        let tab = UInt8(ascii: "\t")
        for row in 0..<batch.count {
            buffer.writeString(String(batch.line(row)))
            for identity in [batch.site(row), batch.respondent(row), batch.wave(row)] {
                buffer.writeInteger(tab)
                escaped(identity.utf8)
            }
            buffer.writeInteger(tab)
            if let arm = batch.arm(row) { buffer.writeString(arm) } else { buffer.writeStaticString("\\N") }
            for column in file.items.indices {
                buffer.writeInteger(tab)
                switch batch.cell(row, column) {
                case .missing: buffer.writeStaticString("\\N")
                case let .integer(value): buffer.writeString(String(value))
                case let .number(value): buffer.writeString(value.description)
                case let .text(bytes):
                    if bytes.contains(0) {
                        problems.append(Diagnostic(
                            file: file.file, line: batch.line(row), column: file.itemColumns[column],
                            message: "\(file.items[column].id): the text holds a NUL character (byte 0), "
                                + "which cannot be stored"))
                        buffer.writeStaticString("\\N")
                    } else {
                        escaped(bytes)
                    }
                }
            }
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        return problems
    }

    /// The id of a site or wave, stored now if new (another server may store it at the same moment:
    /// the unique constraint decides, and the row is then read back).
    func id(of value: String, in table: String, column: String, key: String, cache: inout [String: Int64],
            on connection: PostgresConnection) async throws -> Int64 {
        if let id = cache[value] { return id }
        try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) (\(column)) VALUES ($1) ON CONFLICT (\(column)) DO NOTHING",
                                                 binds: { var b = PostgresBindings(); b.append(value); return b }()), logger: logger)
        for try await id in try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(key) FROM \(table) WHERE \(column) = $1",
                                                                     binds: { var b = PostgresBindings(); b.append(value); return b }()),
                                                       logger: logger).decode(Int64.self) {
            cache[value] = id
            return id
        }
        throw StoreError("could not store \(table) '\(value)'")
    }

    static func answer(_ cell: PostgresCell, type: ItemType) throws -> AnswerValue? {
        switch type {
        case .singleChoice, .integer: return try cell.decode(Int32?.self).map { .integer(Int($0)) }
        case .number: return try cell.decode(Double?.self).map { .number($0) }
        case .text, .date: return try cell.decode(String?.self).map { .text($0) }
        case .multipleChoice: return try cell.decode(String?.self).map { .codes($0.split(separator: ";").compactMap { Int($0) }) }
        }
    }

    // MARK: Listings

    public func submissions(site: String?) async throws -> [APISubmissionRecord] {
        let rows = try await client.query("""
            SELECT s.import_id, s.site, t.name, s.format, i.instrument_id, i.instrument_version, i.imported_at, i.rows_read,
                   i.responses_new, i.responses_duplicate, i.sha256
            FROM api_submissions s JOIN imports i ON i.import_id = s.import_id JOIN api_tokens t ON t.token_id = s.token_id
            WHERE \(site)::TEXT IS NULL OR s.site = \(site) ORDER BY s.import_id
            """, logger: logger)
        var records: [APISubmissionRecord] = []
        for try await row in rows {
            let (id, site, token, format, instrument, version, at, read, new, duplicates, sha) =
                try row.decode((Int64, String, String, String, String, String, String, Int, Int, Int, String?).self)
            records.append(APISubmissionRecord(id: id, site: site, token: token, format: format, instrument: instrument,
                                               instrumentVersion: version, receivedAt: at, rows: read, new: new, duplicates: duplicates,
                                               sha256: sha ?? ""))
        }
        return records
    }

    public func responseCounts(site: String?) async throws -> [ResponseCount] {
        let rows = try await client.query("""
            SELECT r.instrument_id, w.name, count(*) FROM responses r JOIN waves w ON w.wave_id = r.wave_id
            JOIN respondents p ON p.respondent_id = r.respondent_id JOIN sites s ON s.site_id = p.site_id
            WHERE r.status = 'complete' AND (\(site)::TEXT IS NULL OR s.code = \(site))
            GROUP BY r.instrument_id, w.name ORDER BY r.instrument_id, w.name
            """, logger: logger)
        var counts: [ResponseCount] = []
        for try await (instrument, wave, count) in rows.decode((String, String, Int64).self) {
            counts.append(ResponseCount(instrument: instrument, wave: wave, responses: Int(count)))
        }
        return counts
    }

    // MARK: Evaluations

    /// Runs the analyses as on SQLite, reading per request only the wave and items each asks for
    /// (`PostgresResponses`), not every response of an instrument at once. The analyses run on a
    /// thread of their own, which waits for each query; Swift's cooperative threads never wait.
    public func evaluate(_ definitions: [AnalysisDefinition], title: String, generator: String) async throws -> Evaluation {
        var dates: [String: (first: String, last: String)] = [:]
        for instrumentID in Set(definitions.map(\.instrument)).sorted() {
            for try await (first, last) in try await client.query("""
                SELECT min(imported_at), max(imported_at) FROM imports
                WHERE instrument_id = \(instrumentID) AND responses_new + responses_corrected > 0
                """, logger: logger).decode((String?, String?).self) {
                if let first, let last { dates[instrumentID] = (first, last) }
            }
        }
        let source = PostgresResponses(backend: self)
        let found = dates
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result {
                    try Self.evaluate(definitions, on: source, title: title, generator: generator) { found[$0] }
                })
            }
            thread.stackSize = 1 << 22
            thread.start()
        }
    }

    /// Every registered version of an instrument, oldest first (the newest labels a frame).
    func instrumentVersions(_ instrumentID: String) async throws -> [Instrument] {
        var definitions: [Instrument] = []
        for try await text in try await client.query("""
            SELECT definition FROM instruments WHERE instrument_id = \(instrumentID) ORDER BY registered_at, version
            """, logger: logger).decode(String.self) {
            definitions.append(try InstrumentParser.parse(text, file: "stored instrument \(instrumentID)"))
        }
        return definitions
    }

    /// Wave names with complete responses to an instrument (every wave if nil), in order of first storage.
    func waveNames(instrument instrumentID: String?) async throws -> [String] {
        let rows = try await client.query(instrumentID == nil ? "SELECT name FROM waves ORDER BY wave_id" : """
            SELECT name FROM waves WHERE wave_id IN
                (SELECT DISTINCT wave_id FROM responses WHERE instrument_id = \(instrumentID) AND status = 'complete')
            ORDER BY wave_id
            """, logger: logger)
        var names: [String] = []
        for try await name in rows.decode(String.self) { names.append(name) }
        return names
    }

    /// The complete responses to an instrument, one wave or all, with the answers to `items` (every
    /// item if nil; items with no column yet are left out), read as columns in response order, as
    /// `Store.responses` reads them; nil if the instrument is not registered.
    func responses(instrument instrumentID: String, wave: String?, items requested: [String]?,
                   respondentCodes: Bool) async throws -> ResponseFrame? {
        let definitions = try await instrumentVersions(instrumentID)
        guard let instrument = definitions.last else { return nil }
        let table = try await client.withConnection { try await self.answerTable(instrumentID, on: $0) }
        var existing = Set<String>()
        for try await name in try await client.query("""
            SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(table)
            """, logger: logger).decode(String.self) { existing.insert(name) }
        let items = (requested ?? instrument.items.map(\.id)).compactMap { id in
            existing.contains(id) ? instrument.item(id) : nil
        }
        var binds = PostgresBindings()
        var sql = """
            SELECT r.response_id, r.respondent_id, \(respondentCodes ? "p.code" : "NULL::TEXT"), s.code, w.name, r.arm,
                   r.instrument_version\(items.map { ", a." + quoted($0.id) }.joined())
            FROM \(quoted(table)) a JOIN responses r ON r.response_id = a.response_id
            JOIN respondents p ON p.respondent_id = r.respondent_id JOIN sites s ON s.site_id = p.site_id
            JOIN waves w ON w.wave_id = r.wave_id
            WHERE r.status = 'complete'
            """
        if let wave {
            sql += " AND w.name = $1"
            try binds.append(wave)
        }
        sql += " ORDER BY r.response_id"
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)

        var ids: [Int64] = [], keys: [Int64] = [], codes: [String] = []
        var sites = LevelIndex(), waves = LevelIndex(), arms = LevelIndex()
        var siteCodes: [Int32] = [], waveCodes: [Int32] = [], armCodes: [Int32] = [], versionCodes: [Int32] = []
        let versionLevels = definitions.map(\.version)
        var integers = items.map { _ in [Int32]() }, numbers = items.map { _ in [Double]() }
        var texts = items.map { _ in [String?]() }
        for try await row in rows {
            let cells = row.makeRandomAccess()
            ids.append(try cells[0].decode(Int64.self))
            keys.append(try cells[1].decode(Int64.self))
            if respondentCodes { codes.append(try cells[2].decode(String.self)) }
            siteCodes.append(sites.code(for: try cells[3].decode(String.self)))
            waveCodes.append(waves.code(for: try cells[4].decode(String.self)))
            armCodes.append(try cells[5].decode(String?.self).map { arms.code(for: $0) } ?? -1)
            let version = try cells[6].decode(String.self)
            versionCodes.append(versionLevels.firstIndex(of: version).map(Int32.init) ?? -1)
            for (index, item) in items.enumerated() {
                let cell = cells[7 + index]
                switch item.type {
                case .singleChoice, .integer:
                    integers[index].append(try cell.decode(Int32?.self) ?? IntegerColumn.missingValue)
                case .number: numbers[index].append(try cell.decode(Double?.self) ?? .nan)
                case .text, .date, .multipleChoice: texts[index].append(try cell.decode(String?.self))
                }
            }
        }
        var columns: [String: AnswerColumn] = [:]
        for (index, item) in items.enumerated() {
            switch item.type {
            case .singleChoice, .integer: columns[item.id] = .integers(IntegerColumn(storage: integers[index]))
            case .number: columns[item.id] = .numbers(NumberColumn(storage: numbers[index]))
            case .text, .date, .multipleChoice: columns[item.id] = .texts(texts[index])
            }
        }
        return ResponseFrame(instrument: instrument, responseIDs: ids, respondentKeys: keys, respondents: codes,
                             sites: Factor(levels: sites.levels, codes: siteCodes),
                             waves: Factor(levels: waves.levels, codes: waveCodes),
                             arms: Factor(levels: arms.levels, codes: armCodes), columns: columns,
                             versions: Factor(levels: versionLevels, codes: versionCodes),
                             versionDefinitions: definitions)
    }
}

/// The PostgreSQL store as the analyses read it (`ResponseSource` is synchronous): each call runs
/// its query in a task and waits for it. Called only from the evaluation's own thread, never from
/// one of Swift's cooperative threads, which the query needs free.
final class PostgresResponses: ResponseSource, @unchecked Sendable {
    let backend: PostgresBackend
    init(backend: PostgresBackend) { self.backend = backend }

    var sourceDescription: String { backend.description }

    func instrument(id: String) throws -> Instrument? {
        try wait { try await self.backend.instrumentVersions(id).last }
    }

    func waveNames(instrument: String?) throws -> [String] {
        try wait { try await self.backend.waveNames(instrument: instrument) }
    }

    func responses(instrument: String, wave: String?, items: [String]?, respondentCodes: Bool) throws -> ResponseFrame {
        let frame = try wait {
            try await self.backend.responses(instrument: instrument, wave: wave, items: items,
                                             respondentCodes: respondentCodes)
        }
        guard let frame else {
            throw StoreError("no responses to instrument '\(instrument)' are stored in \(sourceDescription)")
        }
        return frame
    }

    /// Runs `work` in a task and blocks this (non-cooperative) thread until it has finished.
    private func wait<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let box = Outcome<T>()
        Task {
            do { box.result = .success(try await work()) } catch { box.result = .failure(error) }
            box.done.signal()
        }
        box.done.wait()
        return try box.result!.get()
    }

    /// Unchecked: `result` is written by the task before it signals, read by the waiting thread after.
    private final class Outcome<T>: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var result: Result<T, Error>?
    }
}
