import DSP
import Foundation
import TestSupport
import Testing

@Suite("Streaming time stretch")
struct StretchStreamingTests {
    static let sampleRate = 44100.0

    /// Streams `input` in varying block sizes and returns the concatenated output.
    static func stream(_ input: AudioBuffer, timeRatio: Double, semitones: Double = 0) throws -> AudioBuffer {
        let stretcher = try StreamingTimeStretcher(
            channelCount: input.channelCount, sampleRate: input.sampleRate,
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
        let clicks = Signals.clickTrain(
            periodSeconds: 0.5, sampleRate: Self.sampleRate, frameCount: count, offsetSeconds: 0.25)
        let mix = zip(tone, clicks).map { $0 + $1 }
        let output = try Self.stream(
            AudioBuffer(channels: [mix, mix], sampleRate: Self.sampleRate), timeRatio: ratio,
            semitones: semitones)
        #expect(output.frameCount == Int((Double(count) * ratio).rounded()))
        let left = output.channel(0)
        let body = Array(left[4410..<left.count - 4410])
        let target = 330 * pow(2, semitones / 12)
        let f = Measurements.peakFrequency(
            body, sampleRate: Self.sampleRate, rangeHz: (target * 0.95)...(target * 1.05))
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
        let input = Signals.stereo(
            Signals.noise(frameCount: frames, amplitude: 0.3, seed: UInt64(frames)), sampleRate: Self.sampleRate)
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
        let input = Signals.stereo(
            Signals.sine(frequencyHz: 500, sampleRate: Self.sampleRate, frameCount: frames), sampleRate: Self.sampleRate
        )
        let map = try WarpMap(anchors: [
            .init(sourceFrame: 10000, targetFrame: 12000), .init(sourceFrame: 40000, targetFrame: 42000),
        ])
        let output = try TimeStretcher().stretch(input, warpMap: map)
        #expect(output.frameCount == 22000)
        #expect(output.samples.allSatisfy { $0.isFinite })
    }

    @Test("many stretchers run in parallel and agree with a serial run")
    func parallelInstances() async throws {
        let input = Signals.stereo(
            Signals.sines(frequenciesHz: [220, 330], sampleRate: Self.sampleRate, frameCount: 30000),
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

@Suite("Streaming time stretch with a known length")
struct StretchKnownLengthTests {
    static let sampleRate = 44100.0

    /// Music-like material: two tones, a click train (transient locks) and a little noise.
    static func material(frames: Int) -> AudioBuffer {
        let tone = Signals.sines(frequenciesHz: [220, 331], sampleRate: sampleRate, frameCount: frames, amplitude: 0.2)
        let clicks = Signals.clickTrain(
            periodSeconds: 0.37, sampleRate: sampleRate, frameCount: frames, offsetSeconds: 0.1)
        let noise = Signals.noise(frameCount: frames, amplitude: 0.05, seed: 3)
        let left = (0..<frames).map { tone[$0] + clicks[$0] + noise[$0] }
        let right = (0..<frames).map { 0.8 * tone[$0] + clicks[$0] - noise[$0] }
        return AudioBuffer(channels: [left, right], sampleRate: sampleRate)
    }

    /// Streams `input` through a known-length stretcher in varying block sizes.
    static func stream(
        _ input: AudioBuffer, timeRatio: Double, semitones: Double, options: StretchOptions,
        firstBlock: Int
    ) throws -> AudioBuffer {
        let stretcher = try StreamingTimeStretcher(
            channelCount: input.channelCount, sampleRate: input.sampleRate,
            timeRatio: timeRatio, semitones: semitones,
            inputFrameCount: input.frameCount, options: options)
        var channels = [[Float]](repeating: [], count: input.channelCount)
        func collect(_ part: AudioBuffer) {
            for c in 0..<part.channelCount { channels[c].append(contentsOf: part.channel(c)) }
        }
        var start = 0
        var block = firstBlock
        while start < input.frameCount {
            let end = min(input.frameCount, start + block)
            collect(try stretcher.process(input.slice(frames: start..<end)))
            start = end
            block = block * 7 % 20000 + 50
        }
        collect(try stretcher.finish())
        return AudioBuffer(channels: channels, sampleRate: input.sampleRate)
    }

    @Test(
        "the output is bit for bit the offline stretcher's, whatever the block sizes",
        arguments: [(1.08, 0.0, false), (0.92, 2.0, false), (1.3, -5.0, true), (0.6, 0.0, false), (1.0, 3.0, false)])
    func matchesOffline(ratio: Double, semitones: Double, formants: Bool) throws {
        let input = Self.material(frames: 3 * 44100 + 17)
        let options = StretchOptions(preserveFormants: formants)
        let offline = try TimeStretcher(options: options).process(input, timeRatio: ratio, semitones: semitones)
        for firstBlock in [4096, 777] {
            let streamed = try Self.stream(
                input, timeRatio: ratio, semitones: semitones, options: options, firstBlock: firstBlock)
            #expect(streamed.frameCount == offline.frameCount)
            #expect(streamed == offline, "ratio \(ratio), \(semitones) st, first block \(firstBlock)")
        }
    }

    @Test("with a libsamplerate quality the pitch shift stays within a hair of the offline result")
    func converterQuality() throws {
        let input = Self.material(frames: 2 * 44100)
        let options = StretchOptions(resampleQuality: .medium)
        let offline = try TimeStretcher(options: options).process(input, timeRatio: 1.1, semitones: 2)
        let streamed = try Self.stream(input, timeRatio: 1.1, semitones: 2, options: options, firstBlock: 3000)
        #expect(streamed.frameCount == offline.frameCount)
        var worst: Float = 0
        for i in 0..<offline.samples.count { worst = max(worst, abs(offline.samples[i] - streamed.samples[i])) }
        // libsamplerate's output may depend on how its input is chunked, by rounding only.
        #expect(worst < Self.converterChunkingTolerance)
    }

    /// Largest sample difference allowed between chunkings of the same libsamplerate conversion (about -100 dBFS).
    static let converterChunkingTolerance: Float = 1e-5

    @Test("more or fewer frames than announced are refused")
    func lengthMismatch() throws {
        let input = Self.material(frames: 10000)
        let long = try StreamingTimeStretcher(
            channelCount: 2, sampleRate: Self.sampleRate, timeRatio: 1.2, inputFrameCount: 9000)
        #expect(throws: StretchError.streamLengthMismatch(announced: 9000, received: 10000)) { try long.process(input) }
        let short = try StreamingTimeStretcher(
            channelCount: 2, sampleRate: Self.sampleRate, timeRatio: 1.2, inputFrameCount: 12000)
        _ = try short.process(input)
        #expect(throws: StretchError.streamLengthMismatch(announced: 12000, received: 10000)) { try short.finish() }
    }

    @Test("an empty announced stream gives an empty output")
    func empty() throws {
        let stretcher = try StreamingTimeStretcher(
            channelCount: 2, sampleRate: Self.sampleRate, timeRatio: 1.5,
            semitones: 1, inputFrameCount: 0)
        #expect(try stretcher.finish().frameCount == 0)
    }
}
