import DSP
import Foundation

/// Turns a layer's typed effects into prepared processors, in the plan's order, with every tempo-relative time
/// resolved at the target tempo. Effects that need more than the layer (sidechain: a key from the section;
/// echo-out: a tail after the layer; gain, pan: folded into the layer's own gain and pan) are returned apart.
struct EffectChain {
    /// Processors to run over the layer, in order.
    var processors: [any AudioProcessor] = []
    /// Canonical descriptions of the processors (for the report), in the same order.
    var applied: [String] = []
    /// Sidechain ducking requested (keyed by the section's stem).
    var sidechain: EffectSpec.Sidechain?
    /// Echo-out requested as a layer effect (the layer's end echoes on).
    var echoOut: EffectSpec.EchoOut?
    /// Gain to add in dB (from `gain` effects), and the pan override.
    var extraGainDecibels = 0.0
    var panOverride: Double?

    /// Builds the chain for `effects` on a layer of `layerFrameCount` frames whose body ends at `bodyEndFrame`
    /// (relative to the layer start; filter sweeps anchored at the end finish there).
    init(
        effects: [EffectSpec], tempoMap: TempoMap, layerFrameCount: Int, bodyEndFrame: Int,
        blockFrameCount: Int, channelCount: Int
    ) throws {
        let rate = tempoMap.sampleRate
        let spec = ProcessSpec(sampleRate: rate, maximumBlockFrameCount: blockFrameCount, channelCount: channelCount)
        for effect in effects {
            let processor: (any AudioProcessor)?
            switch effect {
            case .highPass(let hz, let slope):
                processor = BiquadFilter(type: .highPass, cutoffHz: hz, slope: Self.slope(slope))
            case .lowPass(let hz, let slope):
                processor = BiquadFilter(type: .lowPass, cutoffHz: hz, slope: Self.slope(slope))
            case .bandPass(let hz, let q):
                processor = BiquadFilter(type: .bandPass, cutoffHz: hz, q: q)
            case .lowShelf(let hz, let db):
                processor = BiquadFilter(type: .lowShelf, cutoffHz: hz, gainDecibels: db)
            case .highShelf(let hz, let db):
                processor = BiquadFilter(type: .highShelf, cutoffHz: hz, gainDecibels: db)
            case .peaking(let hz, let db, let q):
                processor = BiquadFilter(type: .peaking, cutoffHz: hz, q: q, gainDecibels: db)
            case .filterSweep(let sweep):
                let lengthFrames =
                    sweep.length.map { tempoMap.frameCount(seconds: $0.seconds(in: tempoMap)) } ?? bodyEndFrame
                let clamped = max(1, min(lengthFrames, bodyEndFrame))
                let filter = FilterSweep(
                    mode: sweep.kind == .highPass ? .highPass : .lowPass,
                    startHz: sweep.startHz, endHz: sweep.endHz,
                    durationSeconds: Double(clamped) / rate)
                // A sweep anchored at the end starts `clamped` frames before the body's end and sits at its start
                // cutoff until then.
                let delayed = DelayedStart(filter, startFrame: sweep.anchor == .end ? bodyEndFrame - clamped : 0)
                try delayed.prepare(spec)
                processors.append(delayed)
                applied.append(Self.describe(effect))
                continue
            case .delay(let delay):
                processor = DelayEffect(
                    time: .milliseconds(delay.time.seconds(in: tempoMap) * 1000),
                    style: delay.pingPong ? .pingPong : .stereo, feedback: Float(delay.feedback),
                    dampingHz: delay.dampingHz, wetLevel: Float(delay.wetMix), dryLevel: 1,
                    maximumDelaySeconds: max(4, delay.time.seconds(in: tempoMap) + 0.01))
            case .reverb(let reverb):
                processor = Reverb(
                    decaySeconds: reverb.decaySeconds, preDelaySeconds: reverb.preDelaySeconds,
                    damping: Self.damping(fromHz: reverb.dampingHz), size: 0.5 + reverb.size,
                    wetLevel: Float(reverb.wetMix), dryLevel: 1)
            case .compressor(let c):
                processor = Compressor(
                    thresholdDecibels: c.thresholdDecibels, ratio: c.ratio, kneeDecibels: c.kneeDecibels,
                    attackSeconds: c.attackSeconds, releaseSeconds: c.releaseSeconds,
                    makeupDecibels: c.makeupDecibels ?? Self.automaticMakeup(c))
            case .saturation(let drive, let mix):
                processor = Saturation(driveDecibels: drive, outputDecibels: -drive / 2, mix: Float(mix))
            case .sidechain(let s):
                sidechain = s
                applied.append(Self.describe(effect))
                continue
            case .echoOut(let e):
                echoOut = e
                applied.append(Self.describe(effect))
                continue
            case .gain(let db):
                extraGainDecibels += db
                applied.append(Self.describe(effect))
                continue
            case .pan(let position):
                panOverride = position
                applied.append(Self.describe(effect))
                continue
            case .fadeIn, .fadeOut:
                continue
            }
            if let processor {
                try processor.prepare(spec)
                processors.append(processor)
                applied.append(Self.describe(effect))
            }
        }
    }

    /// Runs every processor over `buffer` in place, block by block.
    func process(_ buffer: inout AudioBuffer, blockFrameCount: Int) {
        guard !processors.isEmpty else { return }
        buffer.forEachBlock(blockFrameCount: blockFrameCount) { block, _ in
            for processor in processors { processor.process(block) }
        }
    }

    /// Total latency of the processors, frames (compensated by the renderer).
    var latencyFrameCount: Int { processors.reduce(0) { $0 + $1.latencyFrameCount } }

    static func slope(_ decibelsPerOctave: Int) -> FilterSlope {
        decibelsPerOctave >= 24 ? .twentyFourDecibelsPerOctave : .twelveDecibelsPerOctave
    }

    /// Maps a damping frequency to the reverb's 0...1 damping: 16 kHz and above is 0 (flat), 1 kHz is 1.
    static func damping(fromHz hz: Double) -> Double {
        let position = (log2(16000) - log2(max(hz, 1))) / (log2(16000) - log2(1000))
        return min(max(position, 0), 1)
    }

    /// Make-up gain that restores about half the reduction at a level 12 dB over the threshold.
    static func automaticMakeup(_ c: EffectSpec.Compressor) -> Double {
        let over = 12.0
        return (over - over / max(c.ratio, 1)) / 2
    }

    /// The canonical effect object as compact JSON text.
    static func describe(_ effect: EffectSpec) -> String {
        (try? effect.jsonValue.encoded()).map { String(decoding: $0, as: UTF8.self) } ?? effect.description
    }
}

/// Holds a filter sweep at its start cutoff until `startFrame`, then lets it run (the filter state stays
/// continuous, so there is no click at the start of the sweep).
final class DelayedStart: AudioProcessor {
    let sweep: FilterSweep
    let startFrame: Int
    private var position = 0

    init(_ sweep: FilterSweep, startFrame: Int) {
        self.sweep = sweep
        self.startFrame = max(0, startFrame)
    }

    func prepare(_ spec: ProcessSpec) throws {
        try sweep.prepare(spec)
        position = 0
    }

    func reset() {
        sweep.reset()
        position = 0
    }

    func process(_ block: AudioBlock) {
        let waiting = min(max(startFrame - position, 0), block.frameCount)
        if waiting == block.frameCount {
            sweep.process(block)
            sweep.seek(toFrame: 0)
        } else if waiting > 0 {
            sweep.process(block.subBlock(frames: 0..<waiting))
            sweep.seek(toFrame: 0)
            sweep.process(block.subBlock(frames: waiting..<block.frameCount))
        } else {
            sweep.process(block)
        }
        position += block.frameCount
    }
}
