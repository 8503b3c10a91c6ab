import Foundation

/// The embedded durable job queue: one SQLite file (default `<storage>/jobs.sqlite`), WAL journal, a busy timeout,
/// every state change in a transaction, claims under `BEGIN IMMEDIATE` (one writer at a time, so two processes
/// sharing the file never claim the same job). Nodes on other machines need `PostgresJobStore`.
public final class SQLiteJobStore: SQLJobStore, @unchecked Sendable {
    /// The database file.
    public let fileURL: URL

    /// Opens (creating when missing) the database and brings its schema up to date.
    /// - Parameters:
    ///   - fileURL: the database file; its folder is created when missing.
    ///   - busyTimeoutSeconds: how long a write waits for another connection's transaction (default 10 s).
    ///   - timingRetention: phase-timing samples kept for the ETA.
    ///   - schemaVersion: migrate only up to this version (upgrade tests); nil for the current schema.
    public init(
        fileURL: URL, clock: any OrchestratorClock = SystemClock(), busyTimeoutSeconds: Double = 10,
        timingRetention: Int = 500, schemaVersion: Int? = nil
    ) throws {
        self.fileURL = fileURL
        try FileManager.default.createDirectory(
            at: fileURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let connection = try SQLiteConnection(
            path: fileURL.path,
            busyTimeoutMilliseconds: Int32(min(max(busyTimeoutSeconds, 0), 3_600) * 1000))
        try super.init(
            connection: connection, dialect: .sqlite, clock: clock, timingRetention: timingRetention,
            schemaVersion: schemaVersion)
    }
}
