// Design: beats to the sample. The tracker places beats on the onset envelope's frame grid (23 ms at 22 kHz);
// each beat is then moved onto its attack in the input signal at its full rate:
// 1. Coarse time, delays compensated analytically: the flux of frame f is the change from frame f − 1 to f, so
//    it belongs half way between the two frame centres (`SpectralFrames.time(ofFrame:)` − hop/2). The analysis
//    downsampler is linear-phase and centred (no delay), the frame centre times are exact.
// 2. Attack search at the input rate within ±`searchSeconds` of the coarse time: the first difference of the
//    mono signal (a gentle high-pass: attacks, clicks and drum transients stand out of sustained notes; its
//    half-sample delay is added back) is squared and summed over `windowSeconds` after and before every
//    sample with triangular weights falling away from it; the attack is the sample where (after − before)
//    peaks. For a step, a decaying attack or a click shorter than the window starting at t₀, that difference
//    peaks exactly at t₀ (the weights make the nearest samples count most): no delay to correct. Candidates are
//    weighted by a Gaussian around the coarse time (σ = `priorSigmaSeconds`), so a loud off-beat at the edge of
//    the search does not win over the beat. A beat is moved only when the energy after the attack is at least
//    `minimumRiseRatio` times the energy before it (a clear attack); otherwise it keeps its coarse time.
// 3. Grid smoothing: a local quadratic fit of beat time against beat index over the 9 beats around each beat
//    (two passes; beats more than `outlierSeconds` off the first fit are left out of the second; unmoved beats
//    count a third). The beat is the fit's value at its index: humanised hits (±10 ms per instrument) average
//    out, a steady tempo ramp (drift) is followed without bias (a quadratic in the index is exact for it).
// Cost: 2 × `searchSeconds` + 2 × `windowSeconds` of samples per beat, about 5% of the signal.
import Foundation

/// Refines frame-grid beats to sample-precise times.
struct BeatRefiner: Sendable {
    /// Half-width of the attack search around the coarse beat time, seconds.
    static let searchSeconds = 0.045
    /// Length of the energy windows before and after a candidate attack, seconds.
    static let windowSeconds = 0.006
    /// Standard deviation of the Gaussian weight around the coarse time, seconds.
    static let priorSigmaSeconds = 0.025
    /// Energy after / before an attack for it to count.
    static let minimumRiseRatio = 2.0
    /// Beats either side in the local grid fit.
    static let fitHalfWindowBeats = 4
    /// Distance from the first fit beyond which a beat is left out of the second, seconds.
    static let outlierSeconds = 0.015
    /// Weight in the fit of a beat whose attack was not found.
    static let unmovedWeight = 1.0 / 3.0

    /// Sample-precise beat times (seconds) for coarse times `coarseSeconds`, from the mono `signal` at `sampleRate`.
    func refine(_ coarseSeconds: [Double], signal: [Float], sampleRate: Double) -> [Double] {
        // Reading a slice of an array cannot throw.
        try! refine(coarseSeconds, signalCount: signal.count, sampleRate: sampleRate) { Array(signal[$0]) }
    }

    /// Sample-precise beat times (seconds) for coarse times `coarseSeconds`, from a mono signal of `signalCount`
    /// samples at `sampleRate` of which `read` returns any range inside it (only the few milliseconds around each
    /// beat are read: the signal need not be in memory).
    func refine(
        _ coarseSeconds: [Double], signalCount: Int, sampleRate: Double,
        read: (Range<Int>) throws -> [Float]
    ) throws -> [Double] {
        guard !coarseSeconds.isEmpty, signalCount > 4, sampleRate > 0 else { return coarseSeconds }
        let window = max(2, Int((BeatRefiner.windowSeconds * sampleRate).rounded()))
        let search = Int((BeatRefiner.searchSeconds * sampleRate).rounded())
        let sigma = BeatRefiner.priorSigmaSeconds * sampleRate
        // The prior's weight at each offset from the coarse beat (the same for every beat).
        let prior = (-search...search).map { offset -> Double in
            let x = Double(offset) / sigma
            return exp(-0.5 * x * x)
        }
        var attacks = [Double](), weights = [Double]()
        var prefix = [Double](repeating: 0, count: 2 * (search + window) + 2)
        var moment = prefix
        for coarse in coarseSeconds {
            let centre = Int((coarse * sampleRate).rounded())
            let lo = centre - search - window, hi = centre + search + window
            // The samples the differences below use: lo − 1 ..< hi, inside the signal.
            let readFrom = min(max(0, lo - 1), signalCount), readTo = max(min(signalCount, hi), readFrom)
            let signal = try read(readFrom..<readTo)
            // prefix[k] = Σ of squared first differences of samples lo ..< lo + k; moment[k] = Σ of index × value.
            prefix[0] = 0
            moment[0] = 0
            for k in 0..<(hi - lo) {
                let i = lo + k
                var d: Double = 0
                if i >= 1 && i < signalCount { d = Double(signal[i - readFrom] - signal[i - 1 - readFrom]) }
                prefix[k + 1] = prefix[k] + d * d
                moment[k + 1] = moment[k] + Double(k) * d * d
            }
            let w = Double(window)
            var bestScore = 0.0, bestSample = -1, bestRise = 0.0
            for n in (centre - search)...(centre + search) {
                let k = n - lo
                // Triangular weights falling away from n on both sides (W at the sample next to n, 1 at the far
                // end): a short click that fits in the window still peaks exactly at its first sample.
                let afterSum = prefix[k + window] - prefix[k], afterMoment = moment[k + window] - moment[k]
                let after = w * afterSum - (afterMoment - Double(k) * afterSum)
                let beforeSum = prefix[k] - prefix[k - window], beforeMoment = moment[k] - moment[k - window]
                let before = (w - Double(k) + 1) * beforeSum + beforeMoment
                let score = (after - before) * prior[n - centre + search]
                if score > bestScore {
                    bestScore = score; bestSample = n
                    bestRise = after / max(before, 1e-12)
                }
            }
            if bestSample >= 0 && bestRise >= BeatRefiner.minimumRiseRatio {
                // The difference x[i] − x[i−1] sits half a sample before sample i.
                attacks.append((Double(bestSample) - 0.5) / sampleRate)
                weights.append(1)
            } else {
                attacks.append(coarse)
                weights.append(BeatRefiner.unmovedWeight)
            }
        }
        return BeatRefiner.smoothed(attacks, weights: weights)
    }

    /// Local quadratic fit of time against index around every beat (see the design note).
    static func smoothed(_ times: [Double], weights: [Double]) -> [Double] {
        let count = times.count
        guard count >= 5 else { return times }
        func fit(_ i: Int, _ w: (Int) -> Double) -> Double? {
            let lo = max(0, i - fitHalfWindowBeats), hi = min(count - 1, i + fitHalfWindowBeats)
            // Weighted least squares for t = a + b·j + c·j², j = k − i; the value at j = 0 is a.
            var s = [Double](repeating: 0, count: 5), r = [Double](repeating: 0, count: 3)
            var used = 0
            for k in lo...hi {
                let wk = w(k)
                guard wk > 0 else { continue }
                used += 1
                let j = Double(k - i)
                var p = 1.0
                for e in 0..<5 { s[e] += wk * p; p *= j }
                r[0] += wk * times[k]; r[1] += wk * times[k] * j; r[2] += wk * times[k] * j * j
            }
            guard used >= 4 else { return nil }
            // Solve [[s0 s1 s2][s1 s2 s3][s2 s3 s4]] x = r (Cramer's rule).
            let m = [[s[0], s[1], s[2]], [s[1], s[2], s[3]], [s[2], s[3], s[4]]]
            func det(_ a: [[Double]]) -> Double {
                a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
                    + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
            }
            let d = det(m)
            guard abs(d) > 1e-12 else { return nil }
            var m0 = m
            for row in 0..<3 { m0[row][0] = r[row] }
            return det(m0) / d
        }
        let first = (0..<count).map { fit($0) { weights[$0] } ?? times[$0] }
        let second = (0..<count).map { i in
            fit(i) { k in abs(times[k] - first[k]) <= outlierSeconds ? weights[k] : 0 } ?? first[i]
        }
        return second
    }
}
