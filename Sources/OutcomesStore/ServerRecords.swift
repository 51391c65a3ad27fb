import Foundation

/// Who is calling the submission server: a site (submits and reads its own responses only) or an
/// evaluator (reads every site's, runs analyses).
public struct APIPrincipal: Sendable, Equatable {
    public enum Role: String, Sendable, Codable { case site, evaluator }
    public var tokenID: Int64
    public var name: String
    public var role: Role
    /// The site a site token submits for; nil for an evaluator.
    public var site: String?
    public init(tokenID: Int64, name: String, role: Role, site: String?) {
        self.tokenID = tokenID
        self.name = name
        self.role = role
        self.site = site
    }
}

/// A token as listed (the token itself is never stored, only its SHA-256).
public struct APITokenInfo: Sendable, Equatable {
    public var principal: APIPrincipal
    public var createdAt: String
    public var revokedAt: String?
    public init(principal: APIPrincipal, createdAt: String, revokedAt: String?) {
        self.principal = principal
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// One submission the server stored.
public struct APISubmissionRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var site: String
    public var token: String
    public var format: String
    public var instrument: String
    public var instrumentVersion: String
    public var receivedAt: String
    public var rows: Int
    public var new: Int
    public var duplicates: Int
    public var sha256: String
    public init(id: Int64, site: String, token: String, format: String, instrument: String, instrumentVersion: String,
                receivedAt: String, rows: Int, new: Int, duplicates: Int, sha256: String) {
        self.id = id; self.site = site; self.token = token; self.format = format; self.instrument = instrument
        self.instrumentVersion = instrumentVersion; self.receivedAt = receivedAt; self.rows = rows; self.new = new
        self.duplicates = duplicates; self.sha256 = sha256
    }
}

/// Stored responses of one instrument and wave (for one site, or all).
public struct ResponseCount: Sendable, Equatable, Codable {
    public var instrument: String
    public var wave: String
    public var responses: Int
    public init(instrument: String, wave: String, responses: Int) { self.instrument = instrument; self.wave = wave; self.responses = responses }
}

/// The submission server's tokens, request log and submissions, shared by every store the server
/// runs on: the SQLite store here, PostgreSQL in OutcomesServer.
public enum APITokens {
    /// A new token: 32 random bytes from the system's secure generator, base64url without padding.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// What is stored of a token: its SHA-256, in hex.
    public static func hash(_ token: String) -> String {
        sha256Hex(Data(token.utf8))
    }
}

extension Store {
    /// Makes a token and returns it with its id: shown once, only its hash is kept.
    public func addAPIToken(name: String, role: APIPrincipal.Role, site: String?) throws -> (id: Int64, token: String) {
        guard (role == .site) == (site != nil) else {
            throw StoreError(role == .site ? "a site token needs the site it submits for" : "an evaluator token is for every site: give no site")
        }
        let token = APITokens.generate()
        let insert = try db.prepare("INSERT INTO api_tokens (name, role, site, sha256, created_at) VALUES (?, ?, ?, ?, ?)")
        try insert.bind([.text(name), .text(role.rawValue), site.map { .text($0) } ?? .null, .text(APITokens.hash(token)), .text(Self.timestamp())])
        try insert.run()
        return (db.lastInsertRowID, token)
    }

    /// The id of a token known to the store, revoked or not (for the request log).
    public func apiTokenID(token: String) throws -> Int64? {
        try db.scalarInt("SELECT token_id FROM api_tokens WHERE sha256 = ?", [.text(APITokens.hash(token))])
    }

    /// The holder of a token, if it is known and not revoked.
    public func apiPrincipal(token: String) throws -> APIPrincipal? {
        let select = try db.prepare("SELECT token_id, name, role, site FROM api_tokens WHERE sha256 = ? AND revoked_at IS NULL")
        select.bind(1, APITokens.hash(token))
        guard try select.step() else { return nil }
        return APIPrincipal(tokenID: select.int(0), name: select.text(1) ?? "", role: APIPrincipal.Role(rawValue: select.text(2) ?? "") ?? .site,
                            site: select.text(3))
    }

    public func apiTokens() throws -> [APITokenInfo] {
        let select = try db.prepare("SELECT token_id, name, role, site, created_at, revoked_at FROM api_tokens ORDER BY token_id")
        var tokens: [APITokenInfo] = []
        while try select.step() {
            tokens.append(APITokenInfo(principal: APIPrincipal(tokenID: select.int(0), name: select.text(1) ?? "",
                                                               role: APIPrincipal.Role(rawValue: select.text(2) ?? "") ?? .site, site: select.text(3)),
                                       createdAt: select.text(4) ?? "", revokedAt: select.text(5)))
        }
        return tokens
    }

    /// Revokes a token (it is kept, for the request log); false if there is no such live token.
    public func revokeAPIToken(id: Int64) throws -> Bool {
        let update = try db.prepare("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL")
        try update.bind([.text(Self.timestamp()), .int(id)])
        try update.run()
        return db.changes == 1
    }

    /// Logs one request the server answered.
    public func recordAPIRequest(tokenID: Int64?, method: String, path: String, status: Int, milliseconds: Double,
                                 detail: String?, client: String? = nil) throws {
        let insert = try db.prepare("""
            INSERT INTO api_requests (at, token_id, method, path, status, milliseconds, detail, client)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try insert.bind([.text(Self.timestamp()), tokenID.map { .int($0) } ?? .null, .text(method), .text(path), .int(Int64(status)),
                         .double(milliseconds), detail.map { .text($0) } ?? .null, client.map { .text($0) } ?? .null])
        try insert.run()
    }

    /// Deletes request log rows older than `days` days, except those of accepted submissions (the
    /// record of stored data, kept as long as the data); returns how many went.
    @discardableResult
    public func pruneAPIRequests(olderThanDays days: Int, now: Date = Date()) throws -> Int {
        let cutoff = Self.timestamp(now.addingTimeInterval(-Double(days) * 86_400))
        let delete = try db.prepare("""
            DELETE FROM api_requests WHERE at < ?
              AND NOT (method = 'POST' AND path LIKE '/v1/submissions%' AND status = 200)
            """)
        try delete.bind([.text(cutoff)])
        try delete.run()
        return db.changes
    }

    /// Requests logged, newest last: (token id, method, path, status).
    public func apiRequests() throws -> [(tokenID: Int64?, method: String, path: String, status: Int, client: String?,
                                           detail: String?)] {
        let select = try db.prepare(
            "SELECT token_id, method, path, status, client, detail FROM api_requests ORDER BY request_id")
        var requests: [(Int64?, String, String, Int, String?, String?)] = []
        while try select.step() {
            requests.append((select.isNull(0) ? nil : select.int(0), select.text(1) ?? "", select.text(2) ?? "",
                             Int(select.int(3)), select.text(4), select.text(5)))
        }
        return requests
    }

    /// Submissions stored through the server, for one site or every site, oldest first.
    public func apiSubmissions(site: String?) throws -> [APISubmissionRecord] {
        let select = try db.prepare("""
            SELECT s.import_id, s.site, t.name, s.format, i.instrument_id, i.instrument_version, i.imported_at, i.rows_read,
                   i.responses_new, i.responses_duplicate, i.sha256
            FROM api_submissions s JOIN imports i ON i.import_id = s.import_id JOIN api_tokens t ON t.token_id = s.token_id
            WHERE ? IS NULL OR s.site = ? ORDER BY s.import_id
            """)
        try select.bind([site.map { .text($0) } ?? .null, site.map { .text($0) } ?? .null])
        var records: [APISubmissionRecord] = []
        while try select.step() {
            records.append(APISubmissionRecord(id: select.int(0), site: select.text(1) ?? "", token: select.text(2) ?? "",
                                               format: select.text(3) ?? "", instrument: select.text(4) ?? "",
                                               instrumentVersion: select.text(5) ?? "", receivedAt: select.text(6) ?? "",
                                               rows: Int(select.int(7)), new: Int(select.int(8)), duplicates: Int(select.int(9)),
                                               sha256: select.text(10) ?? ""))
        }
        return records
    }

    /// Complete responses by instrument and wave, of one site or all.
    public func responseCounts(site: String?) throws -> [ResponseCount] {
        let select = try db.prepare("""
            SELECT r.instrument_id, w.name, count(*) FROM responses r JOIN waves w ON w.wave_id = r.wave_id
            JOIN respondents p ON p.respondent_id = r.respondent_id JOIN sites s ON s.site_id = p.site_id
            WHERE r.status = 'complete' AND (? IS NULL OR s.code = ?)
            GROUP BY r.instrument_id, w.name ORDER BY r.instrument_id, w.name
            """)
        try select.bind([site.map { .text($0) } ?? .null, site.map { .text($0) } ?? .null])
        var counts: [ResponseCount] = []
        while try select.step() { counts.append(ResponseCount(instrument: select.text(0) ?? "", wave: select.text(1) ?? "", responses: Int(select.int(2)))) }
        return counts
    }
}
