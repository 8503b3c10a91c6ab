import DSP
import Foundation
import TestSupport
import Testing

@Suite("Sample-rate conversion")
struct ResampleTests {
    /// Frequency error allowed after conversion, in cents (issue 2).
    static let frequencyToleranceCents = 0.1
    /// Level change allowed after conversion, in dB (issue 2).
    static let levelToleranceDecibels = 0.05

    @Test(
        "a sine keeps its frequency and level, and the length is exact",
        arguments: [(44100.0, 48000.0), (48000.0, 44100.0), (22050.0, 44100.0), (44100.0, 32000.0)])
    func sinePreserved(from: Double, to: Double) throws {
        let frames = Int(from * 1.5) + 17
        let tone = Signals.sine(frequencyHz: 1000, sampleRate: from, frameCount: frames, amplitude: 0.5)
        let input = Signals.stereo(tone, sampleRate: from)
        let output = try SampleRateConverter.resample(input, to: to, quality: .best)
        #expect(output.frameCount == Int((Double(frames) * to / from).rounded()))
        #expect(output.sampleRate == to)
        let left = output.channel(0)
        // Measure away from the edges, where the sinc filter has its start-up and tail.
        let body = Array(left[Int(to * 0.1)..<Int(to * 1.4)])
        let f = Measurements.peakFrequency(body, sampleRate: to)
        #expect(abs(Measurements.cents(f, relativeTo: 1000)) < Self.frequencyToleranceCents)
        let inputLevel = Measurements.rmsDecibels(Array(tone[Int(from * 0.1)..<Int(from * 1.4)]))
        #expect(abs(Measurements.rmsDecibels(body) - inputLevel) < Self.levelToleranceDecibels)
    }

    @Test(
        "streaming in odd blocks gives the same exact length as the whole buffer", arguments: ResampleQuality.allCases)
    func streamingLength(quality: ResampleQuality) throws {
        let frames = 30011
        let input = Signals.stereo(Signals.noise(frameCount: frames, seed: 5), sampleRate: 44100)
        let converter = try SampleRateConverter(inputRate: 44100, outputRate: 48000, channelCount: 2, quality: quality)
        var total = 0
        var start = 0
        var blockSize = 777
        while start < frames {
            let end = min(frames, start + blockSize)
            total += try converter.process(input.slice(frames: start..<end)).frameCount
            start = end
            blockSize = blockSize * 3 % 5000 + 100
        }
        total += try converter.finish().frameCount
        #expect(total == Int((Double(frames) * 48000 / 44100).rounded()))
    }

    @Test("equal rates return the input unchanged")
    func identity() throws {
        let input = Signals.stereo(Signals.noise(frameCount: 1000), sampleRate: 44100)
        #expect(try SampleRateConverter.resample(input, to: 44100) == input)
    }
}
