import Foundation
import OutcomesStore

/// Where a PostgreSQL store is, from a `postgres://user[:password]@host[:port]/database` URL. The
/// password need not be in the URL (where `ps` shows it): as libpq does, it is taken from
/// PGPASSWORD, or else from the password file (PGPASSFILE, or ~/.pgpass), whose lines are
/// `hostname:port:database:username:password` with `*` matching anything.
public struct PostgresURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    /// The database (libpq's default: the user's name).
    public var database: String

    /// Reads `url`; a missing password is looked up in `environment` and the password file. Messages
    /// never show the password.
    public init(_ url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty, let user = components.user, !user.isEmpty else {
            throw StoreError("a PostgreSQL store is given as postgres://user@host:port/database (the password in "
                             + "PGPASSWORD or ~/.pgpass), found '\(Self.redacted(url))'")
        }
        self.host = host
        port = components.port ?? 5432
        self.user = user
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : path
        if let given = components.password {
            password = given
        } else if let variable = environment["PGPASSWORD"], !variable.isEmpty {
            password = variable
        } else {
            password = try Self.passwordFromFile(environment: environment, host: host, port: port, database: database,
                                                 user: user)
        }
    }

    /// The URL without its password (`***` in its place), for messages and logs.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// `url` with any password replaced by `***`, also when the URL is malformed.
    public static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@") else { return url }
        let start = url.range(of: "://")?.upperBound ?? url.startIndex
        guard start < at, let colon = url[start..<at].firstIndex(of: ":") else { return url }
        return String(url[...colon]) + "***" + String(url[at...])
    }

    /// The password the password file gives for this connection, nil if none does (or there is no
    /// file). A file others may read is refused, as libpq ignores it.
    static func passwordFromFile(environment: [String: String], host: String, port: Int, database: String,
                                 user: String) throws -> String? {
        let path: String
        if let given = environment["PGPASSFILE"], !given.isEmpty {
            path = given
        } else if let home = environment["HOME"], !home.isEmpty {
            path = home + "/.pgpass"
        } else {
            return nil
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
        guard mode & 0o077 == 0 else {
            throw StoreError("the password file \(path) may be read by others: make it private (chmod 600 \(path))")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StoreError("the password file \(path) cannot be read as UTF-8 text")
        }
        return password(inPassFile: text, host: host, port: port, database: database, user: user)
    }

    /// The password of the first line of a libpq password file that matches (`*` matches any value;
    /// `\:` and `\\` stand for `:` and `\`; lines starting with `#` are comments).
    public static func password(inPassFile text: String, host: String, port: Int, database: String,
                                user: String) -> String? {
        let wanted = [host, String(port), database, user]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            var fields: [String] = [""], escaped = false
            for character in line {
                if escaped {
                    fields[fields.count - 1].append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == ":", fields.count < 5 {
                    fields.append("")
                } else {
                    fields[fields.count - 1].append(character)
                }
            }
            guard fields.count == 5 else { continue }
            if zip(fields, wanted).allSatisfy({ $0 == "*" || $0 == $1 }) {
                return fields[4]
            }
        }
        return nil
    }
}
