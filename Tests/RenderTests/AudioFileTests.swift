import DSP
import Foundation
import MashupModel
import Render
import TestSupport
import Testing

@Suite("Audio file reading and writing")
final class AudioFileTests {
    /// One least significant bit at 16 and 24 bits (the round-trip bound of issue 2).
    static let lsb16: Float = 1.0 / 32768
    static let lsb24: Float = 1.0 / 8_388_608
    /// Lossy codecs: the level of a 1 kHz tone within this many dB, and its frequency within this many cents.
    static let lossyLevelToleranceDecibels = 0.5
    static let lossyFrequencyToleranceCents = 1.0

    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func testSignal(frames: Int = 44100, rate: Double = 44100) -> AudioBuffer {
        AudioBuffer(
            channels: [
                Signals.sine(frequencyHz: 1000, sampleRate: rate, frameCount: frames, amplitude: 0.5),
                Signals.noise(frameCount: frames, amplitude: 0.3, seed: 4),
            ], sampleRate: rate)
    }

    func maxError(_ a: AudioBuffer, _ b: AudioBuffer) -> Float {
        precondition(a.frameCount == b.frameCount)
        var worst: Float = 0
        for i in 0..<a.samples.count { worst = max(worst, abs(a.samples[i] - b.samples[i])) }
        return worst
    }

    @Test("float WAV round trip is bit-exact")
    func floatWavExact() throws {
        let url = folder.appendingPathComponent("f.wav")
        let input = testSignal()
        try AudioFile.write(input, to: url, options: .init(sampleFormat: .float32))
        let back = try AudioFile.read(url)
        #expect(back.buffer == input)
        #expect(back.info.formatName == "WAV FLOAT")
    }

    @Test(
        "PCM round trips are within one LSB",
        arguments: [
            ("a.wav", AudioFileWriteOptions.SampleFormat.pcm16), ("b.wav", .pcm24), ("c.flac", .pcm16),
            ("d.flac", .pcm24),
            ("e.aiff", .pcm16), ("f.aiff", .pcm24),
        ])
    func pcmWithinOneLSB(name: String, format: AudioFileWriteOptions.SampleFormat) throws {
        let url = folder.appendingPathComponent(name)
        let input = testSignal()
        try AudioFile.write(input, to: url, options: .init(sampleFormat: format))
        let back = try AudioFile.read(url)
        #expect(back.buffer.frameCount == input.frameCount)
        #expect(maxError(back.buffer, input) <= (format == .pcm16 ? Self.lsb16 : Self.lsb24))
    }

    @Test("lossy codecs keep a tone's level and frequency", arguments: ["g.ogg", "h.opus", "i.mp3"])
    func lossyLevelAndSpectrum(name: String) throws {
        let url = folder.appendingPathComponent(name)
        let rate = 48000.0
        let tone = Signals.sine(frequencyHz: 1000, sampleRate: rate, frameCount: 96000, amplitude: 0.5)
        try AudioFile.write(AudioBuffer(channels: [tone, tone], sampleRate: rate), to: url)
        let back = try AudioFile.read(url, sampleRate: rate)
        // Length: MP3 and Opus are gapless in libsndfile; allow a codec frame of slack for Vorbis.
        #expect(abs(back.buffer.frameCount - 96000) <= 2048)
        let middle = Array(back.buffer.channel(0)[24000..<72000])
        let f = Measurements.peakFrequency(middle, sampleRate: rate)
        #expect(abs(Measurements.cents(f, relativeTo: 1000)) < Self.lossyFrequencyToleranceCents)
        #expect(
            abs(Measurements.rmsDecibels(middle) - Measurements.rmsDecibels(Array(tone[24000..<72000])))
                < Self.lossyLevelToleranceDecibels)
    }

    @Test("opus output is written at 48 kHz from a 44.1 kHz buffer")
    func opusResampled() throws {
        let url = folder.appendingPathComponent("r.opus")
        try AudioFile.write(testSignal(), to: url)
        let back = try AudioFile.read(url, sampleRate: nil)
        #expect(back.info.sampleRate == 48000)
        #expect(abs(back.buffer.frameCount - 48000) <= 1)
    }

    @Test("reading converts the rate with the exact length, and maps mono to both channels")
    func readResamplesAndMapsMono() throws {
        let url = folder.appendingPathComponent("mono48.wav")
        let mono = Signals.sine(frequencyHz: 440, sampleRate: 48000, frameCount: 48000 + 7)
        try AudioFile.write(
            AudioBuffer(channels: [mono], sampleRate: 48000), to: url, options: .init(sampleFormat: .float32))
        let back = try AudioFile.read(url, sampleRate: 44100)
        #expect(back.buffer.channelCount == 2)
        #expect(back.buffer.frameCount == Int((Double(48007) * 44100 / 48000).rounded()))
        #expect(back.buffer.channel(0) == back.buffer.channel(1))
    }

    @Test("six channels are downmixed by the documented rule")
    func surroundDownmix() throws {
        let url = folder.appendingPathComponent("six.wav")
        let frames = 1000
        // Only the centre channel (index 2) carries signal: it must appear at -3 dB in both sides.
        var channels = [[Float]](repeating: [Float](repeating: 0, count: frames), count: 6)
        channels[2] = [Float](repeating: 0.5, count: frames)
        try AudioFile.write(
            AudioBuffer(channels: channels, sampleRate: 44100), to: url, options: .init(sampleFormat: .float32))
        let back = try AudioFile.read(url)
        #expect(abs(back.buffer[channel: 0, frame: 10] - 0.5 * 0.70710677) < 1e-6)
        #expect(abs(back.buffer[channel: 1, frame: 10] - 0.5 * 0.70710677) < 1e-6)
    }

    @Test("title and artist tags are written and the write leaves no temporary file")
    func tagsAndNoLeftovers() throws {
        let url = folder.appendingPathComponent("tagged.flac")
        try AudioFile.write(testSignal(), to: url, options: .init(title: "Night Drive", artist: "A vs. B"))
        let data = try Data(contentsOf: url)
        #expect(data.range(of: Data("Night Drive".utf8)) != nil)
        #expect(data.range(of: Data("A vs. B".utf8)) != nil)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(names.allSatisfy { !$0.contains("partial") })
    }

    // MARK: - Bad input

    func expectError(_ url: URL, _ matches: (AudioFileError) -> Bool) {
        do {
            _ = try AudioFile.read(url)
            Issue.record("reading \(url.lastPathComponent) should have failed")
        } catch let error as AudioFileError {
            #expect(matches(error), "unexpected error \(error)")
            #expect(error.description.contains(url.lastPathComponent))
        } catch {
            Issue.record("untyped error \(error)")
        }
    }

    /// A canonical 44-byte PCM WAV header.
    func wavHeader(rate: UInt32, channels: UInt16, bits: UInt16 = 16, dataBytes: UInt32) -> Data {
        var d = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        d.append(contentsOf: Array("RIFF".utf8)); u32(36 &+ dataBytes); d.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16); u16(1); u16(channels); u32(rate); u32(rate &* UInt32(channels) &* UInt32(bits / 8))
        u16(channels &* (bits / 8)); u16(bits)
        d.append(contentsOf: Array("data".utf8)); u32(dataBytes)
        return d
    }

    @Test("a missing file is named")
    func missing() {
        expectError(folder.appendingPathComponent("nope.wav")) { if case .notFound = $0 { true } else { false } }
    }

    @Test("text renamed .wav is not audio")
    func textAsWav() throws {
        let url = folder.appendingPathComponent("notes.wav")
        try Data("this is not a wave file, just some text\n".utf8).write(to: url)
        expectError(url) { if case .notAudio = $0 { true } else { false } }
    }

    @Test("a header with no data has no frames")
    func headerOnly() throws {
        let url = folder.appendingPathComponent("empty.wav")
        try wavHeader(rate: 44100, channels: 2, dataBytes: 0).write(to: url)
        expectError(url) {
            switch $0 {
            case .noFrames, .notAudio: true;
            default: false
            }
        }
    }

    @Test("a header declaring gigabytes over a few bytes reads what is there without a huge allocation")
    func hugeDeclaredSize() throws {
        let url = folder.appendingPathComponent("liar.wav")
        var data = wavHeader(rate: 44100, channels: 2, dataBytes: 0xFFFF_FF00)
        data.append(Data(repeating: 0x10, count: 4000))
        try data.write(to: url)
        let decoded = try AudioFile.read(url)
        #expect(decoded.buffer.frameCount == 1000)
    }

    @Test("a truncated file reads the frames it holds")
    func truncated() throws {
        let url = folder.appendingPathComponent("cut.wav")
        try AudioFile.write(testSignal(), to: url, options: .init(sampleFormat: .pcm16))
        let full = try Data(contentsOf: url)
        // Cut 1000 frames (4 bytes each) and half a frame after the start of the data chunk.
        let dataStart = full.range(of: Data("data".utf8))!.upperBound + 4
        try full.prefix(dataStart + 4 * 1000 + 2).write(to: url)
        let decoded = try AudioFile.read(url)
        #expect(decoded.buffer.frameCount >= 1000 && decoded.buffer.frameCount <= 1001)
    }

    @Test(
        "absurd sample rates and channel counts are refused",
        arguments: [(UInt32(1000), UInt16(2)), (UInt32(2_000_000), UInt16(2)), (UInt32(44100), UInt16(64))])
    func absurdHeaders(rate: UInt32, channels: UInt16) throws {
        let url = folder.appendingPathComponent("absurd-\(rate)-\(channels).wav")
        var data = wavHeader(rate: rate, channels: channels, dataBytes: 4096)
        data.append(Data(repeating: 0, count: 4096))
        try data.write(to: url)
        expectError(url) {
            switch $0 {
            case .absurdHeader, .notAudio: true;
            default: false
            }
        }
    }

    @Test("NaN and infinite samples are replaced by silence and counted")
    func nonFinite() throws {
        let url = folder.appendingPathComponent("nan.wav")
        var samples = Signals.sine(frequencyHz: 440, sampleRate: 44100, frameCount: 1000)
        samples[10] = .nan
        samples[20] = .infinity
        try AudioFile.write(
            AudioBuffer(channels: [samples], sampleRate: 44100), to: url, options: .init(sampleFormat: .float32))
        let decoded = try AudioFile.read(url)
        #expect(decoded.nonFiniteSampleCount == 2)
        #expect(decoded.buffer.samples.allSatisfy { $0.isFinite })
        #expect(decoded.buffer[channel: 0, frame: 10] == 0)
    }

    @Test("a failed write leaves no file behind")
    func failedWrite() throws {
        let missingFolder = folder.appendingPathComponent("no-such-folder/out.wav")
        #expect(throws: AudioFileError.self) { try AudioFile.write(testSignal(), to: missingFolder) }
        let badExtension = folder.appendingPathComponent("out.xyz")
        #expect(throws: AudioFileError.self) { try AudioFile.write(testSignal(), to: badExtension) }
        // MP3 cannot hold 40 channels: the encoder refuses and nothing stays under the name.
        let refused = folder.appendingPathComponent("many.mp3")
        let wide = AudioBuffer(channelCount: 20, frameCount: 100, sampleRate: 44100)
        #expect(throws: AudioFileError.self) { try AudioFile.write(wide, to: refused) }
        #expect(!FileManager.default.fileExists(atPath: refused.path))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(names.isEmpty, "left behind: \(names)")
    }

    @Test("partial files and spools are listed as temporary until published or released (what an interrupt removes)")
    func temporaryFilesAreListed() throws {
        func listed() -> Set<String> { TemporaryFiles.listed.filter { $0.hasPrefix(folder.path + "/") } }
        let published = try AudioFileWriter(
            url: folder.appendingPathComponent("published.wav"), channelCount: 2, sampleRate: 44100)
        let partial = try #require(listed().first)
        #expect(listed().count == 1)
        #expect(FileManager.default.fileExists(atPath: partial))
        try published.write(testSignal(frames: 4410))
        try published.finish()
        #expect(listed().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: partial))

        let cancelled = try AudioFileWriter(
            url: folder.appendingPathComponent("cancelled.wav"), channelCount: 2, sampleRate: 44100)
        let cancelledPartial = try #require(listed().first)
        cancelled.cancel()
        #expect(listed().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: cancelledPartial))

        var spool: AudioSpool? = try {
            let writer = try AudioSpoolWriter(channelCount: 2, sampleRate: 44100, directory: folder)
            try writer.write(testSignal(frames: 4410))
            return try writer.finish()
        }()
        let spoolPath = try #require(spool?.url.path)
        #expect(listed() == [spoolPath])
        #expect(FileManager.default.fileExists(atPath: spoolPath))
        spool = nil
        #expect(listed().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: spoolPath))
    }

    @Test("a temporary file is listed in the step that creates it; a creation that fails lists nothing")
    func temporaryFilesAreListedAsTheyAreCreated() throws {
        func listed() -> Set<String> { TemporaryFiles.listed.filter { $0.hasPrefix(folder.path + "/") } }
        let made = folder.appendingPathComponent("made.tmp").path
        #expect(!listed().contains(made))
        let size = try TemporaryFiles.create(made) { () throws -> Int in
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: made))
            return 3
        }
        #expect(size == 3)
        #expect(listed() == [made])
        TemporaryFiles.remove(made)
        #expect(listed().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: made))

        struct Refused: Error {}
        let refused = folder.appendingPathComponent("refused.tmp").path
        #expect(throws: Refused.self) { try TemporaryFiles.create(refused) { throw Refused() } }
        #expect(listed().isEmpty)
    }
}
