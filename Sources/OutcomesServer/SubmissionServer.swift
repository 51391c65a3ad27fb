import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import OutcomesAnalyses
import OutcomesInstruments
import OutcomesReports
import OutcomesStore

/// The request context: who is calling, once the token is checked.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: APIPrincipal?
    /// The client's IP address, for rate limits and the request log.
    public var clientAddress: String?
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        principal = nil
        clientAddress = source.channel.remoteAddress?.ipAddress
    }
    /// Submissions are read whole (to validate before storing anything): 64 MB at most.
    public var maxUploadSize: Int { SubmissionServer.maxBody }
}

/// The site submission server: an HTTP API over a `SubmissionBackend`.
///
/// - `GET /v1/health`: no token needed.
/// - `GET /v1/instruments`: what the server accepts (any token).
/// - `POST /v1/submissions?instrument=ID`: a site's responses, as CSV (`text/csv`) or JSON
///   (`application/json`); 200 with what was stored, or 422 with every problem and nothing stored.
/// - `GET /v1/submissions`, `GET /v1/responses`: a site sees its own; an evaluator every site's (or
///   `?site=CODE`).
/// - `POST /v1/evaluations`: an evaluator runs the server's analyses (all, or `{"analyses": [ids]}`);
///   `GET /v1/evaluations/latest/report.html` is the last run's report.
///
/// Tokens come as `Authorization: Bearer TOKEN`. Every request, allowed or not, is logged.
/// The OpenAPI description is `docs/openapi.yaml`.
public struct SubmissionServer: Sendable {
    public static let maxBody = 64 << 20
    public let backend: any SubmissionBackend
    public let instruments: [String: ServedInstrument]
    public let analyses: [AnalysisDefinition]
    public let generator: String
    public let limits: ServerLimits
    private let latestReport = LatestReport()

    public init(backend: any SubmissionBackend, instruments: [ServedInstrument], analyses: [AnalysisDefinition],
                generator: String, limits: ServerLimits = ServerLimits()) {
        self.limits = limits
        self.backend = backend
        self.instruments = Dictionary(instruments.map { ($0.instrument.id, $0) }, uniquingKeysWith: { $1 })
        self.analyses = analyses
        self.generator = generator
    }

    /// The router: the routes above behind the audit-and-token middleware.
    public func router() -> Router<ServerContext> {
        // HEAD answers as GET does, without the body, wherever GET is allowed.
        let router = Router(context: ServerContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: AuditMiddleware(backend: backend, limits: limits))
        router.get("v1/health") { _, _ in try json(["status": "ok"]) }
        router.get("v1/instruments") { _, context in
            _ = try context.require(.site, .evaluator)
            return try json(instruments.values.sorted { $0.instrument.id < $1.instrument.id }.map {
                InstrumentInfo(id: $0.instrument.id, version: $0.instrument.version, title: $0.instrument.title,
                               items: $0.instrument.items.map(\.id))
            })
        }
        router.post("v1/submissions") { request, context in try await submit(request, context: context) }
        router.get("v1/submissions") { request, context in
            try json(try await backend.submissions(site: try context.siteScope(request)))
        }
        router.get("v1/responses") { request, context in
            try json(try await backend.responseCounts(site: try context.siteScope(request)))
        }
        router.post("v1/evaluations") { request, context in try await evaluate(request, context: context) }
        router.get("v1/evaluations/latest/report.html") { _, context in
            _ = try context.require(.evaluator)
            guard let html = await latestReport.html else {
                throw HTTPError(.notFound, message: "no evaluation has been run on this server yet: POST /v1/evaluations first")
            }
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: html)))
        }
        return router
    }

    /// Serves on `host:port` until the process is interrupted (SIGINT, SIGTERM), then stops cleanly.
    public func run(host: String, port: Int, onRunning: @escaping @Sendable () -> Void) async throws {
        var logger = Logger(label: "outcomes.serve")
        logger.logLevel = .warning
        // The request log's retention: old rows pruned at start and hourly, those of stored data kept.
        let pruning = limits.auditRetentionDays.map { days in
            Task { [backend, logger] in
                while !Task.isCancelled {
                    do { _ = try await backend.pruneRequests(olderThanDays: days) } catch {
                        logger.error("could not prune the request log: \(error)")
                    }
                    try? await Task.sleep(for: .seconds(3600))
                }
            }
        }
        defer { pruning?.cancel() }
        try await application(host: host, port: port, logger: logger, onRunning: { _ in onRunning() }).runService()
    }

    /// The HTTP application: the router on HTTP/1.1 with the request deadlines and connection limit of
    /// `limits` (port 0: any free port, reported to `onRunning`).
    public func application(host: String, port: Int, logger: Logger,
                            onRunning: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
        let limits = limits, backend = backend
        // Requests the HTTP parser refuses never reach the router: logged from the connection, the first
        // of each minute per address only (a flood of garbage must not grow the log).
        let malformed = RateLimiter(requestsPerMinute: 1)
        let onMalformed: @Sendable (String?, String) -> Void = { client, error in
            if case .refused = malformed.check("address " + (client ?? "unknown")) { return }
            let detail = "malformed HTTP request (\(AuditMiddleware.cut(error, to: 200))); "
                + "further ones from this address this minute are not logged"
            Task {
                try? await backend.record(RequestRecord(tokenID: nil, method: "-", path: "-", status: 400,
                                                        milliseconds: 0, detail: detail, client: client))
            }
        }
        return Application(router: router(),
                           server: .http1(configuration: .init(additionalChannelHandlers: [
                               RequestDeadlines(limits: limits, onMalformed: onMalformed)
                           ])),
                           configuration: .init(address: .hostname(host, port: port), serverName: "outcomes",
                                                backlog: 1024,
                                                availableConnectionsDelegate: MaximumAvailableConnections(
                                                    limits.effectiveMaxConnections)),
                           onServerRunning: { channel in onRunning(channel.localAddress?.port ?? port) },
                           logger: logger)
    }

    func submit(_ request: Request, context: ServerContext) async throws -> Response {
        let principal = try context.require(.site)
        guard let site = principal.site else { throw HTTPError(.forbidden, message: "only a site's token submits responses") }
        guard let instrumentID = request.uri.queryParameters.get("instrument") else {
            throw HTTPError(.badRequest, message: "name the instrument: POST /v1/submissions?instrument=ID (served: \(served))")
        }
        guard let instrument = instruments[instrumentID] else {
            throw HTTPError(.notFound, message: "this server takes no responses to instrument '\(instrumentID)' (served: \(served))")
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: Self.maxBody) } catch {
            throw HTTPError(.contentTooLarge, message: "a submission is at most \(Self.maxBody >> 20) MB: split the file")
        }
        let bytes = Data(buffer: body)
        let type = request.headers[.contentType]?.lowercased() ?? "text/csv"
        let mediaType = type.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces)
        } ?? ""
        var csv = bytes, format = APISubmission.Format.csv
        var jsonSubmission: JSONSubmission?
        if mediaType == "application/json" {
            do { jsonSubmission = try JSONSubmission(json: bytes, instrument: instrument.instrument, site: site) } catch let malformed as JSONSubmission.Malformed {
                throw HTTPError(.badRequest, message: malformed.message)
            }
            csv = jsonSubmission!.csv
            format = .json
        } else if mediaType != "text/csv" && mediaType != "text/plain" {
            throw HTTPError(.unsupportedMediaType, message: "send text/csv (the CSV interchange format) or application/json")
        }
        // A CSV body is UTF-8 unless its Content-Type names another charset (Excel's windows-1252, say).
        var charset: TextEncoding?
        if format == .csv, let named = Self.parameter("charset", of: type) {
            guard let encoding = TextEncoding(name: named) else {
                throw HTTPError(.unsupportedMediaType, message: "charset '\(named)' is not one this server reads "
                                + "(\(TextEncoding.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            charset = encoding == .utf8 ? nil : encoding
        }
        let file = "submission from \(site)"
        do {
            let summary = try await backend.submit(csv: csv, file: file, instrument: instrument, site: site,
                                                   submission: APISubmission(tokenID: principal.tokenID,
                                                                             format: format, charset: charset))
            return try json(SubmissionReceipt(submission: summary.importID, instrument: summary.instrumentID,
                                              instrumentVersion: summary.instrumentVersion, rows: summary.rows, new: summary.new,
                                              duplicates: summary.duplicates, sha256: summary.sha256,
                                              warnings: Self.warnings(summary)))
        } catch let list as DiagnosticList {
            let problems = list.diagnostics.map { diagnostic -> Problem in
                if let jsonSubmission {
                    return Problem(path: jsonSubmission.path(line: diagnostic.line, column: diagnostic.column), line: nil, column: nil,
                                   message: diagnostic.message)
                }
                return Problem(path: nil, line: diagnostic.line, column: diagnostic.column, message: diagnostic.message)
            }
            let (total, rows) = (list.total, list.rows)
            let listed = list.omitted > 0 ? " (the first \(problems.count) listed)" : ""
            return try json(Rejection(error: "nothing stored: \(total) problem\(total == 1 ? "" : "s") on \(rows) "
                                          + "row\(rows == 1 ? "" : "s")\(listed)",
                                      problems: problems, problemCount: total, problemRows: rows),
                            status: .unprocessableContent)
        }
    }

    func evaluate(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(.evaluator)
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 1 << 20) } catch {
            throw HTTPError(.contentTooLarge,
                            message: "an evaluation request is at most 1 MB: {\"analyses\": [\"id\", ...]}")
        }
        var chosen = analyses
        if body.readableBytes > 0 {
            guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
                  object["analyses"] == nil || object["analyses"] is [String] else {
                throw HTTPError(.badRequest, message: "expected {\"analyses\": [\"id\", ...]}, {} or an empty body "
                                + "(every analysis)")
            }
            let ids = object["analyses"] as? [String] ?? analyses.map(\.id)
            let unknown = ids.filter { id in !analyses.contains { $0.id == id } }
            guard unknown.isEmpty else {
                throw HTTPError(.notFound, message: "no analysis \(unknown.joined(separator: ", ")) on this server (analyses: \(analyses.map(\.id).joined(separator: ", ")))")
            }
            chosen = analyses.filter { ids.contains($0.id) }
        }
        let evaluation = try await backend.evaluate(chosen, title: "Outcomes evaluation report", generator: generator)
        await latestReport.set(evaluation.reportHTML)
        let date = Date()
        var text = "{\"report\":\"/v1/evaluations/latest/report.html\",\"failed\":["
        text += evaluation.failed.map { "{\"file\":\(quoted($0.file)),\"error\":\(quoted($0.error))}" }.joined(separator: ",")
        text += "],\"analyses\":["
        text += try evaluation.results.map { try ReportWriter.json($0, generatedAt: date) }.joined(separator: ",")
        text += "]}"
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// What a stored submission should know: required items it had no column for (stored as missing).
    static func warnings(_ summary: ImportSummary) -> [String] {
        let absent = summary.absentRequiredItems
        guard !absent.isEmpty else { return [] }
        return ["\(absent.count) required item\(absent.count == 1 ? " has" : "s have") no column and "
                + "\(absent.count == 1 ? "is" : "are") stored as missing: \(absent.joined(separator: ", "))"]
    }

    private var served: String { instruments.keys.sorted().joined(separator: ", ") }

    /// A parameter of a media type: `charset` of `text/csv; charset=windows-1252`.
    static func parameter(_ name: String, of mediaType: String) -> String? {
        for part in mediaType.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == name {
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }

    private func quoted(_ text: String) -> String {
        var out = ""
        appendJSONString(text, to: &out)
        return out
    }
}

/// The last evaluation's report, kept for `GET /v1/evaluations/latest/report.html`.
private actor LatestReport {
    var html: String?
    func set(_ html: String) { self.html = html }
}

struct InstrumentInfo: Codable { var id, version, title: String; var items: [String] }
struct SubmissionReceipt: Codable {
    var submission: Int64
    var instrument, instrumentVersion: String
    var rows, new, duplicates: Int
    var sha256: String
    var warnings: [String]
}
struct Problem: Codable { var path: String?; var line, column: Int?; var message: String }
/// A refused submission: the first problems (at most 1,000) and how many there were in all.
struct Rejection: Codable {
    var error: String
    var problems: [Problem]
    var problemCount: Int
    var problemRows: Int
}

extension ServerContext {
    /// The caller, if it holds one of `roles`: 401 without a valid token, 403 with another role's.
    func require(_ roles: APIPrincipal.Role...) throws -> APIPrincipal {
        guard let principal else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "send a token: Authorization: Bearer TOKEN")
        }
        guard roles.contains(principal.role) else {
            throw HTTPError(.forbidden, message: "this needs \(roles.map { $0 == .site ? "a site's" : "an evaluator's" }.joined(separator: " or ")) token")
        }
        return principal
    }

    /// Whose records a listing shows: a site token its own site only; an evaluator all, or `?site=`.
    func siteScope(_ request: Request) throws -> String? {
        let principal = try require(.site, .evaluator)
        let asked = request.uri.queryParameters.get("site")
        if principal.role == .site {
            if let asked, asked != principal.site {
                throw HTTPError(.forbidden, message: "a site's token reads its own site's records only")
            }
            return principal.site
        }
        return asked
    }
}

/// Checks the token (if any) and logs every request with its outcome, whatever happens.
struct AuditMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let backend: any SubmissionBackend
    let limits: ServerLimits
    /// Per client address (every request, before any token is looked up: a flood of made-up tokens costs
    /// no store lookups) and per token.
    let byAddress: RateLimiter
    let byToken: RateLimiter

    init(backend: any SubmissionBackend, limits: ServerLimits) {
        self.backend = backend
        self.limits = limits
        // Sites behind one address (a council's NAT) share the address's allowance: four tokens' worth.
        byAddress = RateLimiter(requestsPerMinute: limits.requestsPerMinute * 4)
        byToken = RateLimiter(requestsPerMinute: limits.requestsPerMinute)
    }

    /// The routes and their methods (as in `SubmissionServer.router()` and docs/openapi.yaml).
    static let methods: [String: [HTTPRequest.Method]] = [
        "/v1/health": [.get], "/v1/instruments": [.get], "/v1/submissions": [.get, .post], "/v1/responses": [.get],
        "/v1/evaluations": [.post], "/v1/evaluations/latest/report.html": [.get],
    ]

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var context = context
        var detail: String?
        // A revoked (or otherwise refused) token the store knows: logged by its id.
        var triedTokenID: Int64?
        let path = request.uri.path
        // Logged paths and details are cut, so that no request can write more than a bounded row.
        let loggedPath = Self.cut(path, to: limits.loggedPathBytes)
        func log(_ status: Int, _ more: String?) async {
            let elapsed = ContinuousClock.now - started
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            let text = [detail, more].compactMap { $0 }.joined(separator: "; ")
            let loggedDetail = text.isEmpty ? nil : Self.cut(text, to: limits.loggedDetailBytes)
            do {
                try await backend.record(RequestRecord(tokenID: context.principal?.tokenID ?? triedTokenID,
                                                       method: request.method.rawValue,
                                                       path: loggedPath, status: status, milliseconds: milliseconds,
                                                       detail: loggedDetail,
                                                       client: context.clientAddress))
            } catch {
                context.logger.error("could not log request \(request.method) \(loggedPath): \(error)")
            }
        }
        func refuse(_ decision: RateLimiter.Decision, _ who: String) async throws {
            guard case let .refused(retryAfter, first) = decision else { return }
            let message = "too many requests from this \(who): at most \(limits.requestsPerMinute) a minute; "
                + "retry after \(retryAfter) s"
            if first { await log(429, message + " (further refusals this minute are not logged)") }
            throw HTTPError(.tooManyRequests, headers: [.retryAfter: String(retryAfter)], message: message)
        }
        try await refuse(byAddress.check("address " + (context.clientAddress ?? "unknown")), "address")
        if path.utf8.count > limits.maxPathBytes {
            await log(414, "path of \(path.utf8.count) bytes")
            throw HTTPError(.uriTooLong, message: "the request path is longer than \(limits.maxPathBytes) bytes")
        }
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = String(parts[1]).trimmingCharacters(in: .whitespaces)
                context.principal = try await backend.principal(token: token)
                if context.principal == nil {
                    triedTokenID = try await backend.tokenID(token: token)
                    detail = triedTokenID == nil ? "unknown token" : "revoked token"
                }
            } else {
                detail = "Authorization is not 'Bearer TOKEN'"
            }
        }
        if let principal = context.principal {
            try await refuse(byToken.check("token \(principal.tokenID)"), "token")
        }
        do {
            guard let allowed = Self.methods[path] else {
                throw HTTPError(.notFound, message: "no such route: the API's routes are "
                                + Self.methods.keys.sorted().joined(separator: ", ") + " (docs/openapi.yaml)")
            }
            // HEAD is GET without the body, wherever GET is allowed (the router's generated endpoints).
            let isHead = request.method == .head && allowed.contains(.get)
            // A known path with a method it does not take: 405 and the methods it does (not 404).
            if !allowed.contains(request.method) && !isHead {
                let methods = allowed.flatMap { $0 == .get ? [.get, .head] : [$0] }
                throw HTTPError(.methodNotAllowed, headers: [.allow: methods.map(\.rawValue).joined(separator: ", ")],
                                message: "\(path) takes \(methods.map(\.rawValue).joined(separator: " or "))")
            }
            if let encoding = request.headers[.contentEncoding]?.lowercased(), encoding != "identity" {
                throw HTTPError(.unsupportedMediaType, message: "Content-Encoding '\(Self.cut(encoding, to: 40))' is "
                                + "not accepted: send the body uncompressed")
            }
            let response = try await next(request, context)
            await log(response.status.code, nil)
            return response
        } catch let error as HTTPError {
            await log(error.status.code, error.body)
            throw error
        } catch {
            // Anything else is the server's fault: logged, answered 500, and the server stays up.
            context.logger.error("\(request.method) \(path): \(error)")
            await log(500, "\(error)")
            throw HTTPError(.internalServerError, message: "the server could not complete the request; it has been logged")
        }
    }
}

/// A JSON response (keys in snake_case, sorted, for stable output).
func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys]
    return Response(status: status, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
}

extension AuditMiddleware {
    /// The text cut to at most `bytes` of UTF-8 (on a character boundary), marked as cut.
    static func cut(_ text: String, to bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        var kept = Substring(text.prefix(bytes))
        while kept.utf8.count > bytes - 3 { kept = kept.dropLast() }
        return kept + "..."
    }
}
