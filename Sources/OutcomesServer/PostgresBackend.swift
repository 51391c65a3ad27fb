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
    public let description: String

    /// Connects to `postgres://user:password@host:port/database` and creates the tables if needed.
    public init(url: String) async throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, let user = components.user else {
            throw StoreError("--postgres wants postgres://user:password@host:port/database, found '\(url)'")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let configuration = PostgresClient.Configuration(host: host, port: components.port ?? 5432, username: user,
                                                         password: components.password, database: database.isEmpty ? nil : database,
                                                         tls: .disable)
        client = PostgresClient(configuration: configuration)
        var logger = Logger(label: "outcomes.postgres")
        logger.logLevel = .error
        self.logger = logger
        let client = self.client
        runner = Task { await client.run() }
        description = "postgres://\(user)@\(host):\(components.port ?? 5432)/\(database)"
        do {
            try await createTables()
        } catch {
            runner.cancel()
            throw StoreError("cannot use the PostgreSQL database \(description): \(String(reflecting: error))")
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
            INSERT INTO api_requests (at, token_id, method, path, status, milliseconds, detail)
            VALUES (\(Self.timestamp()), \(request.tokenID), \(request.method), \(request.path), \(request.status),
                    \(request.milliseconds), \(request.detail))
            """, logger: logger)
    }

    public func requests() async throws -> [RequestRecord] {
        let rows = try await client.query("SELECT token_id, method, path, status FROM api_requests ORDER BY request_id", logger: logger)
        var requests: [RequestRecord] = []
        for try await (token, method, path, status) in rows.decode((Int64?, String, String, Int).self) {
            requests.append(RequestRecord(tokenID: token, method: method, path: path, status: status, milliseconds: 0, detail: nil))
        }
        return requests
    }

    // MARK: Submissions

    /// Thrown inside the transaction to roll it back with the problems found.
    private struct Rejected: Error { var problems: DiagnosticList }

    public func submit(csv: Data, file: String, instrument served: ServedInstrument, site: String,
                       submission: APISubmission) async throws -> ImportSummary {
        // Every row is checked before the database is touched: a bad file costs no transaction.
        let checked = try ValidatedFile.check(csv, file: file, instrument: served.instrument, site: site,
                                              text: submission.text)
        let instrument = served.instrument
        do {
            let stored = try await client.withTransaction(logger: logger) { connection in
                let table = try await self.answerTable(instrument.id, on: connection)
                var importID: Int64 = 0
                for try await id in try await connection.query("""
                    INSERT INTO imports (kind, source, sha256, instrument_id, instrument_version, tool_version, stored_by, imported_at)
                    VALUES ('csv', \(file), \(checked.sha256), \(instrument.id), \(instrument.version), \(Store.toolVersion),
                            \("api token \(submission.tokenID)"), \(Self.timestamp())) RETURNING import_id
                    """, logger: self.logger).decode(Int64.self) { importID = id }
                // Site and wave ids never change once stored: kept between submissions.
                var siteIDs = self.knownIDs.withLock { $0.sites }, waveIDs = self.knownIDs.withLock { $0.waves }
                var new = 0, duplicates = 0
                let names = checked.items.map { quoted($0.id) }
                let selectAnswers = "SELECT \((["response_id"] + names).joined(separator: ", ")) FROM \(quoted(table)) WHERE response_id = $1"
                // Set-based: a few statements per submission whatever its size, not a round trip per
                // row (a server on the other side of a network would spend its time waiting).
                for name in Set(checked.rows.map(\.site)) {
                    _ = try await self.id(of: name, in: "sites", column: "code", key: "site_id", cache: &siteIDs, on: connection)
                }
                for name in Set(checked.rows.map(\.wave)) {
                    _ = try await self.id(of: name, in: "waves", column: "name", key: "wave_id", cache: &waveIDs, on: connection)
                }
                let respondentIDs = try await self.respondents(checked.rows.map { (siteIDs[$0.site]!, $0.respondent) }, on: connection)
                let keys = checked.rows.map { (respondentIDs[RespondentKey(site: siteIDs[$0.site]!, code: $0.respondent)]!, waveIDs[$0.wave]!) }
                var inserted: [ResponseKey: Int64] = [:]
                let respondentColumn = keys.map(\.0), waveColumn = keys.map(\.1)
                let armColumn = checked.rows.map { $0.arm ?? "" }, lineColumn = checked.rows.map { Int64($0.line) }
                for try await (responseID, respondentID, waveID) in try await connection.query("""
                    INSERT INTO responses (instrument_id, instrument_version, respondent_id, wave_id, arm, status, import_id, source_line)
                    SELECT \(instrument.id), \(instrument.version), r, w, NULLIF(a, ''), 'complete', \(importID), l
                    FROM unnest(\(respondentColumn)::BIGINT[], \(waveColumn)::BIGINT[], \(armColumn)::TEXT[], \(lineColumn)::BIGINT[]) AS t(r, w, a, l)
                    ON CONFLICT (instrument_id, respondent_id, wave_id) DO NOTHING RETURNING response_id, respondent_id, wave_id
                    """, logger: self.logger).decode((Int64, Int64, Int64).self) {
                    inserted[ResponseKey(respondent: respondentID, wave: waveID)] = responseID
                }
                // Answers of the new responses, many rows a statement (within PostgreSQL's 65,535 parameters).
                let newRows = checked.rows.indices.filter { inserted[ResponseKey(respondent: keys[$0].0, wave: keys[$0].1)] != nil }
                let perStatement = max(1, 30_000 / (names.count + 1))
                for chunk in stride(from: 0, to: newRows.count, by: perStatement).map({ Array(newRows[$0..<min($0 + perStatement, newRows.count)]) }) {
                    var bindings = PostgresBindings(capacity: chunk.count * (names.count + 1))
                    var tuples: [String] = []
                    for index in chunk {
                        let first = bindings.count + 1
                        bindings.append(inserted[ResponseKey(respondent: keys[index].0, wave: keys[index].1)]!)
                        for (item, value) in zip(checked.items, checked.rows[index].values) { Self.bind(value, type: item.type, to: &bindings) }
                        tuples.append("(" + (first..<(first + names.count + 1)).map { "$\($0)" }.joined(separator: ", ") + ")")
                    }
                    try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(quoted(table)) (response_id\(names.map { ", " + $0 }.joined())) VALUES "
                                                             + tuples.joined(separator: ", "), binds: bindings), logger: self.logger)
                }
                new = newRows.count
                // Stored already: the same answers are a duplicate (a submission sent twice); anything
                // else would change stored data, which the server never does.
                for index in checked.rows.indices where inserted[ResponseKey(respondent: keys[index].0, wave: keys[index].1)] == nil {
                    let row = checked.rows[index]
                    let changed = try await self.changes(row, items: checked.items, respondentID: keys[index].0, waveID: keys[index].1,
                                                         instrument: instrument.id, selectAnswers: selectAnswers, on: connection)
                    guard changed.isEmpty else {
                        throw Rejected(problems: DiagnosticList([Diagnostic(file: file, line: row.line, message:
                            "respondent \(row.respondent) at site \(row.site) already has a stored \(row.wave) response with different answers (\(changed.joined(separator: ", "))); corrections are made by the evaluation team with outcomes import --corrections")]))
                    }
                    duplicates += 1
                }
                try await connection.query("""
                    UPDATE imports SET rows_read = \(checked.rowsRead), responses_new = \(new), responses_duplicate = \(duplicates)
                    WHERE import_id = \(importID)
                    """, logger: self.logger)
                try await connection.query("""
                    INSERT INTO api_submissions (import_id, token_id, site, format)
                    VALUES (\(importID), \(submission.tokenID), \(site), \(submission.format.rawValue))
                    """, logger: self.logger)
                return (ImportSummary(file: file, instrumentID: instrument.id, instrumentVersion: instrument.version, rows: checked.rowsRead,
                                      new: new, duplicates: duplicates, corrected: 0, sha256: checked.sha256,
                                      absentRequiredItems: checked.absentRequiredItems, dryRun: false, importID: importID),
                        siteIDs, waveIDs)
            }
            // Only ids of a committed transaction may be reused.
            knownIDs.withLock { known in
                known.sites.merge(stored.1) { $1 }
                known.waves.merge(stored.2) { $1 }
            }
            return stored.0
        } catch let error as PostgresTransactionError {
            // The transaction was rolled back; what made it fail is the closure's error.
            if let rejected = error.closureError as? Rejected { throw rejected.problems }
            if let problems = error.closureError as? DiagnosticList { throw problems }
            throw StoreError("PostgreSQL: \(String(reflecting: error.closureError ?? error.commitError ?? error.beginError ?? error))")
        }
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

    struct RespondentKey: Hashable { var site: Int64; var code: String }
    struct ResponseKey: Hashable { var respondent: Int64; var wave: Int64 }

    /// The ids of respondents (site, code), stored now if new, in two statements for all of them.
    func respondents(_ pairs: [(Int64, String)], on connection: PostgresConnection) async throws -> [RespondentKey: Int64] {
        let sites = pairs.map(\.0), codes = pairs.map(\.1)
        try await connection.query("""
            INSERT INTO respondents (site_id, code) SELECT * FROM unnest(\(sites)::BIGINT[], \(codes)::TEXT[])
            ON CONFLICT (site_id, code) DO NOTHING
            """, logger: logger)
        var ids: [RespondentKey: Int64] = [:]
        for try await (id, site, code) in try await connection.query("""
            SELECT p.respondent_id, p.site_id, p.code FROM respondents p
            JOIN unnest(\(sites)::BIGINT[], \(codes)::TEXT[]) AS t(s, c) ON p.site_id = t.s AND p.code = t.c
            """, logger: logger).decode((Int64, Int64, String).self) { ids[RespondentKey(site: site, code: code)] = id }
        return ids
    }

    /// The items (and arm) whose stored answers differ from the row's; empty for a duplicate.
    func changes(_ row: ValidatedFile.Row, items: [Item], respondentID: Int64, waveID: Int64, instrument: String,
                 selectAnswers: String, on connection: PostgresConnection) async throws -> [String] {
        var stored: (id: Int64, arm: String?, status: String)?
        for try await (id, arm, status) in try await connection.query("""
            SELECT response_id, arm, status FROM responses WHERE instrument_id = \(instrument) AND respondent_id = \(respondentID) AND wave_id = \(waveID)
            """, logger: logger).decode((Int64, String?, String).self) { stored = (id, arm, status) }
        guard let stored else { return ["the stored response could not be read"] }
        var changed: [String] = stored.status == "complete" ? [] : ["a draft is stored"]
        if stored.arm != row.arm { changed.append("arm") }
        let answers = try await connection.query(PostgresQuery(unsafeSQL: selectAnswers,
                                                               binds: { var b = PostgresBindings(); b.append(stored.id); return b }()), logger: logger)
        for try await answerRow in answers {
            let cells = Array(answerRow.makeRandomAccess().dropFirst())
            for (index, item) in items.enumerated() where try Self.answer(cells[index], type: item.type) != row.values[index] {
                changed.append(item.id)
            }
        }
        return changed
    }

    static func bind(_ value: AnswerValue?, type: ItemType, to bindings: inout PostgresBindings) {
        switch (value, type) {
        case let (.integer(v)?, _): bindings.append(Int32(truncatingIfNeeded: v))
        case let (.number(v)?, _): bindings.append(v)
        case let (.text(v)?, _): bindings.append(v)
        case let (.codes(v)?, _): bindings.append(AnswerValue.codes(v).description)
        case (nil, .singleChoice), (nil, .integer): bindings.append(Int32?.none)
        case (nil, .number): bindings.append(Double?.none)
        case (nil, _): bindings.append(String?.none)
        }
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

    /// Reads every complete response of the instruments the analyses use into memory (the analyses
    /// are the same code as on SQLite), then runs them off the connection pool's threads.
    public func evaluate(_ definitions: [AnalysisDefinition], title: String, generator: String) async throws -> Evaluation {
        var frames: [ResponseFrame] = []
        var dates: [String: (first: String, last: String)] = [:]
        for instrumentID in Set(definitions.map(\.instrument)).sorted() {
            guard let frame = try await frame(instrumentID) else { continue }
            frames.append(frame)
            for try await (first, last) in try await client.query("""
                SELECT min(imported_at), max(imported_at) FROM imports
                WHERE instrument_id = \(instrumentID) AND responses_new + responses_corrected > 0
                """, logger: logger).decode((String?, String?).self) {
                if let first, let last { dates[instrumentID] = (first, last) }
            }
        }
        let source = InMemoryResponses(frames: frames, description: description)
        let found = dates
        return try await Task.detached {
            try Self.evaluate(definitions, on: source, title: title, generator: generator) { found[$0] }
        }.value
    }

    /// Every complete response to an instrument (all waves and items), nil if none is registered.
    func frame(_ instrumentID: String) async throws -> ResponseFrame? {
        // Every version registered, oldest first: the newest labels the frame.
        var definitions: [Instrument] = []
        for try await text in try await client.query("""
            SELECT definition FROM instruments WHERE instrument_id = \(instrumentID) ORDER BY registered_at, version
            """, logger: logger).decode(String.self) {
            definitions.append(try InstrumentParser.parse(text, file: "stored instrument \(instrumentID)"))
        }
        guard let instrument = definitions.last else { return nil }
        let table = try await client.withConnection { try await self.answerTable(instrumentID, on: $0) }
        var existing = Set<String>()
        for try await name in try await client.query("""
            SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(table)
            """, logger: logger).decode(String.self) { existing.insert(name) }
        let items = instrument.items.filter { existing.contains($0.id) }
        let rows = try await client.query(PostgresQuery(unsafeSQL: """
            SELECT r.response_id, r.respondent_id, p.code, s.code, w.name, r.arm,
                   r.instrument_version\(items.map { ", a." + quoted($0.id) }.joined())
            FROM \(quoted(table)) a JOIN responses r ON r.response_id = a.response_id
            JOIN respondents p ON p.respondent_id = r.respondent_id JOIN sites s ON s.site_id = p.site_id JOIN waves w ON w.wave_id = r.wave_id
            WHERE r.status = 'complete' ORDER BY r.response_id
            """), logger: logger)
        var ids: [Int64] = [], keys: [Int64] = [], codes: [String] = [], sites: [String] = [], waves: [String] = [], arms: [String?] = []
        var versions: [String] = []
        var answers = Dictionary(uniqueKeysWithValues: items.map { ($0.id, [AnswerValue?]()) })
        for try await row in rows {
            let cells = row.makeRandomAccess()
            ids.append(try cells[0].decode(Int64.self))
            keys.append(try cells[1].decode(Int64.self))
            codes.append(try cells[2].decode(String.self))
            sites.append(try cells[3].decode(String.self))
            waves.append(try cells[4].decode(String.self))
            arms.append(try cells[5].decode(String?.self))
            versions.append(try cells[6].decode(String.self))
            for (index, item) in items.enumerated() {
                answers[item.id]!.append(try Self.answer(cells[7 + index], type: item.type))
            }
        }
        return ResponseFrame(instrument: instrument, responseIDs: ids, respondentKeys: keys, respondents: codes, sites: sites,
                             waves: waves, arms: arms, answers: answers,
                             versions: versions, versionDefinitions: definitions)
    }
}
