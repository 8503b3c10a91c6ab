import Analysis
import DSP
import Foundation
import Render

/// The embedded stem approximation (harmonic/percussive median filtering, band and centre splits) as the
/// render's stem source, over the ranges the layers read. Each range is approximated from the song read with the
/// approximator's context around it (`StemApproximator.contextFrameCount`), starting on its frame grid, so the
/// stems inside the range are those of the whole-song approximation; they sum back to the mix. They are
/// approximations, and the report says so.
public struct ApproximatedStems: StemProviding {
    public var approximator: StemApproximator
    public var sourceName: String { "approximated" }

    public init(approximator: StemApproximator = StemApproximator()) {
        self.approximator = approximator
    }

    public func stems(of source: any AudioSource, songID: String, frames: Range<Int>) async throws -> [Stem: AudioBuffer] {
        try Task.checkCancellation()
        guard !frames.isEmpty else {
            let silence = AudioBuffer(channelCount: source.channelCount, frameCount: 0, sampleRate: source.sampleRate)
            return [.vocals: silence, .drums: silence, .bass: silence, .other: silence]
        }
        let rate = source.sampleRate
        let hop = StemApproximator.frameSize(sampleRate: rate) / 4
        let context = approximator.contextFrameCount(sampleRate: rate)
        var start = max(0, frames.lowerBound - context)
        start -= start % hop
        let end = min(source.frameCount, max(frames.upperBound + context, start))
        let audio = try source.read(frames: start ..< end)
        let set = approximator.separate(audio)
        let offset = frames.lowerBound - start
        func cut(_ buffer: AudioBuffer) -> AudioBuffer { buffer.slice(frames: offset ..< offset + frames.count) }
        return [.vocals: cut(set.vocals), .drums: cut(set.drums), .bass: cut(set.bass), .other: cut(set.other)]
    }

    /// The four stems of a whole song held in memory (the `stems` command).
    public func stems(of audio: AudioBuffer) -> [Stem: AudioBuffer] {
        let set = approximator.separate(audio)
        return [.vocals: set.vocals, .drums: set.drums, .bass: set.bass, .other: set.other]
    }
}
