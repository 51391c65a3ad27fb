import Foundation
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStore

/// An instrument the server accepts responses to, with the definition text it is registered under.
public struct ServedInstrument: Sendable {
    public var instrument: Instrument
    public var definition: String
    public init(instrument: Instrument, definition: String) {
        self.instrument = instrument
        self.definition = definition
    }
}

/// One request the server answered, for the audit log.
public struct RequestRecord: Sendable, Equatable {
    public var tokenID: Int64?
    public var method: String
    public var path: String
    public var status: Int
    public var milliseconds: Double
    public var detail: String?
    /// The client's IP address.
    public var client: String?
    public init(tokenID: Int64?, method: String, path: String, status: Int, milliseconds: Double, detail: String?,
                client: String? = nil) {
        self.client = client
        self.tokenID = tokenID
        self.method = method
        self.path = path
        self.status = status
        self.milliseconds = milliseconds
        self.detail = detail
    }
}

/// An evaluation run on the server: each analysis's result, or why it failed, and the report.
public struct Evaluation: Sendable {
    public var results: [AnalysisResult]
    public var failed: [(file: String, error: String)]
    public var reportHTML: String
}

/// Where the server keeps what sites submit: the embedded SQLite store, or a PostgreSQL database that
/// several servers can share. Both give the same answers to the same calls (one test suite runs
/// against both); each submission is validated against the instrument and stored whole or not at all.
public protocol SubmissionBackend: Sendable {
    /// Names the store in messages and logs (a path, or a PostgreSQL host and database).
    var description: String { get }
    /// Records the instruments the server accepts (a changed definition under a stored version is refused).
    func register(_ instruments: [ServedInstrument]) async throws
    func principal(token: String) async throws -> APIPrincipal?
    /// The id of a token the store knows, revoked or not: the request log names who tried.
    func tokenID(token: String) async throws -> Int64?
    /// Deletes request log rows older than `days` days, except those of accepted submissions.
    func pruneRequests(olderThanDays days: Int) async throws -> Int
    func addToken(name: String, role: APIPrincipal.Role, site: String?) async throws -> (id: Int64, token: String)
    func tokens() async throws -> [APITokenInfo]
    func revokeToken(id: Int64) async throws -> Bool
    /// Validates and stores one site's submission in the CSV interchange format, all or nothing. A
    /// response already stored with the same answers is a duplicate (submitting twice stores once);
    /// with other answers, or for another site, it is a problem and nothing is stored
    /// (`DiagnosticList`, one per problem, with line and column).
    func submit(csv: Data, file: String, instrument: ServedInstrument, site: String, submission: APISubmission) async throws -> ImportSummary
    func submissions(site: String?) async throws -> [APISubmissionRecord]
    func responseCounts(site: String?) async throws -> [ResponseCount]
    func record(_ request: RequestRecord) async throws
    func requests() async throws -> [RequestRecord]
    /// Runs analysis definitions on everything stored and renders the report.
    func evaluate(_ definitions: [AnalysisDefinition], title: String, generator: String) async throws -> Evaluation
    /// Lets go of the store (connections, files).
    func close() async
}

extension SubmissionBackend {
    /// Runs `definitions` on `source` (one session: each survey read once) and renders the report.
    static func evaluate(_ definitions: [AnalysisDefinition], on source: any ResponseSource, title: String, generator: String,
                         storedDates: (String) throws -> (first: String, last: String)?) throws -> Evaluation {
        let session = AnalysisSession(store: source, definitions: definitions)
        var results: [AnalysisResult] = [], failed: [(String, String)] = []
        for definition in definitions {
            do { results.append(try session.run(definition)) } catch { failed.append((definition.file, "\(error)")) }
        }
        let waves = try ReportWriter.dataWaves(results, storedDates: storedDates)
        let context = ReportContext(title: title, waves: waves, generator: generator,
                                    omitted: failed.map { "\($0.0): \($0.1)" })
        return Evaluation(results: results, failed: failed, reportHTML: HTMLReport.render(results, context: context))
    }
}

/// The embedded SQLite store. SQLite allows one writer and a connection is not shared between
/// threads, so the backend keeps three connections, each used in turn on a serial queue of its own,
/// off Swift's cooperative threads: one writes (submissions, tokens, the request log), one reads
/// (token checks, listings) and one runs evaluations. WAL lets the readers go on while a submission
/// is written, so a health check, a token check or another site's listing never waits behind a large
/// submission or an evaluation; the request log is written after the answer, not before it.
public final class SQLiteBackend: SubmissionBackend, @unchecked Sendable {
    private let writer: Store, reader: Store, evaluator: Store
    private let writeQueue = DispatchQueue(label: "outcomes.server.sqlite.write")
    private let readQueue = DispatchQueue(label: "outcomes.server.sqlite.read")
    private let evaluateQueue = DispatchQueue(label: "outcomes.server.sqlite.evaluate")
    public let description: String
    /// Request log rows waiting to be written, at most `maximumPendingRecords`; beyond that a row is
    /// dropped and counted (a flood must not grow memory), and the count logged with the next row.
    private let pending = NSLock()
    private var pendingRecords = 0, droppedRecords = 0
    static let maximumPendingRecords = 10_000

    /// A site told "stored" must not lose it to a power cut: every commit is synced (`Durability.full`).
    public init(path: String, upgradeNotice: ((String) -> Void)? = nil) throws {
        writer = try Store(path: path, upgradeNotice: upgradeNotice, durability: .full)
        reader = try Store(path: path)
        evaluator = try Store(path: path)
        description = path
    }

    private enum Connection { case write, read, evaluate }

    /// Each connection is touched only on its own queue.
    private func run<T: Sendable>(_ connection: Connection,
                                  _ body: @escaping @Sendable (Store) throws -> T) async throws -> T {
        let queue = connection == .write ? writeQueue : connection == .read ? readQueue : evaluateQueue
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                let store = connection == .write ? self.writer : connection == .read ? self.reader : self.evaluator
                continuation.resume(with: Result { try body(store) })
            }
        }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Store) throws -> T) async throws -> T {
        try await run(.write, body)
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Store) throws -> T) async throws -> T {
        try await run(.read, body)
    }

    public func register(_ instruments: [ServedInstrument]) async throws {
        try await write { store in
            for served in instruments { try store.register(served.instrument, definition: served.definition) }
        }
    }
    public func principal(token: String) async throws -> APIPrincipal? {
        try await read { try $0.apiPrincipal(token: token) }
    }
    public func tokenID(token: String) async throws -> Int64? { try await read { try $0.apiTokenID(token: token) } }
    public func pruneRequests(olderThanDays days: Int) async throws -> Int {
        try await write { try $0.pruneAPIRequests(olderThanDays: days) }
    }
    public func addToken(name: String, role: APIPrincipal.Role, site: String?) async throws -> (id: Int64, token: String) {
        try await write { try $0.addAPIToken(name: name, role: role, site: site) }
    }
    public func tokens() async throws -> [APITokenInfo] { try await read { try $0.apiTokens() } }
    public func revokeToken(id: Int64) async throws -> Bool { try await write { try $0.revokeAPIToken(id: id) } }

    public func submit(csv: Data, file: String, instrument: ServedInstrument, site: String,
                       submission: APISubmission) async throws -> ImportSummary {
        try await write { store in
            try store.importCSV(data: csv, file: file, instrument: instrument.instrument, definition: instrument.definition,
                                options: ImportOptions(site: site, submission: submission, text: submission.text))
        }
    }

    public func submissions(site: String?) async throws -> [APISubmissionRecord] {
        try await read { try $0.apiSubmissions(site: site) }
    }
    public func responseCounts(site: String?) async throws -> [ResponseCount] {
        try await read { try $0.responseCounts(site: site) }
    }

    /// Queued for the writer and not awaited: the answer does not wait for its log row.
    public func record(_ request: RequestRecord) async throws {
        let dropped: Int? = pending.withLock {
            guard pendingRecords < Self.maximumPendingRecords else {
                droppedRecords += 1
                return nil
            }
            pendingRecords += 1
            defer { droppedRecords = 0 }
            return droppedRecords
        }
        guard let dropped else { return }
        writeQueue.async {
            var detail = request.detail
            if dropped > 0 {
                detail = [detail, "\(dropped) earlier request rows dropped: the log was "
                          + "\(Self.maximumPendingRecords) rows behind"].compactMap { $0 }.joined(separator: "; ")
            }
            do {
                try self.writer.recordAPIRequest(tokenID: request.tokenID, method: request.method, path: request.path,
                                                 status: request.status, milliseconds: request.milliseconds,
                                                 detail: detail, client: request.client)
            } catch {
                let message = "outcomes serve: could not log request \(request.method) \(request.path): \(error)\n"
                FileHandle.standardError.write(Data(message.utf8))
            }
            self.pending.withLock { self.pendingRecords -= 1 }
        }
    }

    /// Through the writer, so that every row queued before is in.
    public func requests() async throws -> [RequestRecord] {
        try await write { store in
            try store.apiRequests().map { RequestRecord(tokenID: $0.tokenID, method: $0.method, path: $0.path, status: $0.status,
                                                        milliseconds: 0, detail: $0.detail, client: $0.client) }
        }
    }

    public func close() async {
        // Let the queued log rows be written before the connections go.
        await withCheckedContinuation { continuation in writeQueue.async { continuation.resume() } }
    }

    public func durability() async throws -> Store.Durability { try await write { try $0.durability() } }

    public func evaluate(_ definitions: [AnalysisDefinition], title: String, generator: String) async throws -> Evaluation {
        try await run(.evaluate) { store in
            try Self.evaluate(definitions, on: store, title: title, generator: generator) { try store.storedDates(instrument: $0) }
        }
    }
}
