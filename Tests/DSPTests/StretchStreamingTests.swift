import DSP
import Foundation
import Testing
import TestSupport

@Suite("Streaming time stretch")
struct StretchStreamingTests {
    static let sampleRate = 44100.0

    /// Streams `input` in varying block sizes and returns the concatenated output.
    static func stream(_ input: AudioBuffer, timeRatio: Double, semitones: Double = 0) throws -> AudioBuffer {
        let stretcher = try StreamingTimeStretcher(channelCount: input.channelCount, sampleRate: input.sampleRate,
                                                   timeRatio: timeRatio, semitones: semitones)
        var channels = [[Float]](repeating: [], count: input.channelCount)
        func collect(_ part: AudioBuffer) {
            for c in 0..<part.channelCount { channels[c].append(contentsOf: part.channel(c)) }
        }
        var start = 0
        var block = 1000
        while start < input.frameCount {
            let end = min(input.frameCount, start + block)
            collect(try stretcher.process(input.slice(frames: start..<end)))
            start = end
            block = block * 7 % 9000 + 300
        }
        collect(try stretcher.finish())
        return AudioBuffer(channels: channels, sampleRate: input.sampleRate)
    }

    @Test("streamed output has the exact length, pitch and click positions", arguments: [(1.08, 0.0), (0.92, 2.0)])
    func streamedMatchesTargets(ratio: Double, semitones: Double) throws {
        let count = Int(4 * Self.sampleRate) + 3
        let tone = Signals.sine(frequencyHz: 330, sampleRate: Self.sampleRate, frameCount: count, amplitude: 0.3)
        let clicks = Signals.clickTrain(periodSeconds: 0.5, sampleRate: Self.sampleRate, frameCount: count, offsetSeconds: 0.25)
        let mix = zip(tone, clicks).map { $0 + $1 }
        let output = try Self.stream(AudioBuffer(channels: [mix, mix], sampleRate: Self.sampleRate), timeRatio: ratio,
                                     semitones: semitones)
        #expect(output.frameCount == Int((Double(count) * ratio).rounded()))
        let left = output.channel(0)
        let body = Array(left[4410 ..< left.count - 4410])
        let target = 330 * pow(2, semitones / 12)
        let f = Measurements.peakFrequency(body, sampleRate: Self.sampleRate, rangeHz: (target * 0.95)...(target * 1.05))
        #expect(abs(Measurements.cents(f, relativeTo: target)) < StretchTests.frequencyToleranceCents)
        let tolerance = Int(StretchTests.clickPositionToleranceMs * Self.sampleRate / 1000)
        for (frame, value) in clicks.enumerated() where value != 0 {
            let expected = Int((Double(frame) * ratio).rounded())
            guard expected < left.count - 4410 else { continue }
            let found = StretchMeasurements.peakFrame(left, near: expected, radius: 2205)
            #expect(abs(found - expected) <= tolerance, "click \(frame): \(found) vs \(expected)")
        }
    }
}

@Suite("Stretch edge cases")
struct StretchEdgeCaseTests {
    static let sampleRate = 44100.0

    @Test("inputs shorter than a window still get the exact length", arguments: [1, 7, 100, 1500, 2049, 5000])
    func shortInputs(frames: Int) throws {
        let input = Signals.stereo(Signals.noise(frameCount: frames, amplitude: 0.3, seed: UInt64(frames)), sampleRate: Self.sampleRate)
        for ratio in [0.5, 0.93, 1.7, 2.0] {
            let output = try TimeStretcher().stretch(input, timeRatio: ratio)
            #expect(output.frameCount == Int((Double(frames) * ratio).rounded()))
            #expect(output.samples.allSatisfy { $0.isFinite })
        }
        let shifted = try TimeStretcher().pitchShift(input, semitones: -12)
        #expect(shifted.frameCount == frames)
    }

    @Test("a warp map with anchors past the input's end is cut at the end; the length follows the map")
    func warpMapPastEnd() throws {
        let frames = 20000
        let input = Signals.stereo(Signals.sine(frequencyHz: 500, sampleRate: Self.sampleRate, frameCount: frames), sampleRate: Self.sampleRate)
        let map = try WarpMap(anchors: [.init(sourceFrame: 10000, targetFrame: 12000), .init(sourceFrame: 40000, targetFrame: 42000)])
        let output = try TimeStretcher().stretch(input, warpMap: map)
        #expect(output.frameCount == 22000)
        #expect(output.samples.allSatisfy { $0.isFinite })
    }

    @Test("many stretchers run in parallel and agree with a serial run")
    func parallelInstances() async throws {
        let input = Signals.stereo(Signals.sines(frequenciesHz: [220, 330], sampleRate: Self.sampleRate, frameCount: 30000),
                                   sampleRate: Self.sampleRate)
        let serial = try TimeStretcher().process(input, timeRatio: 1.1, semitones: 1)
        let results = try await withThrowingTaskGroup(of: AudioBuffer.self) { group in
            for _ in 0..<6 { group.addTask { try TimeStretcher().process(input, timeRatio: 1.1, semitones: 1) } }
            var all: [AudioBuffer] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.allSatisfy { $0 == serial })
    }
}
