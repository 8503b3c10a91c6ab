// Design: multi-band spectral flux (Böck et al.): mel band powers are log-compressed (dB, floored 80 dB below
// the loudest band value of the song), differenced against the previous frame, half-wave rectified and summed
// per band group: low (< 200 Hz: kick, bass), mid (200-2000 Hz: snare body, chords, voice) and high (> 2 kHz:
// hats, snare noise). Each group's flux is divided by its band count; the full envelope is the mean of the
// three, so a band group with many bands does not drown the others. A moving average over 0.5 s is removed
// and the result half-wave rectified: what is left are onsets, not level. Resolution: one frame (23.2 ms).
import Foundation

/// Onset strength envelopes at the spectral frame rate (one value per frame, ≥ 0).
struct OnsetEnvelope: Sendable {
    /// All bands (beat tracking, tempo).
    let full: [Float]
    /// Below 200 Hz (kick drum, bass notes: downbeats, metrical level).
    let low: [Float]
    /// 200-2000 Hz.
    let mid: [Float]
    /// Above 2 kHz (hats: off-beats, swing).
    let high: [Float]
    /// Frames per second.
    let frameRate: Double

    init(frames: SpectralFrames) {
        let n = frames.frameCount
        let bands = SpectralFrames.melBandCount
        frameRate = 1 / frames.hopSeconds
        var logMel = [Float](repeating: 0, count: n * bands)
        var peak: Float = 1e-20
        for v in frames.melPower { peak = max(peak, v) }
        let floor = peak * 1e-8
        for i in 0..<logMel.count { logMel[i] = 10 * log10f(max(frames.melPower[i], floor)) }
        let group: [Int] = frames.melCentreHz.map { $0 < 200 ? 0 : ($0 < 2000 ? 1 : 2) }
        var counts = [0, 0, 0]
        for g in group { counts[g] += 1 }
        var flux = [[Float]](repeating: [Float](repeating: 0, count: n), count: 3)
        if n > 1 {
            for f in 1..<n {
                var sums: (Float, Float, Float) = (0, 0, 0)
                for b in 0..<bands {
                    let d = max(0, logMel[f * bands + b] - logMel[(f - 1) * bands + b])
                    switch group[b] {
                    case 0: sums.0 += d
                    case 1: sums.1 += d
                    default: sums.2 += d
                    }
                }
                flux[0][f] = sums.0 / Float(max(1, counts[0]))
                flux[1][f] = sums.1 / Float(max(1, counts[1]))
                flux[2][f] = sums.2 / Float(max(1, counts[2]))
            }
        }
        let window = max(3, Int((0.5 * frameRate).rounded()))
        low = OnsetEnvelope.detrend(flux[0], window: window)
        mid = OnsetEnvelope.detrend(flux[1], window: window)
        high = OnsetEnvelope.detrend(flux[2], window: window)
        var sum = [Float](repeating: 0, count: n)
        for f in 0..<n { sum[f] = (2 * low[f] + 2 * mid[f] + high[f]) / 5 }
        full = sum
    }

    /// Subtracts a centred moving average of `window` frames and half-wave rectifies.
    static func detrend(_ x: [Float], window: Int) -> [Float] {
        let n = x.count
        guard n > 0 else { return [] }
        var prefix = [Double](repeating: 0, count: n + 1)
        for i in 0..<n { prefix[i + 1] = prefix[i] + Double(x[i]) }
        let half = window / 2
        var out = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let lo = max(0, i - half), hi = min(n, i + half + 1)
            let mean = (prefix[hi] - prefix[lo]) / Double(hi - lo)
            out[i] = max(0, x[i] - Float(mean))
        }
        return out
    }
}
