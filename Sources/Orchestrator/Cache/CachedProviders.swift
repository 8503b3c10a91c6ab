import Analysis
import DSP
import Foundation
import Render
import Synchronization

// The content cache in front of the three costly steps a re-render repeats: analysing a song, approximating its
// stems, and (in memory, `StretchCache`) stretching its layers. Keys hash the audio itself plus the step's
// parameters and the engine version, so an edited plan reuses everything that did not change.

/// Raw samples of a buffer as bytes.
func sampleBytes(_ buffer: AudioBuffer) -> Data {
    buffer.samples.withUnsafeBufferPointer { Data(buffer: $0) }
}

/// The audio part of a cache key: the buffer's 128-bit content fingerprint (`StretchCache.wideFingerprint`).
func audioFingerprint(_ buffer: AudioBuffer) -> Data {
    let (a, b) = StretchCache.wideFingerprint(buffer)
    var data = Data()
    withUnsafeBytes(of: a.littleEndian) { data.append(contentsOf: $0) }
    withUnsafeBytes(of: b.littleEndian) { data.append(contentsOf: $0) }
    return data
}

/// A buffer stored as a small header (channels, frames, rate) and its planar samples.
enum CachedBuffers {
    static func encode(_ buffers: [AudioBuffer]) -> Data {
        var data = Data()
        for buffer in buffers {
            var header: [Int64] = [Int64(buffer.channelCount), Int64(buffer.frameCount), Int64(buffer.sampleRate.bitPattern)]
            header.withUnsafeBytes { data.append(contentsOf: $0) }
            data.append(sampleBytes(buffer))
        }
        return data
    }

    static func decode(_ data: Data, count: Int) -> [AudioBuffer]? {
        var buffers: [AudioBuffer] = []
        var offset = 0
        for _ in 0..<count {
            guard data.count >= offset + 24 else { return nil }
            let header: [Int64] = (0..<3).map { i in
                data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + i * 8, as: Int64.self) }
            }
            let channels = Int(header[0]), frames = Int(header[1])
            let rate = Double(bitPattern: UInt64(bitPattern: header[2]))
            offset += 24
            let byteCount = channels * frames * MemoryLayout<Float>.size
            guard channels > 0, frames >= 0, rate > 0, data.count >= offset + byteCount else { return nil }
            var samples = [Float](repeating: 0, count: channels * frames)
            samples.withUnsafeMutableBytes { destination in
                data.withUnsafeBytes { source in
                    destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset ..< offset + byteCount]))
                }
            }
            buffers.append(AudioBuffer(planarSamples: samples, channelCount: channels, sampleRate: rate))
            offset += byteCount
        }
        return buffers
    }
}

/// Approximated stems, from the cache when this exact audio was separated before: first from memory (the last
/// few songs of this process, so a re-render in a server reads nothing), then from the content cache on disk.
public struct CachedStemProvider: StemProviding {
    public let cache: ContentCache
    public let provider: ApproximatedStems
    public let recent: RecentStems
    public var sourceName: String { provider.sourceName }

    public init(cache: ContentCache, provider: ApproximatedStems = ApproximatedStems(), recent: RecentStems = RecentStems()) {
        self.cache = cache
        self.provider = provider
        self.recent = recent
    }

    public func stems(of audio: AudioBuffer, songID: String) async throws -> [Stem: AudioBuffer] {
        let order: [Stem] = [.vocals, .drums, .bass, .other]
        let key = try ContentKey(kind: .stems, audio: [audioFingerprint(audio)], parameters: ["method": "hpss-median-v1"])
        if let found = recent.stems(for: key) {
            RenderCacheCounter.current?.hit("stems")
            return found
        }
        if let data = try await cache.data(for: key), let buffers = CachedBuffers.decode(data, count: order.count) {
            RenderCacheCounter.current?.hit("stems")
            let stems = Dictionary(uniqueKeysWithValues: zip(order, buffers))
            recent.remember(stems, for: key)
            return stems
        }
        let stems = try await provider.stems(of: audio, songID: songID)
        _ = try await cache.store(CachedBuffers.encode(order.map { stems[$0]! }), for: key)
        recent.remember(stems, for: key)
        return stems
    }
}

/// The stems of the last few songs, in memory (shared by the providers of one process).
public final class RecentStems: Sendable {
    private let entries = Mutex<[(key: ContentKey, stems: [Stem: AudioBuffer])]>([])
    /// Songs kept.
    public let capacity: Int

    public init(capacity: Int = 4) {
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

/// Beat grids and keys from the embedded analyser, from the cache when this exact audio was analysed before.
public struct CachedSongAnalysis: SongAnalysisProviding {
    public let cache: ContentCache
    public let analyzer: SongAnalyzer

    public init(cache: ContentCache, analyzer: SongAnalyzer = SongAnalyzer()) {
        self.cache = cache
        self.analyzer = analyzer
    }

    public func beatGridAndKey(of audio: AudioBuffer, songID: String) async throws -> (grid: BeatGrid, key: MusicalKey?) {
        let analysis = try await cachedAnalysis(of: audio)
        return EmbeddedSongAnalysis.gridAndKey(from: analysis, durationSeconds: audio.durationSeconds)
    }

    /// The analysis of `audio` (cached by its samples).
    public func cachedAnalysis(of audio: AudioBuffer) async throws -> SongAnalysis {
        let key = try ContentKey(kind: .analysis, audio: [audioFingerprint(audio)],
                                 parameters: ["beats_per_bar": analyzer.beatsPerBar])
        if let data = try await cache.data(for: key), let found = try? JSONDecoder().decode(SongAnalysis.self, from: data) {
            RenderCacheCounter.current?.hit("analysis")
            return found
        }
        let analysis = try analyzer.analyze(audio)
        _ = try await cache.store(try JSONEncoder().encode(analysis), for: key)
        return analysis
    }
}
