// Design: beat placement by dynamic programming (Ellis 2007) with a local tempo. With the onset envelope o
// (normalised by its standard deviation) and a beat period P(t) frames that may change along the song, the best
// score of a beat sequence ending at frame t is
//   C[t] = o[t] + max over τ in [t − 2P(t), t − P(t)/2] of ( C[τ] − α · log²((t − τ) / P(t)) ),
// α = 300 (the transition penalty's tightness: a 10% off-period interval costs about 3 standard deviations of
// onset strength). The last beat is the best-scoring frame of the final period; the sequence is read back
// through the stored predecessors. `track(_:periodFrames:)` uses one period for the whole song (tempo search);
// `trackFollowingDrift` runs it, measures the local period from the beats found (median of the inter-beat
// intervals of the 9 beats around each beat), and tracks again with that period curve, so a song that drifts
// from 124 to 134 BPM is followed without paying the penalty on every beat. Cost O(frames × 1.5 P) per pass.
import Foundation

/// Places beats on an onset envelope for a given beat period.
struct BeatTracker: Sendable {
    /// Transition penalty weight α (300 chosen on the evaluation set's tune half: 100 let the tracker slip half
    /// a beat through drum-less intros and breakdowns of swung songs).
    var tightness: Double = 300
    /// Beats either side of a beat whose intervals give its local period.
    static let localPeriodHalfWindowBeats = 4

    /// Beat frames (ascending) for beat period `periodFrames` (fractional, ≥ 2).
    func track(_ envelope: [Float], periodFrames: Double) -> [Int] {
        track(envelope, periodAt: { _ in periodFrames }, maximumPeriodFrames: periodFrames)
    }

    /// Beats tracked at `periodFrames`, then again with the local period measured from those beats.
    func trackFollowingDrift(_ envelope: [Float], periodFrames: Double) -> [Int] {
        let first = track(envelope, periodFrames: periodFrames)
        guard first.count >= 8 else { return first }
        let curve = BeatTracker.localPeriods(first)
        // The curve may not leave ±15% of the searched period (a missed beat must not halve the tempo).
        let bounded = curve.map { min(max($0, periodFrames / 1.15), periodFrames * 1.15) }
        let positions = first.map(Double.init)
        let periodAt: (Int) -> Double = { t in
            let x = Double(t)
            if x <= positions[0] { return bounded[0] }
            if x >= positions[positions.count - 1] { return bounded[bounded.count - 1] }
            var lo = 0, hi = positions.count - 1
            while hi - lo > 1 {
                let m = (lo + hi) / 2
                if positions[m] <= x { lo = m } else { hi = m }
            }
            let f = (x - positions[lo]) / max(1, positions[hi] - positions[lo])
            return bounded[lo] * (1 - f) + bounded[hi] * f
        }
        return track(envelope, periodAt: periodAt, maximumPeriodFrames: bounded.max() ?? periodFrames)
    }

    /// Median inter-beat interval of the beats within `localPeriodHalfWindowBeats` of each beat, in frames.
    static func localPeriods(_ beats: [Int]) -> [Double] {
        let intervals = zip(beats.dropFirst(), beats).map { Double($0 - $1) }
        guard !intervals.isEmpty else { return beats.map { _ in 0 } }
        return beats.indices.map { i in
            let lo = max(0, i - localPeriodHalfWindowBeats), hi = min(intervals.count, i + localPeriodHalfWindowBeats)
            let window = Array(intervals[lo..<max(hi, lo + 1)]).sorted()
            return window[window.count / 2]
        }
    }

    private func track(_ envelope: [Float], periodAt: (Int) -> Double, maximumPeriodFrames: Double) -> [Int] {
        let chainStartSlack = tightness * log(1.1) * log(1.1)
        let n = envelope.count
        guard n > 4, maximumPeriodFrames >= 2 else { return [] }
        var mean = 0.0, square = 0.0
        for v in envelope { mean += Double(v); square += Double(v) * Double(v) }
        mean /= Double(n)
        let std = (square / Double(n) - mean * mean).squareRoot()
        guard std > 1e-12 else { return [] }
        let local = envelope.map { Double($0) / std }
        var score = [Double](repeating: 0, count: n)
        var previous = [Int](repeating: -1, count: n)
        for t in 0..<n {
            let period = periodAt(t)
            guard period >= 2 else { score[t] = local[t]; continue }
            let minGap = max(1, Int((period / 2).rounded(.down)))
            let maxGap = Int((period * 2).rounded(.up))
            var best = -Double.infinity, bestIndex = -1
            let lo = max(0, t - maxGap), hi = t - minGap
            if hi >= lo {
                for tau in lo...hi {
                    let l = log(Double(t - tau) / period)
                    let s = score[tau] - tightness * l * l
                    if s > best { best = s; bestIndex = tau }
                }
            }
            // A chain may also start here, when every predecessor costs more than a beat 10% off the period
            // (before the music starts: beats forced into the silence would pull the first real beats off their
            // onsets). Weak first beats of a song still start the chain: their interval is right.
            if bestIndex >= 0, best > -chainStartSlack {
                score[t] = local[t] + best
                previous[t] = bestIndex
            } else {
                score[t] = local[t]
            }
        }
        // The last beat: the best score within the final beat period.
        let tailStart = max(0, n - Int(periodAt(n - 1).rounded(.up)))
        var last = tailStart
        for t in tailStart..<n where score[t] > score[last] { last = t }
        var beats = [last]
        var cursor = previous[last]
        while cursor >= 0 {
            beats.append(cursor)
            cursor = previous[cursor]
        }
        return beats.reversed()
    }
}
