import Foundation

/// The SQL that differs between SQLite and PostgreSQL: column types, how a writing transaction starts, row locks,
/// and the schema migrations.
struct SQLDialect: Sendable {
    /// "sqlite" or "postgres" (error messages).
    var name: String
    /// Starts a transaction that will write. SQLite: `BEGIN IMMEDIATE` takes the single write lock up front (no
    /// deadlock upgrading a read lock); PostgreSQL: `BEGIN` (rows are locked one by one with `FOR UPDATE`).
    var beginWrite: String
    /// Appended to a SELECT of rows about to change: row locks in PostgreSQL, nothing in SQLite (the whole
    /// database is locked by `BEGIN IMMEDIATE`).
    var lockRows: String
    /// Appended to the claim's SELECT: PostgreSQL skips rows another claimer holds (`FOR UPDATE SKIP LOCKED`), so
    /// concurrent claimers take different jobs without waiting.
    var lockRowsSkippingLocked: String
    /// Run first in the migration transaction so two nodes starting together upgrade one after the other.
    var migrationLock: String?
    /// Migrations in order; version n brings the schema from n-1 to n.
    var migrations: [SQLMigration]

    static let sqlite = SQLDialect(
        name: "sqlite", beginWrite: "BEGIN IMMEDIATE", lockRows: "", lockRowsSkippingLocked: "",
        migrationLock: nil,
        migrations: SQLMigration.all(
            real: "REAL", integer: "INTEGER", json: "TEXT",
            serialKey: "INTEGER PRIMARY KEY AUTOINCREMENT"))

    static let postgres = SQLDialect(
        name: "postgres", beginWrite: "BEGIN", lockRows: " FOR UPDATE",
        lockRowsSkippingLocked: " FOR UPDATE SKIP LOCKED",
        // Any constant: the key of a transaction-level advisory lock held while migrating.
        migrationLock: "SELECT pg_advisory_xact_lock(72110010)",
        migrations: SQLMigration.all(
            real: "DOUBLE PRECISION", integer: "BIGINT", json: "JSONB",
            serialKey: "BIGSERIAL PRIMARY KEY"))
}

/// One schema upgrade step.
struct SQLMigration: Sendable {
    var version: Int
    var summary: String
    var statements: [String]

    /// The schema history. Append new steps; never edit a released one (databases in the field already ran it).
    static func all(real: String, integer: String, json: String, serialKey: String) -> [SQLMigration] {
        [
            SQLMigration(
                version: 1, summary: "jobs with queue and lease columns",
                statements: [
                    """
                    CREATE TABLE jobs (
                        id TEXT PRIMARY KEY,
                        state TEXT NOT NULL,
                        created_at \(real) NOT NULL,
                        updated_at \(real) NOT NULL,
                        lease_owner TEXT,
                        lease_expires_at \(real),
                        attempts \(integer) NOT NULL DEFAULT 0,
                        cancel_requested \(integer) NOT NULL DEFAULT 0,
                        record \(json) NOT NULL
                    )
                    """,
                    // The claim: oldest queued job first.
                    "CREATE INDEX jobs_queue ON jobs (state, created_at, id)",
                    // Lease expiry scan and restart requeue touch only leased rows.
                    "CREATE INDEX jobs_lease_expiry ON jobs (lease_expires_at) WHERE lease_expires_at IS NOT NULL",
                    "CREATE INDEX jobs_lease_owner ON jobs (lease_owner) WHERE lease_owner IS NOT NULL",
                ]),
            SQLMigration(
                version: 2, summary: "phase timing history for the ETA",
                statements: [
                    "CREATE TABLE phase_timings (id \(serialKey), recorded_at \(real) NOT NULL, sample \(json) NOT NULL)"
                ]),
            SQLMigration(
                version: 3, summary: "cleanup by age of finished jobs",
                statements: [
                    "CREATE INDEX jobs_finished_age ON jobs (created_at) WHERE state IN ('complete', 'failed', 'cancelled')"
                ]),
        ]
    }
}
