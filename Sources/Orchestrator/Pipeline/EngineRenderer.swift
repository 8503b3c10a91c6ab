import Analysis
import DSP
import Foundation
import Render

/// The render step of the pipeline over `RenderEngine`: decodes the songs (shared with the embedded analyser),
/// loads supplied stems, validates the plan against the songs, renders, and writes the mashup with its JSON
/// report, HTML report and SVG timeline, each written atomically.
public struct EngineRenderer: MashupRenderer {
    /// Decoded songs, shared with the embedded analyser.
    public let songs: DecodedSongCache
    /// Folder the results are written to (e.g. `<storage>/generated`).
    public let outputDirectory: URL
    /// Storage path prefix of the results (`generated/`), for `storage_path`.
    public let storagePrefix: String
    /// Output format by extension: wav (24-bit), flac, mp3, ogg, opus.
    public let fileExtension: String
    /// Resolves a stem's storage path (from the separation service) to a local file.
    public let stemLoader: @Sendable (String) async throws -> URL
    /// Fetches a song given by URL.
    public let download: @Sendable (URL) async throws -> URL
    /// The client-facing URL of a result, from its storage path (nil: none).
    public let resultURL: @Sendable (String) -> String?
    /// Engine settings (progress is set per render).
    public var engineOptions: RenderOptions
    /// The results' file name (without extension) for a job id (default: the job id).
    public var fileName: @Sendable (String) -> String = { $0 }

    public init(songs: DecodedSongCache, outputDirectory: URL, storagePrefix: String = "generated/",
                fileExtension: String = "wav", engineOptions: RenderOptions = RenderOptions(),
                stemLoader: @escaping @Sendable (String) async throws -> URL = { URL(fileURLWithPath: $0) },
                download: @escaping @Sendable (URL) async throws -> URL = { url in
                    throw JobFailure(.invalidAudio, "\(url.absoluteString): songs given by URL need a downloader")
                },
                resultURL: @escaping @Sendable (String) -> String? = { _ in nil }) {
        self.songs = songs
        self.outputDirectory = outputDirectory
        self.storagePrefix = storagePrefix
        self.fileExtension = fileExtension
        self.engineOptions = engineOptions
        self.stemLoader = stemLoader
        self.download = download
        self.resultURL = resultURL
    }

    public func render(_ input: RenderInput, context: JobContext,
                       progress: @escaping @Sendable (Double, String) async throws -> Void) async throws -> JobResult {
        // Songs, with the analyses the pipeline made.
        var renderSongs: [RenderSong] = []
        var songInfos: [PlanValidator.SongInfo] = []
        for (index, song) in input.songs.enumerated() {
            let decoded: DecodedAudio
            do {
                decoded = try await songs.audio(of: song.audio, scratch: context.workspace.directory, download: download)
            } catch let error as AudioFileError {
                throw JobFailure(.invalidAudio, "\"\(song.song.name)\": \(error.description)",
                                 suggestedAction: "Upload the song as WAV, FLAC, OGG or MP3 and try again.")
            }
            if decoded.nonFiniteSampleCount > 0 {
                try await context.warn("\"\(song.song.name)\": \(decoded.nonFiniteSampleCount) NaN/Inf samples were replaced by silence")
            }
            let analysisJSON: JSONValue? = index < input.analyses.count ? input.analyses[index] : nil
            let analysis = try? analysisJSON.map { try JSONDecoder().decode(SongAnalysis.self, from: try $0.encoded()) }
            var stems: [Stem: AudioBuffer] = [:]
            if let paths = input.stems[song.song.songID] {
                for (name, path) in paths.paths {
                    guard let stem = Stem(parsing: name), stem != .full else { continue }
                    let url = try await stemLoader(path)
                    stems[stem] = try AudioFile.read(url, sampleRate: decoded.buffer.sampleRate).buffer
                }
            }
            renderSongs.append(RenderSong(id: song.song.songID, name: song.song.name, artist: song.song.artist,
                                          audio: decoded.buffer, analysis: analysis ?? nil, stems: stems,
                                          stemSource: "service"))
            songInfos.append(analysisJSON.map { PlanValidator.SongInfo(id: song.song.songID, analysis: $0) }
                             ?? PlanValidator.SongInfo(id: song.song.songID, durationSeconds: decoded.buffer.durationSeconds))
        }

        // The plan, checked against the songs.
        let validation = PlanValidator(songs: songInfos).validate(input.plan)
        guard let plan = validation.plan else {
            let listed = validation.errors.prefix(5).map { "\($0.path): \($0.message)" }.joined(separator: "; ")
            throw JobFailure(.invalidPlan, "The masterplan cannot be rendered (\(validation.errors.count) errors): \(listed)",
                             suggestedAction: "Fix the listed fields of the masterplan, or let the embedded planner make one.")
        }
        let planWarnings = validation.warnings.map { "\($0.path): \($0.message)" }
        for warning in planWarnings { try await context.warn(warning) }
        let script = RenderScript(plan: plan, warnings: planWarnings)

        // Render, forwarding the engine's progress in order; a cancelled job cancels the render.
        let result = try await renderWithProgress(script: script, songs: renderSongs, progress: progress)
        // The render's own warnings (reads past a song's end, effects not understood, loudness not reached...)
        // reach the job, its status and its events, not only the report.
        var announced = Set(planWarnings)
        for warning in result.report.warnings where announced.insert(warning).inserted {
            try await context.warn("render: \(warning)")
        }

        // Outputs.
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        let name = fileName(context.jobID)
        let audioURL = outputDirectory.appendingPathComponent("\(name).\(fileExtension)")
        var report = result.report
        report.audioFile = audioURL.lastPathComponent
        // Where each analysis field came from, when a service's analysis was completed by ours.
        for index in report.songs.indices {
            guard let position = input.songs.firstIndex(where: { $0.song.songID == report.songs[index].songID }),
                  position < input.analyses.count,
                  let sources = input.analyses[position]["field_sources"]?.objectValue else { continue }
            let embedded = sources.filter { $0.value.stringValue == "embedded" }.keys.sorted()
            report.songs[index].analysisSource = embedded.isEmpty ? "service"
                : "service, completed by the embedded analysis (\(embedded.joined(separator: ", ")))"
        }
        try await context.registerFile(audioURL.path)
        try result.writeAudio(to: audioURL, options: AudioFileWriteOptions(
            sampleFormat: .pcm24, title: script.title, artist: script.artistCredits,
            comment: String(script.creativeVision.prefix(500))))
        let reportURL = outputDirectory.appendingPathComponent("\(name).json")
        try await context.registerFile(reportURL.path)
        try RenderReport.encoder().encode(report).write(to: reportURL, options: .atomic)
        let files = try ReportWriter.write(report: report, waveform: result.waveform, besideAudioAt: audioURL)
        try await context.registerFile(files.htmlURL.path)
        try await context.registerFile(files.svgURL.path)

        if let hits = report.cacheHits { try await context.updateMetadata { $0.cacheHits = hits } }
        let storagePath = storagePrefix + audioURL.lastPathComponent
        let reportJSON = try JSONValue.parse(try RenderReport.encoder().encode(report))
        return JobResult(resultURL: resultURL(storagePath), storagePath: storagePath, title: script.title,
                         concept: script.creativeVision, timeline: input.plan["masterplan"]?["timeline"] ?? input.plan["timeline"],
                         masterplan: input.plan, report: reportJSON)
    }

    /// Runs the engine in a child task and forwards its progress (0...100) through `progress` in order.
    private func renderWithProgress(script: RenderScript, songs: [RenderSong],
                                    progress: @escaping @Sendable (Double, String) async throws -> Void) async throws -> RenderResult {
        let (stream, continuation) = AsyncStream<RenderProgress>.makeStream(bufferingPolicy: .bufferingNewest(64))
        var options = engineOptions
        options.progress = { continuation.yield($0) }
        let engine = RenderEngine(options: options)
        return try await withThrowingTaskGroup(of: RenderResult?.self) { group in
            group.addTask {
                defer { continuation.finish() }
                return try await engine.render(script: script, songs: songs)
            }
            group.addTask {
                for await update in stream { try await progress(update.fraction * 100, update.message) }
                return nil
            }
            var rendered: RenderResult?
            do {
                while let next = try await group.next() { if let next { rendered = next } }
            } catch {
                group.cancelAll()
                throw error
            }
            guard let rendered else { throw CancellationError() }
            return rendered
        }
    }
}

extension RenderError: ClassifiableError {
    public var jobFailure: JobFailure {
        switch self {
        case .unknownSong, .invalidScript:
            JobFailure(.invalidPlan, description, suggestedAction: "Fix the masterplan field named in the message.")
        case .songPreparationFailed:
            JobFailure(.invalidAudio, description, suggestedAction: "Check that the song plays and is not silent, then try again.")
        case .layerFailed, .outputFailed:
            JobFailure(.system, description)
        }
    }
}

extension AudioFileError: ClassifiableError {
    public var jobFailure: JobFailure {
        switch self {
        case .writeFailed:
            JobFailure(.system, description, suggestedAction: "Check free disk space and the storage folder's permissions.")
        default:
            JobFailure(.invalidAudio, description, suggestedAction: "Upload the song as WAV, FLAC, OGG or MP3 and try again.")
        }
    }
}
