// Design: bar phase from bar-level patterns (after Böck/Krebs: downbeats carry the low-frequency onsets and
// the harmonic changes). With the beats known and a fixed number of beats per bar (4 by default), the only
// unknown is which beat of each group is "one". For every beat two features are standardised over the song:
// - low-band onset strength (kick drum, bass-note attacks), the maximum within ±1 frame of the beat;
// - chord change: cosine distance between the chroma of the 2 beats before and the 2 beats after the beat.
// Each phase p = 0..<beatsPerBar scores the mean of (low + 1.5 × change) over beats i ≡ p; the best phase
// wins. Because the phase is chosen over the whole song, a pickup or a drum-less intro does not put the first
// downbeat on the first beat: the first downbeat is the first beat with the winning phase.
import Foundation

/// Downbeats (bar starts) among tracked beats.
struct DownbeatEstimator: Sendable {
    /// Weight of the chord-change feature against the low-band onset feature.
    static let chordChangeWeight = 1.5
    var beatsPerBar = 4

    /// Index of the first downbeat among the beats (0..<beatsPerBar), from per-beat features.
    func phase(lowOnsetAtBeats low: [Double], chordChange change: [Double]) -> Int {
        let n = min(low.count, change.count)
        guard n >= beatsPerBar else { return 0 }
        let lowZ = DownbeatEstimator.standardised(Array(low[0..<n]))
        let changeZ = DownbeatEstimator.standardised(Array(change[0..<n]))
        var best = 0, bestScore = -Double.infinity
        for p in 0..<beatsPerBar {
            var s = 0.0, count = 0
            var i = p
            while i < n {
                s += lowZ[i] + DownbeatEstimator.chordChangeWeight * changeZ[i]
                count += 1
                i += beatsPerBar
            }
            let mean = count > 0 ? s / Double(count) : -Double.infinity
            if mean > bestScore { bestScore = mean; best = p }
        }
        return best
    }

    /// Low-band onset strength at each beat frame (maximum within ±1 frame).
    static func strength(_ env: [Float], at beatFrames: [Int]) -> [Double] {
        beatFrames.map { b in
            var m: Float = 0
            let lo = max(0, b - 1), hi = min(env.count - 1, b + 1)
            if hi >= lo { for f in lo...hi { m = max(m, env[f]) } }
            return Double(m)
        }
    }

    static func standardised(_ x: [Double]) -> [Double] {
        guard !x.isEmpty else { return [] }
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)
        let std = variance.squareRoot()
        return std > 1e-12 ? x.map { ($0 - mean) / std } : x.map { _ in 0 }
    }
}
