import Analysis
import DSP
import Foundation
import Render

/// The embedded stem approximation (harmonic/percussive median filtering, band and centre splits) as the
/// render's stem source, over the ranges the layers read. A range is approximated in pieces of at most
/// `chunkFrameCount` frames, each from the song read with the approximator's context around it
/// (`StemApproximator.contextFrameCount`), starting on its frame grid: the stems inside each piece are those of the
/// whole-song approximation, so the pieces join without a seam, and they sum back to the mix. Memory is that of
/// one piece. They are approximations, and the report says so.
public struct ApproximatedStems: StemProviding {
    public var approximator: StemApproximator
    /// Longest piece approximated at once, frames (default 2^18, about 6 s at 44.1 kHz: about 35 MB of working
    /// memory; the context read around each piece is about 0.4 s each side, 12 % more work than one pass).
    public var chunkFrameCount: Int
    public var sourceName: String { "approximated" }
    /// The engine asks for one piece at a time (`StemStore`).
    public var preferredChunkFrameCount: Int { chunkFrameCount }

    public init(approximator: StemApproximator = StemApproximator(), chunkFrameCount: Int = 1 << 18) {
        self.approximator = approximator
        self.chunkFrameCount = max(4096, chunkFrameCount)
    }

    public func stems(of source: any AudioSource, songID: String, frames: Range<Int>) async throws -> [Stem:
        AudioBuffer]
    {
        try Task.checkCancellation()
        var parts: [[Stem: AudioBuffer]] = []
        var start = frames.lowerBound
        repeat {
            let end = min(frames.upperBound, start + chunkFrameCount)
            parts.append(try piece(of: source, frames: start..<end))
            start = end
            try Task.checkCancellation()
        } while start < frames.upperBound
        if parts.count == 1 { return parts[0] }
        var joined: [Stem: AudioBuffer] = [:]
        for stem in [Stem.vocals, .drums, .bass, .other] {
            let channels = (0..<source.channelCount).map { c in parts.flatMap { $0[stem]!.channel(c) } }
            joined[stem] = AudioBuffer(channels: channels, sampleRate: source.sampleRate)
        }
        return joined
    }

    /// The stems over `frames` from one approximation of the range with its context.
    func piece(of source: any AudioSource, frames: Range<Int>) throws -> [Stem: AudioBuffer] {
        guard !frames.isEmpty else {
            let silence = AudioBuffer(channelCount: source.channelCount, frameCount: 0, sampleRate: source.sampleRate)
            return [.vocals: silence, .drums: silence, .bass: silence, .other: silence]
        }
        let rate = source.sampleRate
        let hop = StemApproximator.frameSize(sampleRate: rate) / 4
        let context = approximator.contextFrameCount(sampleRate: rate)
        var start = max(0, frames.lowerBound - context)
        start -= start % hop
        let end = max(min(source.frameCount, frames.upperBound + context), start)
        let set = approximator.separate(try source.read(frames: start..<end))
        let offset = frames.lowerBound - start
        func cut(_ buffer: AudioBuffer) -> AudioBuffer { buffer.slice(frames: offset..<offset + frames.count) }
        return [.vocals: cut(set.vocals), .drums: cut(set.drums), .bass: cut(set.bass), .other: cut(set.other)]
    }

    /// The stems of the whole of `source`, piece after piece (`chunkFrameCount` frames each) in song order, handed
    /// to `emit` (the `stems` command writes them to files). Up to `piecesInFlight` pieces are approximated at once
    /// (one per core) or wait to be emitted, so memory is that of `piecesInFlight` pieces whatever the song's
    /// length; the pieces join into the whole-song approximation without a seam (see the type's note).
    public func forEachPiece(
        of source: any AudioSource, piecesInFlight: Int, emit: ([Stem: AudioBuffer]) throws -> Void
    ) async throws {
        let total = source.frameCount
        let size = chunkFrameCount
        try await InOrderJobs.run(
            count: (total + size - 1) / size, maximumInFlight: piecesInFlight,
            job: { index in try piece(of: source, frames: index * size..<min(total, (index + 1) * size)) },
            emit: { _, stems in try emit(stems) })
    }
}
