// Design: what "vocal presence" measures. A singing voice is (a) harmonic, with a salient partial in the
// 250-1000 Hz range, (b) never perfectly steady in pitch (vibrato, scoops, glides: a few to a hundred cents
// from one 23 ms frame to the next, where a keyboard or synth note holds its pitch to within a few cents),
// (c) mixed in the centre, and (d) strong in the 250-4000 Hz band. Per non-silent frame (within 50 dB of the
// loudest), a frame is voice-like when the strongest 250-1000 Hz peak holds at least 15% of that band's power
// in this and the neighbouring frames and its interpolated pitch moved by 6-150 cents from the previous frame
// and again to the next (a glide or vibrato, not one jump between partials). The presence is
//   min(1, voiceLikeShare / 0.15) × centreWeight × min(1, voiceBandShare / 0.3),
// where centreWeight = clamp((centre − 0.5) / 0.4, 0, 1) and centre = mid / (mid + side) energy of the
// 250-4000 Hz band of the stereo input (1 for mono). It is an indicator, not a detector: a lead synth with
// vibrato in the centre also reads as voice, and a heavily doubled, wide vocal reads lower.
import DSP
import Foundation

/// Vocal presence 0...1 from spectral frames and the stereo centre share.
struct VocalPresenceEstimator: Sendable {
    static let minimumSalience: Float = 0.15
    static let pitchMotionCents: ClosedRange<Float> = 6...150
    /// Share of voice-like frames that reads as full presence.
    static let fullShare = 0.15
    /// Voice-band power share that reads as full presence.
    static let fullBandShare = 0.3

    func presence(_ frames: SpectralFrames, centreShare: Double) -> Double {
        let n = frames.frameCount
        guard n > 2 else { return 0 }
        let loudest = frames.power.max() ?? 0
        guard loudest > 1e-10 else { return 0 }
        let gate = loudest * 1e-5
        var active = 0, voiceLike = 0
        var bandShare = 0.0
        func moving(_ f: Int) -> Bool {
            guard frames.peakSalience[f] >= VocalPresenceEstimator.minimumSalience,
                frames.peakSalience[f - 1] >= VocalPresenceEstimator.minimumSalience
            else { return false }
            return VocalPresenceEstimator.pitchMotionCents.contains(abs(frames.peakCents[f] - frames.peakCents[f - 1]))
        }
        for f in 1..<(n - 1) where frames.power[f] > gate {
            active += 1
            bandShare += Double(frames.voiceBandShare[f])
            // Voice-like: the same salient peak keeps gliding over three frames (two successive motions).
            if moving(f) && moving(f + 1) { voiceLike += 1 }
        }
        guard active > 0 else { return 0 }
        let share = Double(voiceLike) / Double(active)
        let band = bandShare / Double(active)
        let centreWeight = min(1, max(0, (centreShare - 0.5) / 0.4))
        return min(1, share / VocalPresenceEstimator.fullShare) * centreWeight
            * min(1, band / VocalPresenceEstimator.fullBandShare)
    }

    /// Mid/(mid + side) energy of the 250-4000 Hz band (first-order high- and low-pass), 1 for mono input.
    static func centreShare(_ buffer: AudioBuffer) -> Double {
        var meter = CentreShareMeter()
        meter.append(buffer)
        return meter.share
    }
}
