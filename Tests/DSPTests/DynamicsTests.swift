import DSP
import Foundation
import TestSupport
import Testing

@Suite("Dynamics: compressor and sidechain ducker")
struct DynamicsTests {
    /// Static-curve error allowed (issue 4).
    static let staticToleranceDecibels = 0.5
    /// Attack/release time error allowed (issue 4).
    static let timeTolerance = 0.10
    /// Depth error allowed for the ducker at the end of its attack (one frame of its ramp is ≪ 0.1 dB).
    static let depthToleranceDecibels = 0.1

    /// The textbook static curve (Giannoulis et al. eq. 4), written out independently of the compressor.
    static func expectedOutput(_ x: Double, threshold: Double, ratio: Double, knee: Double) -> Double {
        if knee > 0 && 2 * abs(x - threshold) <= knee {
            return x + (1 / ratio - 1) * pow(x - threshold + knee / 2, 2) / (2 * knee)
        }
        if x <= threshold { return x }
        return threshold + (x - threshold) / ratio
    }

    @Test(
        "static curve within 0.5 dB for hard and soft knees, peak and RMS detection",
        arguments: [(0.0, LevelDetection.peak), (8.0, .peak), (8.0, .rms)])
    func staticCurve(knee: Double, detection: LevelDetection) throws {
        let rate = 44100.0
        let threshold = -20.0, ratio = 4.0
        for inputDecibels in stride(from: -40.0, through: 0, by: 2) {
            let amplitude = Float(Decibels.gain(inputDecibels))
            // Peak detection measures |x|: a DC level. RMS detection measures a sine's RMS.
            let frames = Int(rate * 0.6)
            let signal: [Float] =
                detection == .peak
                ? [Float](repeating: amplitude, count: frames)
                : Signals.sine(
                    frequencyHz: 1000, sampleRate: rate, frameCount: frames,
                    amplitude: amplitude * Float(2.0.squareRoot()))
            let compressor = Compressor(
                thresholdDecibels: threshold, ratio: ratio, kneeDecibels: knee, attackSeconds: 0.002,
                releaseSeconds: 0.05, detection: detection, rmsWindowSeconds: 0.05)
            let out = try EffectsMeasurements.run(compressor, on: AudioBuffer(channels: [signal], sampleRate: rate))
                .channel(0)
            let tail = Int(rate * 0.4)..<frames
            let measured =
                inputDecibels + EffectsMeasurements.rmsDecibels(out, tail)
                - EffectsMeasurements.rmsDecibels(signal, tail)
            let expected = Self.expectedOutput(inputDecibels, threshold: threshold, ratio: ratio, knee: knee)
            #expect(
                abs(measured - expected) < Self.staticToleranceDecibels,
                "in \(inputDecibels) dB: \(measured) vs \(expected)")
            #expect(abs(compressor.staticOutputDecibels(forInput: inputDecibels) - expected) < 1e-9)
        }
    }

    @Test("attack and release time constants within 10%", arguments: [(0.005, 0.08), (0.02, 0.3)])
    func attackRelease(attack: Double, release: Double) throws {
        let rate = 48000.0
        let low = Float(Decibels.gain(-40.0)), high = Float(Decibels.gain(-10.0))
        let stepUp = Int(rate * 0.2), stepDown = Int(rate * 1.2), frames = Int(rate * 2.5)
        var signal = [Float](repeating: low, count: frames)
        for i in stepUp..<stepDown { signal[i] = high }
        let compressor = Compressor(
            thresholdDecibels: -30, ratio: 4, kneeDecibels: 0, attackSeconds: attack, releaseSeconds: release)
        let out = try EffectsMeasurements.run(compressor, on: AudioBuffer(channels: [signal], sampleRate: rate))
            .channel(0)
        let reduction = (0..<frames).map { 20 * log10(Double(signal[$0])) - 20 * log10(Double(out[$0])) }
        // Full reduction at -10 dB in: (-10 - -30) (1 - 1/4) = 15 dB. Time to 63.2% of it after the step up ...
        let full = 15.0
        let attackIndex = (stepUp..<stepDown).first { reduction[$0] >= full * (1 - exp(-1)) }!
        let measuredAttack = Double(attackIndex - stepUp) / rate
        #expect(abs(measuredAttack / attack - 1) < Self.timeTolerance, "attack \(measuredAttack) s")
        // ... and to 36.8% of it after the step down.
        let releaseIndex = (stepDown..<frames).first { reduction[$0] <= full * exp(-1) }!
        let measuredRelease = Double(releaseIndex - stepDown) / rate
        #expect(abs(measuredRelease / release - 1) < Self.timeTolerance, "release \(measuredRelease) s")
    }

    @Test("an external key drives the compressor")
    func keyedCompressor() throws {
        let rate = 44100.0
        let compressor = Compressor(
            thresholdDecibels: -30, ratio: 10, kneeDecibels: 0, attackSeconds: 0.001, releaseSeconds: 0.05)
        try compressor.prepare(ProcessSpec(sampleRate: rate, maximumBlockFrameCount: 1024, channelCount: 1))
        var quiet = AudioBuffer(channels: [[Float](repeating: 0.01, count: 1024)], sampleRate: rate)
        var key = AudioBuffer(channels: [[Float](repeating: 1, count: 1024)], sampleRate: rate)
        quiet.withMutableBlock { block in key.withMutableBlock { compressor.process(block, key: $0) } }
        // Key at 0 dB: 30 dB over, 27 dB of reduction; the -40 dB signal ends near -67 dB.
        #expect(abs(20 * log10(Double(quiet.channel(0)[1023])) - (-40 - 27)) < Self.staticToleranceDecibels)
    }

    @Test("the ducker reaches its depth within the attack after a key onset and recovers within the release")
    func ducker() throws {
        let rate = 44100.0
        let attack = 0.01, release = 0.2, hold = 0.02, depth = -12.0
        let frames = Int(rate * 1.5)
        let onset = Int(rate * 0.3), keyEnd = Int(rate * 0.7)
        // Key: a 60 Hz "kick" tone burst; programme: a constant level so the output is the gain itself.
        var key = [Float](repeating: 0, count: frames)
        for i in onset..<keyEnd { key[i] = 0.8 * Float(sin(2 * Double.pi * 60 * Double(i - onset) / rate)) }
        let ducker = SidechainDucker(
            depthDecibels: depth, thresholdDecibels: -30, attackSeconds: attack,
            releaseSeconds: release, holdSeconds: hold)
        try ducker.prepare(ProcessSpec(sampleRate: rate, maximumBlockFrameCount: 256, channelCount: 2))
        var programme = AudioBuffer(
            channels: [[Float](repeating: 0.5, count: frames), [Float](repeating: 0.5, count: frames)], sampleRate: rate
        )
        var keyBuffer = AudioBuffer(channels: [key], sampleRate: rate)
        var start = 0
        while start < frames {
            let end = min(frames, start + 256)
            programme.withMutableBlock(frames: start..<end) { block in
                keyBuffer.withMutableBlock(frames: start..<end) { ducker.process(block, key: $0) }
            }
            start = end
        }
        let gain = programme.channel(0).map { 20 * log10(Double($0) / 0.5) }
        #expect(abs(gain[onset - 1]) < 1e-6)
        // The first key sample above -30 dBFS comes a few frames after the onset (the sine starts at 0).
        let firstActive = (onset..<keyEnd).first { abs(key[$0]) > Float(Decibels.gain(-30.0)) }!
        let atAttack = firstActive + Int(attack * rate)
        #expect(
            abs(gain[atAttack] - depth) < Self.depthToleranceDecibels,
            "gain \(gain[atAttack]) dB at the end of the attack")
        #expect(gain[firstActive + Int(attack * rate / 2)] > depth + 5, "the attack is a ramp, not a jump")
        // Held at depth while the key plays, released within hold + release after it stops.
        #expect(abs(gain[keyEnd - 10] - depth) < Self.depthToleranceDecibels)
        let recovered = keyEnd + Int((hold + release) * rate) + 2
        #expect(abs(gain[recovered]) < Self.depthToleranceDecibels)
        #expect(gain[keyEnd + Int((hold + release / 2) * rate)] < -4, "the release is a ramp")
    }
}
