import Foundation

// Design note: the sidechain "pump" a DJ or producer uses to make two low ends share space. The key (e.g. the
// other song's drums or kick) is watched by a gate detector: when any key channel's |x| exceeds
// `thresholdDecibels`, the key counts as active for `holdSeconds` (which bridges the zero crossings of a
// kick's low sine). While active, the gain of the ducked signal moves towards `depthDecibels` at a constant
// rate in dB, arriving exactly `attackSeconds` after the onset; once the key has been quiet for the hold time,
// it returns to 0 dB at a constant rate, arriving `releaseSeconds` later. Constant-rate ramps in dB sound like
// a drawn volume envelope and give attack and release their literal meaning. Latency: 0.

/// Turns a signal down while an external key signal is loud (sidechain ducking).
public final class SidechainDucker: AudioProcessor {
    /// Gain reached while the key is active, dB, -60...0 (default -12).
    public var depthDecibels: Double
    /// Key level that triggers ducking, dBFS, -80...0 (default -30).
    public var thresholdDecibels: Double
    /// Time from a key onset to full depth, seconds, 0.0005...1 (default 0.005).
    public var attackSeconds: Double
    /// Time from the end of the hold to 0 dB, seconds, 0.005...5 (default 0.15).
    public var releaseSeconds: Double
    /// How long the key stays active after its last sample above threshold, seconds, 0...0.5 (default 0.02).
    public var holdSeconds: Double

    private var sampleRate = 44100.0
    private var gainDecibelsNow: Float = 0
    private var holdLeft = 0
    private var gainScratch = SampleBuffer(count: 0)

    public init(
        depthDecibels: Double = -12, thresholdDecibels: Double = -30, attackSeconds: Double = 0.005,
        releaseSeconds: Double = 0.15, holdSeconds: Double = 0.02
    ) {
        self.depthDecibels = depthDecibels
        self.thresholdDecibels = thresholdDecibels
        self.attackSeconds = attackSeconds
        self.releaseSeconds = releaseSeconds
        self.holdSeconds = holdSeconds
    }

    /// The gain applied now, in dB (0 when not ducking, down to `depthDecibels`).
    public var currentGainDecibels: Float { gainDecibelsNow }

    public func prepare(_ spec: ProcessSpec) throws {
        sampleRate = spec.sampleRate
        gainScratch = SampleBuffer(count: spec.maximumBlockFrameCount)
        reset()
    }

    public func reset() {
        gainDecibelsNow = 0
        holdLeft = 0
    }

    /// Without a key there is nothing to duck against: the block passes unchanged while the gain releases.
    public func process(_ block: AudioBlock) {
        duck(block, key: nil)
    }

    /// Ducks `block` in place by the level of `key` (at least `block.frameCount` frames, any channel count).
    public func process(_ block: AudioBlock, key: AudioBlock) { duck(block, key: key.readOnly) }

    /// Ducks `block` in place by the level of the read-only `key` (see `process(_:key:)`).
    public func process(_ block: AudioBlock, key: ReadOnlyAudioBlock) { duck(block, key: key) }

    private func duck(_ block: AudioBlock, key: ReadOnlyAudioBlock?) {
        if let key { precondition(key.frameCount >= block.frameCount, "SidechainDucker: key shorter than block") }
        gainScratch.withMutableSpan { gains in duck(block, key: key, gains: &gains) }
    }

    /// `gains` first collects each frame's key level (the largest magnitude over the key's channels), then
    /// holds the linear gain of that frame.
    private func duck(_ block: AudioBlock, key: ReadOnlyAudioBlock?, gains: inout MutableSpan<Float>) {
        let n = block.frameCount
        if let key {
            for i in 0..<n { gains[i] = 0 }
            for c in 0..<key.channelCount {
                key.withSamples(ofChannel: c) { k in
                    for i in 0..<n { gains[i] = max(gains[i], abs(k[i])) }
                }
            }
        }
        let depth = Float(min(max(depthDecibels, -60), 0))
        let threshold = Float(Decibels.gain(min(max(thresholdDecibels, -80), 0)))
        let attackStep = -depth / Float(min(max(attackSeconds, 0.0005), 1) * sampleRate)
        let releaseStep = -depth / Float(min(max(releaseSeconds, 0.005), 5) * sampleRate)
        let holdFrames = Int(min(max(holdSeconds, 0), 0.5) * sampleRate)
        var g = gainDecibelsNow
        var hold = holdLeft
        let dbToLog2: Float = 1 / 6.020_6
        for i in 0..<n {
            if key != nil && gains[i] > threshold { hold = holdFrames + 1 }
            if hold > 0 {
                hold -= 1
                g = max(g - attackStep, depth)
            } else {
                g = min(g + releaseStep, 0)
            }
            gains[i] = FastMath.exp2(g * dbToLog2)
        }
        gainDecibelsNow = g
        holdLeft = hold
        for c in 0..<block.channelCount {
            block.withMutableSamples(ofChannel: c) { p in
                for i in 0..<n { p[i] *= gains[i] }
            }
        }
    }
}
