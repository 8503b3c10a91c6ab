import Foundation

// Design note: a StateVariableFilter whose cutoff follows an exponential (straight in log frequency) path
// from `startHz` to `endHz` over `durationSeconds`, then holds `endHz`. The cutoff is recomputed on every
// frame, so the sweep is smooth at any rate (the SVF's trapezoidal integrators keep it click-free).
// A DJ high-pass rising from 40 Hz to 2 kHz over 8 bars into a drop is `FilterSweep(mode: .highPass,
// startHz: 40, endHz: 2000, durationSeconds: 8 * 4 * 60 / bpm)`. Latency: 0.

/// A high- or low-pass filter whose cutoff sweeps on a logarithmic curve over a set time.
public final class FilterSweep: AudioProcessor {
    /// Cutoff at the start of the sweep in Hz (20 ... 0.45 × sample rate).
    public let startHz: Double
    /// Cutoff at the end of the sweep in Hz (20 ... 0.45 × sample rate); held afterwards.
    public let endHz: Double
    /// Length of the sweep in seconds (> 0).
    public let durationSeconds: Double
    private let filter: StateVariableFilter
    private var positionFrames = 0
    private var durationFrames = 1

    /// - Parameters:
    ///   - mode: `.highPass` (thin out into a drop) or `.lowPass` (muffle, open up); `.bandPass` also works.
    ///   - startHz, endHz: the cutoff path's ends in Hz.
    ///   - durationSeconds: time from start to end (> 0).
    ///   - q: resonance, 0.5...20 (default Butterworth).
    ///   - slope: 12 or 24 dB/octave (default 24).
    public init(
        mode: StateVariableFilterMode = .highPass, startHz: Double = 40, endHz: Double = 2000,
        durationSeconds: Double, q: Double = BiquadCoefficients.butterworthQ,
        slope: FilterSlope = .twentyFourDecibelsPerOctave
    ) {
        precondition(durationSeconds > 0 && startHz > 0 && endHz > 0, "FilterSweep: invalid sweep")
        self.startHz = startHz
        self.endHz = endHz
        self.durationSeconds = durationSeconds
        filter = StateVariableFilter(mode: mode, cutoffHz: startHz, q: q, slope: slope, rampSeconds: 0)
    }

    public func prepare(_ spec: ProcessSpec) throws {
        try filter.prepare(spec)
        durationFrames = max(1, Int((durationSeconds * spec.sampleRate).rounded()))
        positionFrames = 0
    }

    /// Clears the filter state and rewinds the sweep to its start.
    public func reset() {
        filter.reset()
        positionFrames = 0
    }

    /// Moves the sweep to `frame` frames after its start (for a render that starts mid-sweep).
    public func seek(toFrame frame: Int) { positionFrames = max(0, frame) }

    /// Cutoff in Hz `seconds` after the start of the sweep: startHz × (endHz / startHz)^(t / duration), held
    /// at the ends.
    public func cutoffHz(atSeconds seconds: Double) -> Double {
        let t = min(max(seconds / durationSeconds, 0), 1)
        return startHz * pow(endHz / startHz, t)
    }

    public func process(_ block: AudioBlock) {
        let logStart = Float(log2(startHz)), logEnd = Float(log2(endHz))
        let step = (logEnd - logStart) / Float(durationFrames)
        var done = 0
        while done < block.frameCount {
            let n = block.frameCount - done
            let rampLeft = durationFrames - positionFrames
            let count = rampLeft > 0 ? min(n, rampLeft) : n
            let view = block.subBlock(frames: done..<done + count)
            if rampLeft > 0 {
                filter.process(view, logCutoffFrom: logStart + step * Float(positionFrames), logCutoffStep: step)
            } else {
                filter.process(view, logCutoffFrom: logEnd, logCutoffStep: 0)
            }
            done += count
            positionFrames += count
        }
    }
}
