import Foundation

// Design note: a feed-forward compressor after Giannoulis, Massberg & Reiss, "Digital Dynamic Range
// Compressor Design — A Tutorial and Analysis" (JAES 2012): level detection in dB (peak: |x|; RMS: a one-pole
// mean square with `rmsWindowSeconds`), a static gain computer with a quadratic soft knee of width `kneeDecibels`,
// then the smooth *branching* peak detector on the gain reduction in the log domain:
// yL = αA yL + (1 - αA) xL when the reduction grows, αR yL + (1 - αR) xL when it shrinks, α = exp(-1 / (τ fs)).
// Attack and release are these time constants τ: after a level step the gain reduction covers 1 - 1/e (63.2%)
// of its change in τ. Channels are linked (the loudest channel drives one gain for all). The detector can be
// keyed by an external signal (`process(_:key:)`). Latency: 0. Cost: one polynomial log2 and exp2 per frame
// (FastMath, error < 0.0001 dB).

/// Level detection of a compressor.
public enum LevelDetection: String, Sendable, CaseIterable, Codable {
    /// Instantaneous |x| (the smoothing is all in attack/release).
    case peak
    /// Root mean square over `rmsWindowSeconds`.
    case rms
}

/// A feed-forward, stereo-linked compressor with soft knee, makeup gain and optional external key.
public final class Compressor: AudioProcessor {
    /// Level above which gain is reduced, dBFS, -60...0 (default -18).
    public var thresholdDecibels: Double
    /// Compression ratio, 1...∞ (default 4; 20 or more behaves as a limiter).
    public var ratio: Double
    /// Width of the soft knee in dB, 0...24 (default 6; 0 is a hard knee).
    public var kneeDecibels: Double
    /// Attack time constant in seconds, 0.0001...0.5 (default 0.01).
    public var attackSeconds: Double { didSet { updateCoefficients() } }
    /// Release time constant in seconds, 0.005...5 (default 0.15).
    public var releaseSeconds: Double { didSet { updateCoefficients() } }
    /// Gain added after compression, dB, -24...24 (default 0); ramped.
    public var makeupDecibels: Double { didSet { makeupValue.setTarget(Float(makeupDecibels)) } }
    /// Level detection.
    public var detection: LevelDetection
    /// Averaging time of RMS detection in seconds (default 0.01).
    public var rmsWindowSeconds: Double { didSet { updateCoefficients() } }

    private var sampleRate = 44100.0
    private var attackCoefficient: Float = 0
    private var releaseCoefficient: Float = 0
    private var rmsCoefficient: Float = 0
    private var reductionState: Float = 0
    private var meanSquare: Float = 0
    private var makeupValue: SmoothedValue
    private var gainScratch = SampleBuffer(count: 0)
    /// Gain reduction now, in dB (positive means the signal is turned down).
    public private(set) var gainReductionDecibels: Float = 0

    public init(
        thresholdDecibels: Double = -18, ratio: Double = 4, kneeDecibels: Double = 6,
        attackSeconds: Double = 0.01, releaseSeconds: Double = 0.15, makeupDecibels: Double = 0,
        detection: LevelDetection = .peak, rmsWindowSeconds: Double = 0.01
    ) {
        self.thresholdDecibels = thresholdDecibels
        self.ratio = ratio
        self.kneeDecibels = kneeDecibels
        self.attackSeconds = attackSeconds
        self.releaseSeconds = releaseSeconds
        self.makeupDecibels = makeupDecibels
        self.detection = detection
        self.rmsWindowSeconds = rmsWindowSeconds
        makeupValue = SmoothedValue(Float(makeupDecibels))
    }

    private func updateCoefficients() {
        func coefficient(_ seconds: Double) -> Float { Float(exp(-1 / (max(seconds, 1e-5) * sampleRate))) }
        attackCoefficient = coefficient(min(max(attackSeconds, 0.0001), 0.5))
        releaseCoefficient = coefficient(min(max(releaseSeconds, 0.005), 5))
        rmsCoefficient = coefficient(rmsWindowSeconds)
    }

    public func prepare(_ spec: ProcessSpec) throws {
        sampleRate = spec.sampleRate
        updateCoefficients()
        makeupValue.prepare(sampleRate: sampleRate, rampSeconds: 0.02)
        gainScratch = SampleBuffer(count: spec.maximumBlockFrameCount)
        reset()
    }

    public func reset() {
        reductionState = 0
        meanSquare = 0
        gainReductionDecibels = 0
        makeupValue.reset(to: makeupValue.target)
    }

    /// The static curve: output level in dB for a steady input level `inputDecibels` (before makeup).
    public func staticOutputDecibels(forInput inputDecibels: Double) -> Double {
        let t = thresholdDecibels, r = max(ratio, 1), w = max(kneeDecibels, 0)
        let over = inputDecibels - t
        if w > 0 && abs(2 * over) <= w {
            let k = over + w / 2
            return inputDecibels + (1 / r - 1) * k * k / (2 * w)
        }
        return over <= 0 ? inputDecibels : t + over / r
    }

    /// Compresses `block` in place, detecting the level on the block itself.
    public func process(_ block: AudioBlock) { process(block, key: block) }

    /// Compresses `block` in place with the level detected on `key` (a sidechain), which must have at least
    /// `block.frameCount` frames; its channel count may differ.
    public func process(_ block: AudioBlock, key: AudioBlock) { process(block, key: key.readOnly) }

    /// Compresses `block` in place with the level detected on the read-only `key` (see `process(_:key:)`).
    public func process(_ block: AudioBlock, key: ReadOnlyAudioBlock) {
        let n = block.frameCount
        precondition(key.frameCount >= n, "Compressor: key shorter than block")
        gainScratch.withMutableSpan { gains in compress(block, key: key, gains: &gains) }
    }

    /// `gains` first collects each frame's key level (the largest magnitude over the key's channels), then
    /// holds the linear gain of that frame.
    private func compress(_ block: AudioBlock, key: ReadOnlyAudioBlock, gains: inout MutableSpan<Float>) {
        let n = block.frameCount
        for i in 0..<n { gains[i] = 0 }
        for c in 0..<key.channelCount {
            key.withSamples(ofChannel: c) { k in
                for i in 0..<n { gains[i] = max(gains[i], abs(k[i])) }
            }
        }
        let t = Float(thresholdDecibels), w = Float(max(kneeDecibels, 0))
        let slope = Float(1 / max(ratio, 1) - 1)
        let aA = attackCoefficient, aR = releaseCoefficient, aM = rmsCoefficient
        var y = reductionState, ms = meanSquare
        let rms = detection == .rms
        var makeup = makeupValue
        let log2To20Log10: Float = 6.020_6 // 20·log10(2)
        for i in 0..<n {
            let level = gains[i]
            var xG: Float
            if rms {
                ms = aM * ms + (1 - aM) * level * level
                xG = 0.5 * log2To20Log10 * FastMath.log2(max(ms, 1e-20))
            } else {
                xG = log2To20Log10 * FastMath.log2(max(level, 1e-10))
            }
            // Static gain computer (reduction xL ≥ 0).
            let over = xG - t
            var xL: Float = 0
            if 2 * over > w {
                xL = -slope * over
            } else if 2 * over > -w {
                let k = over + w / 2
                xL = -slope * k * k / (2 * w)
            }
            y = xL > y ? aA * y + (1 - aA) * xL : aR * y + (1 - aR) * xL
            gains[i] = makeup.next() - y
        }
        makeupValue = makeup
        reductionState = y < 1e-9 ? 0 : y
        meanSquare = ms < 1e-30 ? 0 : ms
        gainReductionDecibels = reductionState
        let dbToLog2: Float = 1 / 6.020_6
        for i in 0..<n { gains[i] = FastMath.exp2(gains[i] * dbToLog2) }
        for c in 0..<block.channelCount {
            block.withMutableSamples(ofChannel: c) { p in
                for i in 0..<n { p[i] *= gains[i] }
            }
        }
    }
}
