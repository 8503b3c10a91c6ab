import DSP
import Foundation
import Render
import TestSupport
import Testing

/// Songs read by range (issue 17): a file source returns exactly the frames a whole-file decode holds, in place
/// or through its converted copy, with silence outside the song.
@Suite("Audio sources read by range")
final class AudioSourceTests {
    /// Loudness measured during the opening pass against a meter over the whole decode, LU.
    static let loudnessToleranceLU = 0.001

    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-source-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func signal(frames: Int, rate: Double) -> AudioBuffer {
        AudioBuffer(
            channels: [
                Signals.sine(frequencyHz: 440, sampleRate: rate, frameCount: frames, amplitude: 0.5),
                Signals.noise(frameCount: frames, amplitude: 0.3, seed: 9),
            ], sampleRate: rate)
    }

    /// Ranges inside, across both ends and wholly outside a song of `frameCount` frames.
    static func ranges(frameCount n: Int) -> [Range<Int>] {
        [
            0..<1000, 12_345..<54_321, n - 777..<n, -500..<700, n - 300..<n + 900, n + 10..<n + 20,
            -2000 ..< -1000, 0..<n,
        ]
    }

    func expectRangesMatch(_ source: any AudioSource, _ whole: AudioBuffer) throws {
        #expect(source.frameCount == whole.frameCount)
        for range in Self.ranges(frameCount: whole.frameCount) {
            let read = try source.read(frames: range)
            #expect(read.frameCount == range.count)
            #expect(read == whole.slice(frames: range), "frames \(range) differ from the whole decode")
        }
    }

    @Test("a 16-bit WAV at the engine rate is read in place, range by range, bit for bit")
    func wavInPlace() throws {
        let url = folder.appendingPathComponent("song.wav")
        try AudioFile.write(signal(frames: 100_000, rate: 44100), to: url, options: .init(sampleFormat: .pcm16))
        let whole = try AudioFile.read(url).buffer
        let source = try FileAudioSource(url: url, scratchDirectory: folder)
        #expect(!source.isConvertedCopy)
        try expectRangesMatch(source, whole)
        #expect(source.contentFingerprint == MemoryAudioSource(whole).contentFingerprint)
    }

    @Test("a mono 48 kHz FLAC is converted once to the engine rate; its ranges equal the whole-file conversion")
    func convertedCopy() throws {
        let url = folder.appendingPathComponent("song.flac")
        let stereo = signal(frames: 96_000, rate: 48000)
        try AudioFile.write(
            AudioBuffer(channels: [stereo.channel(0)], sampleRate: 48000), to: url, options: .init(sampleFormat: .pcm24)
        )
        let whole = try AudioFile.read(url).buffer
        var blocks = 0
        let source = try FileAudioSource(url: url, scratchDirectory: folder, eachBlock: { _ in blocks += 1 })
        #expect(source.isConvertedCopy)
        #expect(blocks > 0)
        try expectRangesMatch(source, whole)
        let meter = LoudnessMeter(sampleRate: 44100, channelCount: 2)
        meter.append(whole)
        #expect(abs(try source.integratedLoudnessLUFS() - meter.integratedLUFS) <= Self.loudnessToleranceLU)
    }

    @Test(
        "a source opened without measuring loudness (a stem) measures it on demand: the opening pass's figure, bit for bit",
        arguments: [44100.0, 48000.0])
    func loudnessOnDemand(fileRate: Double) throws {
        let url = folder.appendingPathComponent("stem-\(Int(fileRate)).wav")
        try AudioFile.write(signal(frames: 150_000, rate: fileRate), to: url, options: .init(sampleFormat: .pcm24))
        let measured = try FileAudioSource(url: url, scratchDirectory: folder)
        let onDemand = try FileAudioSource(url: url, scratchDirectory: folder, measuresLoudness: false)
        #expect(onDemand.loudnessLUFS == nil)
        #expect(onDemand.isConvertedCopy == (fileRate != 44100))
        #expect(try onDemand.integratedLoudnessLUFS() == measured.integratedLoudnessLUFS())
        #expect(onDemand.contentFingerprint == measured.contentFingerprint)
    }

    @Test("the converted copy is deleted with its source")
    func copyDeleted() throws {
        let url = folder.appendingPathComponent("song48.wav")
        try AudioFile.write(signal(frames: 48_000, rate: 48000), to: url)
        do {
            let source = try FileAudioSource(url: url, scratchDirectory: folder)
            #expect(source.isConvertedCopy)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).contains { $0.hasSuffix(".w64") })
        }
        #expect(try !FileManager.default.contentsOfDirectory(atPath: folder.path).contains { $0.hasSuffix(".w64") })
    }

    @Test("reads from several tasks at once return the same frames")
    func concurrentReads() async throws {
        let url = folder.appendingPathComponent("c.wav")
        try AudioFile.write(signal(frames: 200_000, rate: 44100), to: url, options: .init(sampleFormat: .float32))
        let whole = try AudioFile.read(url).buffer
        let source = try FileAudioSource(url: url, scratchDirectory: folder)
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for k in 0..<16 {
                group.addTask {
                    let range = (k * 9_973)..<(k * 9_973 + 30_000)
                    return try source.read(frames: range) == whole.slice(frames: range) ? 0 : 1
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }

    @Test("the loudness and fingerprint of a memory source do not depend on the block size")
    func memorySourceBlocks() throws {
        let audio = signal(frames: 50_000, rate: 44100)
        var byBlocks = SourceFingerprint()
        for start in stride(from: 0, to: audio.frameCount, by: 7_777) {
            byBlocks.append(audio.slice(frames: start..<min(audio.frameCount, start + 7_777)))
        }
        #expect(byBlocks.value(channelCount: 2, sampleRate: 44100) == SourceFingerprint.of(audio))
        let meter = LoudnessMeter(sampleRate: 44100, channelCount: 2)
        meter.append(audio)
        #expect(
            abs(try MemoryAudioSource(audio).integratedLoudnessLUFS() - meter.integratedLUFS)
                <= Self.loudnessToleranceLU)
    }
}
