import DSP
import Foundation
import Render
import TestSupport
import Testing

@Suite("Audio files written and stretched block by block")
final class AudioFileStreamingTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-stream-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    static func signal(frames: Int, rate: Double = 44100) -> AudioBuffer {
        let tone = Signals.sines(frequenciesHz: [330, 440], sampleRate: rate, frameCount: frames, amplitude: 0.25)
        let clicks = Signals.clickTrain(periodSeconds: 0.25, sampleRate: rate, frameCount: frames, offsetSeconds: 0.05)
        let noise = Signals.noise(frameCount: frames, amplitude: 0.05, seed: 8)
        return AudioBuffer(
            channels: [(0..<frames).map { tone[$0] + clicks[$0] }, (0..<frames).map { tone[$0] + noise[$0] }],
            sampleRate: rate)
    }

    /// Writes `buffer` through a streaming writer in uneven blocks.
    func writeInBlocks(_ buffer: AudioBuffer, to url: URL, options: AudioFileWriteOptions) throws {
        let writer = try AudioFileWriter(
            url: url, channelCount: buffer.channelCount, sampleRate: buffer.sampleRate, options: options)
        var start = 0
        var block = 1000
        while start < buffer.frameCount {
            let end = min(buffer.frameCount, start + block)
            try writer.write(buffer.slice(frames: start..<end))
            start = end
            block = block * 3 % 40000 + 1
        }
        try writer.finish()
    }

    @Test(
        "a file written in blocks has the bytes of one written in one call",
        arguments: [
            ("a.wav", AudioFileWriteOptions(sampleFormat: .pcm16, dither: true)),
            ("b.flac", .init(sampleFormat: .pcm24)),
            ("c.aiff", .init(sampleFormat: .float32)),
        ])
    func blocksEqualOneCall(name: String, options: AudioFileWriteOptions) throws {
        let input = Self.signal(frames: 100_000)
        let whole = folder.appendingPathComponent("whole-" + name),
            blocks = folder.appendingPathComponent("blocks-" + name)
        try AudioFile.write(input, to: whole, options: options)
        try writeInBlocks(input, to: blocks, options: options)
        #expect(try Data(contentsOf: whole) == Data(contentsOf: blocks))
        // libsndfile's PEAK chunk (float WAV and AIFF) holds the time of writing: two writes a second apart differed
        // in it. The writer leaves it out.
        #expect(try Data(contentsOf: whole).range(of: Data("PEAK".utf8)) == nil)
    }

    @Test("opus from 44.1 kHz blocks is converted on the way to the exact 48 kHz length")
    func opusInBlocks() throws {
        let url = folder.appendingPathComponent("s.opus")
        try writeInBlocks(Self.signal(frames: 44100), to: url, options: .init())
        let back = try AudioFile.read(url, sampleRate: nil)
        #expect(back.info.sampleRate == 48000)
        #expect(abs(back.buffer.frameCount - 48000) <= 1)
    }

    @Test("a cancelled or unfinished writer leaves nothing in the folder")
    func cancelLeavesNothing() throws {
        let url = folder.appendingPathComponent("gone.wav")
        let writer = try AudioFileWriter(url: url, channelCount: 2, sampleRate: 44100)
        try writer.write(Self.signal(frames: 5000))
        writer.cancel()
        do {
            let abandoned = try AudioFileWriter(
                url: folder.appendingPathComponent("dropped.wav"), channelCount: 2, sampleRate: 44100)
            try abandoned.write(Self.signal(frames: 5000))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        let empty = try AudioFileWriter(url: url, channelCount: 2, sampleRate: 44100)
        #expect(throws: AudioFileError.self) { try empty.finish() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test(
        "a file stretched block by block is bit for bit the offline stretch of the decoded file",
        arguments: [(1.08, 0.0), (0.92, -3.0)])
    func fileStretchMatchesOffline(ratio: Double, semitones: Double) throws {
        let input = Self.signal(frames: 3 * 44100 + 5)
        let source = folder.appendingPathComponent("in.wav"), target = folder.appendingPathComponent("out.wav")
        try AudioFile.write(input, to: source, options: .init(sampleFormat: .float32))
        let summary = try AudioFileStretcher.stretch(
            input: source, output: target, timeRatio: ratio, semitones: semitones,
            writeOptions: .init(sampleFormat: .float32))
        #expect(summary.knownLength)
        let offline = try TimeStretcher().process(
            try AudioFile.read(source, sampleRate: nil).buffer, timeRatio: ratio,
            semitones: semitones)
        #expect(try AudioFile.read(target, sampleRate: nil).buffer == offline)
        #expect(abs(summary.outputSeconds - Double(offline.frameCount) / 44100) < 1e-9)
    }

    @Test("a file whose header overstates its length is stretched open-ended to the frames it holds")
    func overstatedHeader() throws {
        let input = Self.signal(frames: 2 * 44100)
        let source = folder.appendingPathComponent("cut.flac"), target = folder.appendingPathComponent("cut-out.wav")
        try AudioFile.write(input, to: source, options: .init(sampleFormat: .pcm16))
        // Cut the FLAC file: the header still declares 2 s.
        let bytes = try Data(contentsOf: source)
        try bytes.prefix(bytes.count * 2 / 3).write(to: source)
        let decoded = try AudioFile.read(source, sampleRate: nil)
        #expect(decoded.buffer.frameCount < input.frameCount)
        let summary = try AudioFileStretcher.stretch(input: source, output: target, timeRatio: 1.25)
        #expect(!summary.knownLength)
        let back = try AudioFile.read(target, sampleRate: nil)
        #expect(back.buffer.frameCount == Int((Double(decoded.buffer.frameCount) * 1.25).rounded()))
    }
}
