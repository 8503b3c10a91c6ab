import Analysis
import DSP
import Foundation
import Orchestrator
import Render

/// `mashup render`: renders a masterplan with given songs (and optional stems) into a mastered file, with its
/// JSON report, HTML report and SVG timeline beside it.
enum RenderCommand: CLICommand {
    static let name = "render"
    static let summary = "render a masterplan with the given songs into a mastered mashup"
    static let usage = """
        mashup render --plan PLAN.json --song ID=PATH [--song ID=PATH ...] [--stems ID=DIR ...] -o OUT
                      [--report REPORT.json] [--threads N] [--json-progress]
          --song ID=PATH   a song the plan's layers name by ID (song1, song2... also work by position)
          --stems ID=DIR   a folder with vocals.*, drums.*, bass.*, other.* for that song (else approximated)
          -o OUT           the mashup; the extension picks the format (.wav 24-bit, .flac, .mp3, .ogg, .opus)
          Writes OUT, REPORT (default OUT with .json), and OUT's .html and .svg beside it.
        """

    static func run(_ arguments: inout Arguments) async throws {
        guard let planPath = try arguments.option("--plan") else { throw CLIError.usage("--plan is required") }
        let songArguments = try arguments.options("--song")
        let stemArguments = try arguments.options("--stems")
        guard let output = try arguments.option("-o", "--output") else { throw CLIError.usage("-o OUT is required") }
        let reportPath = try arguments.option("--report")
        let threads = try arguments.doubleOption("--threads").map { Int(saturating: $0) }
        let json = arguments.flag("--json-progress")
        try arguments.finish()
        guard !songArguments.isEmpty else { throw CLIError.usage("give at least one --song ID=PATH") }
        let outputURL = URL(fileURLWithPath: output)
        _ = try AudioFileFormat.forPath(output)

        // The plan's bytes first: an unreadable plan fails before any song is decoded.
        let data = try PlanFile.read(planPath)
        let (readable, readIssues) = PlanDecoder.decode(data)
        if readable == nil {
            for issue in readIssues where issue.severity == .error {
                printError("mashup render: error: \(issue.path): \(issue.message)")
            }
            throw CLIError.failed("\(planPath): not a readable plan; nothing was rendered")
        }

        // Songs and stems, opened as sources read by range (each decoded once, in blocks).
        var sources: [(id: String, path: String, source: FileAudioSource)] = []
        var stems: [String: [Stem: any AudioSource]] = [:]
        // The songs' opening passes run concurrently (one file per task).
        let songPairs = try songArguments.map { try pair($0, option: "--song") }
        let openedSongs = try await FileAudioSource.open(
            songPairs.map { (URL(fileURLWithPath: $0.1), true) })
        for ((id, path), source) in zip(songPairs, openedSongs) {
            for warning in source.warnings { printError("mashup render: warning: \(warning)") }
            try AudioInputLimits.standard.checkSongLength(seconds: source.durationSeconds, path: path)
            sources.append((id, path, source))
        }
        for argument in stemArguments {
            let (id, folder) = try pair(argument, option: "--stems")
            guard let song = sources.first(where: { $0.id == id }) else {
                throw CLIError.usage("--stems \(id)=...: no --song with id '\(id)'")
            }
            stems[id] = try await loadStems(folder: folder, sampleRate: song.source.sampleRate)
        }

        // The plan, checked against the songs: every problem printed with its path.
        let validation = PlanValidator(
            songs: sources.map { .init(id: $0.id, durationSeconds: $0.source.durationSeconds) }
        )
        .validate(data)
        for issue in validation.warnings { printError("mashup render: warning: \(issue.path): \(issue.message)") }
        guard let script = validation.plan else {
            for issue in validation.errors { printError("mashup render: error: \(issue.path): \(issue.message)") }
            throw CLIError.failed("\(planPath): \(validation.errors.count) errors; nothing was rendered")
        }
        // The validator has already resolved `song1`, `song2`... to the given ids; its warnings are in the script.

        let printer = ProgressPrinter(json: json)
        // The plan file brings no analysis: every song's grid and key come from the embedded analyser (songs in
        // parallel, each read in blocks from its source).
        let started = Date()
        printer.update(percent: 0, message: "Analysing \(sources.count) songs", phase: "analysis")
        let songs = try await withThrowingTaskGroup(of: (Int, RenderSong).self) { group in
            for (index, song) in sources.enumerated() {
                let songStems = stems[song.id] ?? [:]
                group.addTask {
                    (
                        index,
                        try await EmbeddedSongAnalysis().song(
                            id: song.id, name: (song.path as NSString).lastPathComponent,
                            source: song.source, analysis: nil, stems: songStems)
                    )
                }
            }
            var found: [(Int, RenderSong)] = []
            for try await result in group { found.append(result) }
            return found.sorted { $0.0 < $1.0 }.map(\.1)
        }
        // Stems approximated over the ranges the layers read, shared by the layers of a section (in memory only).
        var options = RenderOptions(
            stems: CachedStemProvider(cache: nil),
            progress: { printer.update(percent: $0.fraction * 100, message: $0.message, phase: $0.stage) })
        if let threads { options.maximumConcurrentLayers = max(1, threads) }
        // One render: stretched layers are reused within it only, so a small cache keeps the peak memory down.
        options.stretchCache = StretchCache(capacityBytes: 64 << 20)
        let result = try await RenderEngine(options: options).render(script: script, songs: songs)
        printer.finish()

        // The one render step: audio by extension, JSON report, HTML and SVG, each by temp-and-rename.
        let (files, report) = try await RenderOutputWriter.write(
            result, report: result.report, script: script, audioURL: outputURL,
            reportURL: reportPath.map { URL(fileURLWithPath: $0) })
        for warning in report.warnings { printError("mashup render: warning: \(warning)") }
        printError(
            String(
                format: "rendered %.1f s in %.1f s (%.0fx realtime), %.1f LUFS, %.1f dBTP",
                result.durationSeconds, Date().timeIntervalSince(started),
                result.durationSeconds / max(Date().timeIntervalSince(started), 1e-6),
                report.loudness.integratedLUFS, report.loudness.truePeakDecibels))
        print(outputURL.path)
        print(files.reportURL.path)
        print(files.htmlURL.path)
    }

    /// Splits `ID=VALUE`.
    static func pair(_ text: String, option: String) throws -> (String, String) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw CLIError.usage("\(option) expects ID=PATH, got '\(text)'")
        }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    /// Reads `vocals.*`, `drums.*`, `bass.*`, `other.*` from a folder.
    /// (Opened concurrently, without the loudness meter: the engine asks the loudness of songs only.)
    static func loadStems(folder: String, sampleRate: Double) async throws -> [Stem: any AudioSource] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        guard !names.isEmpty else { throw CLIError.failed("\(folder): no stem files (vocals, drums, bass, other)") }
        var files: [(stem: Stem, url: URL)] = []
        for name in names.sorted() {
            let base = (name as NSString).deletingPathExtension
            guard let stem = Stem(parsing: base), stem != .full, !files.contains(where: { $0.stem == stem }) else {
                continue
            }
            files.append((stem, URL(fileURLWithPath: folder).appendingPathComponent(name)))
        }
        let opened = try await FileAudioSource.open(files.map { ($0.url, false) }, sampleRate: sampleRate)
        return Dictionary(uniqueKeysWithValues: zip(files.map(\.stem), opened.map { $0 as any AudioSource }))
    }
}
