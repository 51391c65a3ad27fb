import Foundation
import CSQLite
import OutcomesInstruments

/// A failure reported by SQLite or by the store's own checks.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A small wrapper over the system SQLite: just what the store needs (prepared statements, typed
/// binding and reading, transactions), with no per-row allocation on the bulk import path.
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String

    /// Runs once, before the first connection opens.
    private static let configured: Void = outcomes_sqlite_configure()

    init(path: String, readOnly: Bool = false) throws {
        _ = Self.configured
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let status = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StoreError("cannot open database \(path): \(message)")
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit { sqlite3_close_v2(handle) }

    var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &errorMessage) != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(errorMessage)
            throw StoreError("\(path): \(message)")
        }
    }

    /// Like `execute`, but retries while SQLite reports the database busy, for up to `seconds`. For the
    /// statements SQLite answers "busy" at once, without its busy handler, to avoid a deadlock: switching
    /// a new database to WAL needs an exclusive lock, which two tools opening it at once both ask for.
    func executeRetryingWhileBusy(_ sql: String, seconds: Double = 10) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            var errorMessage: UnsafeMutablePointer<CChar>?
            let status = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
            let message = errorMessage.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(errorMessage)
            if status == SQLITE_OK { return }
            guard status & 0xFF == SQLITE_BUSY, Date() < deadline else { throw StoreError("\(path): \(message)") }
            usleep(10_000)
        }
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw StoreError("\(path): \(lastErrorMessage) in: \(sql)")
        }
        return SQLiteStatement(statement, connection: self)
    }

    var changes: Int { Int(sqlite3_changes(handle)) }
    /// False inside a transaction (BEGIN or SAVEPOINT) of this connection.
    var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The first column of the first row of a query, as text (nil if no row or NULL).
    func scalarText(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> String? {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        return try statement.step() ? statement.text(0) : nil
    }

    func scalarInt(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> Int64? {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        return try statement.step() && !statement.isNull(0) ? statement.int(0) : nil
    }
}

enum SQLiteValue {
    case null, int(Int64), double(Double), text(String)
}

final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let connection: SQLiteConnection

    init(_ handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    /// Makes the statement ready to run again, keeping its bindings (every caller rebinds what changes).
    func reset() { sqlite3_reset(handle) }

    // Binding indexes are 1-based, as in SQLite.
    func bindNull(_ index: Int32) { sqlite3_bind_null(handle, index) }
    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }
    func bind(_ index: Int32, _ value: Double) { sqlite3_bind_double(handle, index, value) }
    func bind(_ index: Int32, _ value: String) {
        // withUTF8, not the implicit C-string bridge: that copies every string to a new array first.
        var value = value
        value.withUTF8 { bindText(index, $0) }
    }
    /// Binds UTF-8 bytes as text (copied by SQLite).
    func bindText(_ index: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
        // A nil base address would bind NULL; an empty text is still a value.
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            sqlite3_bind_text(handle, index, "", 0, outcomes_sqlite_transient())
            return
        }
        base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
            _ = sqlite3_bind_text(handle, index, $0, Int32(bytes.count), outcomes_sqlite_transient())
        }
    }
    func bind(_ index: Int32, _ value: String?) {
        if let value { bind(index, value) } else { bindNull(index) }
    }

    func bind(_ values: [SQLiteValue]) throws {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null: bindNull(index)
            case let .int(v): bind(index, v)
            case let .double(v): bind(index, v)
            case let .text(v): bind(index, v)
            }
        }
    }

    /// Steps once: true if a row is available, false when done.
    @discardableResult
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw StoreError("\(connection.path): \(connection.lastErrorMessage)")
        }
    }

    /// Runs a statement that returns no rows, then resets it for reuse. Its bindings are kept, so a
    /// value that is the same for every row can be bound once.
    func run() throws {
        defer { reset() }
        try step()
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    /// A text column's UTF-8 bytes, valid until the next step or reset.
    func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
        guard let pointer = sqlite3_column_text(handle, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column)))
    }
    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: pointer)
    }

    /// A stored answer, typed as its item is stored (nil for NULL): the inverse of ResponseWriter.bind.
    func answer(_ column: Int32, type: ItemType) -> AnswerValue? {
        guard !isNull(column) else { return nil }
        switch type {
        case .singleChoice, .integer: return .integer(Int(int(column)))
        case .number: return .number(double(column))
        case .text, .date: return .text(text(column) ?? "")
        case .multipleChoice: return .codes((text(column) ?? "").split(separator: ";").compactMap { Int($0) })
        }
    }
}
