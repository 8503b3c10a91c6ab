// Why this file uses unsafe pointers: libpq hands out opaque `PGconn` / `PGresult` handles and takes parameter
// values as arrays of C strings; this connection type is the only place that calls it.
import CPostgres
import Foundation

/// A connection to a PostgreSQL server through libpq. Every statement with values goes through `PQexecParams`
/// (parameters sent apart from the SQL text, never spliced in); results come back as text and are parsed by the
/// reader. The C API is confined to this file.
final class PostgresConnection: SQLConnection {
    private var handle: OpaquePointer?

    /// - Parameter url: a libpq connection string or URL (`postgres://user@host:port/db`).
    init(url: String) throws {
        handle = PQconnectdb(url)
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            let message = handle.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            PQfinish(handle)
            self.handle = nil
            throw SQLError(
                engine: "postgres", message: message.trimmingCharacters(in: .whitespacesAndNewlines),
                statement: "connect")
        }
        // Notices (e.g. "relation already exists, skipping") are not errors: keep them off stderr.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    func execute(_ sql: String) throws {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, sql)
    }

    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [[SQLValue]] {
        let text = Self.numberPlaceholders(sql)
        let values: [String?] = parameters.map(\.text)
        let result = withCStrings(values) { pointers in
            PQexecParams(handle, text, Int32(values.count), nil, pointers, nil, nil, 0)
        }
        defer { PQclear(result) }
        try check(result, text)
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        var rows: [[SQLValue]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(.null)
                } else {
                    values.append(.text(String(cString: PQgetvalue(result, row, column))))
                }
            }
            rows.append(values)
        }
        return rows
    }

    /// `?` → `$1`, `$2`, … (the SQL of this module has no `?` inside literals).
    static func numberPlaceholders(_ sql: String) -> String {
        var output = ""
        output.reserveCapacity(sql.count + 16)
        var index = 0
        for character in sql {
            if character == "?" {
                index += 1
                output += "$\(index)"
            } else {
                output.append(character)
            }
        }
        return output
    }

    private func check(_ result: OpaquePointer?, _ sql: String) throws {
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let message =
                result.map { String(cString: PQresultErrorMessage($0)) } ?? String(cString: PQerrorMessage(handle))
            // A dropped connection (server restart, network): reconnect so the next call can succeed; this one
            // still fails (its transaction is gone).
            if PQstatus(handle) == CONNECTION_BAD { PQreset(handle) }
            throw SQLError(
                engine: "postgres", message: message.trimmingCharacters(in: .whitespacesAndNewlines),
                statement: sql)
        }
    }
}

/// Calls `body` with a C array of NUL-terminated copies of `strings` (NULL entries for nil), freed afterwards.
private func withCStrings<T>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
    defer { copies.forEach { free($0) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}
