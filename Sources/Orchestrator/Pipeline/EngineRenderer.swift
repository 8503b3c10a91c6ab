import Analysis
import DSP
import Foundation
import Render

/// The render step of the pipeline over `RenderEngine`: opens the songs as sources (shared with the embedded
/// analyser), loads supplied stems, validates the plan against the songs, supplies every song's grid and key
/// (analysing a song that came without an analysis), renders, and writes the mashup with its JSON
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
    /// Grids and keys of songs that come without an analysis (the embedded analyser, optionally cached).
    public var songAnalysis: EmbeddedSongAnalysis
    /// The results' file name (without extension) for a job id (default: the job id).
    public var fileName: @Sendable (String) -> String = { $0 }

    public init(
        songs: DecodedSongCache, outputDirectory: URL, storagePrefix: String = "generated/",
        fileExtension: String = "wav", engineOptions: RenderOptions = RenderOptions(stems: ApproximatedStems()),
        songAnalysis: EmbeddedSongAnalysis = EmbeddedSongAnalysis(),
        stemLoader: @escaping @Sendable (String) async throws -> URL = { URL(fileURLWithPath: $0) },
        download: @escaping @Sendable (URL) async throws -> URL = { url in
            throw JobFailure(.invalidAudio, "\(url.absoluteString): songs given by URL need a downloader")
        },
        resultURL: @escaping @Sendable (String) -> String? = { _ in nil }
    ) {
        self.songs = songs
        self.outputDirectory = outputDirectory
        self.storagePrefix = storagePrefix
        self.fileExtension = fileExtension
        self.engineOptions = engineOptions
        self.songAnalysis = songAnalysis
        self.stemLoader = stemLoader
        self.download = download
        self.resultURL = resultURL
    }

    public func render(
        _ input: RenderInput, context: JobContext,
        progress: @escaping @Sendable (Double, String) async throws -> Void
    ) async throws -> JobResult {
        // Songs, with the analyses the pipeline made.
        var opened: [(source: FileAudioSource, analysis: SongAnalysis?, stems: [Stem: any AudioSource])] = []
        var songInfos: [PlanValidator.SongInfo] = []
        for (index, song) in input.songs.enumerated() {
            let source: FileAudioSource
            do {
                source = try await songs.source(
                    of: song.audio, scratch: context.workspace.directory, download: download)
            } catch let error as AudioFileError {
                throw JobFailure(
                    .invalidAudio, "\"\(song.song.name)\": \(error.description)",
                    suggestedAction: "Upload the song as WAV, FLAC, OGG or MP3 and try again.")
            }
            // What the decode repaired or skipped (NaN/Inf samples, damaged frames, a short read) reaches the job.
            for warning in source.warnings { try await context.warn("\"\(song.song.name)\": \(warning)") }
            // The analysis as the pipeline read it, once (no second decode of its JSON).
            let analysis = index < input.documents.count ? try? input.documents[index].strict.get() : nil
            var stems: [Stem: any AudioSource] = [:]
            if let paths = input.stems[song.song.songID] {
                do {
                    for (name, path) in paths.paths.sorted(by: { $0.key < $1.key }) {
                        guard let stem = Stem(parsing: name), stem != .full else { continue }
                        let url = try await stemLoader(path)
                        stems[stem] = try FileAudioSource(
                            url: url, sampleRate: source.sampleRate,
                            scratchDirectory: context.workspace.directory, measuresLoudness: false)
                    }
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    // The service answered, but a stem it named cannot be read: the song's stems all come from the
                    // embedded approximation (never a mix of two separations), and the job says why.
                    stems = [:]
                    try await context.warn(
                        "\"\(song.song.name)\": a stem from the separation service could not be read (\(error)); "
                            + "the embedded stem approximation is used")
                }
            }
            opened.append((source, analysis ?? nil, stems))
            let analysisJSON: JSONValue? = index < input.documents.count ? input.documents[index].json : nil
            songInfos.append(
                analysisJSON.map { PlanValidator.SongInfo(id: song.song.songID, analysis: $0) }
                    ?? PlanValidator.SongInfo(id: song.song.songID, durationSeconds: source.durationSeconds))
        }

        // The plan, checked against the songs.
        let validation = PlanValidator(songs: songInfos).validate(input.plan)
        guard let script = validation.plan else {
            let listed = validation.errors.prefix(5).map { "\($0.path): \($0.message)" }.joined(separator: "; ")
            throw JobFailure(
                .invalidPlan, "The masterplan cannot be rendered (\(validation.errors.count) errors): \(listed)",
                suggestedAction: "Fix the listed fields of the masterplan, or let the embedded planner make one.")
        }
        for warning in script.warnings { try await context.warn(warning) }

        // Grids and keys from the analyses; a song without one (or without beat times) is analysed here.
        var renderSongs: [RenderSong] = []
        for (song, open) in zip(input.songs, opened) {
            do {
                renderSongs.append(
                    try await songAnalysis.song(
                        id: song.song.songID, name: song.song.name, artist: song.song.artist, source: open.source,
                        analysis: open.analysis, stems: open.stems, stemSource: "service"))
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw JobFailure(
                    .invalidAudio, "\"\(song.song.name)\": the analysis failed: \(error)",
                    suggestedAction: "Check that the song plays and is not silent, then try again.")
            }
        }

        // The audio file is named before the render: the master encodes it as it goes (`RenderOptions.masterFile`)
        // and the write-out below renames it into place.
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        let name = fileName(context.jobID)
        let audioURL = outputDirectory.appendingPathComponent("\(name).\(fileExtension)")
        let masterFile = RenderOutputWriter.masterFile(for: script, audioURL: audioURL)

        // Render, forwarding the engine's progress in order; a cancelled job cancels the render.
        let result = try await renderWithProgress(
            script: script, songs: renderSongs, masterFile: masterFile, progress: progress)
        // The render's own warnings (reads past a song's end, effects not understood, loudness not reached...)
        // reach the job, its status and its events, not only the report.
        var announced = Set(script.warnings)
        for warning in result.report.warnings where announced.insert(warning).inserted {
            try await context.warn("render: \(warning)")
        }

        // Outputs.
        var report = result.report
        report.audioFile = audioURL.lastPathComponent
        // Where each analysis field came from, when a service's analysis was completed by ours.
        for index in report.songs.indices {
            guard let position = input.songs.firstIndex(where: { $0.song.songID == report.songs[index].songID }),
                position < input.analyses.count,
                let sources = input.analyses[position]["field_sources"]?.objectValue
            else { continue }
            let embedded = sources.filter { $0.value.stringValue == "embedded" }.keys.sorted()
            report.songs[index].analysisSource =
                embedded.isEmpty
                ? "service"
                : "service, completed by the embedded analysis (\(embedded.joined(separator: ", ")))"
        }
        // The one write-out step shared with `mashup render`: audio by extension, JSON report, HTML, SVG, each
        // registered with the job (removed on failure) and written by temporary file and rename.
        report = try await RenderOutputWriter.write(
            result, report: report, script: script, audioURL: audioURL,
            reportURL: outputDirectory.appendingPathComponent("\(name).json"),
            register: { try await context.registerFile($0.path) }
        ).report

        if let hits = report.cacheHits { try await context.updateMetadata { $0.cacheHits = hits } }
        let storagePath = storagePrefix + audioURL.lastPathComponent
        let reportJSON = try JSONValue.parse(try RenderReport.encoder().encode(report))
        return JobResult(
            resultURL: resultURL(storagePath), storagePath: storagePath, title: script.title,
            concept: script.creativeVision, timeline: input.plan["masterplan"]?["timeline"] ?? input.plan["timeline"],
            masterplan: input.plan, report: reportJSON)
    }

    /// Runs the engine in a child task and forwards its progress (0...100) through `progress` in order.
    private func renderWithProgress(
        script: RenderScript, songs: [RenderSong], masterFile: RenderOptions.MasterFile,
        progress: @escaping @Sendable (Double, String) async throws -> Void
    ) async throws -> RenderResult {
        let (stream, continuation) = AsyncStream<RenderProgress>.makeStream(bufferingPolicy: .bufferingNewest(64))
        var options = engineOptions
        options.progress = { continuation.yield($0) }
        options.masterFile = masterFile
        // One render without a shared cache: stretched layers are reused within it only; a small cache keeps the
        // peak memory down (as `mashup render` does).
        if options.stretchCache == nil { options.stretchCache = StretchCache(capacityBytes: 64 << 20) }
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
            JobFailure(
                .invalidAudio, description,
                suggestedAction: "Check that the song plays and is not silent, then try again.")
        case .layerFailed, .outputFailed:
            JobFailure(.system, description)
        }
    }
}

extension AudioFileError: ClassifiableError {
    public var jobFailure: JobFailure {
        switch self {
        case .writeFailed:
            JobFailure(
                .system, description, suggestedAction: "Check free disk space and the storage folder's permissions.")
        default:
            JobFailure(
                .invalidAudio, description, suggestedAction: "Upload the song as WAV, FLAC, OGG or MP3 and try again.")
        }
    }
}
