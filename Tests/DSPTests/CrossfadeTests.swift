import DSP
import Foundation
import TestSupport
import Testing

@Suite("Gain, pan, crossfades and fades")
struct CrossfadeTests {
    /// Level deviation allowed through an equal-power fade of uncorrelated noises (issue 4). The 200 ms windows
    /// measure a noise's power to about ±0.04 dB, so the tolerance is the curve's.
    static let levelToleranceDecibels = 0.3

    @Test("equal-power crossfade of two uncorrelated noises keeps the level within ±0.3 dB")
    func equalPowerKeepsLevel() {
        let rate = 44100.0
        let frames = Int(rate * 4)
        let a = AudioBuffer(channels: [Signals.noise(frameCount: frames, amplitude: 0.5, seed: 11)], sampleRate: rate)
        let b = AudioBuffer(channels: [Signals.noise(frameCount: frames, amplitude: 0.5, seed: 12)], sampleRate: rate)
        let mixed = Fades.crossfade(from: a, to: b, curve: .equalPower).channel(0)
        let reference = Measurements.rmsDecibels(a.channel(0))
        let window = Int(rate * 0.2)
        for start in stride(from: 0, to: frames - window, by: window / 2) {
            let level = EffectsMeasurements.rmsDecibels(mixed, start..<(start + window))
            #expect(
                abs(level - reference) < Self.levelToleranceDecibels,
                "at \(Double(start) / rate) s: \(level - reference) dB")
        }
        // The linear curve dips by 3 dB in the middle for the same noises: the reason to choose per material.
        let linear = Fades.crossfade(from: a, to: b, curve: .linear).channel(0)
        let middle = (frames / 2 - window / 2)..<(frames / 2 + window / 2)
        #expect(
            abs(EffectsMeasurements.rmsDecibels(linear, middle) - reference - (-3.01)) < Self.levelToleranceDecibels)
    }

    @Test("linear and S-curve crossfades of the same (correlated) signal keep its amplitude exactly")
    func correlatedCurves() {
        for curve in [CrossfadeCurve.linear, .sCurve] {
            for x in stride(from: 0.0, through: 1, by: 0.05) {
                #expect(abs(curve.fadeInGain(x) + curve.fadeOutGain(x) - 1) < 1e-6)
            }
        }
        for x in stride(from: 0.0, through: 1, by: 0.05) {
            let g = CrossfadeCurve.equalPower
            #expect(abs(g.fadeInGain(x) * g.fadeInGain(x) + g.fadeOutGain(x) * g.fadeOutGain(x) - 1) < 1e-6)
        }
    }

    @Test("fades start from silence, end at full level, and a fade-out silences what follows")
    func fades() {
        var buffer = AudioBuffer(channels: [[Float](repeating: 1, count: 1000)], sampleRate: 44100)
        Fades.applyFadeIn(to: &buffer, frames: 0..<100, curve: .sCurve)
        #expect(buffer[channel: 0, frame: 0] < 0.001)
        #expect(buffer[channel: 0, frame: 99] > 0.999)
        #expect(buffer[channel: 0, frame: 100] == 1)
        Fades.applyFadeOut(to: &buffer, frames: 800..<900, curve: .equalPower)
        #expect(buffer[channel: 0, frame: 799] == 1)
        #expect(buffer[channel: 0, frame: 899] < 0.02)
        #expect(buffer.channel(0)[900...].allSatisfy { $0 == 0 })
    }

    @Test("constant-power pan: unity at centre, constant power everywhere, smooth moves")
    func pan() throws {
        let centre = Pan.gains(position: 0)
        #expect(abs(centre.left - 1) < 1e-6 && abs(centre.right - 1) < 1e-6)
        for p in stride(from: Float(-1), through: 1, by: 0.1) {
            let g = Pan.gains(position: p)
            #expect(abs(g.left * g.left + g.right * g.right - 2) < 1e-5)
        }
        let hardLeft = Pan.gains(position: -1)
        #expect(abs(hardLeft.right) < 1e-6)
        let pan = Pan(position: 0)
        try pan.prepare(ProcessSpec(sampleRate: 44100, maximumBlockFrameCount: 512, channelCount: 2))
        var buffer = AudioBuffer(
            channels: [[Float](repeating: 0.5, count: 4096), [Float](repeating: 0.5, count: 4096)], sampleRate: 44100)
        buffer.forEachBlock(blockFrameCount: 512) { block, start in
            if start == 512 { pan.position = 1 }
            pan.process(block)
        }
        let right = buffer.channel(1)
        // Ramps over 20 ms: no step larger than a 20 ms ramp's per-sample move.
        let rampStep: Float = 0.5 * (Float(2).squareRoot() - 1) / Float(44100 * 0.02)
        #expect(EffectsMeasurements.largestStep(right) < rampStep * 3)
        #expect(abs(right[4095] - 0.5 * Float(2.0.squareRoot())) < 1e-5)
    }

    @Test("gain ramps to its target without steps")
    func gainRamp() throws {
        let gain = Gain(gainDecibels: 0)
        try gain.prepare(ProcessSpec(sampleRate: 44100, maximumBlockFrameCount: 256, channelCount: 1))
        var buffer = AudioBuffer(channels: [[Float](repeating: 1, count: 4096)], sampleRate: 44100)
        buffer.forEachBlock(blockFrameCount: 256) { block, start in
            if start == 256 { gain.gainDecibels = -20 }
            gain.process(block)
        }
        let x = buffer.channel(0)
        #expect(abs(x[4095] - 0.1) < 1e-6)
        #expect(EffectsMeasurements.largestStep(x) < 0.9 / Float(44100 * 0.02) * 1.5)
    }
}
