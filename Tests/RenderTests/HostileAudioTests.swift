import DSP
import Foundation
import Render
import TestSupport
import Testing

/// Hostile audio files (issue 14): refused by name from the header before allocation, stopped while decoding when
/// the header lies, damaged files counted, short songs refused where a render begins.
@Suite("Hostile audio input")
final class HostileAudioTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// A canonical 44-byte PCM WAV header followed by `dataBytes` of silence.
    func wav(rate: UInt32, channels: UInt16, dataBytes: UInt32 = 4096) -> Data {
        var d = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        d.append(contentsOf: Array("RIFF".utf8)); u32(36 &+ dataBytes); d.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16); u16(1); u16(channels); u32(rate); u32(rate &* UInt32(channels) &* 2)
        u16(channels &* 2); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(dataBytes)
        d.append(Data(repeating: 0, count: Int(dataBytes)))
        return d
    }

    /// A FLAC of `seconds` of a quiet tone at `rate`, written by our writer.
    func flac(_ name: String, seconds: Double, rate: Double = 8000) throws -> URL {
        let url = folder.appendingPathComponent(name)
        let frames = Int(seconds * rate)
        let tone = Signals.sine(frequencyHz: 330, sampleRate: rate, frameCount: frames, amplitude: 0.25)
        try AudioFile.write(
            AudioBuffer(channels: [tone, tone], sampleRate: rate), to: url, options: .init(sampleFormat: .pcm16))
        return url
    }

    /// Sets the 36-bit total-samples field of a FLAC's STREAMINFO (0 = unknown).
    func patchTotalSamples(_ url: URL, _ total: UInt64) throws {
        var bytes = [UInt8](try Data(contentsOf: url))
        #expect(Array(bytes[0..<4]) == Array("fLaC".utf8))
        bytes[21] = (bytes[21] & 0xF0) | UInt8((total >> 32) & 0x0F)
        for k in 0..<4 { bytes[22 + k] = UInt8((total >> (24 - 8 * UInt64(k))) & 0xFF) }
        try Data(bytes).write(to: url)
    }

    func readError(_ url: URL, sampleRate: Double? = 44100, limits: AudioInputLimits = .defaults) -> AudioFileError? {
        do {
            _ = try AudioFile.read(url, sampleRate: sampleRate, limits: limits)
            return nil
        } catch let error as AudioFileError {
            return error
        } catch {
            Issue.record("untyped error \(error)")
            return nil
        }
    }

    @Test(
        "a sample rate of 0 or 4294967295 Hz is refused saying \"sample rate\"",
        arguments: [UInt32(0), UInt32.max, UInt32(1)])
    func sampleRate(rate: UInt32) throws {
        let url = folder.appendingPathComponent("rate-\(rate).wav")
        try wav(rate: rate, channels: 2).write(to: url)
        let error = try #require(readError(url))
        #expect(
            error.description.contains("sample rate \(rate) Hz is not a valid sample rate (8,000-384,000 Hz)"),
            "\(error)")
        #expect(error.description.hasPrefix(url.path))
    }

    @Test("0 and 1000 channels are refused naming the channel count", arguments: [UInt16(0), UInt16(1000)])
    func channels(count: UInt16) throws {
        let url = folder.appendingPathComponent("channels-\(count).wav")
        try wav(rate: 44100, channels: count).write(to: url)
        let error = try #require(readError(url))
        #expect(error.description.contains("\(count) channels is not a valid channel count (1-32)"), "\(error)")
    }

    @Test("a FLAC whose header declares 24 h is refused from the header, before decoding")
    func declaredDay() throws {
        let url = try flac("day.flac", seconds: 0.5)
        try patchTotalSamples(url, 24 * 3600 * 8000)
        let error = try #require(readError(url))
        guard case .tooLong = error else { Issue.record("expected tooLong, got \(error)"); return }
        #expect(
            error.description
                == "\(url.path): too long: the header declares 24:00:00 of audio, over the limit of 20:00 (MASHUP_MAX_SONG_SECONDS)"
        )
    }

    @Test("a FLAC that declares no length is counted in blocks and refused at the limit before it is kept")
    func undeclaredLength() throws {
        let url = try flac("quiet.flac", seconds: 6)
        try patchTotalSamples(url, 0)
        var limits = AudioInputLimits()
        limits.maximumSongSeconds = 2
        do {
            _ = try AudioFileReader(url: url, sampleRate: 44100, limits: limits)
            Issue.record("the reader accepted 6 s over a 2 s limit")
        } catch let error as AudioFileError {
            guard case .tooLong = error else { Issue.record("expected tooLong, got \(error)"); return }
            #expect(error.description.contains("it decodes to more than 2.0"), "\(error)")
            #expect(
                error.description.contains("s of audio, over the limit of 2 s (MASHUP_MAX_SONG_SECONDS)"), "\(error)")
            #expect(error.description.contains("the header declared no length"))
        }
    }

    @Test("a FLAC that declares less than it holds never hands out more than the limit")
    func understatedLength() throws {
        let url = try flac("liar.flac", seconds: 6)
        try patchTotalSamples(url, 8000)
        var limits = AudioInputLimits()
        limits.maximumSongSeconds = 2
        let reader = try AudioFileReader(url: url, sampleRate: nil, limits: limits)
        var decoded = 0
        do {
            while let block = try reader.read(maximumFrameCount: 4096) { decoded += block.frameCount }
        } catch let error as AudioFileError {
            guard case .tooLong = error else { Issue.record("expected tooLong, got \(error)"); return }
        }
        #expect(decoded <= 2 * 8000)
    }

    @Test("the decoded-size limit binds at high output rates")
    func decodedSize() throws {
        let url = try flac("size.flac", seconds: 1)
        var limits = AudioInputLimits()
        limits.maximumDecodedByteCount = 100_000
        let error = try #require(readError(url, sampleRate: 44100, limits: limits))
        #expect(error.description.contains("over the limit of 100,000 (MASHUP_MAX_DECODED_MB)"), "\(error)")
    }

    @Test("decode errors are counted: a warning names the file and the count, and above the limit the file is refused")
    func damagedFLAC() throws {
        let url = try flac("damaged.flac", seconds: 4)
        var bytes = [UInt8](try Data(contentsOf: url))
        // Flip one byte at 40, 60 and 80 % of the file, inside the frames.
        for fraction in [0.4, 0.6, 0.8] { bytes[Int(Double(bytes.count) * fraction)] ^= 0x5A }
        try Data(bytes).write(to: url)
        var tolerant = AudioInputLimits()
        tolerant.maximumDecodeErrorCount = 10_000
        let decoded = try AudioFile.read(url, sampleRate: nil, limits: tolerant)
        #expect(decoded.decodeErrorCount > 0)
        #expect(
            decoded.warnings.contains {
                $0.hasPrefix(url.path) && $0.contains("\(decoded.decodeErrorCount) decode error")
            })
        var strict = AudioInputLimits()
        strict.maximumDecodeErrorCount = 0
        let error = try #require(readError(url, sampleRate: nil, limits: strict))
        guard case .damaged(_, let count, 0) = error else { Issue.record("expected damaged, got \(error)"); return }
        #expect(count >= 1)
        #expect(error.description.contains("decode errors (lost sync, bad CRC), over the limit of 0"))
    }

    @Test("a truncated FLAC reads what it holds with a warning naming the missing frames")
    func truncatedFLAC() throws {
        let url = try flac("cut.flac", seconds: 3)
        let whole = try Data(contentsOf: url)
        try whole.prefix(whole.count / 2).write(to: url)
        var tolerant = AudioInputLimits()
        tolerant.maximumDecodeErrorCount = 10_000
        let decoded = try AudioFile.read(url, sampleRate: nil, limits: tolerant)
        #expect(decoded.buffer.frameCount < 3 * 8000)
        #expect(decoded.missingFrameCount == 3 * 8000 - decoded.buffer.frameCount)
        #expect(decoded.warnings.contains { $0.hasPrefix(url.path) && $0.contains("truncated") })
    }

    @Test("an empty file and text named .wav are refused by name")
    func notAudio() throws {
        for (name, data) in [
            ("empty.wav", Data()), ("text.wav", Data("not audio at all\n".utf8)),
            ("header-only.flac", Data("fLaC".utf8)),
        ] {
            let url = folder.appendingPathComponent(name)
            try data.write(to: url)
            let error = try #require(readError(url))
            #expect(error.description.hasPrefix(url.path), "\(error)")
        }
    }

    @Test("songs too short to place a bar are refused where a render begins")
    func shortSongs() async throws {
        #expect(throws: AudioFileError.tooShort(path: "a.wav", seconds: 0.01, minimumSeconds: 2)) {
            try AudioInputLimits.defaults.checkSongLength(seconds: 0.01, path: "a.wav")
        }
        #expect(
            AudioFileError.tooShort(path: "a.wav", seconds: 0.01, minimumSeconds: 2).description
                == "a.wav: the song lasts 0.01 s, shorter than the minimum of 2 s (one bar must fit)")
        // The engine refuses a one-frame song by its id.
        let tempoMap = TempoMap(tempoBPM: 120, sampleRate: 44100)
        let script = RenderScript(
            title: "t", tempoMap: tempoMap,
            sections: [
                .init(
                    description: "a", startSeconds: 0, durationSeconds: 2, layers: [.init(songID: "tiny", stem: .full)])
            ])
        let song = RenderSong(
            id: "tiny", audio: AudioBuffer(channels: [[0.1], [0.1]], sampleRate: 44100),
            beatGrid: try BeatGrid(tempoBPM: 120, durationSeconds: 2), key: nil)
        await #expect(
            throws: RenderError.songPreparationFailed(
                songID: "tiny", message: "the song lasts 0 s, shorter than the minimum of 2 s (one bar must fit)")
        ) {
            _ = try await RenderEngine().render(script: script, songs: [song])
        }
    }

    @Test("the limits come from the environment, and bad values are named and ignored")
    func environment() {
        let (limits, problems) = AudioInputLimits.fromEnvironment([
            "MASHUP_MAX_SONG_SECONDS": "90", "MASHUP_MAX_DECODED_MB": "64",
            "MASHUP_MAX_DECODE_ERRORS": "0",
        ])
        #expect(limits.maximumSongSeconds == 90)
        #expect(limits.maximumDecodedByteCount == 64 << 20)
        #expect(limits.maximumDecodeErrorCount == 0)
        #expect(problems.isEmpty)
        let (defaults, bad) = AudioInputLimits.fromEnvironment([
            "MASHUP_MAX_SONG_SECONDS": "1e308", "MASHUP_MAX_DECODED_MB": "lots",
        ])
        #expect(defaults == AudioInputLimits.defaults)
        #expect(bad.count == 2)
        #expect(bad[0].hasPrefix("MASHUP_MAX_SONG_SECONDS=1e308 is not a number in 1...86400"))
    }
}
