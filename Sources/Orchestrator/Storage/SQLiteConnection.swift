// Why this file uses unsafe pointers: SQLite's C API hands out opaque `sqlite3` / `sqlite3_stmt` handles and
// C strings; this connection type is the only place that calls it. Stores above it use Swift values only.
import CSQLite
import Foundation

/// A connection to a SQLite database file: WAL journal (readers never block the writer), a busy timeout (writers
/// wait for each other instead of failing), foreign keys on. The C API is confined to this file.
final class SQLiteConnection: SQLConnection {
    private var handle: OpaquePointer?
    let path: String

    /// SQLITE_TRANSIENT: SQLite copies bound text before `bind` returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// - Parameters:
    ///   - path: the database file (created when missing).
    ///   - busyTimeoutMilliseconds: how long a statement waits for another connection's write lock.
    init(path: String, busyTimeoutMilliseconds: Int32) throws {
        self.path = path
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(handle)
            handle = nil
            throw SQLError(engine: "sqlite", message: "\(message) (\(path))", statement: "open")
        }
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=NORMAL")
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit { sqlite3_close_v2(handle) }

    func execute(_ sql: String) throws {
        var errorText: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorText)
        if status != SQLITE_OK {
            let message = errorText.map { String(cString: $0) } ?? "error \(status)"
            sqlite3_free(errorText)
            throw SQLError(engine: "sqlite", message: message, statement: sql)
        }
    }

    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [[SQLValue]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else {
            throw error(sql)
        }
        defer { sqlite3_finalize(statement) }
        for (offset, value) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32 =
                switch value {
                case .null: sqlite3_bind_null(statement, index)
                case .integer(let number): sqlite3_bind_int64(statement, index, number)
                case .real(let number): sqlite3_bind_double(statement, index, number)
                case .text(let string): sqlite3_bind_text(statement, index, string, -1, Self.transient)
                }
            guard status == SQLITE_OK else { throw error(sql) }
        }
        var rows: [[SQLValue]] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw error(sql) }
            let columnCount = sqlite3_column_count(statement)
            var row: [SQLValue] = []
            row.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                switch sqlite3_column_type(statement, column) {
                case SQLITE_NULL: row.append(.null)
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(statement, column)))
                case SQLITE_FLOAT: row.append(.real(sqlite3_column_double(statement, column)))
                default:
                    let text = sqlite3_column_text(statement, column).map { String(cString: $0) } ?? ""
                    row.append(.text(text))
                }
            }
            rows.append(row)
        }
        return rows
    }

    private func error(_ sql: String) -> SQLError {
        SQLError(engine: "sqlite", message: String(cString: sqlite3_errmsg(handle)), statement: sql)
    }
}
