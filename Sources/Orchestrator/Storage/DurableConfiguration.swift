import Foundation

/// Where jobs and caches live and how nodes share the queue, from the environment:
/// - `MASHUP_DATABASE_URL`: `postgres://user:password@host:port/database` for a queue shared by several machines;
///   unset: SQLite in `<storage>/jobs.sqlite` (one machine; several processes may share the file).
/// - `MASHUP_NODE_ID`: this node's name in leases (default: the host name). Must be stable across restarts (the
///   restart requeue looks for jobs leased under it) and different for every node sharing a queue.
/// - `MASHUP_LEASE_SECONDS`: lease length (default 30; renewed every third of it).
/// - `MASHUP_MAX_ATTEMPTS`: claims of a job before a lost lease fails it (default 3).
/// - `MASHUP_CACHE_MAX_MB`: content cache size bound (default 2048); the cache is `<storage>/cache`.
public struct DurableConfiguration: Sendable, Equatable {
    public var databaseURL: String?
    public var storageDirectory: URL
    public var nodeID: String
    public var leaseSeconds: Double
    public var maxAttempts: Int
    public var cacheCapacityBytes: Int64

    public static let defaultLeaseSeconds = 30.0
    public static let defaultMaxAttempts = 3
    public static let defaultCacheMegabytes = 2048.0

    public init(
        storageDirectory: URL, databaseURL: String? = nil, nodeID: String = ProcessInfo.processInfo.hostName,
        leaseSeconds: Double = defaultLeaseSeconds, maxAttempts: Int = defaultMaxAttempts,
        cacheCapacityBytes: Int64 = Int64(defaultCacheMegabytes * 1_048_576)
    ) {
        self.storageDirectory = storageDirectory
        self.databaseURL = databaseURL
        self.nodeID = nodeID
        self.leaseSeconds = leaseSeconds
        self.maxAttempts = maxAttempts
        self.cacheCapacityBytes = cacheCapacityBytes
    }

    /// Reads the variables above. - Throws: `ConfigurationError` naming a variable with an unusable value.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        storageDirectory: URL
    ) throws -> DurableConfiguration {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                return nil
            }
            return text
        }
        func number(_ name: String, in range: ClosedRange<Double>, _ what: String) throws -> Double? {
            guard let text = value(name) else { return nil }
            guard let number = Double(text), range.contains(number) else {
                throw ConfigurationError(
                    variable: name, value: text,
                    reason: "expected \(what) between "
                        + "\(range.lowerBound) and \(range.upperBound)")
            }
            return number
        }
        var configuration = DurableConfiguration(storageDirectory: storageDirectory)
        if let url = value("MASHUP_DATABASE_URL") {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw ConfigurationError(
                    variable: "MASHUP_DATABASE_URL", value: "(hidden)",
                    reason: "expected postgres://user:password@host:port/database")
            }
            configuration.databaseURL = url
        }
        if let node = value("MASHUP_NODE_ID") { configuration.nodeID = node }
        if let lease = try number("MASHUP_LEASE_SECONDS", in: 1...3_600, "seconds") {
            configuration.leaseSeconds = lease
        }
        if let attempts = try number("MASHUP_MAX_ATTEMPTS", in: 1...100, "a count") {
            configuration.maxAttempts = Int(attempts)
        }
        if let megabytes = try number("MASHUP_CACHE_MAX_MB", in: 1...16_777_216, "a size in MB") {
            configuration.cacheCapacityBytes = Int64(megabytes * 1_048_576)
        }
        return configuration
    }

    /// The SQLite file used when no database URL is set.
    public var sqliteFileURL: URL { storageDirectory.appendingPathComponent("jobs.sqlite") }

    /// The content cache folder.
    public var cacheDirectory: URL { storageDirectory.appendingPathComponent("cache") }

    /// Opens the queue: PostgreSQL when a URL is set, else the SQLite file (schema created or upgraded).
    public func openQueue(clock: any OrchestratorClock = SystemClock()) throws -> any JobQueue {
        if let databaseURL { return try PostgresJobStore(url: databaseURL, clock: clock) }
        return try SQLiteJobStore(fileURL: sqliteFileURL, clock: clock)
    }

    /// Opens the content cache.
    public func openCache(clock: any OrchestratorClock = SystemClock()) throws -> ContentCache {
        try ContentCache(directory: cacheDirectory, capacityBytes: cacheCapacityBytes, clock: clock)
    }
}
