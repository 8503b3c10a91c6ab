// A size-bounded, content-keyed file cache with least-recently-used eviction.
//
// Layout: <directory>/<kind>/<digest> holds one entry's bytes; <directory>/index.json lists every entry with its
// size and access order (a counter, persisted, so the order survives restarts). Writes go to a temporary file
// then are renamed into place, and the index is rewritten atomically after every change, so a crash leaves at
// worst an unindexed file, which the next open deletes. One process owns a cache folder (each node its own:
// the cache is an optimisation, results live in the shared storage).
import Foundation

/// Hit, miss and eviction counts, and what the cache holds.
public struct CacheStatistics: Sendable, Equatable, Codable {
    public var hits: [CacheKind: Int] = [:]
    public var misses: [CacheKind: Int] = [:]
    public var evictions: Int = 0
    public var entryCount: Int = 0
    /// Bytes of all entries.
    public var storedBytes: Int64 = 0
    /// The size bound.
    public var capacityBytes: Int64 = 0

    public var totalHits: Int { hits.values.reduce(0, +) }
    public var totalMisses: Int { misses.values.reduce(0, +) }

    /// Prometheus text lines (`/metrics`): `<prefix>_hits_total{kind="stems"} 3`, misses, evictions, bytes, entries.
    public func metricsText(prefix: String = "mashup_cache") -> String {
        var lines: [String] = [
            "# HELP \(prefix)_hits_total Content cache lookups that found an entry.",
            "# TYPE \(prefix)_hits_total counter",
        ]
        for kind in CacheKind.allCases {
            lines.append("\(prefix)_hits_total{kind=\"\(kind.rawValue)\"} \(hits[kind] ?? 0)")
        }
        lines += [
            "# HELP \(prefix)_misses_total Content cache lookups that found nothing.",
            "# TYPE \(prefix)_misses_total counter",
        ]
        for kind in CacheKind.allCases {
            lines.append("\(prefix)_misses_total{kind=\"\(kind.rawValue)\"} \(misses[kind] ?? 0)")
        }
        lines += [
            "# HELP \(prefix)_evictions_total Entries removed to stay under the size bound.",
            "# TYPE \(prefix)_evictions_total counter", "\(prefix)_evictions_total \(evictions)",
            "# HELP \(prefix)_bytes Bytes stored in the content cache.", "# TYPE \(prefix)_bytes gauge",
            "\(prefix)_bytes \(storedBytes)",
            "# HELP \(prefix)_entries Entries in the content cache.", "# TYPE \(prefix)_entries gauge",
            "\(prefix)_entries \(entryCount)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Errors of the content cache.
public enum ContentCacheError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidCapacity(Int64)
    /// The index file could not be read or written.
    case index(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidCapacity(let bytes): "cache capacity must be positive, got \(bytes) bytes"
        case .index(let path, let reason): "cache index \(path): \(reason)"
        }
    }
}

/// A content-keyed cache of analyses, stems and stretched layers on disk, bounded in size, evicting the least
/// recently used entries first.
public actor ContentCache {
    public nonisolated let directory: URL
    /// The size bound, in bytes.
    public nonisolated let capacityBytes: Int64

    private struct Entry: Codable {
        var sizeBytes: Int64
        /// Larger is more recent.
        var accessSequence: UInt64
        var lastAccess: Date
    }

    private struct Index: Codable {
        var version = 1
        var nextSequence: UInt64 = 1
        var entries: [String: Entry] = [:]
    }

    private var index: Index
    private var statistics = CacheStatistics()
    private let clock: any OrchestratorClock

    /// Opens (creating when missing) a cache folder; entries whose files vanished are forgotten and files the
    /// index does not know (a crash between write and index update) are deleted.
    /// - Parameter capacityBytes: the size bound (> 0); entries larger than it are never stored.
    public init(directory: URL, capacityBytes: Int64, clock: any OrchestratorClock = SystemClock()) throws {
        guard capacityBytes > 0 else { throw ContentCacheError.invalidCapacity(capacityBytes) }
        self.directory = directory
        self.capacityBytes = capacityBytes
        self.clock = clock
        let files = FileManager.default
        for kind in CacheKind.allCases {
            try files.createDirectory(
                at: directory.appendingPathComponent(kind.rawValue), withIntermediateDirectories: true)
        }
        let indexURL = directory.appendingPathComponent("index.json")
        var loaded = Index()
        if files.fileExists(atPath: indexURL.path) {
            do {
                loaded = try JSONDecoder().decode(Index.self, from: Data(contentsOf: indexURL))
            } catch {
                // A damaged index loses the access order, not correctness: start empty and sweep the files.
                loaded = Index()
            }
        }
        loaded.entries = loaded.entries.filter {
            files.fileExists(atPath: directory.appendingPathComponent($0.key).path)
        }
        for kind in CacheKind.allCases {
            let folder = directory.appendingPathComponent(kind.rawValue)
            for name in (try? files.contentsOfDirectory(atPath: folder.path)) ?? []
            where loaded.entries["\(kind.rawValue)/\(name)"] == nil {
                try? files.removeItem(at: folder.appendingPathComponent(name))
            }
        }
        try Self.write(loaded, to: directory)
        index = loaded
        statistics.capacityBytes = capacityBytes
    }

    /// The entry's bytes, or nil (counted as a hit or a miss; a hit becomes the most recently used).
    public func data(for key: ContentKey) throws -> Data? {
        guard let url = lookUp(key) else { return nil }
        return try Data(contentsOf: url)
    }

    /// The entry's file (read it before the next `store` may evict it), or nil. Counted like `data(for:)`.
    public func fileURL(for key: ContentKey) -> URL? { lookUp(key) }

    /// Whether the entry exists, without counting or touching it.
    public func contains(_ key: ContentKey) -> Bool { index.entries[key.description] != nil }

    /// Stores bytes under `key` (replacing an entry), then evicts least recently used entries down to the bound.
    /// - Returns: false when the entry alone is larger than the bound (nothing stored).
    @discardableResult
    public func store(_ data: Data, for key: ContentKey) throws -> Bool {
        guard Int64(data.count) <= capacityBytes else { return false }
        let temporary = temporaryURL()
        try data.write(to: temporary)
        return try install(temporary, sizeBytes: Int64(data.count), for: key)
    }

    /// Moves a finished file (e.g. a rendered stem) into the cache under `key`.
    /// - Returns: false when it is larger than the bound (the file is left where it was).
    @discardableResult
    public func storeFile(movingFrom source: URL, for key: ContentKey) throws -> Bool {
        let size = Int64(
            (try FileManager.default.attributesOfItem(atPath: source.path)[.size] as? NSNumber)?.int64Value ?? 0)
        guard size <= capacityBytes else { return false }
        let temporary = temporaryURL()
        try FileManager.default.moveItem(at: source, to: temporary)
        return try install(temporary, sizeBytes: size, for: key)
    }

    /// Removes an entry. - Returns: whether there was one.
    @discardableResult
    public func remove(_ key: ContentKey) throws -> Bool {
        guard index.entries.removeValue(forKey: key.description) != nil else { return false }
        try? FileManager.default.removeItem(at: url(for: key))
        try saveIndex()
        return true
    }

    /// Counters and contents now.
    public func currentStatistics() -> CacheStatistics {
        var snapshot = statistics
        snapshot.entryCount = index.entries.count
        snapshot.storedBytes = storedBytes
        return snapshot
    }

    // MARK: Helpers

    private var storedBytes: Int64 { index.entries.values.reduce(0) { $0 + $1.sizeBytes } }

    private func url(for key: ContentKey) -> URL { directory.appendingPathComponent(key.description) }

    private func temporaryURL() -> URL { directory.appendingPathComponent(".incoming-\(UUID().uuidString)") }

    private func lookUp(_ key: ContentKey) -> URL? {
        guard var entry = index.entries[key.description],
            FileManager.default.fileExists(atPath: url(for: key).path)
        else {
            if index.entries.removeValue(forKey: key.description) != nil { try? saveIndex() }
            statistics.misses[key.kind, default: 0] += 1
            return nil
        }
        statistics.hits[key.kind, default: 0] += 1
        entry.accessSequence = nextSequence()
        entry.lastAccess = clock.now()
        index.entries[key.description] = entry
        try? saveIndex()
        return url(for: key)
    }

    private func install(_ temporary: URL, sizeBytes: Int64, for key: ContentKey) throws -> Bool {
        let destination = url(for: key)
        let files = FileManager.default
        if files.fileExists(atPath: destination.path) { try files.removeItem(at: destination) }
        try files.moveItem(at: temporary, to: destination)
        index.entries[key.description] = Entry(
            sizeBytes: sizeBytes, accessSequence: nextSequence(), lastAccess: clock.now())
        evict(keeping: key.description)
        try saveIndex()
        return true
    }

    /// Removes least recently used entries (never `kept`) until the total fits the bound.
    private func evict(keeping kept: String) {
        var total = storedBytes
        guard total > capacityBytes else { return }
        let oldestFirst = index.entries.filter { $0.key != kept }.sorted {
            $0.value.accessSequence < $1.value.accessSequence
        }
        for (name, entry) in oldestFirst where total > capacityBytes {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
            index.entries[name] = nil
            total -= entry.sizeBytes
            statistics.evictions += 1
        }
    }

    private func nextSequence() -> UInt64 {
        defer { index.nextSequence += 1 }
        return index.nextSequence
    }

    private func saveIndex() throws { try Self.write(index, to: directory) }

    private static func write(_ index: Index, to directory: URL) throws {
        let indexURL = directory.appendingPathComponent("index.json")
        do {
            try JSONEncoder().encode(index).write(to: indexURL, options: .atomic)
        } catch {
            throw ContentCacheError.index(path: indexURL.path, reason: error.localizedDescription)
        }
    }
}
