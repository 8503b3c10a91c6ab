import Foundation

/// The job queue over a SQL database, shared by `SQLiteJobStore` and `PostgresJobStore`.
///
/// A job is one row: the whole `JobRecord` as JSON (Codable, nested fields included) plus the columns the queue
/// queries (state, creation time, lease owner and expiry, attempts, cancel flag). Every change is one transaction:
/// read the row (locked), apply the record's own mutation function (`applyTransition`, `applyProgress`), write it
/// back, so the transition table and progress rules are the in-memory store's. The connection is used from one
/// serial queue; no transaction spans an `await`.
public class SQLJobStore: JobQueue, @unchecked Sendable {
    /// The schema version this program writes (the highest migration).
    public static var currentSchemaVersion: Int { SQLDialect.sqlite.migrations.map(\.version).max() ?? 0 }

    /// Timing samples kept (older ones are deleted when new ones are recorded).
    public let timingRetention: Int

    private let connection: any SQLConnection
    private let dialect: SQLDialect
    private let clock: any OrchestratorClock
    private let queue: DispatchQueue

    private static let columns = "record, lease_owner, lease_expires_at, attempts, cancel_requested"
    private static let terminalStates = "('complete', 'failed', 'cancelled')"

    init(
        connection: any SQLConnection, dialect: SQLDialect, clock: any OrchestratorClock, timingRetention: Int,
        schemaVersion: Int? = nil
    ) throws {
        precondition(timingRetention >= 1)
        self.connection = connection
        self.dialect = dialect
        self.clock = clock
        self.timingRetention = timingRetention
        self.queue = DispatchQueue(label: "mashup.jobstore.\(dialect.name)")
        try migrate(upTo: schemaVersion)
    }

    // MARK: Schema

    /// The schema version of the database.
    public func schemaVersion() async throws -> Int {
        try await perform { connection in
            try Self.version(connection)
        }
    }

    private static func version(_ connection: any SQLConnection) throws -> Int {
        let rows = try connection.query("SELECT MAX(version) FROM schema_version", [])
        return Int(rows.first?.first?.integer ?? 0)
    }

    /// Creates or upgrades the schema in one transaction: the version table, then every migration above the
    /// database's version, in order. Refuses a database newer than this program.
    private func migrate(upTo target: Int?) throws {
        try queue.sync {
            try transaction { connection in
                if let lock = dialect.migrationLock { try connection.execute(lock) }
                try connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)")
                let current = try Self.version(connection)
                let known = dialect.migrations.map(\.version).max() ?? 0
                guard current <= known else {
                    throw SQLError(
                        engine: dialect.name,
                        message: "the database schema is version \(current), newer than "
                            + "this program's \(known): upgrade mashup", statement: "schema_version")
                }
                for migration in dialect.migrations
                where migration.version > current && migration.version <= (target ?? known) {
                    for statement in migration.statements { try connection.execute(statement) }
                    try connection.query(
                        "INSERT INTO schema_version (version) VALUES (?)", [.integer(Int64(migration.version))])
                }
            }
        }
    }

    // MARK: JobStore

    public func create(_ record: JobRecord) async throws {
        let json = try Self.encode(record)
        try await write { connection in
            let inserted = try connection.query(
                "INSERT INTO jobs (id, state, created_at, updated_at, record) VALUES (?, ?, ?, ?, ?) "
                    + "ON CONFLICT (id) DO NOTHING RETURNING id",
                [
                    .text(record.id), .text(record.state.rawValue), .date(record.createdAt), .date(record.updatedAt),
                    .text(json),
                ])
            guard !inserted.isEmpty else { throw JobStoreError.duplicate(id: record.id) }
        }
    }

    public func get(_ id: String) async throws -> JobRecord? {
        try await perform { connection in
            try Self.row(connection, id, lock: "")?.record
        }
    }

    public func list(states: Set<JobState>?) async throws -> [JobRecord] {
        try await perform { connection in
            var sql = "SELECT \(Self.columns) FROM jobs"
            var parameters: [SQLValue] = []
            if let states {
                guard !states.isEmpty else { return [] }
                sql += " WHERE state IN (" + Array(repeating: "?", count: states.count).joined(separator: ", ") + ")"
                parameters = states.map(\.rawValue).sorted().map { .text($0) }
            }
            return try connection.query(sql + " ORDER BY created_at, id", parameters).map { try Self.decode($0).record }
        }
    }

    @discardableResult
    public func updateProgress(_ id: String, _ update: ProgressUpdate) async throws -> JobRecord {
        let now = clock.now()
        return try await change(id) { record, _ in try record.applyProgress(update, at: now) }
    }

    @discardableResult
    public func transition(_ id: String, to state: JobState, failure: JobFailure?, result: JobResult?) async throws
        -> JobRecord
    {
        let now = clock.now()
        return try await change(id) { record, lease in
            try record.applyTransition(to: state, at: now, failure: failure, result: result)
            if state != .processing { Self.clear(&lease) }
        }
    }

    @discardableResult
    public func modify(_ id: String, _ change: @Sendable (inout JobRecord) -> Void) async throws -> JobRecord {
        let now = clock.now()
        return try await withoutActuallyEscaping(change) { change in
            try await self.change(id) { record, _ in
                let before = record
                change(&record)
                try JobStoreRules.checkFreeFieldsOnly(before: before, after: record)
                record.touch(at: now)
            }
        }
    }

    @discardableResult
    public func delete(_ id: String) async throws -> JobRecord? {
        try await write { connection in
            guard let row = try Self.row(connection, id, lock: self.dialect.lockRows) else { return nil }
            try connection.query("DELETE FROM jobs WHERE id = ?", [.text(id)])
            return row.record
        }
    }

    public func removeFinished(createdBefore cutoff: Date) async throws -> [JobRecord] {
        try await write { connection in
            let rows = try connection.query(
                "SELECT \(Self.columns) FROM jobs WHERE state IN \(Self.terminalStates) AND created_at < ? "
                    + "ORDER BY created_at, id\(self.dialect.lockRows)", [.date(cutoff)])
            let records = try rows.map { try Self.decode($0).record }
            for record in records { try connection.query("DELETE FROM jobs WHERE id = ?", [.text(record.id)]) }
            return records
        }
    }

    // MARK: JobQueue

    public func claimNext(nodeID: String, leaseSeconds: Double) async throws -> JobRecord? {
        try JobQueueRules.validate(leaseSeconds: leaseSeconds)
        let now = clock.now()
        return try await write { connection in
            let rows = try connection.query(
                "SELECT \(Self.columns) FROM jobs WHERE state = 'queued' ORDER BY created_at, id LIMIT 1"
                    + self.dialect.lockRowsSkippingLocked, [])
            guard let first = rows.first else { return nil }
            var (record, lease) = try Self.decode(first)
            try record.applyTransition(to: .processing, at: now)
            lease.owner = nodeID
            lease.expiresAt = now.addingTimeInterval(leaseSeconds)
            lease.attempts += 1
            try Self.save(connection, record, lease)
            return record
        }
    }

    @discardableResult
    public func renewLease(_ id: String, nodeID: String, leaseSeconds: Double) async throws -> Date {
        try JobQueueRules.validate(leaseSeconds: leaseSeconds)
        let expiry = clock.now().addingTimeInterval(leaseSeconds)
        return try await write { connection in
            guard let row = try Self.row(connection, id, lock: self.dialect.lockRows) else {
                throw JobStoreError.notFound(id: id)
            }
            guard row.record.state == .processing, row.lease.owner == nodeID else {
                throw JobQueueError.leaseLost(id: id, nodeID: nodeID, owner: row.lease.owner, state: row.record.state)
            }
            try connection.query("UPDATE jobs SET lease_expires_at = ? WHERE id = ?", [.date(expiry), .text(id)])
            return expiry
        }
    }

    @discardableResult
    public func finish(
        _ id: String, nodeID: String, as state: JobState, failure: JobFailure?,
        result: JobResult?
    ) async throws -> JobRecord {
        let now = clock.now()
        return try await change(id) { record, lease in
            guard record.state == .processing, lease.owner == nodeID else {
                throw JobQueueError.leaseLost(id: id, nodeID: nodeID, owner: lease.owner, state: record.state)
            }
            guard state.isTerminal else { throw JobStoreError.invalidTransition(id: id, from: record.state, to: state) }
            try record.applyTransition(to: state, at: now, failure: failure, result: result)
            Self.clear(&lease)
        }
    }

    public func requeueExpiredLeases(now: Date, maxAttempts: Int) async throws -> LeaseRecovery {
        try JobQueueRules.validate(maxAttempts: maxAttempts)
        let changedAt = clock.now()
        return try await write { connection in
            // Skipping locked rows: a row locked now is being renewed or finished by its node.
            let rows = try connection.query(
                "SELECT \(Self.columns) FROM jobs WHERE state = 'processing' AND lease_expires_at < ? "
                    + "ORDER BY created_at, id\(self.dialect.lockRowsSkippingLocked)", [.date(now)])
            var recovery = LeaseRecovery()
            for row in rows {
                var (record, lease) = try Self.decode(row)
                if lease.attempts >= maxAttempts {
                    try record.applyTransition(
                        to: .failed, at: changedAt,
                        failure: JobQueueRules.attemptsExhausted(attempts: lease.attempts))
                    recovery.failed.append(record)
                } else {
                    try record.applyTransition(to: .queued, at: changedAt)
                    recovery.requeued.append(record)
                }
                Self.clear(&lease)
                try Self.save(connection, record, lease)
            }
            return recovery
        }
    }

    public func requeueRunningJobs(ofNode nodeID: String) async throws -> [JobRecord] {
        let now = clock.now()
        return try await write { connection in
            let rows = try connection.query(
                "SELECT \(Self.columns) FROM jobs WHERE state = 'processing' AND lease_owner = ? "
                    + "ORDER BY created_at, id\(self.dialect.lockRows)", [.text(nodeID)])
            var requeued: [JobRecord] = []
            for row in rows {
                var (record, lease) = try Self.decode(row)
                try record.applyTransition(to: .queued, at: now)
                Self.clear(&lease)
                try Self.save(connection, record, lease)
                requeued.append(record)
            }
            return requeued
        }
    }

    public func lease(of id: String) async throws -> JobLease? {
        try await perform { connection in
            try Self.row(connection, id, lock: "")?.lease
        }
    }

    @discardableResult
    public func requestCancel(_ id: String, failure: JobFailure?) async throws -> JobRecord {
        let now = clock.now()
        let cancelFailure = failure ?? ErrorClassifier.classify(CancellationError())
        return try await change(id) { record, lease in
            lease.cancelRequested = true
            if !record.state.isTerminal {
                try record.applyTransition(to: .cancelled, at: now, failure: cancelFailure)
                Self.clear(&lease)
            }
        }
    }

    public func isCancelRequested(_ id: String) async throws -> Bool {
        try await perform { connection in
            try Self.row(connection, id, lock: "")?.lease.cancelRequested ?? false
        }
    }

    public func recordTiming(_ sample: ProcessingSample) async throws {
        let json = try Self.encode(sample)
        let now = clock.now()
        try await write { connection in
            try connection.query(
                "INSERT INTO phase_timings (recorded_at, sample) VALUES (?, ?)", [.date(now), .text(json)])
            try connection.query(
                "DELETE FROM phase_timings WHERE id <= (SELECT MAX(id) FROM phase_timings) - ?",
                [.integer(Int64(self.timingRetention))])
        }
    }

    public func loadTimings(limit: Int) async throws -> [ProcessingSample] {
        guard limit > 0 else { return [] }
        return try await perform { connection in
            let rows = try connection.query(
                "SELECT sample FROM phase_timings ORDER BY id DESC LIMIT ?",
                [.integer(Int64(limit))])
            return try rows.reversed().map { row in
                guard let text = row.first?.text else { throw Self.corrupt("phase_timings.sample is NULL") }
                return try JSONDecoder().decode(ProcessingSample.self, from: Data(text.utf8))
            }
        }
    }

    // MARK: Rows

    /// Reads, changes and writes back one job in a write transaction.
    private func change(_ id: String, _ body: @escaping (inout JobRecord, inout JobLease) throws -> Void) async throws
        -> JobRecord
    {
        try await write { connection in
            guard var row = try Self.row(connection, id, lock: self.dialect.lockRows) else {
                throw JobStoreError.notFound(id: id)
            }
            try body(&row.record, &row.lease)
            try Self.save(connection, row.record, row.lease)
            return row.record
        }
    }

    private static func row(_ connection: any SQLConnection, _ id: String, lock: String) throws -> (
        record: JobRecord, lease: JobLease
    )? {
        let rows = try connection.query("SELECT \(columns) FROM jobs WHERE id = ?\(lock)", [.text(id)])
        return try rows.first.map(decode)
    }

    private static func save(_ connection: any SQLConnection, _ record: JobRecord, _ lease: JobLease) throws {
        try connection.query(
            "UPDATE jobs SET state = ?, updated_at = ?, record = ?, lease_owner = ?, lease_expires_at = ?, attempts = ?, "
                + "cancel_requested = ? WHERE id = ?",
            [
                .text(record.state.rawValue), .date(record.updatedAt), .text(try encode(record)),
                .optionalText(lease.owner),
                .date(lease.expiresAt), .integer(Int64(lease.attempts)), .integer(lease.cancelRequested ? 1 : 0),
                .text(record.id),
            ])
    }

    private static func decode(_ row: [SQLValue]) throws -> (record: JobRecord, lease: JobLease) {
        guard row.count == 5, let json = row[0].text else { throw corrupt("job row without a record") }
        let record = try JSONDecoder().decode(JobRecord.self, from: Data(json.utf8))
        let lease = JobLease(
            owner: row[1].text, expiresAt: row[2].double.map(Date.init(timeIntervalSince1970:)),
            attempts: Int(row[3].integer ?? 0), cancelRequested: (row[4].integer ?? 0) != 0)
        return (record, lease)
    }

    private static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func clear(_ lease: inout JobLease) {
        lease.owner = nil
        lease.expiresAt = nil
    }

    private static func corrupt(_ message: String) -> SQLError {
        SQLError(engine: "store", message: message, statement: "")
    }

    // MARK: Execution

    /// Runs `body` on the connection's queue (no transaction).
    private func perform<T: Sendable>(_ body: @escaping (any SQLConnection) throws -> T) async throws -> T {
        // The caller awaits until `body` has run once on the queue, so handing it over is safe.
        // The closure is released on the queue BEFORE the caller resumes: `modify` wraps its non-escaping argument
        // with `withoutActuallyEscaping`, which traps if the closure is still referenced when the caller returns
        // (the dispatch block would otherwise hold it a moment longer, a race seen under load).
        let work = ReleasableWork(body)
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                let result = Result { try work.run(self.connection) }
                work.release()
                continuation.resume(with: result)
            }
        }
    }

    /// Runs `body` in a write transaction on the connection's queue.
    private func write<T: Sendable>(_ body: @escaping (any SQLConnection) throws -> T) async throws -> T {
        try await perform { _ in try self.transaction(body) }
    }

    /// BEGIN (the dialect's write form), `body`, COMMIT; ROLLBACK when `body` throws. Call on `queue`.
    private func transaction<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try connection.execute(dialect.beginWrite)
        do {
            let value = try body(connection)
            try connection.execute("COMMIT")
            return value
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }
}

/// A closure handed to the connection queue and dropped there once it has run (see `perform`). Sound because the
/// sender waits for it to finish and only the queue touches it.
private final class ReleasableWork<T>: @unchecked Sendable {
    private var body: ((any SQLConnection) throws -> T)?
    init(_ body: @escaping (any SQLConnection) throws -> T) { self.body = body }
    func run(_ connection: any SQLConnection) throws -> T { try body!(connection) }
    func release() { body = nil }
}
