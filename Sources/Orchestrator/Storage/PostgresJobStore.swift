import Foundation

/// The job queue for several nodes on several machines: PostgreSQL through libpq (`MASHUP_DATABASE_URL`).
/// Claims run `SELECT ... FOR UPDATE SKIP LOCKED` in a transaction, so concurrent claimers take different jobs
/// without waiting for each other; every other change locks its row with `FOR UPDATE`. Queries are parameterised.
public final class PostgresJobStore: SQLJobStore, @unchecked Sendable {
    /// The schema (namespace) the tables live in; nil for the connection's default (`public`).
    public let schema: String?

    /// Connects and brings the schema up to date (an advisory lock serialises nodes migrating at the same time).
    /// - Parameters:
    ///   - url: `postgres://user:password@host:port/database` (any libpq connection string).
    ///   - schema: a namespace for the tables (created when missing): lowercase letters, digits and `_`.
    ///   - timingRetention: phase-timing samples kept for the ETA.
    /// - Throws: `SQLError` when the server cannot be reached or the schema name is not plain.
    public init(
        url: String, schema: String? = nil, clock: any OrchestratorClock = SystemClock(),
        timingRetention: Int = 500
    ) throws {
        self.schema = schema
        let connection = try PostgresConnection(url: url)
        if let schema {
            guard Self.isPlainIdentifier(schema) else {
                throw SQLError(
                    engine: "postgres",
                    message: "schema name \"\(schema)\" must be lowercase letters, digits "
                        + "and underscores, starting with a letter", statement: "schema")
            }
            // Identifiers cannot be bound as parameters; the name was checked to be plain above.
            try connection.execute(
                "BEGIN; SELECT pg_advisory_xact_lock(72110011); "
                    + "CREATE SCHEMA IF NOT EXISTS \(schema); COMMIT")
            try connection.execute("SET search_path TO \(schema)")
        }
        try super.init(connection: connection, dialect: .postgres, clock: clock, timingRetention: timingRetention)
    }

    /// Drops the schema and everything in it (tests' throwaway namespaces). Refuses the default schema.
    public static func dropSchema(_ schema: String, url: String) throws {
        guard isPlainIdentifier(schema), schema != "public" else {
            throw SQLError(
                engine: "postgres", message: "refusing to drop schema \"\(schema)\"", statement: "drop schema")
        }
        try PostgresConnection(url: url).execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
    }

    /// Whether `name` is a plain lowercase SQL identifier (safe to splice into DDL).
    public static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.count <= 63 else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
