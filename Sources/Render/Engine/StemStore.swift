import DSP
import Foundation

// Design note: a provider's stems (the embedded approximation) are made once per render, over exactly the parts
// of the song the layers read, and parked on disk.
// - The song is cut into chunks on a fixed grid (`chunkFrameCount`, the provider's preferred piece). The chunks
//   any layer's source range touches are made, each by one provider call, in parallel (at most
//   `maximumConcurrentChunks` at once), so two layers reading overlapping ranges, or a section's four stems of one
//   song, never separate the same audio twice, and the work is the union of the ranges, at most the song once.
// - The four stems of each chunk are written, in chunk order, to four float spools (`AudioSpool`), one per stem:
//   chunk k sits at slot `slotOfChunk[k]`. A layer then reads its range from its stem's spool by seeking.
// - The provider's result is the same whatever the chunking (`StemProviding`: a range's stems are those of the
//   whole song over that range), so the store changes no sample, only the work and the memory.
// Memory: at most `maximumConcurrentChunks` chunks, under way or finished and waiting for an earlier one
// (`InOrderJobs`); the page cache, not the process, keeps the spooled stems.

/// A song's stems from a provider, made over the chunks the render reads and kept on disk (see the design note).
final class StemStore: Sendable {
    /// Frames per chunk; chunk k covers song frames `k * chunkFrameCount ..< (k + 1) * chunkFrameCount`.
    let chunkFrameCount: Int
    /// Frames of the song (the last chunk ends there).
    let songFrameCount: Int
    /// Chunks made, in song order: index in this list = slot in the spools.
    private let slotOfChunk: [Int: Int]
    private let spools: [Stem: AudioSpool]

    private init(chunkFrameCount: Int, songFrameCount: Int, slotOfChunk: [Int: Int], spools: [Stem: AudioSpool]) {
        self.chunkFrameCount = chunkFrameCount
        self.songFrameCount = songFrameCount
        self.slotOfChunk = slotOfChunk
        self.spools = spools
    }

    /// The stems that come out of a provider, in the spools' order.
    static let stems: [Stem] = [.vocals, .drums, .bass, .other]

    /// Chunk indices that `ranges` (song frames; parts outside the song are ignored) touch, ascending.
    static func chunks(touchedBy ranges: [Range<Int>], songFrameCount: Int, chunkFrameCount: Int) -> [Int] {
        var chunks = Set<Int>()
        for range in ranges {
            let lower = max(0, range.lowerBound), upper = min(songFrameCount, range.upperBound)
            guard upper > lower else { continue }
            for chunk in (lower / chunkFrameCount)...((upper - 1) / chunkFrameCount) { chunks.insert(chunk) }
        }
        return chunks.sorted()
    }

    /// Makes the stems of `source` over the chunks `ranges` touch.
    /// - Parameters:
    ///   - ranges: the song frames the layers will read.
    ///   - chunkFrameCount: chunk length, frames (positive).
    ///   - maximumConcurrentChunks: provider calls at once (at least 1).
    ///   - progress: called with (chunks done, chunks in all) after each chunk.
    /// - Throws: what the provider throws; `AudioFileError` when a spool cannot be written; `CancellationError`.
    static func make(
        source: any AudioSource, songID: String, provider: any StemProviding, ranges: [Range<Int>],
        chunkFrameCount: Int, maximumConcurrentChunks: Int, progress: @Sendable (Int, Int) -> Void = { _, _ in }
    ) async throws -> StemStore {
        precondition(chunkFrameCount > 0, "chunkFrameCount must be positive")
        let songFrames = source.frameCount
        let chunks = Self.chunks(touchedBy: ranges, songFrameCount: songFrames, chunkFrameCount: chunkFrameCount)
        var writers: [Stem: AudioSpoolWriter] = [:]
        for stem in stems {
            writers[stem] = try AudioSpoolWriter(channelCount: 2, sampleRate: source.sampleRate)
        }
        let chunkFrames = chunks.map { chunk in chunk * chunkFrameCount..<min((chunk + 1) * chunkFrameCount, songFrames)
        }
        // Written strictly in chunk order, so slot i holds chunks[i].
        try await InOrderJobs.run(
            count: chunks.count, maximumInFlight: maximumConcurrentChunks,
            job: { index in
                try Task.checkCancellation()
                return try await provider.stems(of: source, songID: songID, frames: chunkFrames[index])
            },
            emit: { index, made in
                for stem in stems {
                    try writers[stem]!.write(
                        Self.stereo(made[stem], frameCount: chunkFrames[index].count, sampleRate: source.sampleRate))
                }
                progress(index + 1, chunks.count)
            })
        var spools: [Stem: AudioSpool] = [:]
        for stem in stems { spools[stem] = try writers[stem]!.finish() }
        return StemStore(
            chunkFrameCount: chunkFrameCount, songFrameCount: songFrames,
            slotOfChunk: Dictionary(uniqueKeysWithValues: chunks.enumerated().map { ($1, $0) }), spools: spools)
    }

    /// `buffer` as stereo of exactly `frameCount` frames (silence when the provider gave none, a mono stem on
    /// both sides).
    private static func stereo(_ buffer: AudioBuffer?, frameCount: Int, sampleRate: Double) -> AudioBuffer {
        var result = AudioBuffer(channelCount: 2, frameCount: frameCount, sampleRate: sampleRate)
        guard let buffer, buffer.channelCount > 0 else { return result }
        let count = min(frameCount, buffer.frameCount)
        for c in 0..<2 {
            buffer.withSamples(ofChannel: min(c, buffer.channelCount - 1)) { channel in
                result.withMutableSamples(ofChannel: c) { VectorOps.copy(channel.extracting(0..<count), into: &$0) }
            }
        }
        return result
    }

    /// Frames `range` of `stem` (inside the song).
    /// - Throws: `StemStoreError.notMade` when the range reaches a chunk that was not made; `AudioFileError` when a
    ///   spool cannot be read back.
    func read(_ stem: Stem, frames range: Range<Int>) throws -> AudioBuffer {
        var output = AudioBuffer(channelCount: 2, frameCount: range.count, sampleRate: spools[.vocals]!.sampleRate)
        guard !range.isEmpty, let spool = spools[stem] else { return output }
        var position = range.lowerBound
        while position < range.upperBound {
            let chunk = position / chunkFrameCount
            let chunkStart = chunk * chunkFrameCount
            let end = min(range.upperBound, chunkStart + chunkFrameCount)
            guard let slot = slotOfChunk[chunk] else {
                throw StemStoreError.notMade(frames: position..<end, chunkFrameCount: chunkFrameCount)
            }
            let spoolStart = slot * chunkFrameCount + (position - chunkStart)
            let piece = try spool.read(frames: spoolStart..<spoolStart + (end - position))
            output.replaceFrames(at: position - range.lowerBound, with: piece)
            position = end
        }
        return output
    }
}

/// A read outside what a `StemStore` made (a programming error in the engine: it makes every range it reads).
enum StemStoreError: Error, CustomStringConvertible {
    case notMade(frames: Range<Int>, chunkFrameCount: Int)

    var description: String {
        switch self {
        case .notMade(let frames, let chunkFrameCount):
            "stem frames \(frames.lowerBound)..<\(frames.upperBound) were not made (chunks of \(chunkFrameCount) frames)"
        }
    }
}
