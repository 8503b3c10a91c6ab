import DSP
import Foundation
import Synchronization

/// Stretched and shifted layer material, keyed by what produced it, so that two sections (or two renders) that
/// use the same source range with the same warp and shift do not stretch it twice.
///
/// Bounded by total size with least-recently-used eviction. Thread-safe.
public final class StretchCache: Sendable {
    /// What identifies a stretched piece of a stem.
    public struct Key: Hashable, Sendable {
        /// Content fingerprint of the song's stem buffer.
        public var sourceFingerprint: UInt64
        public var stem: Stem
        /// Source slice start and length, frames.
        public var sliceStartFrame: Int
        public var sliceFrameCount: Int
        /// Anchors of the warp map, relative to the slice, rounded to 1/1000 frame.
        public var anchorMillis: [Int64]
        public var semitones: Double
        public var preserveFormants: Bool
    }

    private struct State {
        var entries: [Key: (buffer: AudioBuffer, lastUse: UInt64)] = [:]
        var totalBytes = 0
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0
    }

    /// Largest total size kept, bytes.
    public let capacityBytes: Int
    private let state = Mutex(State())

    /// - Parameter capacityBytes: default `defaultCapacityBytes`.
    public init(capacityBytes: Int = StretchCache.defaultCapacityBytes) {
        self.capacityBytes = max(0, capacityBytes)
    }

    /// The default bound: `MASHUP_STRETCH_CACHE_MB` MiB (0...65,536; a small server sets it low, since the cache
    /// is resident memory), else 256 MiB.
    public static var defaultCapacityBytes: Int {
        capacityBytes(environment: ProcessInfo.processInfo.environment)
    }

    /// The bound `environment` sets (`MASHUP_STRETCH_CACHE_MB`), else 256 MiB; values outside 0...65,536 are ignored.
    public static func capacityBytes(environment: [String: String]) -> Int {
        if let text = environment["MASHUP_STRETCH_CACHE_MB"], let megabytes = Int(text),
            (0...65_536).contains(megabytes)
        {
            return megabytes << 20
        }
        return 256 << 20
    }

    /// The cached buffer for `key`, if any (counts a hit or a miss).
    public func buffer(for key: Key) -> AudioBuffer? {
        state.withLock { s in
            s.clock += 1
            if var entry = s.entries[key] {
                entry.lastUse = s.clock
                s.entries[key] = entry
                s.hits += 1
                return entry.buffer
            }
            s.misses += 1
            return nil
        }
    }

    /// Stores `buffer` under `key`, evicting the least recently used entries beyond the capacity.
    public func store(_ buffer: AudioBuffer, for key: Key) {
        let bytes = buffer.samples.count * MemoryLayout<Float>.size
        guard bytes <= capacityBytes else { return }
        state.withLock { s in
            s.clock += 1
            if let old = s.entries[key] { s.totalBytes -= old.buffer.samples.count * MemoryLayout<Float>.size }
            s.entries[key] = (buffer, s.clock)
            s.totalBytes += bytes
            while s.totalBytes > capacityBytes, let victim = s.entries.min(by: { $0.value.lastUse < $1.value.lastUse })
            {
                s.totalBytes -= victim.value.buffer.samples.count * MemoryLayout<Float>.size
                s.entries.removeValue(forKey: victim.key)
            }
        }
    }

    /// Drops `key`'s entry, if any.
    public func remove(_ key: Key) {
        state.withLock { s in
            if let old = s.entries.removeValue(forKey: key) {
                s.totalBytes -= old.buffer.samples.count * MemoryLayout<Float>.size
            }
        }
    }

    /// Hits and misses so far.
    public var statistics: (hits: Int, misses: Int, entries: Int, bytes: Int) {
        state.withLock { ($0.hits, $0.misses, $0.entries.count, $0.totalBytes) }
    }

    /// A 64-bit fingerprint of a buffer's samples, rate and shape (the first lane of `wideFingerprint`).
    public static func fingerprint(_ buffer: AudioBuffer) -> UInt64 { wideFingerprint(buffer).0 }

    /// A 128-bit content fingerprint: two FNV-1a 64 lanes with different bases over every sample, the shape and
    /// the rate, in one pass. A few tens of milliseconds for a 3-minute stem (SHA-256 of the same samples costs
    /// about 0.3 s); a collision needs two different buffers agreeing on both lanes.
    public static func wideFingerprint(_ buffer: AudioBuffer) -> (UInt64, UInt64) {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x8422_2325_cbf2_9ce4
        let prime: UInt64 = 0x100_0000_01b3
        for value in [UInt64(buffer.channelCount), UInt64(buffer.frameCount), buffer.sampleRate.bitPattern] {
            a = (a ^ value) &* prime
            b = (b ^ value) &* prime
        }
        buffer.withPlanarSamples { samples in
            for i in samples.indices {
                let w = UInt64(samples[i].bitPattern)
                a = (a ^ w) &* prime
                b = (b ^ (w &* 0x9E37_79B9)) &* prime
            }
        }
        return (a, b)
    }
}

/// How many layers of one render read each piece of stretched material, so that a per-render cache keeps a piece
/// only while a layer still to render needs it, and gives its memory back after the last one.
final class StretchReuse: Sendable {
    private let remaining: Mutex<[StretchCache.Key: Int]>

    /// - Parameter keys: the key of every layer of the render (repeats counted).
    init(keys: [StretchCache.Key]) {
        var counts: [StretchCache.Key: Int] = [:]
        for key in keys { counts[key, default: 0] += 1 }
        remaining = Mutex(counts)
    }

    /// Counts one use of `key` and returns the uses still to come.
    func use(_ key: StretchCache.Key) -> Int {
        remaining.withLock { counts in
            let left = max(0, (counts[key] ?? 0) - 1)
            counts[key] = left
            return left
        }
    }
}
