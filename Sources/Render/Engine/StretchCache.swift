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

    /// - Parameter capacityBytes: default 256 MiB.
    public init(capacityBytes: Int = 256 << 20) {
        self.capacityBytes = capacityBytes
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
            while s.totalBytes > capacityBytes, let victim = s.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                s.totalBytes -= victim.value.buffer.samples.count * MemoryLayout<Float>.size
                s.entries.removeValue(forKey: victim.key)
            }
        }
    }

    /// Hits and misses so far.
    public var statistics: (hits: Int, misses: Int, entries: Int, bytes: Int) {
        state.withLock { ($0.hits, $0.misses, $0.entries.count, $0.totalBytes) }
    }

    /// A 64-bit FNV-1a fingerprint of a buffer's samples, rate and shape.
    public static func fingerprint(_ buffer: AudioBuffer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ value: UInt64) {
            hash ^= value
            hash &*= 0x100_0000_01b3
        }
        mix(UInt64(buffer.channelCount))
        mix(UInt64(buffer.frameCount))
        mix(buffer.sampleRate.bitPattern)
        buffer.samples.withUnsafeBufferPointer { samples in
            samples.withMemoryRebound(to: UInt32.self) { words in
                // Two words per step in one pass: the hash sees every sample.
                var i = 0
                while i + 1 < words.count {
                    mix(UInt64(words[i]) | (UInt64(words[i + 1]) << 32))
                    i += 2
                }
                if i < words.count { mix(UInt64(words[i])) }
            }
        }
        return hash
    }
}
