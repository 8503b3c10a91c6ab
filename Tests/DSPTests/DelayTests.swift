import DSP
import Foundation
import TestSupport
import Testing

@Suite("Delays: tempo-synced, ping-pong, echo-out")
struct DelayTests {
    /// Echo position error allowed: one sample (issue 4).
    static let positionToleranceFrames = 1
    /// Error allowed in each repeat's level against the feedback gain (issue 4).
    static let repeatToleranceDecibels = 0.1

    /// Indices and values of the largest |x| in windows around each expected echo.
    static func echoes(_ x: [Float], every period: Int, count: Int, offset: Int = 0) -> [(Int, Float)] {
        (1...count).map { k in
            let center = offset + k * period
            var best = center - 3
            for i in (center - 3)...(center + 3) where abs(x[i]) > abs(x[best]) { best = i }
            return (best, abs(x[best]))
        }
    }

    @Test(
        "1/8 at 124 BPM: echoes every 241.94 ms to the sample, each down by the feedback",
        arguments: [44100.0, 48000.0])
    func tempoSyncedEchoes(sampleRate: Double) throws {
        let time = DelayTime.note(.eighth, bpm: 124)
        #expect(abs(time.seconds * 1000 - 241.935) < 0.001)
        let period = Int((0.241_935_48 * sampleRate).rounded())
        let feedback: Float = 0.6
        let delay = DelayEffect(time: time, feedback: feedback, dampingHz: nil, wetLevel: 1, dryLevel: 0)
        var click = [Float](repeating: 0, count: period * 6)
        click[0] = 1
        let out = try EffectsMeasurements.run(
            delay, on: AudioBuffer(channels: [click, click], sampleRate: sampleRate),
            blockFrameCount: 333)
        let left = out.channel(0)
        let found = Self.echoes(left, every: period, count: 5)
        for (k, echo) in found.enumerated() {
            #expect(abs(echo.0 - (k + 1) * period) <= Self.positionToleranceFrames)
            let expectedDecibels = 20 * log10(Double(feedback)) * Double(k)
            #expect(abs(20 * log10(Double(echo.1)) - expectedDecibels) < Self.repeatToleranceDecibels)
        }
        // Nothing between the echoes.
        #expect(left[1..<(period - 1)].allSatisfy { $0 == 0 })
    }

    @Test("dotted 1/8 and triplet times; milliseconds")
    func noteDivisions() {
        #expect(abs(DelayTime.note(.dottedEighth, bpm: 120).seconds - 0.375) < 1e-12)
        #expect(abs(DelayTime.note(.eighthTriplet, bpm: 120).seconds - 1.0 / 6) < 1e-12)
        #expect(abs(DelayTime.note(.quarter, bpm: 90).seconds - 2.0 / 3) < 1e-12)
        #expect(DelayTime.milliseconds(250).frameCount(sampleRate: 48000) == 12000)
    }

    @Test("ping-pong echoes alternate left and right")
    func pingPong() throws {
        let rate = 44100.0
        let delay = DelayEffect(
            time: .milliseconds(100), style: .pingPong, feedback: 0.5, dampingHz: nil, wetLevel: 1, dryLevel: 0)
        var click = [Float](repeating: 0, count: 4410 * 6)
        click[0] = 1
        let out = try EffectsMeasurements.run(delay, on: AudioBuffer(channels: [click, click], sampleRate: rate))
        let left = out.channel(0), right = out.channel(1)
        for k in 1...4 {
            let index = k * 4410
            let (loud, quiet) = k % 2 == 1 ? (left, right) : (right, left)
            #expect(abs(loud[index]) > 0.01)
            #expect(quiet[index] == 0)
            // The mono sum of the click (1 + 1) / 2 = 1, then 0.5 per repeat.
            #expect(
                abs(20 * log10(Double(abs(loud[index]))) - 20 * log10(0.5) * Double(k - 1))
                    < Self.repeatToleranceDecibels)
        }
    }

    @Test("damping darkens each repeat")
    func damping() throws {
        let rate = 44100.0
        let delay = DelayEffect(time: .milliseconds(50), feedback: 0.9, dampingHz: 2000, wetLevel: 1, dryLevel: 0)
        let noise = Signals.noise(frameCount: 441, amplitude: 0.5, seed: 9) + [Float](repeating: 0, count: 2205 * 6)
        let out = try EffectsMeasurements.run(delay, on: AudioBuffer(channels: [noise], sampleRate: rate)).channel(0)
        // Energy of each repeat falls faster than the feedback alone would make it (0.9 → -0.9 dB per repeat).
        let first = EffectsMeasurements.rmsDecibels(out, 2205..<(2205 + 441 + 50))
        let fourth = EffectsMeasurements.rmsDecibels(out, (4 * 2205)..<(4 * 2205 + 441 + 50))
        #expect(fourth - first < 3 * 20 * log10(0.9) - 3)
    }

    @Test("changing the delay time crossfades without a click")
    func timeChangeIsSmooth() throws {
        let rate = 44100.0
        let tone = Signals.sine(frequencyHz: 220, sampleRate: rate, frameCount: Int(rate), amplitude: 0.5)
        let delay = DelayEffect(time: .milliseconds(120), feedback: 0.3, wetLevel: 0.5, dryLevel: 0)
        try delay.prepare(ProcessSpec(sampleRate: rate, maximumBlockFrameCount: 256, channelCount: 1))
        var buffer = AudioBuffer(channels: [tone], sampleRate: rate)
        buffer.forEachBlock(blockFrameCount: 256) { block, start in
            if start == 256 * 80 { delay.time = .milliseconds(77) }
            delay.process(block)
        }
        let out = buffer.channel(0)
        // Ignore the first echo's onset (the line starts empty), then no jump beyond the sines' own movement.
        let settled = Array(out[Int(rate * 0.5)...])
        #expect(EffectsMeasurements.largestStep(settled) < 3 * EffectsMeasurements.largestStep(tone))
    }

    @Test("echo-out: the tail repeats the layer's end after it stops and decays by the feedback")
    func echoOut() throws {
        let rate = 44100.0
        let beat = Int(0.5 * rate) // 120 BPM quarter
        var source = [Float](repeating: 0, count: 4 * beat)
        source[3 * beat] = 0.8 // last beat of the bar
        let echo = EchoOut(time: .note(.quarter, bpm: 120), feedback: 0.5, dampingHz: nil, style: .stereo)
        let length = echo.suggestedTailFrameCount(sampleRate: rate)
        let tail = try echo.tail(after: AudioBuffer(channels: [source, source], sampleRate: rate), frameCount: length)
        #expect(tail.frameCount == length && tail.channelCount == 2)
        let left = tail.channel(0)
        // The click at 3 beats repeats at 4 beats (tail frame 0), 5 beats (tail frame one beat) ...
        #expect(abs(left[0] - 0.8) < 1e-5)
        #expect(abs(left[beat] - 0.4) < 1e-5)
        #expect(abs(left[2 * beat] - 0.2) < 1e-5)
        // By the suggested length the repeats are 60 dB below the first.
        #expect(Measurements.peakDecibels(Array(left[(length - beat)...])) < 20 * log10(0.8) - 60)
    }
}
