import DSP
import Foundation
import TestSupport
import Testing

@Suite("Effects: the same output at any block size")
struct EffectsBlockSizeTests {
    /// Largest difference allowed between block sizes. The processors are deterministic per frame, so the
    /// outputs agree to rounding (parameter ramps advance per frame, modulation is counted across blocks).
    static let toleranceDecibels = -100.0

    static func processors() -> [(String, () -> AudioProcessor)] {
        [
            ("biquad", { BiquadFilter(type: .highPass, cutoffHz: 300, slope: .twentyFourDecibelsPerOctave) }),
            ("svf", { StateVariableFilter(mode: .bandPass, cutoffHz: 900, q: 3) }),
            ("sweep", { FilterSweep(mode: .lowPass, startHz: 8000, endHz: 200, durationSeconds: 0.5) }),
            ("delay", { DelayEffect(time: .note(.dottedEighth, bpm: 128), feedback: 0.6) }),
            ("ping-pong", { DelayEffect(time: .milliseconds(90), style: .pingPong, feedback: 0.5) }),
            ("reverb", { Reverb(decaySeconds: 1.5, wetLevel: 0.5) }),
            ("compressor", { Compressor(thresholdDecibels: -24, ratio: 6, detection: .rms) }),
            ("saturation", { Saturation(driveDecibels: 20) }),
            ("limiter", { TruePeakLimiter(ceilingDecibels: -6) }),
            ("gain", { Gain(gainDecibels: -4) }),
            ("pan", { Pan(position: -0.4) }),
        ]
    }

    @Test("block sizes 1, 37, 512 and 4096 give the same output", arguments: [44100.0, 96000.0])
    func blockSizeIndependence(sampleRate: Double) throws {
        let frames = Int(sampleRate * 0.6)
        let input = AudioBuffer(
            channels: [
                Signals.noise(frameCount: frames, amplitude: 0.6, seed: 31),
                Signals.sines(
                    frequenciesHz: [110, 1234, 7000], sampleRate: sampleRate, frameCount: frames, amplitude: 0.3),
            ],
            sampleRate: sampleRate)
        for (name, make) in Self.processors() {
            let reference = try EffectsMeasurements.run(make(), on: input, blockFrameCount: 4096)
            for block in [1, 37, 512] {
                let out = try EffectsMeasurements.run(make(), on: input, blockFrameCount: block)
                for c in 0..<2 {
                    let residual = Measurements.residualDecibels(out.channel(c), reference.channel(c))
                    #expect(residual < Self.toleranceDecibels, "\(name), block \(block), channel \(c): \(residual) dB")
                }
            }
        }
    }
}
