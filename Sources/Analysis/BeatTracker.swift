// Design: beat placement by dynamic programming (Ellis 2007). With the onset envelope o (normalised by its
// standard deviation) and a beat period P frames, the best score of a beat sequence ending at frame t is
//   C[t] = o[t] + max over τ in [t − 2P, t − P/2] of ( C[τ] − α · log²((t − τ) / P) ),
// α = 100 (the transition penalty's tightness: a 10% off-period interval costs about 1 standard deviation of
// onset strength). The last beat is the best-scoring frame of the final period; the sequence is read back
// through the stored predecessors. Cost O(frames × 1.5 P), a few milliseconds for a song.
import Foundation

/// Places beats on an onset envelope for a given beat period.
struct BeatTracker: Sendable {
    /// Transition penalty weight α.
    var tightness: Double = 100

    /// Beat frames (ascending) for beat period `periodFrames` (fractional, ≥ 2).
    func track(_ envelope: [Float], periodFrames: Double) -> [Int] {
        let n = envelope.count
        guard n > 4, periodFrames >= 2 else { return [] }
        var mean = 0.0, square = 0.0
        for v in envelope { mean += Double(v); square += Double(v) * Double(v) }
        mean /= Double(n)
        let std = (square / Double(n) - mean * mean).squareRoot()
        guard std > 1e-12 else { return [] }
        let local = envelope.map { Double($0) / std }
        let minGap = max(1, Int((periodFrames / 2).rounded(.down)))
        let maxGap = Int((periodFrames * 2).rounded(.up))
        // Penalty per gap, computed once.
        var penalty = [Double](repeating: 0, count: maxGap + 1)
        for g in minGap...maxGap {
            let l = log(Double(g) / periodFrames)
            penalty[g] = tightness * l * l
        }
        var score = [Double](repeating: 0, count: n)
        var previous = [Int](repeating: -1, count: n)
        for t in 0..<n {
            var best = -Double.infinity, bestIndex = -1
            let lo = max(0, t - maxGap), hi = t - minGap
            if hi >= lo {
                for tau in lo...hi {
                    let s = score[tau] - penalty[t - tau]
                    if s > best { best = s; bestIndex = tau }
                }
            }
            if bestIndex >= 0 {
                score[t] = local[t] + best
                previous[t] = bestIndex
            } else {
                score[t] = local[t]
            }
        }
        // The last beat: the best score within the final beat period.
        let tailStart = max(0, n - Int(periodFrames.rounded(.up)))
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
