import DSP
import Foundation
import TestSupport
import Testing

@Suite("Loudness: BS.1770 meter, true peak, limiter, normalisation")
struct LoudnessTests {
    /// Meter error allowed on the EBU Tech 3341 cases (the spec's own tolerance).
    static let meterToleranceLU = 0.1
    /// LRA error allowed on the EBU Tech 3342 cases (the spec's own tolerance).
    static let rangeToleranceLU = 1.0
    /// True-peak error allowed on an analytic case (the interpolator's passband ripple is < 0.01 dB).
    static let truePeakToleranceDecibels = 0.1
    /// Normalisation error allowed (issue 4).
    static let normalisationToleranceLU = 0.3

    /// A stereo 1 kHz sine sequence: (dBFS peak level, seconds) segments, phase continuous.
    static func sineSequence(_ segments: [(Double, Double)], sampleRate: Double = 48000) -> AudioBuffer {
        var samples: [Float] = []
        var n = 0
        for (level, seconds) in segments {
            let a = Decibels.gain(level)
            for _ in 0..<Int(seconds * sampleRate) {
                samples.append(Float(a * sin(2 * Double.pi * 1000 * Double(n) / sampleRate)))
                n += 1
            }
        }
        return AudioBuffer(channels: [samples, samples], sampleRate: sampleRate)
    }

    /// Loud, dense material: noise, a 55 Hz bass, kicks and a high tone, peaking far over full scale.
    static func denseMaterial(seconds: Double, sampleRate: Double, gainDecibels: Double, seed: UInt64 = 21)
        -> AudioBuffer
    {
        let n = Int(seconds * sampleRate)
        var rng = SeededGenerator(seed: seed)
        let g = Float(Decibels.gain(gainDecibels))
        var channels: [[Float]] = [[], []]
        for c in 0..<2 {
            var x = [Float](repeating: 0, count: n)
            for i in 0..<n {
                let t = Double(i) / sampleRate
                let beat = t.truncatingRemainder(dividingBy: 0.5)
                let kick = Float(exp(-beat * 18) * sin(2 * Double.pi * (50 + 80 * exp(-beat * 30)) * beat))
                let bass = Float(0.4 * sin(2 * Double.pi * 55 * t + Double(c)))
                let hat = Float(0.25 * sin(2 * Double.pi * 10987 * t))
                x[i] = g * (0.3 * rng.nextBipolar() + kick + bass + hat)
            }
            channels[c] = x
        }
        return AudioBuffer(channels: channels, sampleRate: sampleRate)
    }

    @Test("K-weighting at 48 kHz reproduces the BS.1770-4 table")
    func kWeightingCoefficients() {
        let k = KWeighting(sampleRate: 48000)
        let published = [
            1.535_124_859_586_97, -2.691_696_189_406_38, 1.198_392_810_852_85, -1.690_659_293_182_41,
            0.732_480_774_215_85,
        ]
        let got = [k.shelf.b0, k.shelf.b1, k.shelf.b2, k.shelf.a1, k.shelf.a2]
        for (a, b) in zip(got, published) { #expect(abs(a - b) < 1e-7) }
        #expect(abs(k.highPass.a1 - (-1.990_047_454_833_98)) < 1e-7)
        #expect(abs(k.highPass.a2 - 0.990_072_250_366_21) < 1e-7)
    }

    @Test(
        "EBU Tech 3341 cases 1-2: stereo 1 kHz at -23 and -33 dBFS read -23.0 and -33.0 LUFS",
        arguments: [44100.0, 48000.0, 96000.0])
    func steadySines(sampleRate: Double) {
        for level in [-23.0, -33.0] {
            let buffer = Self.sineSequence([(level, 20)], sampleRate: sampleRate)
            let meter = LoudnessMeter(sampleRate: sampleRate, channelCount: 2)
            meter.append(buffer)
            #expect(
                abs(meter.integratedLUFS - level) < Self.meterToleranceLU, "\(sampleRate) Hz: \(meter.integratedLUFS)")
            #expect(abs(meter.momentaryLUFS - level) < Self.meterToleranceLU)
            #expect(abs(meter.shortTermLUFS - level) < Self.meterToleranceLU)
        }
    }

    @Test("EBU Tech 3341 cases 3-4: gated sequences read -23.0 LUFS")
    func gatedSequences() {
        let three = Self.sineSequence([(-36, 10), (-23, 60), (-36, 10)])
        let four = Self.sineSequence([(-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)])
        for buffer in [three, four] {
            let meter = LoudnessMeter(sampleRate: 48000, channelCount: 2)
            meter.append(buffer)
            #expect(abs(meter.integratedLUFS - (-23)) < Self.meterToleranceLU, "\(meter.integratedLUFS)")
        }
    }

    @Test("EBU Tech 3342 cases 1-2: loudness range 10 and 5 LU")
    func loudnessRange() {
        for (second, expected) in [(-30.0, 10.0), (-15.0, 5.0)] {
            let meter = LoudnessMeter(sampleRate: 48000, channelCount: 2)
            meter.append(Self.sineSequence([(-20, 20), (second, 20)]))
            #expect(abs(meter.loudnessRangeLU - expected) < Self.rangeToleranceLU, "LRA \(meter.loudnessRangeLU)")
        }
    }

    @Test("true peak of a sine at fs/4 sampled 45° off its crest: samples read -3.01 dB, true peak 0 dB")
    func truePeakAnalytic() {
        let rate = 48000.0
        let amplitude = 0.5
        // Raised-cosine fades of 0.1 s keep the abrupt start and end (whose Gibbs overshoot is a real true
        // peak of the truncated signal) out of the analytic case; the steady middle peaks at `amplitude`.
        let n = 48000, fade = 4800
        let x = (0..<n).map { i -> Float in
            let edge = min(i, n - 1 - i)
            let w = edge >= fade ? 1 : 0.5 - 0.5 * cos(Double.pi * Double(edge) / Double(fade))
            return Float(w * amplitude * sin(2 * Double.pi * 0.25 * Double(i) + Double.pi / 4))
        }
        let result = TruePeakMeter.measure(AudioBuffer(channels: [x, x], sampleRate: rate))
        let analytic = 20 * log10(amplitude)
        #expect(abs(result.samplePeakDecibels - (analytic - 3.0103)) < 0.01)
        #expect(
            abs(result.truePeakDecibels - analytic) < Self.truePeakToleranceDecibels,
            "true peak \(result.truePeakDecibels)")
    }

    @Test("the limiter holds loud dense material at or below -1.0 dBTP", arguments: [44100.0, 48000.0])
    func limiterCeiling(sampleRate: Double) throws {
        let input = Self.denseMaterial(seconds: 6, sampleRate: sampleRate, gainDecibels: 12)
        #expect(TruePeakMeter.measure(input).truePeakDecibels > 10)
        let limiter = TruePeakLimiter(ceilingDecibels: -1)
        let out = try EffectsMeasurements.run(limiter, on: input, blockFrameCount: 1000)
        let measured = TruePeakMeter.measure(out).truePeakDecibels
        #expect(measured <= -1.0, "output true peak \(measured) dBTP")
        #expect(measured > -1.6, "the limiter should use the headroom it has")
    }

    @Test("below the ceiling the limiter is a pure delay of its reported latency")
    func limiterTransparentBelowCeiling() throws {
        let rate = 44100.0
        let input = Self.denseMaterial(seconds: 1, sampleRate: rate, gainDecibels: -20)
        let limiter = TruePeakLimiter(ceilingDecibels: -1)
        let out = try EffectsMeasurements.run(limiter, on: input)
        let d = limiter.latencyFrameCount
        let a = Array(out.channel(0)[d...]), b = Array(input.channel(0)[0..<(input.frameCount - d)])
        #expect(zip(a, b).allSatisfy { $0 == $1 })
    }

    /// Material with a high crest factor (quiet pad, loud sharp kicks): reaching -14 LUFS needs the limiter.
    static func peakyMaterial(seconds: Double, sampleRate: Double, gainDecibels: Double) -> AudioBuffer {
        let n = Int(seconds * sampleRate)
        let g = Decibels.gain(gainDecibels)
        let x = (0..<n).map { i -> Float in
            let t = Double(i) / sampleRate
            let beat = t.truncatingRemainder(dividingBy: 0.5)
            let kick = exp(-beat * 40) * sin(2 * Double.pi * (60 + 200 * exp(-beat * 60)) * beat)
            let pad = 0.05 * (sin(2 * Double.pi * 220 * t) + sin(2 * Double.pi * 331 * t))
            return Float(g * (kick + pad))
        }
        return AudioBuffer(channels: [x, x.map { $0 * 0.9 }], sampleRate: sampleRate)
    }

    @Test(
        "normalisation lands within ±0.3 LU of -14 LUFS under -1 dBTP, from quiet, loud and peaky mixes",
        arguments: [("dense", -30.0), ("dense", 6.0), ("peaky", -10.0)])
    func normalisation(material: String, inputGain: Double) throws {
        let mix =
            material == "dense"
            ? Self.denseMaterial(seconds: 8, sampleRate: 44100, gainDecibels: inputGain, seed: 5)
            : Self.peakyMaterial(seconds: 8, sampleRate: 44100, gainDecibels: inputGain)
        let (out, report) = try LoudnessNormalizer().normalize(mix)
        if material == "peaky" {
            // The limiter had real work: at the applied gain the peaks would have been well over the ceiling.
            #expect(TruePeakMeter.measure(mix).truePeakDecibels + report.appliedGainDecibels > 2)
        }
        let measured = LoudnessMeter.measure(out)
        #expect(out.frameCount == mix.frameCount)
        #expect(
            abs(measured.integratedLUFS - (-14)) < Self.normalisationToleranceLU,
            "\(measured.integratedLUFS) LUFS after \(report.passes) passes")
        #expect(measured.truePeakDecibels <= -1.0, "true peak \(measured.truePeakDecibels)")
        #expect(abs(report.outputIntegratedLUFS - measured.integratedLUFS) < 1e-9)
    }
}
