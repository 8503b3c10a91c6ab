import CSQLite
import Foundation
import Orchestrator

/// The three job queue implementations the shared behaviour suite runs against.
enum QueueBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case memory, sqlite, postgres

    var description: String { rawValue }

    /// The backends to test: PostgreSQL only when a server is configured, or when it is required (then a missing
    /// server fails every PostgreSQL case instead of skipping it).
    static var available: [QueueBackend] {
        PostgresTestEnvironment.url != nil || PostgresTestEnvironment.isRequired ? allCases : [.memory, .sqlite]
    }
}

/// `MASHUP_TEST_DATABASE_URL` (set by `scripts/with-postgres.sh`) and whether PostgreSQL tests are mandatory
/// (`MASHUP_REQUIRE_POSTGRES=1`, set by `make test`, or `CI=true`).
enum PostgresTestEnvironment {
    static var url: String? {
        let value = ProcessInfo.processInfo.environment["MASHUP_TEST_DATABASE_URL"] ?? ""
        return value.isEmpty ? nil : value
    }

    static var isRequired: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["MASHUP_REQUIRE_POSTGRES"] == "1" || environment["CI"] == "true"
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "PostgreSQL tests are required (MASHUP_REQUIRE_POSTGRES=1 or CI=true) but MASHUP_TEST_DATABASE_URL is unset: "
                + "run them through scripts/with-postgres.sh (make test does)"
        }
    }
}

/// One throwaway database of a backend, shared by any number of "nodes" (each its own store instance and, for the
/// SQL backends, its own connection), all on one virtual clock.
final class QueueHarness: @unchecked Sendable {
    let backend: QueueBackend
    let clock: TestClock
    private let directory: URL
    private let schema: String
    private let memory: InMemoryJobQueue

    init(_ backend: QueueBackend) throws {
        self.backend = backend
        clock = TestClock(autoAdvance: false)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-queue-\(UUID().uuidString)")
        schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        memory = InMemoryJobQueue(clock: clock)
        if backend == .postgres, PostgresTestEnvironment.url == nil { throw PostgresTestEnvironment.Missing() }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A node: a new store instance on the same database (the in-memory queue is shared as it is).
    func node() throws -> any JobQueue {
        switch backend {
        case .memory: memory
        case .sqlite: try SQLiteJobStore(fileURL: directory.appendingPathComponent("jobs.sqlite"), clock: clock)
        case .postgres: try PostgresJobStore(url: PostgresTestEnvironment.url!, schema: schema, clock: clock)
        }
    }

    /// A folder for job files.
    var filesDirectory: URL { directory }

    deinit {
        try? FileManager.default.removeItem(at: directory)
        if backend == .postgres, let url = PostgresTestEnvironment.url {
            try? PostgresJobStore.dropSchema(schema, url: url)
        }
    }
}

/// Raw SQL on a SQLite file, to set up states the stores never write (a schema from the future).
enum SQLiteTestDatabase {
    struct Failure: Error { let message: String }

    static func execute(_ sql: String, path: String) throws {
        var handle: OpaquePointer?
        defer { sqlite3_close_v2(handle) }
        guard sqlite3_open(path, &handle) == SQLITE_OK, sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
            throw Failure(message: String(cString: sqlite3_errmsg(handle)))
        }
    }
}
