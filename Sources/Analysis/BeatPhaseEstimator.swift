// Design: the dynamic-programming tracker finds the period and a phase, but the phase it finds is the one with
// the most onset strength, and syncopated styles put more of it half way between the beats (bass and chord
// stabs on the off-beats of house, the bossa and reggae patterns, funk's anticipations). Two cues that stay on
// the beat in those styles decide between the tracked beats and their midpoints:
// 1. Harmony changes at bar lines (Goto 2001: chord changes mark beats and bars). For a grid of beats, the change
//    at a beat is the cosine distance between the chroma of the beat before and the beat after it; the beats are
//    grouped by their position in the bar (index mod beats per bar) and the strongest group's mean change is the
//    grid's score. One-beat windows make the score insensitive to re-attacks and stabs inside a chord: on the
//    right grid the bar line splits two chords cleanly; half a beat off, each window mixes both.
// 2. The high band (> 2 kHz: snare and clap noise, hi-hats, accented on the beats): its onset strength on the
//    beats against half way between them.
// The evidence is log(on / off) of each cue, summed; below 0 the midpoints are the beats. Chosen on the
// evaluation set's tune half (with the true beats: every generated song and every real excerpt with a beat
// consensus has the sum above 0 there; the low and mid bands, used before, point the wrong way on 30 of 121).
import Foundation

/// Decides whether tracked beats or the points half way between them are the beats.
struct BeatPhaseEstimator: Sendable {
    /// Beats per bar used to group the harmonic change.
    var beatsPerBar: Int = 4

    /// Evidence (natural-log units) that `beats` rather than their midpoints are the beats; below 0 the
    /// midpoints are. 0 when there are too few beats to tell.
    func onBeatEvidence(beats: [Int], onsets: OnsetEnvelope, chroma: ChromaFrames, frames: SpectralFrames) -> Double {
        guard beats.count >= 2 * beatsPerBar + 1 else { return 0 }
        let midpoints = zip(beats, beats.dropFirst()).map { ($0 + $1) / 2 }
        let on = Array(beats.dropLast())
        let high =
            log(BeatPhaseEstimator.peakMean(onsets.high, at: on) + 1e-9)
            - log(BeatPhaseEstimator.peakMean(onsets.high, at: midpoints) + 1e-9)
        let onTimes = on.map { frames.time(ofFrame: $0) }
        let offTimes = midpoints.map { frames.time(ofFrame: $0) }
        let periodSeconds =
            (frames.time(ofFrame: beats[beats.count - 1]) - frames.time(ofFrame: beats[0]))
            / Double(beats.count - 1)
        let harmony =
            log(barChange(onTimes, periodSeconds: periodSeconds, chroma: chroma) + 1e-9)
            - log(barChange(offTimes, periodSeconds: periodSeconds, chroma: chroma) + 1e-9)
        return high + harmony
    }

    /// Mean over the beats of the envelope's maximum within ±1 frame of each.
    static func peakMean(_ envelope: [Float], at positions: [Int]) -> Double {
        guard !envelope.isEmpty, !positions.isEmpty else { return 0 }
        var sum = 0.0
        for centre in positions {
            var m: Float = 0
            let lo = max(0, centre - 1), hi = min(envelope.count - 1, centre + 1)
            if lo <= hi { for f in lo...hi { m = max(m, envelope[f]) } }
            sum += Double(m)
        }
        return sum / Double(positions.count)
    }

    /// The strongest bar position's mean chroma change (cosine distance, 0...1) between the beat before and the
    /// beat after each time.
    func barChange(_ times: [Double], periodSeconds: Double, chroma: ChromaFrames) -> Double {
        let width = max(1, Int((periodSeconds / chroma.hopSeconds).rounded()))
        var sums = [Double](repeating: 0, count: beatsPerBar), counts = [Int](repeating: 0, count: beatsPerBar)
        for (i, t) in times.enumerated() {
            let c = chroma.frame(atTime: t)
            guard c - width >= 0, c + width <= chroma.frameCount else { continue }
            let before = chroma.sum(frames: (c - width)..<c), after = chroma.sum(frames: c..<(c + width))
            var dot: Float = 0, a: Float = 0, b: Float = 0
            for p in 0..<12 { dot += before[p] * after[p]; a += before[p] * before[p]; b += after[p] * after[p] }
            guard a > 0, b > 0 else { continue }
            sums[i % beatsPerBar] += Double(1 - dot / (a * b).squareRoot())
            counts[i % beatsPerBar] += 1
        }
        var best = 0.0
        for k in 0..<beatsPerBar where counts[k] > 0 { best = max(best, sums[k] / Double(counts[k])) }
        return best
    }
}
