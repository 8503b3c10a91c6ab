import Analysis
import DSP
import Foundation

/// The embedded stem approximation (harmonic/percussive median filtering, band and centre splits) as the
/// render's stem source. The four stems sum back to the mix; they are approximations, and the report says so.
public struct ApproximatedStems: StemProviding {
    public var approximator: StemApproximator
    public var sourceName: String { "approximated" }

    public init(approximator: StemApproximator = StemApproximator()) {
        self.approximator = approximator
    }

    public func stems(of audio: AudioBuffer, songID: String) async throws -> [Stem: AudioBuffer] {
        let set = approximator.separate(audio)
        return [.vocals: set.vocals, .drums: set.drums, .bass: set.bass, .other: set.other]
    }
}
