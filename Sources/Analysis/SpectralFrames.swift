// Design: one STFT pass over the mono analysis signal (22.05 kHz, Hann 2048 = 93 ms, hop 512 = 23.2 ms,
// 43 frames per second) computes everything later stages need per frame, so the spectrum is never stored:
// - 40 triangular mel bands (30 Hz ... Nyquist) of power: onset flux, MFCCs, timbre for sections;
// - total power and spectral centroid (magnitude-weighted, as is usual): brightness;
// - the strongest interpolated peak in the low voice range (120-1000 Hz): its pitch in cents, its salience
//   (peak power / band power) and the voice-band (250-4000 Hz) share of power: vocal presence.
// Frame f is centred on input sample f·hop − hop (the STFT's leading padding is frameSize − hop).
import DSP
import Foundation

/// Per-frame features of a mono signal (see the design note above).
struct SpectralFrames: Sendable {
    static let frameSize = 2048
    static let hopSize = 512
    static let melBandCount = 40
    static let melLowHz = 30.0

    let sampleRate: Double
    let frameCount: Int
    /// Mel band powers, frame after frame (`frameCount × melBandCount`).
    let melPower: [Float]
    /// Centre frequency of each mel band in Hz.
    let melCentreHz: [Double]
    /// Total power per frame (sum of |X|² over bins).
    let power: [Float]
    /// Spectral centroid per frame in Hz, magnitude-weighted (0 for silent frames).
    let centroidHz: [Float]
    /// Pitch of the strongest 250-1000 Hz peak in cents above 440 Hz's A (MIDI-like ×100), 0 when none.
    let peakCents: [Float]
    /// Peak power / power of the 250-1000 Hz band, 0...1.
    let peakSalience: [Float]
    /// Power share of 250-4000 Hz in the frame, 0...1.
    let voiceBandShare: [Float]

    /// Seconds between frames.
    var hopSeconds: Double { Double(SpectralFrames.hopSize) / sampleRate }
    /// Time of frame `index`'s centre in seconds.
    func time(ofFrame index: Int) -> Double {
        Double(
            index * SpectralFrames.hopSize - (SpectralFrames.frameSize - SpectralFrames.hopSize)
                + SpectralFrames.frameSize / 2) / sampleRate
    }
    /// Nearest frame to time `seconds`.
    func frame(atTime seconds: Double) -> Int {
        let f =
            (seconds * sampleRate
                - Double(SpectralFrames.frameSize / 2 - (SpectralFrames.frameSize - SpectralFrames.hopSize)))
            / Double(SpectralFrames.hopSize)
        return Int(f.rounded())
    }

    init(signal: [Float], sampleRate: Double) {
        self.sampleRate = sampleRate
        let stft = STFT(frameSize: SpectralFrames.frameSize, hopSize: SpectralFrames.hopSize)
        let frames = stft.frameCount(sampleCount: signal.count)
        frameCount = frames
        let bins = SpectralFrames.frameSize / 2 + 1
        let binHz = sampleRate / Double(SpectralFrames.frameSize)
        let filterbank = MelFilterbank(
            bandCount: SpectralFrames.melBandCount, lowHz: SpectralFrames.melLowHz,
            highHz: sampleRate / 2, binCount: bins, binHz: binHz)
        melCentreHz = filterbank.centreHz
        let bandCount = SpectralFrames.melBandCount
        var mel = [Float](repeating: 0, count: frames * bandCount)
        var power = [Float](repeating: 0, count: frames)
        var centroid = [Float](repeating: 0, count: frames)
        var cents = [Float](repeating: 0, count: frames)
        var salience = [Float](repeating: 0, count: frames)
        var voiceShare = [Float](repeating: 0, count: frames)
        var spectrum = [Float](repeating: 0, count: bins)
        let pitchLow = Int((250 / binHz).rounded(.up)), pitchHigh = Int(1000 / binHz)
        let voiceLow = Int(250 / binHz), voiceHigh = Int(4000 / binHz)
        do {
            var melOut = mel.mutableSpan
            do {
                var p = spectrum.mutableSpan
                stft.forEachSpectrum(signal) { f, re, im in
                    let binCount = re.count
                    var total: Float = 0, magnitudeSum: Float = 0, weighted: Float = 0
                    for k in 0..<binCount {
                        let v = re[k] * re[k] + im[k] * im[k]
                        p[k] = v
                        total += v
                        let m = v.squareRoot()
                        magnitudeSum += m
                        weighted += m * Float(k)
                    }
                    power[f] = total
                    centroid[f] = magnitudeSum > 1e-9 ? Float(binHz) * weighted / magnitudeSum : 0
                    filterbank.apply(p.span, into: &melOut, at: f * bandCount)
                    // Strongest peak of the voice range, parabolically interpolated in log power.
                    var best = pitchLow, bandPower: Float = 0
                    for k in pitchLow...pitchHigh {
                        bandPower += p[k]
                        if p[k] > p[best] { best = k }
                    }
                    if bandPower > 1e-10, best > pitchLow, best < pitchHigh {
                        let a = logf(p[best - 1] + 1e-20), b = logf(p[best] + 1e-20), c = logf(p[best + 1] + 1e-20)
                        let denom = a - 2 * b + c
                        let delta = denom < 0 ? 0.5 * (a - c) / denom : 0
                        let hz = (Double(best) + Double(delta)) * binHz
                        cents[f] = Float(1200 * log2(hz / 440))
                        salience[f] = (p[best - 1] + p[best] + p[best + 1]) / bandPower
                    }
                    var voice: Float = 0
                    for k in voiceLow...voiceHigh { voice += p[k] }
                    voiceShare[f] = total > 1e-12 ? voice / total : 0
                }
            }
        }
        melPower = mel
        self.power = power
        centroidHz = centroid
        peakCents = cents
        peakSalience = salience
        voiceBandShare = voiceShare
    }
}

/// Triangular mel filters over an FFT's power bins (HTK mel scale), stored sparsely.
struct MelFilterbank: Sendable {
    let centreHz: [Double]
    private let firstBin: [Int]
    private let weights: [[Float]]

    init(bandCount: Int, lowHz: Double, highHz: Double, binCount: Int, binHz: Double) {
        func mel(_ hz: Double) -> Double { 2595 * log10(1 + hz / 700) }
        func hz(_ mel: Double) -> Double { 700 * (pow(10, mel / 2595) - 1) }
        let lowMel = mel(lowHz), highMel = mel(highHz)
        let edges = (0..<(bandCount + 2)).map { hz(lowMel + (highMel - lowMel) * Double($0) / Double(bandCount + 1)) }
        var first = [Int](), all = [[Float]]()
        for b in 0..<bandCount {
            let lo = edges[b], mid = edges[b + 1], hi = edges[b + 2]
            let start = max(0, Int((lo / binHz).rounded(.down)))
            let end = min(binCount - 1, Int((hi / binHz).rounded(.up)))
            var w = [Float]()
            for k in start...end {
                let f = Double(k) * binHz
                let v = f <= mid ? (f - lo) / max(mid - lo, 1e-9) : (hi - f) / max(hi - mid, 1e-9)
                w.append(Float(max(0, v)))
            }
            // Narrow low bands may fall between bins: give them the nearest bin so no band is empty.
            if w.allSatisfy({ $0 == 0 }) {
                let nearest = min(binCount - 1, Int((mid / binHz).rounded()))
                first.append(nearest)
                all.append([1])
            } else {
                first.append(start)
                all.append(w)
            }
        }
        centreHz = Array(edges[1...bandCount])
        firstBin = first
        weights = all
    }

    /// Writes `bandCount` band powers for the power spectrum `power` into `out` from index `offset` on.
    func apply(_ power: Span<Float>, into out: inout MutableSpan<Float>, at offset: Int) {
        for b in 0..<weights.count {
            let start = firstBin[b]
            var sum: Float = 0
            let row = weights[b]
            let w = row.span
            for i in 0..<w.count { sum += w[i] * power[start + i] }
            out[offset + b] = sum
        }
    }
}
