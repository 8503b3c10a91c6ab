import DSP
import Foundation
import TestSupport
import Testing

@Suite("Saturation: oversampled soft clipping")
struct SaturationTests {
    /// How much lower the aliased (inharmonic) energy must be with 4x oversampling than with the same curve
    /// applied at the base rate: oversampling's whole point; a typical gain is 20-40 dB.
    static let minimumAliasReductionDecibels = 20.0

    /// Energy in dB outside ±3 bins of the harmonics of `f0`, relative to the total.
    static func inharmonicDecibels(_ x: [Float], f0: Double, sampleRate: Double) -> Double {
        let p = Measurements.powerSpectrum(x, fftSize: 1 << 16)
        let binHz = sampleRate / Double((p.count - 1) * 2)
        var harmonic = 0.0, other = 0.0
        for k in 1..<p.count {
            let f = Double(k) * binHz
            let nearest = (f / f0).rounded() * f0
            if abs(f - nearest) <= 3 * binHz { harmonic += p[k] } else { other += p[k] }
        }
        return 10 * log10(other / (harmonic + other))
    }

    @Test("4x oversampling removes the aliases the same curve makes at the base rate")
    func aliasing() throws {
        let rate = 44100.0
        let f0 = 4410.0 * 1.37
        let frames = 1 << 16
        let tone = Signals.sine(frequencyHz: f0, sampleRate: rate, frameCount: frames + 64, amplitude: 0.9)
        let saturation = Saturation(driveDecibels: 18, outputDecibels: 0)
        let out = try EffectsMeasurements.run(saturation, on: AudioBuffer(channels: [tone], sampleRate: rate))
        let oversampled = Array(out.channel(0)[64...])
        let drive = Float(Decibels.gain(18.0))
        let naive = tone[64...].map { x -> Float in
            let c = min(max(x * drive, -3), 3)
            return c * (27 + c * c) / (27 + 9 * c * c)
        }
        let aliasOversampled = Self.inharmonicDecibels(oversampled, f0: f0, sampleRate: rate)
        let aliasNaive = Self.inharmonicDecibels(Array(naive), f0: f0, sampleRate: rate)
        #expect(
            aliasNaive - aliasOversampled > Self.minimumAliasReductionDecibels,
            "naive \(aliasNaive) dB, oversampled \(aliasOversampled) dB")
    }

    @Test("reported latency is exact: a quiet signal comes out delayed by it, otherwise unchanged")
    func latency() throws {
        let rate = 48000.0
        let saturation = Saturation(driveDecibels: 0, outputDecibels: 0)
        let tone = Signals.sines(
            frequenciesHz: [220, 1375, 5000], sampleRate: rate, frameCount: 9600, amplitude: 0.002)
        let out = try EffectsMeasurements.run(
            saturation, on: AudioBuffer(channels: [tone], sampleRate: rate), blockFrameCount: 300
        ).channel(0)
        let d = saturation.latencyFrameCount
        let residual = Measurements.residualDecibels(Array(out[(1000 + d)..<(9000 + d)]), Array(tone[1000..<9000]))
        #expect(residual < -40, "residual \(residual) dB")
    }

    @Test("drive compresses peaks towards ±1, mix blends in the aligned dry signal")
    func driveAndMix() throws {
        let rate = 44100.0
        let tone = Signals.sine(frequencyHz: 100, sampleRate: rate, frameCount: 44100, amplitude: 1)
        let hard = try EffectsMeasurements.run(
            Saturation(driveDecibels: 30, outputDecibels: 0), on: AudioBuffer(channels: [tone], sampleRate: rate))
        let body = Array(hard.channel(0)[4410...])
        #expect(Measurements.peakDecibels(body) < 0.5)
        // A sine driven 30 dB into the clipper is nearly square: RMS close to its peak.
        #expect(Measurements.peakDecibels(body) - Measurements.rmsDecibels(body) < 1.0)
        let dry = try EffectsMeasurements.run(
            Saturation(driveDecibels: 30, outputDecibels: 0, mix: 0),
            on: AudioBuffer(channels: [tone], sampleRate: rate))
        #expect(Measurements.residualDecibels(Array(dry.channel(0)[1016..<40016]), Array(tone[1000..<40000])) < -100)
    }
}
