// Design: chroma from a log-frequency (semitone) mapping of a long-window spectrogram.
// - STFT: Hann 4096 at 22.05 kHz (186 ms, 5.4 Hz bins), hop 1024 (46 ms); only bins up to 2.1 kHz are kept.
// - Tuning: every spectral peak between 100 Hz and 2 kHz (a local maximum within 40 dB of the frame's
//   loudest) is located by parabolic interpolation of log power; its deviation from the nearest equal-tempered
//   semitone (A = 440 Hz) is averaged on the circle (weight = magnitude), giving the reference offset in cents.
// - Mapping: each spectral peak (a local maximum of the magnitude spectrum) is located by parabolic
//   interpolation of log magnitude, and its interpolated magnitude goes to the nearest tuned semitone; the bins
//   around it add nothing. With 5.4 Hz bins a semitone is narrower than Hann's main lobe (±2 bins, ±10.8 Hz)
//   below about 180 Hz, so mapping every bin (as before) gave each low note half its magnitude again on both
//   neighbouring semitones (at 65 Hz the ±1-bin neighbours are a semitone or more away). Measured on the
//   evaluation set's tune halves with every other constant unchanged: key 0.962 -> 0.969 (generated) and 0.637 ->
//   0.790 (real), downbeat F 0.925 -> 0.937 (the chord changes at bar lines read cleaner). Harmonic suppression:
//   from each semitone, 0.3 × the magnitude 19 semitones below and 0.2 × the one 28 below are removed (the 3rd
//   and 5th partials of a lower note: without this, the 5th partial of a minor chord's root reads as the major
//   third and minor keys come out as their parallel major; with peaks, 0-0.45 × 0-0.3 were tried again on the
//   tune halves and 0.3, 0.2 kept). MIDI 36-95 (65 Hz-2 kHz) fold into the 12-bin chroma, MIDI 28-54
//   (41-185 Hz, unsuppressed) into a separate bass chroma (roots of chords).
// - Percussion: each pitch class is median-filtered over 9 frames (0.42 s), the harmonic half of
//   Fitzgerald's separation, so drum hits do not leave pitch classes behind.
// - Tonalness (is there a key to find?): the share of the 150-2000 Hz power that sits in sustained partials.
//   A partial is a bin that is a local maximum at least `prominence` × the mean power of the bins 4-8 away
//   on both sides (a sinusoid's Hann main lobe is ±2 bins; noise rarely reaches 6×: P ≈ e⁻⁶), and that is
//   still there (within ±1 bin, at least a quarter of its power) 2 frames (93 ms) before and after; its
//   power counts with its two neighbours. Notes, chords and voices give 0.3-0.9; drums, noise and cymbals
//   almost nothing (kick fundamentals are below the band, their pitch glides, snares and hats are noise).
// - Tonal time share (is the pitch there most of the time, or only in rings after hits?): the share of the
//   sounding frames (150-2000 Hz power within `soundingRangeDecibels` of the loudest frame's) in which sustained
//   partials carry at least `tonalFrameShare` of that power. Music in a key sounds its notes most of the time:
//   0.36-0.99 over the 361 songs and excerpts of the evaluation set given a key. Pitched toms ring for a
//   fraction of each beat and leave the rest to noise: 0.05-0.21 for five of the seven General MIDI loops whose
//   tom rings reach a tonalness of 0.12 (`scripts/eval/drum_loops.py`; the orchestra kit's timpani-like toms 0.40).
// - Glide share (are the pitches held?): the share of the sustained partials' power whose frequency (the
//   interpolated peak within ±1 bin, 2 frames before, at and 2 frames after the frame) moves the same way by at
//   least `glideCentsPerSecond` on both sides. Held notes, chords and voices (vibrato averages out over the
//   186 ms window) give little: at most 0.25 generated and 0.37 real over the 469 songs and excerpts of the
//   evaluation set, medians 0.01 and 0.04-0.06; a sine sweep gives 1. A glide faster than a bin per 2 frames
//   is not a sustained partial at all (it lowers the tonalness instead).
import DSP
import Foundation

/// Chroma frames with the estimated tuning.
struct ChromaFrames: Sendable {
    static let frameSize = 4096
    static let hopSize = 1024

    /// 12 values per frame (C, C#, ... B), frame after frame; non-negative magnitudes.
    let chroma: [Float]
    /// Bass chroma, same layout.
    let bass: [Float]
    let frameCount: Int
    let sampleRate: Double
    /// Deviation of the tuning reference from A = 440 Hz, in cents (-50...50).
    let tuningCents: Double
    /// Tonalness, tonal time share and glide share of the sustained partials (see the design note).
    let tonality: Tonality
    /// A frame counts as tonal for `tonalTimeShare` when its sustained partials carry this share of its power.
    static let tonalFrameShare: Float = 0.1
    /// Frames whose 150-2000 Hz power is within this many dB of the loudest frame's are sounding.
    static let soundingRangeDecibels: Float = 30
    /// A sustained partial glides when its pitch moves one way at least this fast on both sides of the frame:
    /// a semitone per second (a musical bound, not fitted: portamento and sweeps move faster, held notes do not move).
    static let glideCentsPerSecond = 100.0
    /// Power of a partial over the mean power of the bins 4-8 away from it.
    static let prominence: Float = 6
    /// Magnitude of a note's 3rd and 5th partials relative to its fundamental, removed from the semitones
    /// 19 and 28 above every semitone before folding (chosen on the evaluation set's tune half; 0.2-0.6 all help).
    static let thirdPartialShare: Float = 0.3
    static let fifthPartialShare: Float = 0.2

    var hopSeconds: Double { Double(ChromaFrames.hopSize) / sampleRate }
    /// Centre time of frame `index` in seconds.
    func time(ofFrame index: Int) -> Double {
        Double(
            index * ChromaFrames.hopSize - (ChromaFrames.frameSize - ChromaFrames.hopSize) + ChromaFrames.frameSize / 2)
            / sampleRate
    }
    /// Frame whose centre is nearest `seconds` (may be outside 0..<frameCount).
    func frame(atTime seconds: Double) -> Int {
        Int(
            ((seconds * sampleRate
                - Double(ChromaFrames.frameSize / 2 - (ChromaFrames.frameSize - ChromaFrames.hopSize)))
                / Double(ChromaFrames.hopSize)).rounded())
    }

    /// Sum of chroma over frames `range` (clamped), 12 values.
    func sum(frames range: Range<Int>, bassWeight: Float = 0) -> [Float] {
        var out = [Float](repeating: 0, count: 12)
        let lo = max(0, range.lowerBound), hi = min(frameCount, range.upperBound)
        guard hi > lo else { return out }
        for f in lo..<hi {
            for p in 0..<12 { out[p] += chroma[f * 12 + p] + bassWeight * bass[f * 12 + p] }
        }
        return out
    }

    init(signal: [Float], sampleRate: Double) {
        self.sampleRate = sampleRate
        let stft = STFT(frameSize: ChromaFrames.frameSize, hopSize: ChromaFrames.hopSize)
        let frames = stft.frameCount(sampleCount: signal.count)
        frameCount = frames
        let binHz = sampleRate / Double(ChromaFrames.frameSize)
        let keptBins = min(ChromaFrames.frameSize / 2, Int(2100 / binHz) + 2)
        var magnitudes = [Float](repeating: 0, count: frames * keptBins)
        // Pass 1: magnitudes of the kept bins, and tuning from the peaks.
        var tuningX = 0.0, tuningY = 0.0
        let peakLow = Int(100 / binHz), peakHigh = min(keptBins - 2, Int(2000 / binHz))
        do {
            var mags = magnitudes.mutableSpan
            stft.forEachSpectrum(signal) { f, re, im in
                var row = mags._mutatingExtracting(f * keptBins..<(f + 1) * keptBins)
                var loudest: Float = 0
                for k in 0..<keptBins {
                    let p = re[k] * re[k] + im[k] * im[k]
                    row[k] = p
                    loudest = max(loudest, p)
                }
                guard loudest > 1e-12 else { return }
                let threshold = loudest * 1e-4
                for k in peakLow...peakHigh where row[k] > threshold && row[k] > row[k - 1] && row[k] >= row[k + 1] {
                    let a = logf(row[k - 1] + 1e-20), b = logf(row[k]), c = logf(row[k + 1] + 1e-20)
                    let denom = a - 2 * b + c
                    let delta = denom < 0 ? Double(0.5 * (a - c) / denom) : 0
                    let hz = (Double(k) + delta) * binHz
                    let midi = 69 + 12 * log2(hz / 440)
                    let deviation = midi - midi.rounded()
                    let w = Double(row[k]).squareRoot()
                    tuningX += w * cos(2 * .pi * deviation)
                    tuningY += w * sin(2 * .pi * deviation)
                }
                for k in 0..<keptBins { row[k] = row[k].squareRoot() }
            }
        }
        let tuning = (tuningX == 0 && tuningY == 0) ? 0 : atan2(tuningY, tuningX) / (2 * .pi) * 100
        tonality = ChromaFrames.tonality(
            magnitudes, frames: frames, keptBins: keptBins, binHz: binHz,
            glideCentsPerTwoHops: ChromaFrames.glideCentsPerSecond * 2 * Double(ChromaFrames.hopSize) / sampleRate)
        tuningCents = tuning
        // Pass 2: spectral peaks to tuned semitones.
        let reference = 440 * pow(2, tuning / 1200)
        var chroma = [Float](repeating: 0, count: frames * 12)
        var bass = [Float](repeating: 0, count: frames * 12)
        var semitones = [Float](repeating: 0, count: 96)
        for f in 0..<frames {
            for m in semitones.indices { semitones[m] = 0 }
            let row = f * keptBins
            for k in 1..<(keptBins - 1) {
                let centre = magnitudes[row + k]
                guard centre > 0, centre > magnitudes[row + k - 1], centre >= magnitudes[row + k + 1] else { continue }
                let (bin, magnitude) = ChromaFrames.interpolatedPeak(
                    below: magnitudes[row + k - 1], centre: centre, above: magnitudes[row + k + 1])
                let s = Int((69 + 12 * log2((Double(k) + bin) * binHz / reference)).rounded())
                if s >= 0 && s <= 95 { semitones[s] += magnitude }
                if s >= 28 && s <= 54 { bass[f * 12 + s % 12] += magnitude }
            }
            // Overtones out: the 3rd and 5th partials of each semitone's note (a twelfth and two octaves and a
            // major third up) would otherwise count as a fifth and a major third of the key.
            for s in 36...95 {
                let own =
                    semitones[s] - ChromaFrames.thirdPartialShare * semitones[s - 19]
                    - ChromaFrames.fifthPartialShare * semitones[s - 28]
                chroma[f * 12 + s % 12] += max(0, own)
            }
        }
        self.chroma = ChromaFrames.harmonicPart(chroma, frames: frames)
        self.bass = ChromaFrames.harmonicPart(bass, frames: frames)
    }

    /// A spectral peak's position and height from the magnitudes of its bin and its two neighbours (a parabola
    /// through their logs; for a Hann window within 0.02 bins in position and 0.35 dB in height): the offset from
    /// the centre bin, -0.5...0.5 bins, and the interpolated magnitude.
    static func interpolatedPeak(below: Float, centre: Float, above: Float) -> (offsetBins: Double, magnitude: Float) {
        let a = logf(below + 1e-20), b = logf(centre), c = logf(above + 1e-20)
        let denominator = a - 2 * b + c
        guard denominator < 0 else { return (0, centre) }
        let offset = min(0.5, max(-0.5, 0.5 * (a - c) / denominator))
        return (Double(offset), expf(b - 0.25 * (a - c) * offset))
    }

    /// The song's share of sustained partials in the 150-2000 Hz power, its tonal time share and its glide share
    /// (magnitudes in, squared); a sustained partial glides when its pitch moves one way by at least
    /// `glideCentsPerTwoHops` from 2 frames before to the frame and from the frame to 2 frames after.
    static func tonality(
        _ magnitudes: [Float], frames: Int, keptBins: Int, binHz: Double, glideCentsPerTwoHops: Double
    ) -> Tonality {
        var perFrame = [Float](repeating: 0, count: frames)
        var framePower = [Float](repeating: 0, count: frames)
        let lo = max(9, Int(150 / binHz)), hi = min(keptBins - 10, Int(2000 / binHz))
        guard frames >= 5, hi > lo else { return Tonality(tonalness: 0, timeShare: 0, glideShare: 0) }
        var stableTotal = 0.0, total = 0.0, sustainedTotal = 0.0, glidingTotal = 0.0
        do {
            let m = magnitudes.span
            func power(_ f: Int, _ k: Int) -> Float { let v = m[f * keptBins + k]; return v * v }
            /// The interpolated peak position in bins, in frame `f`, of the partial at bin `k` (the loudest of
            /// bins k-1...k+1).
            func peakBin(_ f: Int, near k: Int) -> Double {
                var best = k
                if power(f, k - 1) > power(f, best) { best = k - 1 }
                if power(f, k + 1) > power(f, best) { best = k + 1 }
                let row = f * keptBins + best
                return Double(best) + interpolatedPeak(below: m[row - 1], centre: m[row], above: m[row + 1]).offsetBins
            }
            for f in 2..<(frames - 2) {
                var frameTotal: Float = 0, frameStable: Float = 0
                for k in lo...hi { frameTotal += power(f, k) }
                guard frameTotal > 1e-12 else { continue }
                framePower[f] = frameTotal
                var k = lo
                while k <= hi {
                    let p = power(f, k)
                    guard p > power(f, k - 1), p >= power(f, k + 1) else { k += 1; continue }
                    var floor: Float = 0
                    for d in 4...8 { floor += power(f, k - d) + power(f, k + d) }
                    floor /= 10
                    guard p >= ChromaFrames.prominence * floor else { k += 1; continue }
                    var sustained = true
                    for df in [-2, 2] {
                        let q = max(power(f + df, k - 1), power(f + df, k), power(f + df, k + 1))
                        if q < 0.25 * p { sustained = false; break }
                    }
                    if sustained {
                        let partial = p + power(f, k - 1) + power(f, k + 1)
                        frameStable += partial
                        sustainedTotal += Double(partial)
                        let here = peakBin(f, near: k)
                        let rise = 1200 * log2(here / peakBin(f - 2, near: k))
                        let onward = 1200 * log2(peakBin(f + 2, near: k) / here)
                        if rise * onward > 0 && min(abs(rise), abs(onward)) >= glideCentsPerTwoHops {
                            glidingTotal += Double(partial)
                        }
                        k += 2
                    } else {
                        k += 1
                    }
                }
                perFrame[f] = min(1, frameStable / frameTotal)
                stableTotal += Double(min(frameStable, frameTotal))
                total += Double(frameTotal)
            }
        }
        return Tonality(
            tonalness: total > 0 ? stableTotal / total : 0,
            timeShare: tonalTimeShare(perFrame, framePower: framePower),
            glideShare: sustainedTotal > 0 ? glidingTotal / sustainedTotal : 0)
    }

    /// Share of the sounding frames (power within `soundingRangeDecibels` of the loudest) whose tonalness is at
    /// least `tonalFrameShare`; 0 when nothing sounds.
    static func tonalTimeShare(_ frameTonalness: [Float], framePower: [Float]) -> Double {
        let loudest = framePower.max() ?? 0
        guard loudest > 1e-12 else { return 0 }
        let floor = loudest * powf(10, -soundingRangeDecibels / 10)
        var sounding = 0, tonal = 0
        for (share, power) in zip(frameTonalness, framePower) where power > floor {
            sounding += 1
            if share >= tonalFrameShare { tonal += 1 }
        }
        return sounding > 0 ? Double(tonal) / Double(sounding) : 0
    }

    /// Median over `medianFrames` frames of each pitch class: keeps sustained notes, drops drum hits
    /// (a kick's 50-60 Hz thump would otherwise read as a bass A or Bb).
    static let medianFrames = 9

    static func harmonicPart(_ x: [Float], frames: Int) -> [Float] {
        let half = medianFrames / 2
        var out = [Float](repeating: 0, count: x.count)
        var window = [Float](repeating: 0, count: medianFrames)
        for p in 0..<12 {
            for f in 0..<frames {
                let lo = max(0, f - half), hi = min(frames - 1, f + half)
                let count = hi - lo + 1
                for j in 0..<count { window[j] = x[(lo + j) * 12 + p] }
                // Insertion sort of at most 9 values.
                for a in 1..<count {
                    let v = window[a]
                    var b = a - 1
                    while b >= 0 && window[b] > v { window[b + 1] = window[b]; b -= 1 }
                    window[b + 1] = v
                }
                out[f * 12 + p] = window[count / 2]
            }
        }
        return out
    }
}
