import DSP
import Foundation
import Render
import TestSupport
import Testing

@Suite("Render: the output side streams (spooled bus and master, waveform, writing)")
struct RenderStreamingTests {
    @Test(
        "the waveform builder gives the whole-buffer columns from any split",
        arguments: [(100_000, 700), (300, 1000), (1, 5)])
    func waveformBuilder(frames: Int, columns: Int) {
        let noise = Signals.noise(frameCount: frames, amplitude: 0.8, seed: 12)
        var left = noise
        if frames > 10 { left[frames / 2] = .nan }
        let buffer = AudioBuffer(channels: [left, noise.map { -$0 * 0.5 }], sampleRate: 44100)
        var builder = WaveformOverview.Builder(
            frameCount: frames, columnCount: columns, channelCount: 2, sampleRate: 44100)
        var start = 0
        var block = 37
        while start < frames {
            let end = min(frames, start + block)
            builder.append(buffer.slice(frames: start..<end))
            start = end
            block = block * 3 % 5000 + 1
        }
        #expect(builder.overview() == WaveformOverview(buffer: buffer, columnCount: columns))
    }

    @Test("a spool gives back what was written, bit for bit, and its file goes with it")
    func spoolRoundTrip() throws {
        let input = AudioBuffer(
            channels: [Signals.noise(frameCount: 50_000, seed: 1), Signals.noise(frameCount: 50_000, seed: 2)],
            sampleRate: 48000)
        let writer = try AudioSpoolWriter(channelCount: 2, sampleRate: 48000)
        try writer.write(input.slice(frames: 0..<12345))
        try writer.write(input.slice(frames: 12345..<50_000))
        var spool: AudioSpool? = try writer.finish()
        let url = spool!.url
        #expect(spool!.frameCount == 50_000)
        #expect(try spool!.readAll() == input)
        var blocks = 0
        try spool!.forEachBlock {
            #expect($0.frameCount <= AudioSpool.readBlockFrameCount); blocks += 1
        }
        #expect(blocks == 4)
        #expect(FileManager.default.fileExists(atPath: url.path))
        spool = nil
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    @Test("a render writes by extension from its spool; the file, the loaded audio and the waveform agree")
    func resultWriting() async throws {
        let a = try RenderEngineTests.clickSong(id: "a", bpm: 120, seconds: 20)
        let b = try RenderEngineTests.noiseSong(id: "b", bpm: 120, seconds: 20, seed: 3)
        let bar = 2.0
        let sections = [
            RenderScript.Section(
                description: "1", startSeconds: 0, durationSeconds: 3 * bar,
                layers: [
                    .init(songID: "a", stem: .drums),
                    .init(
                        songID: "b", stem: .other, gainDecibels: -8,
                        effects: [.sidechain(.standard)]),
                ]),
            RenderScript.Section(
                description: "2", startSeconds: 3 * bar, durationSeconds: 3 * bar,
                layers: [.init(songID: "b", stem: .other, effects: [.reverb(.standard)])]),
        ]
        let result = try await RenderEngine().render(
            script: RenderEngineTests.script(bpm: 120, sections: sections), songs: [a, b])
        let audio = try result.loadAudio()
        #expect(audio.frameCount == result.mastered.frameCount)
        #expect(abs(result.durationSeconds - result.report.durationSeconds) < 1e-9)
        #expect(result.waveform == WaveformOverview(buffer: audio, columnCount: TimelineSVG().columnCount))
        #expect(try result.waveform(columnCount: 64) == WaveformOverview(buffer: audio, columnCount: 64))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-result-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("out.wav")
        try result.writeAudio(to: url, options: .init(sampleFormat: .float32))
        #expect(try AudioFile.read(url, sampleRate: nil).buffer == audio)
        // The report's peaks are the audio's.
        #expect(abs(result.report.loudness.samplePeakDecibels - Decibels.decibels(Double(audio.peakMagnitude))) < 1e-9)
        #expect(result.report.loudness.truePeakDecibels <= -1 + 0.05)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.wav"])
    }

    @Test(
        "a master that encodes its named file as it goes gives the file the spool gives, and the same peaks",
        arguments: ["wav", "flac"])
    func prewrittenMasterFile(fileExtension: String) async throws {
        let a = try RenderEngineTests.clickSong(id: "a", bpm: 120, seconds: 20)
        let b = try RenderEngineTests.noiseSong(id: "b", bpm: 120, seconds: 20, seed: 5)
        let sections = [
            RenderScript.Section(
                description: "1", startSeconds: 0, durationSeconds: 8,
                layers: [.init(songID: "a", stem: .drums), .init(songID: "b", stem: .other, gainDecibels: -4)])
        ]
        let script = RenderEngineTests.script(bpm: 120, sections: sections)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-master-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let direct = folder.appendingPathComponent("direct.\(fileExtension)")
        let fromSpool = folder.appendingPathComponent("spool.\(fileExtension)")
        let tags = AudioFileWriteOptions(sampleFormat: .pcm24, title: "t", artist: "a", comment: "c")
        var options = RenderOptions()
        options.masterFile = .init(url: direct, options: tags)
        let result = try await RenderEngine(options: options).render(script: script, songs: [a, b])
        let pending = try #require(result.prewrittenAudio)
        #expect(pending.isPending && pending.frameCount == result.mastered.frameCount)
        // Nothing at the named path until the write-out publishes it; its temporary file waits beside it.
        #expect(!FileManager.default.fileExists(atPath: direct.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).count == 1)
        try result.writeAudio(to: direct, options: tags)
        #expect(!pending.isPending)
        // The same render without the shortcut, its spool encoded afterwards: the same samples.
        let reference = try await RenderEngine().render(script: script, songs: [a, b])
        #expect(reference.prewrittenAudio == nil)
        try reference.writeAudio(to: fromSpool, options: tags)
        let written = try AudioFile.read(direct, sampleRate: nil).buffer
        #expect(written.frameCount == reference.mastered.frameCount)
        #expect(written == (try AudioFile.read(fromSpool, sampleRate: nil).buffer))
        // The peaks the passes measured are those of the result read back afterwards.
        let peaks = TruePeakMeter.measure(try result.loadAudio())
        #expect(result.report.loudness.truePeakDecibels == peaks.truePeakDecibels)
        #expect(result.report.loudness.samplePeakDecibels == peaks.samplePeakDecibels)
        #expect(reference.report.loudness == result.report.loudness)
        // Written again (another name, or the same one once published): encoded from the spool.
        let again = folder.appendingPathComponent("again.\(fileExtension)")
        try result.writeAudio(to: again, options: tags)
        #expect(try AudioFile.read(again, sampleRate: nil).buffer == written)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
                == ["again", "direct", "spool"].map { "\($0).\(fileExtension)" })
    }

    @Test("a lossy master file is not encoded by the passes: the write-out encodes the spool")
    func lossyMasterFileFromSpool() async throws {
        let a = try RenderEngineTests.clickSong(id: "a", bpm: 120, seconds: 10)
        let script = RenderEngineTests.script(
            bpm: 120,
            sections: [
                RenderScript.Section(
                    description: "1", startSeconds: 0, durationSeconds: 4, layers: [.init(songID: "a", stem: .drums)])
            ])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-lossy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("out.ogg")
        var options = RenderOptions()
        options.masterFile = .init(url: url)
        let result = try await RenderEngine(options: options).render(script: script, songs: [a])
        #expect(result.prewrittenAudio == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        try result.writeAudio(to: url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.ogg"])
    }

    @Test("a pending audio file released unpublished leaves nothing behind; it publishes once")
    func pendingAudioFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mashup-pending-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let audio = AudioBuffer(channels: [Signals.noise(frameCount: 4410, seed: 9)], sampleRate: 44100)
        func pending(_ name: String) throws -> PendingAudioFile {
            let writer = try AudioFileWriter(
                url: folder.appendingPathComponent(name), channelCount: 1, sampleRate: 44100)
            try writer.write(audio)
            return try writer.finishUnpublished()
        }
        var abandoned: PendingAudioFile? = try pending("abandoned.wav")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).count == 1)
        abandoned = nil
        #expect(abandoned == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        let kept = try pending("kept.wav")
        try kept.publish()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["kept.wav"])
        #expect(throws: AudioFileError.self) { try kept.publish() }
        #expect(try AudioFile.read(kept.url, sampleRate: nil).buffer.frameCount == audio.frameCount)
    }
}
