import Analysis
import DSP
import Foundation
import Render
import Synchronization

// The content cache in front of the three costly steps a re-render repeats: analysing a song, approximating its
// stems, and (in memory, `StretchCache`) stretching its layers. Keys hash the audio itself plus the step's
// parameters and the engine version, so an edited plan reuses everything that did not change.

/// Raw samples of a buffer as bytes (each sample's IEEE 754 bit pattern, little-endian).
func sampleBytes(_ buffer: AudioBuffer) -> Data {
    var bytes = [UInt8](repeating: 0, count: buffer.samples.count * 4)
    var out = bytes.mutableSpan
    buffer.withPlanarSamples { samples in
        for i in samples.indices {
            let bits = samples[i].bitPattern
            out[4 * i] = UInt8(truncatingIfNeeded: bits)
            out[4 * i + 1] = UInt8(truncatingIfNeeded: bits >> 8)
            out[4 * i + 2] = UInt8(truncatingIfNeeded: bits >> 16)
            out[4 * i + 3] = UInt8(truncatingIfNeeded: bits >> 24)
        }
    }
    return Data(bytes)
}

/// A buffer stored as a small header (channels, frames, rate) and its planar samples.
enum CachedBuffers {
    static func encode(_ buffers: [AudioBuffer]) -> Data {
        var data = Data()
        for buffer in buffers {
            let header: [UInt64] = [
                UInt64(buffer.channelCount), UInt64(buffer.frameCount), buffer.sampleRate.bitPattern,
            ]
            for value in header {
                for shift in stride(from: 0, to: 64, by: 8) { data.append(UInt8(truncatingIfNeeded: value >> shift)) }
            }
            data.append(sampleBytes(buffer))
        }
        return data
    }

    static func decode(_ data: Data, count: Int) -> [AudioBuffer]? {
        var buffers: [AudioBuffer] = []
        var offset = 0
        for _ in 0..<count {
            guard data.count >= offset + 24 else { return nil }
            let headerBytes = [UInt8](data[data.startIndex + offset..<data.startIndex + offset + 24])
            let header: [Int64] = (0..<3).map { i in
                var value: UInt64 = 0
                for b in 0..<8 { value |= UInt64(headerBytes[i * 8 + b]) << (8 * b) }
                return Int64(bitPattern: value)
            }
            let channels = Int(header[0]), frames = Int(header[1])
            let rate = Double(bitPattern: UInt64(bitPattern: header[2]))
            offset += 24
            let byteCount = channels * frames * MemoryLayout<Float>.size
            guard channels > 0, frames >= 0, rate > 0, data.count >= offset + byteCount else { return nil }
            var samples = [Float](repeating: 0, count: channels * frames)
            let sampleBytes = [UInt8](data[data.startIndex + offset..<data.startIndex + offset + byteCount])
            do {
                let source = sampleBytes.span
                var destination = samples.mutableSpan
                for i in destination.indices {
                    let bits =
                        UInt32(source[4 * i]) | UInt32(source[4 * i + 1]) << 8 | UInt32(source[4 * i + 2]) << 16
                        | UInt32(source[4 * i + 3]) << 24
                    destination[i] = Float(bitPattern: bits)
                }
            }
            buffers.append(AudioBuffer(planarSamples: samples, channelCount: channels, sampleRate: rate))
            offset += byteCount
        }
        return buffers
    }
}

/// Approximated stems over a range, from the cache when this exact range of this exact audio was separated
/// before: first from memory (the last few ranges of this process, so layers of one section and a re-render in a
/// server read nothing), then from the content cache on disk (when there is one); two layers asking for the same
/// range at once share one separation.
public struct CachedStemProvider: StemProviding {
    public let cache: ContentCache?
    public let provider: ApproximatedStems
    public let recent: RecentStems
    public var sourceName: String { provider.sourceName }
    public var preferredChunkFrameCount: Int { provider.preferredChunkFrameCount }
    private let inFlight = InFlightStems()

    public init(
        cache: ContentCache?, provider: ApproximatedStems = ApproximatedStems(), recent: RecentStems = RecentStems()
    ) {
        self.cache = cache
        self.provider = provider
        self.recent = recent
    }

    /// The cache key of `frames` of `source`: its content, the range and the method.
    static func key(of source: any AudioSource, frames: Range<Int>) throws -> ContentKey {
        try ContentKey(
            kind: .stems, audio: [source.contentFingerprint.data],
            parameters: [
                "method": "hpss-median-v1-range", "start_frame": "\(frames.lowerBound)",
                "frame_count": "\(frames.count)",
            ])
    }

    public func stems(of source: any AudioSource, songID: String, frames: Range<Int>) async throws -> [Stem:
        AudioBuffer]
    {
        let order: [Stem] = [.vocals, .drums, .bass, .other]
        let key = try Self.key(of: source, frames: frames)
        if let found = recent.stems(for: key) {
            RenderCacheCounter.current?.hit("stems")
            return found
        }
        let (task, isNew) = inFlight.task(for: key) { [cache, provider, recent] in
            Task {
                if let data = try await cache?.data(for: key),
                    let buffers = CachedBuffers.decode(data, count: order.count)
                {
                    let stems = Dictionary(uniqueKeysWithValues: zip(order, buffers))
                    recent.remember(stems, for: key)
                    return (stems, true)
                }
                let stems = try await provider.stems(of: source, songID: songID, frames: frames)
                _ = try await cache?.store(CachedBuffers.encode(order.map { stems[$0]! }), for: key)
                recent.remember(stems, for: key)
                return (stems, false)
            }
        }
        defer { if isNew { inFlight.finish(key) } }
        let (stems, fromDisk) = try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
        if fromDisk || !isNew { RenderCacheCounter.current?.hit("stems") }
        return stems
    }
}

/// Separations under way, by key, so that concurrent asks for one range wait for the same work.
final class InFlightStems: Sendable {
    typealias Work = Task<([Stem: AudioBuffer], Bool), any Error>
    private let tasks = Mutex<[ContentKey: Work]>([:])

    /// The task for `key`, started by `start` when none is under way; `isNew` when this call started it.
    func task(for key: ContentKey, start: () -> Work) -> (task: Work, isNew: Bool) {
        tasks.withLock { tasks in
            if let running = tasks[key] { return (running, false) }
            let work = start()
            tasks[key] = work
            return (work, true)
        }
    }

    func finish(_ key: ContentKey) {
        _ = tasks.withLock { $0.removeValue(forKey: key) }
    }
}

/// The stems of the last few songs, in memory (shared by the providers of one process).
public final class RecentStems: Sendable {
    private let entries = Mutex<[(key: ContentKey, stems: [Stem: AudioBuffer])]>([])
    /// Songs kept.
    public let capacity: Int

    /// - Parameter capacity: ranges kept (a section's layers read one range per song).
    public init(capacity: Int = 2) {
        self.capacity = max(1, capacity)
    }

    func stems(for key: ContentKey) -> [Stem: AudioBuffer]? {
        entries.withLock { list in list.first { $0.key == key }?.stems }
    }

    func remember(_ stems: [Stem: AudioBuffer], for key: ContentKey) {
        entries.withLock { list in
            list.removeAll { $0.key == key }
            list.append((key, stems))
            if list.count > capacity { list.removeFirst(list.count - capacity) }
        }
    }
}

/// Analyses from the embedded analyser, from the cache when this exact audio was analysed before.
public struct CachedSongAnalysis: Sendable {
    public let cache: ContentCache
    public let analyzer: SongAnalyzer

    public init(cache: ContentCache, analyzer: SongAnalyzer = SongAnalyzer()) {
        self.cache = cache
        self.analyzer = analyzer
    }

    /// The analysis of `source` (cached by its samples).
    public func cachedAnalysis(of source: any AudioSource) async throws -> SongAnalysis {
        let key = try ContentKey(
            kind: .analysis, audio: [source.contentFingerprint.data],
            parameters: ["beats_per_bar": analyzer.beatsPerBar])
        if let data = try await cache.data(for: key),
            let found = try? JSONDecoder().decode(SongAnalysis.self, from: data)
        {
            RenderCacheCounter.current?.hit("analysis")
            return found
        }
        let analysis = try EmbeddedSongAnalysis.analyze(source, with: analyzer)
        _ = try await cache.store(try JSONEncoder().encode(analysis), for: key)
        return analysis
    }
}
