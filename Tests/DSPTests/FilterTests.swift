import DSP
import Foundation
import TestSupport
import Testing

@Suite("Filters: RBJ biquads, state-variable filter, filter sweep")
struct FilterTests {
    /// Error allowed at the cutoff against the analytic -3.01 dB (issue 4): the measurement (RMS of 0.5 s of
    /// steady sine) is accurate to about 0.01 dB, so 0.1 dB is all filter error.
    static let cutoffToleranceDecibels = 0.1
    /// Error allowed two octaves past the cutoff against the analytic digital Butterworth response (issue 4).
    static let slopeToleranceDecibels = 0.5
    /// Largest output for a ±0.5 noise input that still counts as stable (a blow-up grows without bound).
    static let stableOutputBound: Float = 8
    /// A click is a sample-to-sample jump far above what the sine itself moves: we allow 3x the input's own
    /// largest step (filter gain ≤ 1 plus the swept filter's transient), a click is ~10x or more.
    static let clickStepFactor: Float = 3

    /// Gain in dB of `process` for a steady sine at `frequencyHz` (0.3 s settle, 0.5 s measured).
    static func measuredGainDecibels(frequencyHz: Double, sampleRate: Double, _ processor: AudioProcessor) throws
        -> Double
    {
        let frames = Int(sampleRate * 0.8)
        let tone = Signals.sine(frequencyHz: frequencyHz, sampleRate: sampleRate, frameCount: frames, amplitude: 0.5)
        let out = try EffectsMeasurements.run(processor, on: AudioBuffer(channels: [tone], sampleRate: sampleRate))
        let window = Int(sampleRate * 0.3)..<frames
        return EffectsMeasurements.rmsDecibels(out.channel(0), window) - EffectsMeasurements.rmsDecibels(tone, window)
    }

    /// The digital Butterworth magnitude (bilinear transform): |H|² = 1 / (1 + (tan(πf/fs) / tan(πfc/fs))^(±2N)).
    static func butterworthDecibels(
        order: Int, cutoffHz: Double, frequencyHz: Double, sampleRate: Double, highPass: Bool
    ) -> Double {
        var r = tan(Double.pi * frequencyHz / sampleRate) / tan(Double.pi * cutoffHz / sampleRate)
        if highPass { r = 1 / r }
        return -10 * log10(1 + pow(r, Double(2 * order)))
    }

    @Test(
        "Butterworth low/high-pass reads -3.01 dB at the cutoff and the analytic slope two octaves out",
        arguments: [44100.0, 48000.0], [FilterSlope.twelveDecibelsPerOctave, .twentyFourDecibelsPerOctave])
    func butterworthResponse(sampleRate: Double, slope: FilterSlope) throws {
        let order = slope == .twelveDecibelsPerOctave ? 2 : 4
        for cutoff in [200.0, 1000.0, 4000.0] {
            for type in [BiquadFilterType.lowPass, .highPass] {
                let atCutoff = try Self.measuredGainDecibels(
                    frequencyHz: cutoff, sampleRate: sampleRate,
                    BiquadFilter(type: type, cutoffHz: cutoff, slope: slope))
                #expect(
                    abs(atCutoff - (-3.0103)) < Self.cutoffToleranceDecibels, "\(type) \(cutoff) Hz: \(atCutoff) dB")
                let probe = type == .lowPass ? cutoff * 4 : cutoff / 4
                let measured = try Self.measuredGainDecibels(
                    frequencyHz: probe, sampleRate: sampleRate,
                    BiquadFilter(type: type, cutoffHz: cutoff, slope: slope))
                let expected = Self.butterworthDecibels(
                    order: order, cutoffHz: cutoff, frequencyHz: probe,
                    sampleRate: sampleRate, highPass: type == .highPass)
                #expect(
                    abs(measured - expected) < Self.slopeToleranceDecibels,
                    "\(type) \(cutoff) Hz at \(probe): \(measured) vs \(expected)")
                // The nominal slope itself: about 12 or 24 dB per octave, so ~24 or ~48 dB two octaves out.
                #expect(measured < -Double(order) * 6 * 2 + 3)
            }
        }
    }

    @Test(
        "the state-variable filter matches the Butterworth response too",
        arguments: [FilterSlope.twelveDecibelsPerOctave, .twentyFourDecibelsPerOctave])
    func stateVariableResponse(slope: FilterSlope) throws {
        let rate = 48000.0
        let order = slope == .twelveDecibelsPerOctave ? 2 : 4
        for (mode, highPass) in [(StateVariableFilterMode.lowPass, false), (.highPass, true)] {
            let cutoff = 1500.0
            let atCutoff = try Self.measuredGainDecibels(
                frequencyHz: cutoff, sampleRate: rate,
                StateVariableFilter(mode: mode, cutoffHz: cutoff, slope: slope))
            #expect(abs(atCutoff - (-3.0103)) < Self.cutoffToleranceDecibels)
            let probe = highPass ? cutoff / 4 : cutoff * 4
            let measured = try Self.measuredGainDecibels(
                frequencyHz: probe, sampleRate: rate,
                StateVariableFilter(mode: mode, cutoffHz: cutoff, slope: slope))
            let expected = Self.butterworthDecibels(
                order: order, cutoffHz: cutoff, frequencyHz: probe, sampleRate: rate, highPass: highPass)
            #expect(abs(measured - expected) < Self.slopeToleranceDecibels)
        }
    }

    @Test("peaking and shelves reach their gain; band-pass peaks at 0 dB")
    func peakingAndShelves() throws {
        let rate = 44100.0
        let peak = try Self.measuredGainDecibels(
            frequencyHz: 1000, sampleRate: rate,
            BiquadFilter(type: .peaking, cutoffHz: 1000, q: 1, gainDecibels: 6))
        #expect(abs(peak - 6) < Self.cutoffToleranceDecibels)
        let low = try Self.measuredGainDecibels(
            frequencyHz: 30, sampleRate: rate,
            BiquadFilter(type: .lowShelf, cutoffHz: 500, gainDecibels: -9))
        #expect(abs(low - (-9)) < 0.2)
        let high = try Self.measuredGainDecibels(
            frequencyHz: 18000, sampleRate: rate,
            BiquadFilter(type: .highShelf, cutoffHz: 2000, gainDecibels: 4))
        #expect(abs(high - 4) < 0.2)
        let band = try Self.measuredGainDecibels(
            frequencyHz: 2500, sampleRate: rate,
            BiquadFilter(type: .bandPass, cutoffHz: 2500, q: 2))
        #expect(abs(band) < Self.cutoffToleranceDecibels)
    }

    @Test("stable for every cutoff from 20 Hz to 0.45 fs, every shape, both filters")
    func stability() throws {
        let rate = 44100.0
        let noise = Signals.noise(frameCount: Int(rate * 0.25), amplitude: 0.5, seed: 3)
        let input = AudioBuffer(channels: [noise], sampleRate: rate)
        var cutoffs: [Double] = []
        var f = 20.0
        while f < 0.45 * rate { cutoffs.append(f); f *= 1.6 }
        cutoffs.append(0.45 * rate)
        for cutoff in cutoffs {
            var processors: [AudioProcessor] = []
            for type in BiquadFilterType.allCases {
                for slope in FilterSlope.allCases {
                    processors.append(BiquadFilter(type: type, cutoffHz: cutoff, q: 2, gainDecibels: 12, slope: slope))
                }
            }
            for mode in StateVariableFilterMode.allCases {
                for slope in FilterSlope.allCases {
                    processors.append(StateVariableFilter(mode: mode, cutoffHz: cutoff, q: 2, slope: slope))
                }
            }
            for p in processors {
                let out = try EffectsMeasurements.run(p, on: input).channel(0)
                #expect(
                    out.allSatisfy { $0.isFinite && abs($0) < Self.stableOutputBound }, "unstable at \(cutoff) Hz: \(p)"
                )
            }
        }
    }

    @Test("fast cutoff modulation and sweeps make no clicks on a sine")
    func noClicksUnderModulation() throws {
        let rate = 44100.0
        let frames = Int(rate * 2)
        let tone = Signals.sine(frequencyHz: 440, sampleRate: rate, frameCount: frames, amplitude: 0.5)
        let inputStep = EffectsMeasurements.largestStep(tone)
        let bound = inputStep * Self.clickStepFactor
        // The SVF with its cutoff jumping between 100 Hz and 10 kHz every 64-frame block (5 ms ramps), at the
        // Butterworth Q so that the filter's gain never exceeds 1 and the bound is about clicks alone.
        let svf = StateVariableFilter(
            mode: .lowPass, cutoffHz: 100, slope: .twentyFourDecibelsPerOctave, rampSeconds: 0.005)
        try svf.prepare(ProcessSpec(sampleRate: rate, maximumBlockFrameCount: 64, channelCount: 1))
        var buffer = AudioBuffer(channels: [tone], sampleRate: rate)
        var toggle = false
        buffer.forEachBlock(blockFrameCount: 64) { block, _ in
            toggle.toggle()
            svf.cutoffHz = toggle ? 10000 : 100
            svf.process(block)
        }
        #expect(EffectsMeasurements.largestStep(buffer.channel(0)) < bound)
        // The biquad with ramped parameter changes every 512 frames.
        let biquad = BiquadFilter(type: .lowPass, cutoffHz: 200, slope: .twentyFourDecibelsPerOctave)
        try biquad.prepare(ProcessSpec(sampleRate: rate, maximumBlockFrameCount: 512, channelCount: 1))
        var second = AudioBuffer(channels: [tone], sampleRate: rate)
        var index = 0
        second.forEachBlock(blockFrameCount: 512) { block, _ in
            index += 1
            biquad.cutoffHz = index % 2 == 0 ? 8000 : 200
            biquad.process(block)
        }
        #expect(EffectsMeasurements.largestStep(second.channel(0)) < bound)
        // A high-pass sweep from 40 Hz to 18 kHz in 1 s and a low-pass sweep down.
        for (mode, from, to) in [(StateVariableFilterMode.highPass, 40.0, 18000.0), (.lowPass, 18000.0, 40.0)] {
            let sweep = FilterSweep(mode: mode, startHz: from, endHz: to, durationSeconds: 1)
            let out = try EffectsMeasurements.run(
                sweep, on: AudioBuffer(channels: [tone], sampleRate: rate), blockFrameCount: 300)
            let samples = out.channel(0)
            #expect(samples.allSatisfy { $0.isFinite })
            #expect(EffectsMeasurements.largestStep(samples) < bound)
        }
    }

    @Test("the sweep's cutoff follows the logarithmic path: -3 dB when it crosses the probe frequency")
    func sweepFollowsLogPath() throws {
        let rate = 44100.0
        let seconds = 4.0
        let sweep = FilterSweep(mode: .highPass, startHz: 100, endHz: 10000, durationSeconds: seconds)
        // Halfway in time the cutoff is the geometric mean, 1 kHz.
        #expect(abs(sweep.cutoffHz(atSeconds: seconds / 2) - 1000) < 0.5)
        let frames = Int(rate * seconds)
        let tone = Signals.sine(frequencyHz: 1000, sampleRate: rate, frameCount: frames, amplitude: 0.5)
        let out = try EffectsMeasurements.run(sweep, on: AudioBuffer(channels: [tone], sampleRate: rate)).channel(0)
        let mid = frames / 2, half = Int(rate * 0.02)
        let level =
            EffectsMeasurements.rmsDecibels(out, (mid - half)..<(mid + half))
            - EffectsMeasurements.rmsDecibels(tone, (mid - half)..<(mid + half))
        // The cutoff moves ±0.03 octave in the 40 ms window (about ±0.2 dB at a 24 dB/oct edge).
        #expect(abs(level - (-3.01)) < 0.5, "level at mid-sweep \(level) dB")
        // Early on (cutoff ≈ 120 Hz) the 1 kHz tone passes; at the end (10 kHz) it is ~40+ dB down.
        #expect(
            abs(
                EffectsMeasurements.rmsDecibels(out, Int(rate * 0.2)..<Int(rate * 0.3))
                    - EffectsMeasurements.rmsDecibels(tone, Int(rate * 0.2)..<Int(rate * 0.3))) < 0.2)
        #expect(
            EffectsMeasurements.rmsDecibels(out, (frames - Int(rate * 0.1))..<frames)
                - EffectsMeasurements.rmsDecibels(tone, 0..<frames) < -40)
    }
}
