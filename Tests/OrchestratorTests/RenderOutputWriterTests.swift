import DSP
import Foundation
import Orchestrator
import Render
import TestSupport
import Testing

@Suite("One render step: the render command's steps and the server's render step write the same files")
struct RenderOutputWriterTests {
    /// Two generated songs as WAV files, long enough that the plan reads nothing past their ends.
    static func songFiles(in folder: URL) throws -> [URL] {
        try [(UInt64(5), 124.0, 9, true), (6, 120, 0, false)].enumerated().map { index, song in
            let generated = MusicGenerator.generate(
                .init(
                    seed: song.0, bpm: song.1, tonic: song.2, minor: song.3,
                    durationSeconds: 50))
            let url = folder.appendingPathComponent("song\(index + 1).wav")
            try AudioFile.write(generated.mix, to: url)
            return url
        }
    }

    /// A report with what differs by run and by face blanked: stage timings, cache hits and the audio file's name
    /// (the server names it after the job).
    static func comparable(_ url: URL) throws -> RenderReport {
        var report = try RenderReport.decoder().decode(RenderReport.self, from: Data(contentsOf: url))
        report.stageSeconds = [:]
        report.cacheHits = nil
        report.audioFile = ""
        return report
    }

    @Test("same audio bytes and the same report (modulo job id and timings) for the same plan and songs")
    func cliAndServerAgree() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("render-step-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let cliFolder = root.appendingPathComponent("cli"), serveFolder = root.appendingPathComponent("serve")
        for folder in [cliFolder, serveFolder] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        let songURLs = try Self.songFiles(in: root)
        let plan = MasterplanShape.normalized(try JSONValue.parse(Data(PlanFixtures.validPlan.utf8)))

        // `mashup render`'s steps: decode, validate against the songs' lengths, render, write through the step.
        var songs: [RenderSong] = []
        for (index, url) in songURLs.enumerated() {
            songs.append(
                try await EmbeddedSongAnalysis().song(
                    id: "song\(index + 1)", name: url.lastPathComponent,
                    source: try FileAudioSource(url: url), analysis: nil, stems: [:]))
        }
        let validation = PlanValidator(
            songs: songs.map { .init(id: $0.id, durationSeconds: $0.source.durationSeconds) }
        )
        .validate(plan)
        let script = try #require(validation.plan)
        let result = try await RenderEngine(options: RenderOptions(stems: ApproximatedStems())).render(
            script: script, songs: songs)
        let cli = try await RenderOutputWriter.write(
            result, report: result.report, script: script,
            audioURL: cliFolder.appendingPathComponent("mashup.wav"))

        // The server's render step for a plan job with the same songs and no analyses.
        let store = InMemoryJobStore()
        let record = JobRecord(id: "job-1", songs: [], createdAt: Date())
        try await store.create(record)
        _ = try await store.transition(record.id, to: .processing)
        let context = JobContext.forRunner(
            jobID: record.id, workspace: JobWorkspace(root: root.appendingPathComponent("work"), jobID: record.id),
            store: store, limiter: RenderLimiter(limit: 1), events: JobEventHub())
        let pipelineSongs = songURLs.enumerated().map { index, url in
            PipelineSong(
                song: JobSong(songID: "song\(index + 1)", name: url.lastPathComponent),
                audio: SongAudioInput(songID: "song\(index + 1)", source: .file(url)))
        }
        let input = RenderInput(plan: plan, songs: pipelineSongs, documents: [])
        _ = try await EngineServeRenderer().render(
            input, outputBase: serveFolder.appendingPathComponent(record.id),
            context: context
        ) { _, _ in }

        let cliAudio = try Data(contentsOf: cli.files.audioURL)
        let serveAudio = try Data(contentsOf: serveFolder.appendingPathComponent("\(record.id).wav"))
        #expect(cliAudio.count > 44 && cliAudio == serveAudio)
        #expect(
            try Self.comparable(cli.files.reportURL)
                == (try Self.comparable(serveFolder.appendingPathComponent("\(record.id).json"))))
        for ext in ["html", "svg"] {
            #expect(
                FileManager.default.fileExists(atPath: serveFolder.appendingPathComponent("\(record.id).\(ext)").path))
        }
        #expect(
            FileManager.default.fileExists(atPath: cli.files.htmlURL.path)
                && FileManager.default.fileExists(atPath: cli.files.svgURL.path))

        // Output format by extension (`create`, `render` and the server share this step): the file is what its name
        // says, and the report and its page name that file.
        // The files' signatures: FLAC "fLaC", Ogg "OggS", MP3 an ID3 tag or a frame sync (0xFF, 0xE0 mask).
        let signatures: [(String, @Sendable (Data) -> Bool)] = [
            ("flac", { $0.starts(with: Array("fLaC".utf8)) }), ("ogg", { $0.starts(with: Array("OggS".utf8)) }),
            ("mp3", { $0.starts(with: Array("ID3".utf8)) || ($0.count > 1 && $0[0] == 0xFF && $0[1] & 0xE0 == 0xE0) }),
        ]
        for (ext, matches) in signatures {
            let written = try await RenderOutputWriter.write(
                result, report: result.report, script: script,
                audioURL: cliFolder.appendingPathComponent("mix.\(ext)"))
            let head = Data(try Data(contentsOf: written.files.audioURL).prefix(4))
            #expect(matches(head), "mix.\(ext) starts with \(Array(head))")
            #expect(try AudioFileFacts.read(written.files.audioURL).declaredFrameCount > 0)
            #expect(written.report.audioFile == "mix.\(ext)")
            let page = try String(contentsOf: written.files.htmlURL, encoding: .utf8)
            #expect(page.contains("src=\"./mix.\(ext)\""))
            #expect(!FileManager.default.fileExists(atPath: cliFolder.appendingPathComponent("mix.wav").path))
        }
    }
}
