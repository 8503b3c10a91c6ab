import DSP
import Foundation
import Orchestrator
import Render
import Testing

/// With a separation service configured, its stems are the ones rendered: the service answers stems that hold only a
/// 1.5 kHz tone (vocals) and silence, so a mashup made of them is that tone; the same job without the service is the
/// songs' own approximated stems, broadband music.
@Suite("The separation service's stems are the ones rendered")
struct SeparationEndToEndTests {
    /// The service's vocals stem: a sine at this frequency, Hz.
    static let toneHz = 1500.0
    /// The band that holds the tone after any key shift the plan may apply (±4 semitones), Hz.
    static let band = (toneHz * pow(2, -4.5 / 12))...(toneHz * pow(2, 4.5 / 12))
    /// A mashup of the service's stems has at least this fraction of its energy in `band`.
    static let serviceBandFraction = 0.8
    /// A mashup of the approximated stems has at most this fraction there.
    static let approximatedBandFraction = 0.5

    /// Two generated songs and, for each, the service's four stems on disk (paths absolute, as the default stem
    /// loader reads them).
    static func setUp(_ root: URL) throws -> (songs: [PipelineSong], stemsBody: String) {
        let made = [
            MusicGenerator.generate(
                .init(seed: 11, bpm: 124, tonic: 9, minor: true, barCount: 24, sampleRate: 44100, withVoice: true)),
            MusicGenerator.generate(.init(seed: 12, bpm: 120, tonic: 0, minor: false, barCount: 24, sampleRate: 44100)),
        ]
        var songs: [PipelineSong] = []
        var frameCount = 0
        for (index, song) in made.enumerated() {
            let mix = song.mix
            frameCount = max(frameCount, mix.frameCount)
            let url = root.appendingPathComponent("song\(index + 1).wav")
            try AudioFile.write(mix, to: url)
            let id = "song\(index + 1)"
            songs.append(
                PipelineSong(
                    song: JobSong(songID: id, name: "Song \(index + 1)"),
                    audio: SongAudioInput(songID: id, source: .file(url)),
                    separationURL: URL(string: "https://cdn.test/\(id).wav")))
        }
        let rate = 44_100.0
        let wave = (0..<frameCount).map { frame in 0.25 * Float(sin(2 * Double.pi * toneHz * Double(frame) / rate)) }
        let tone = AudioBuffer(channels: [wave, wave], sampleRate: rate)
        let silence = AudioBuffer(channelCount: 2, frameCount: frameCount, sampleRate: rate)
        let stems = root.appendingPathComponent("stems")
        try FileManager.default.createDirectory(at: stems, withIntermediateDirectories: true)
        var paths: [String: String] = [:]
        for (name, buffer) in [("vocals", tone), ("drums", silence), ("bass", silence), ("other", silence)] {
            let url = stems.appendingPathComponent("\(name).wav")
            try AudioFile.write(buffer, to: url)
            paths[name] = url.path
        }
        let body = try JSONSerialization.data(withJSONObject: ["success": true, "job_id": "j", "stems": paths])
        return (songs, String(decoding: body, as: UTF8.self))
    }

    /// The fraction of the energy of `audio` (channel 0, the middle 3 s) in `band`, by a DFT at 1 Hz bins (Goertzel).
    static func bandFraction(_ audio: AudioBuffer) -> Double {
        let length = Int(audio.sampleRate)
        let middle = audio.frameCount / 2
        var inBand = 0.0, total = 0.0
        audio.withSamples(ofChannel: 0) { samples in
            for start in [middle - 3 * length / 2, middle - length / 2, middle + length / 2]
            where start >= 0 && start + length <= audio.frameCount {
                var energy = 0.0
                for frame in start..<(start + length) { energy += Double(samples[frame]) * Double(samples[frame]) }
                total += energy
                // Parseval: the bins k and N - k of a real signal together hold 2|X_k|^2 / N of its energy.
                // Goertzel per bin: |X_k|^2 = s1^2 + s2^2 - 2 cos(w) s1 s2.
                for hz in Int(band.lowerBound)...Int(band.upperBound) {
                    let coefficient = 2 * cos(2 * Double.pi * Double(hz) / Double(length))
                    var s1 = 0.0, s2 = 0.0
                    for n in 0..<length {
                        let s0 = Double(samples[start + n]) + coefficient * s1 - s2
                        s2 = s1
                        s1 = s0
                    }
                    inBand += 2 * (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / Double(length)
                }
            }
        }
        return total > 0 ? inBand / total : 0
    }

    /// - Parameter unreadableStems: the service answers stem paths that do not exist.
    static func run(withService: Bool, unreadableStems: Bool = false) async throws -> (
        JobRecord, AudioBuffer, [String: Any]
    ) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mashup-separation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let (songs, stemsBody) = try setUp(root)
        let missing = root.appendingPathComponent("gone").path
        server.script(
            "/separate",
            [
                .json(
                    200,
                    unreadableStems
                        ? #"{"success": true, "job_id": "j", "stems": {"vocals": "\#(missing)/vocals.wav", "#
                            + #""drums": "\#(missing)/drums.wav", "bass": "\#(missing)/bass.wav", "#
                            + #""other": "\#(missing)/other.wav"}}"# : stemsBody)
            ])
        var configuration = ServiceConfiguration()
        configuration.retryPolicy = LoopbackIntegrationTests.testPolicy
        if withService { configuration.separation = ServiceEndpoint(baseURL: server.baseURL, timeoutSeconds: 30) }
        let output = root.appendingPathComponent("out")
        let pipeline = PipelineFactory.make(
            configuration: configuration, outputDirectory: output,
            scratch: root.appendingPathComponent("scratch"), planner: EmbeddedPlanner())
        let manager = JobManager(store: InMemoryJobStore(), workspaceRoot: root.appendingPathComponent("jobs"))
        let record = try await manager.submit(
            songs: songs.map(\.song), workload: JobWorkload(songCount: 2),
            pipeline: pipeline.job(songs))
        let finished = try #require(try await manager.waitUntilFinished(record.id))
        #expect(finished.state == .complete, "\(String(describing: finished.failure))")
        #expect(server.requests(to: "/separate").count == (withService ? 2 : 0))
        let audio = try AudioFile.read(output.appendingPathComponent("\(record.id).wav")).buffer
        let reportData = try Data(contentsOf: output.appendingPathComponent("\(record.id).json"))
        let report = try #require(try JSONSerialization.jsonObject(with: reportData) as? [String: Any])
        return (finished, audio, report)
    }

    static func stemSources(_ report: [String: Any]) -> [String] {
        ((report["songs"] as? [[String: Any]]) ?? []).compactMap { $0["stem_source"] as? String }
    }

    @Test("the service's stems are rendered (stem_source service); without it, the approximated stems are")
    func serviceStemsRendered() async throws {
        let (_, serviceAudio, serviceReport) = try await Self.run(withService: true)
        #expect(Self.stemSources(serviceReport) == ["service", "service"])
        let serviceFraction = Self.bandFraction(serviceAudio)
        #expect(
            serviceFraction >= Self.serviceBandFraction,
            "\(serviceFraction) of the energy is in \(Self.band) Hz with the service's tone stems")

        let (_, approximatedAudio, approximatedReport) = try await Self.run(withService: false)
        #expect(!Self.stemSources(approximatedReport).contains("service"))
        let approximatedFraction = Self.bandFraction(approximatedAudio)
        #expect(
            approximatedFraction <= Self.approximatedBandFraction,
            "\(approximatedFraction) of the energy is in \(Self.band) Hz with the approximated stems")
    }

    @Test("stems the service names but that cannot be read: the embedded approximation, with a warning naming the song")
    func unreadableServiceStems() async throws {
        let (record, audio, report) = try await Self.run(withService: true, unreadableStems: true)
        #expect(record.state == .complete, "\(String(describing: record.failure))")
        #expect(!Self.stemSources(report).contains { $0.contains("service") }, "\(Self.stemSources(report))")
        for name in ["Song 1", "Song 2"] {
            #expect(
                record.warnings.contains {
                    $0.hasPrefix("\"\(name)\": a stem from the separation service could not be read")
                        && $0.contains("embedded stem approximation")
                },
                "\(record.warnings)")
        }
        // The mashup is made of the songs' approximated stems, broadband music, not the service's tone.
        #expect(Self.bandFraction(audio) <= Self.approximatedBandFraction)
    }
}
