// Design, in two stages, with no tempo prior:
// 1. Periodicity (Percival & Tzanetakis 2014): the autocorrelation of the onset envelope, read through a
//    comb of the first four multiples of each candidate period (60-200 BPM in 0.5 BPM steps), names the
//    metrical family of pulses (P, 2P, P/2 ... all score alike there: that is the octave ambiguity).
// 2. Metrical level (Böck et al.: decide the octave from metrical evidence): for every member of the family
//    inside 60-200 BPM, slowest first, track beats by dynamic programming and compare the onset strength half
//    way between beats with the strength on the beats, in the mid band (200-2000 Hz: snare body, chord and
//    bass attacks) and in the high band (> 2 kHz: snare noise, hats). A backbeat snare between two beats makes
//    both ratios high (generated set: mid 0.1-0.5, high 0.8-3); off-beat eighth hats leave the mid band nearly
//    empty half way and are weaker than the on-beat hats (mid 0.02-0.05, high 0.2-0.7). The level doubles when
//    (mid ratio / 0.075) × (high ratio / 0.75) ≥ 1: the product tolerates one band being weak (a thin snare, a
//    bright mix) as long as the other is clearly strong.
// The reported tempo is the least-squares slope of the final beat times, so it is not quantised to frames.
import Foundation

/// Tempo, confidence and beats from onset envelopes.
struct TempoEstimator: Sendable {
    /// Tempo range searched, in BPM.
    static let bpmRange = 60.0...200.0
    /// Mid-band half-way/beat onset ratio that, with `doublingHighRatio`, makes the half-way points beats.
    static let doublingMidRatio = 0.075
    /// High-band half-way/beat onset ratio paired with `doublingMidRatio`.
    static let doublingHighRatio = 0.75

    struct Result: Sendable {
        /// BPM, 0 when no pulse.
        var bpm: Double
        /// Beat frames.
        var beatFrames: [Int]
        /// 0...1.
        var confidence: Double
        /// Beat period in frames used by the tracker.
        var periodFrames: Double
    }

    func estimate(_ onsets: OnsetEnvelope) -> Result {
        let env = onsets.full
        let n = env.count
        let fps = onsets.frameRate
        let empty = Result(bpm: 0, beatFrames: [], confidence: 0, periodFrames: 0)
        guard n > Int(4 * fps) else { return empty }
        let acf = autocorrelation(env, maxLag: min(n - 1, Int(4.2 * fps)))
        guard acf[0] > 1e-12 else { return empty }
        // Stage 1: comb over the autocorrelation.
        var bestBPM = 0.0, bestScore = -Double.infinity
        var bpm = TempoEstimator.bpmRange.lowerBound
        while bpm <= TempoEstimator.bpmRange.upperBound {
            let lag = 60 * fps / bpm
            var s = 0.0
            for k in 1...4 { s += interpolate(acf, Double(k) * lag) }
            if s > bestScore { bestScore = s; bestBPM = bpm }
            bpm += 0.5
        }
        // Stage 2: metrical level among the family inside the range, slowest first.
        var family = [bestBPM]
        var slower = bestBPM / 2
        while slower >= TempoEstimator.bpmRange.lowerBound { family.insert(slower, at: 0); slower /= 2 }
        var faster = bestBPM * 2
        while faster <= TempoEstimator.bpmRange.upperBound { family.append(faster); faster *= 2 }
        let tracker = BeatTracker()
        var chosen = family[0]
        var beats = tracker.track(env, periodFrames: 60 * fps / chosen)
        for index in 0..<family.count {
            chosen = family[index]
            beats = tracker.track(env, periodFrames: 60 * fps / chosen)
            guard index + 1 < family.count else { break }
            let evidence = (halfwayRatio(onsets.mid, beats: beats) / TempoEstimator.doublingMidRatio)
                * (halfwayRatio(onsets.high, beats: beats) / TempoEstimator.doublingHighRatio)
            if evidence < 1 { break }
        }
        let period = 60 * fps / chosen
        // Refine: a DP pass at the chosen period's neighbourhood already follows the beats; the tempo is the slope.
        let slope = TempoEstimator.slope(beats) ?? period
        let finalBPM = min(max(60 * fps / slope, TempoEstimator.bpmRange.lowerBound * 0.97),
                           TempoEstimator.bpmRange.upperBound * 1.03)
        return Result(bpm: finalBPM, beatFrames: beats, confidence: confidence(env, beats: beats), periodFrames: slope)
    }

    /// Biased autocorrelation of the mean-removed envelope for lags 0...maxLag.
    func autocorrelation(_ x: [Float], maxLag: Int) -> [Double] {
        let n = x.count
        var mean = 0.0
        for v in x { mean += Double(v) }
        mean /= Double(max(n, 1))
        let centred = x.map { Float(Double($0) - mean) }
        var acf = [Double](repeating: 0, count: maxLag + 1)
        centred.withUnsafeBufferPointer { p in
            for lag in 0...maxLag {
                var s: Float = 0
                for i in 0..<(n - lag) { s += p[i] * p[i + lag] }
                acf[lag] = Double(s) / Double(n)
            }
        }
        return acf
    }

    func interpolate(_ x: [Double], _ position: Double) -> Double {
        let i = Int(position)
        guard i + 1 < x.count else { return 0 }
        let frac = position - Double(i)
        return x[i] * (1 - frac) + x[i + 1] * frac
    }

    /// Mean onset strength half way between consecutive beats over the mean strength on beats
    /// (maximum within ±1 frame of each point).
    func halfwayRatio(_ env: [Float], beats: [Int]) -> Double {
        guard beats.count > 2 else { return 0 }
        func peak(_ center: Int) -> Float {
            var m: Float = 0
            for f in max(0, center - 1)...min(env.count - 1, center + 1) { m = max(m, env[f]) }
            return m
        }
        var on = 0.0, mid = 0.0
        for i in 0..<(beats.count - 1) {
            on += Double(peak(beats[i]))
            mid += Double(peak((beats[i] + beats[i + 1]) / 2))
        }
        return on > 1e-12 ? mid / on : 0
    }

    /// Least-squares slope of beat frame against beat index (the mean period in frames).
    static func slope(_ beats: [Int]) -> Double? {
        let m = beats.count
        guard m >= 3 else { return nil }
        let meanIndex = Double(m - 1) / 2
        var meanFrame = 0.0
        for b in beats { meanFrame += Double(b) }
        meanFrame /= Double(m)
        var num = 0.0, den = 0.0
        for (i, b) in beats.enumerated() {
            num += (Double(i) - meanIndex) * (Double(b) - meanFrame)
            den += (Double(i) - meanIndex) * (Double(i) - meanIndex)
        }
        return den > 0 ? num / den : nil
    }

    /// 1 − mean(env) / mean(env at beats), clamped to 0...1: 0 when beats sit on average onsets, near 1 when all
    /// onset strength is on the beats.
    func confidence(_ env: [Float], beats: [Int]) -> Double {
        guard !beats.isEmpty, !env.isEmpty else { return 0 }
        var mean = 0.0
        for v in env { mean += Double(v) }
        mean /= Double(env.count)
        var atBeats = 0.0
        for b in beats {
            var m: Float = 0
            for f in max(0, b - 1)...min(env.count - 1, b + 1) { m = max(m, env[f]) }
            atBeats += Double(m)
        }
        atBeats /= Double(beats.count)
        guard atBeats > 1e-12 else { return 0 }
        return min(1, max(0, 1 - mean / atBeats))
    }
}
