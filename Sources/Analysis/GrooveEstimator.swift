// Design: two measures of the beat grid's feel.
// - Stability: coefficient of variation (standard deviation / mean) of the inter-beat intervals in seconds;
//   0 for a machine-steady grid, 0.01 for 1% jitter (frame quantisation alone gives about 0.02 at 120 BPM
//   and 23 ms frames, so steady songs read 0.01-0.03).
// - Swing: where the off-beat eighth falls. In each beat interval the strongest onset of the mid and high bands
//   between 35% and 80% of the interval is located (parabolic interpolation); intervals whose off-beat peak
//   is weaker than 25% of the average on-beat strength are ignored. The median position maps 0.5 (straight)
//   to 0 and 2/3 (triplet swing) to 1, clamped to 0...1.
import Foundation

/// Groove stability and swing of a beat grid.
struct GrooveEstimator: Sendable {
    static let minimumOffbeatShare = 0.25

    func stability(beatTimes: [Double]) -> Double {
        guard beatTimes.count >= 3 else { return 0 }
        let intervals = zip(beatTimes.dropFirst(), beatTimes).map { $0 - $1 }
        let mean = intervals.reduce(0, +) / Double(intervals.count)
        guard mean > 0 else { return 0 }
        let variance = intervals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(intervals.count)
        return variance.squareRoot() / mean
    }

    func swing(_ onsets: OnsetEnvelope, beatFrames: [Int]) -> Double {
        guard beatFrames.count >= 4 else { return 0 }
        let n = onsets.full.count
        var env = [Float](repeating: 0, count: n)
        for f in 0..<n { env[f] = onsets.mid[f] + onsets.high[f] }
        let onBeat = DownbeatEstimator.strength(env, at: beatFrames)
        let meanOn = onBeat.reduce(0, +) / Double(onBeat.count)
        guard meanOn > 1e-12 else { return 0 }
        var positions = [Double]()
        for i in 0..<(beatFrames.count - 1) {
            let a = beatFrames[i], b = beatFrames[i + 1]
            let length = Double(b - a)
            guard length >= 4 else { continue }
            let lo = a + Int((0.35 * length).rounded(.up)), hi = min(n - 2, a + Int((0.8 * length).rounded(.down)))
            guard hi > lo, lo > 0 else { continue }
            var best = lo
            for f in lo...hi where env[f] > env[best] { best = f }
            guard Double(env[best]) >= GrooveEstimator.minimumOffbeatShare * meanOn else { continue }
            let x0 = Double(env[best - 1]), x1 = Double(env[best]), x2 = Double(env[best + 1])
            let denom = x0 - 2 * x1 + x2
            let delta = denom < 0 ? max(-0.5, min(0.5, 0.5 * (x0 - x2) / denom)) : 0
            positions.append((Double(best - a) + delta) / length)
        }
        guard positions.count >= 3 else { return 0 }
        positions.sort()
        let median = positions[positions.count / 2]
        return min(1, max(0, (median - 0.5) / (2.0 / 3.0 - 0.5)))
    }
}
