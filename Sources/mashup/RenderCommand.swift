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
    /// Songs whose lengths sum to at most this many seconds are analysed in parallel (about 10 MB of analyser
    /// memory per minute each); longer ones one after the other, so the peak stays that of one song.
    static let parallelAnalysisMaximumSeconds = 480.0
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
        try CLIError.checkOutput(output)

        // The plan's bytes first: an unreadable plan fails before any song is decoded.
        let data = try PlanFile.read(planPath)
        let (readable, readIssues) = PlanDecoder.decode(data)
        if readable == nil {
            for issue in readIssues where issue.severity == .error {
                printError("mashup render: error: \(issue.path): \(issue.message)")
            }
            throw CLIError.failed("\(planPath): not a readable plan; nothing was rendered")
        }

        // Songs and stems, opened as sources read by range, all files at once (each decoded in blocks). The
        // analyser holds about 5 MB per minute of song as it gathers its input and about 10 MB per minute while it
        // runs, so songs whose headers declare at most `parallelAnalysisMaximumSeconds` together gather their
        // input on the opening pass (one decode) and are analysed in parallel; longer songs are analysed one after
        // the other, each from a second pass over its source, so only one song's input is held at a time.
        let songPairs = try songArguments.map { try pair($0, option: "--song") }
        let stemPairs = try stemArguments.map { try pair($0, option: "--stems") }
        for (id, _) in stemPairs where !songPairs.contains(where: { $0.0 == id }) {
            throw CLIError.usage("--stems \(id)=...: no --song with id '\(id)'")
        }
        let declaredSeconds = songPairs.map { _, path in
            (try? AudioFileReader(url: URL(fileURLWithPath: path), sampleRate: nil).info).map {
                Double($0.declaredFrameCount) / $0.sampleRate
            } ?? .infinity
        }
        let inParallel = declaredSeconds.reduce(0, +) <= Self.parallelAnalysisMaximumSeconds
        // The stems open alongside the songs' opening passes and their analysis (the analysis does not read them),
        // so their decoding fills the cores the songs leave idle.
        async let openedStems = Self.loadStems(stemPairs, sampleRate: AudioFile.defaultSampleRate)
        let opened = try await withThrowingTaskGroup(of: (Int, OpenedSong).self) { group in
            for (index, (id, path)) in songPairs.enumerated() {
                group.addTask { (index, try OpenedSong(id: id, path: path, gathering: inParallel)) }
            }
            var found: [(Int, OpenedSong)] = []
            for try await result in group { found.append(result) }
            return found.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var sources: [(id: String, path: String, source: FileAudioSource)] = []
        var inputs: [String: SongAnalysisInput] = [:]
        for song in opened {
            for warning in song.source.warnings { printError("mashup render: warning: \(warning)") }
            try AudioInputLimits.standard.checkSongLength(seconds: song.source.durationSeconds, path: song.path)
            sources.append((song.id, song.path, song.source))
            inputs[song.id] = song.input
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
        // The plan file brings no analysis: every song's grid and key come from the embedded analyser (see above
        // for when songs are analysed in parallel).
        let started = Date()
        printer.update(percent: 0, message: "Analysing \(sources.count) songs", phase: "analysis")
        var songs = try await withThrowingTaskGroup(of: (Int, RenderSong).self) { group in
            var found: [(Int, RenderSong)] = []
            for (index, song) in sources.enumerated() {
                let input = inputs.removeValue(forKey: song.id)
                group.addTask {
                    let name = (song.path as NSString).lastPathComponent
                    guard let input else {
                        return (
                            index,
                            try await EmbeddedSongAnalysis().song(
                                id: song.id, name: name, source: song.source, analysis: nil)
                        )
                    }
                    return (
                        index,
                        try EmbeddedSongAnalysis().song(
                            id: song.id, name: name, source: song.source, gathered: input)
                    )
                }
                if !inParallel, let result = try await group.next() { found.append(result) }
            }
            for try await result in group { found.append(result) }
            return found.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let stems = try await openedStems
        for index in songs.indices { songs[index].stems = stems[songs[index].id] ?? [:] }
        // Stems approximated once over the parts of the songs the layers read, parked on disk by the engine.
        var options = RenderOptions(
            stems: ApproximatedStems(),
            progress: { printer.update(percent: $0.fraction * 100, message: $0.message, phase: $0.stage) })
        if let threads { options.maximumConcurrentLayers = max(1, threads) }
        // The master encodes the output file as it goes; the write-out below renames it into place.
        options.masterFile = RenderOutputWriter.masterFile(for: script, audioURL: outputURL)
        // One render: no shared stretch cache, so the engine keeps a stretched piece only while a later layer of
        // this render (a repeated section) still reads it.
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

    /// Reads `vocals.*`, `drums.*`, `bass.*`, `other.*` from each song's folder (`(song id, folder)` pairs), by song
    /// id. (All files opened concurrently, without the loudness meter: the engine asks the loudness of songs only.)
    static func loadStems(_ folders: [(String, String)], sampleRate: Double) async throws -> [String: [Stem:
        any AudioSource]]
    {
        var files: [(id: String, stem: Stem, url: URL)] = []
        for (id, folder) in folders {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            guard !names.isEmpty else {
                throw CLIError.failed("\(folder): no stem files (vocals, drums, bass, other)")
            }
            var found: [Stem] = []
            for name in names.sorted() {
                let base = (name as NSString).deletingPathExtension
                guard let stem = Stem(parsing: base), stem != .full, !found.contains(stem) else { continue }
                found.append(stem)
                files.append((id, stem, URL(fileURLWithPath: folder).appendingPathComponent(name)))
            }
        }
        let opened = try await FileAudioSource.open(files.map { ($0.url, false) }, sampleRate: sampleRate)
        var stems: [String: [Stem: any AudioSource]] = [:]
        for (file, source) in zip(files, opened) { stems[file.id, default: [:]][file.stem] = source }
        return stems
    }
}

/// A song file opened for `mashup render`: its source, and the analyser input gathered on the same pass.
private struct OpenedSong: Sendable {
    var id: String
    var path: String
    var source: FileAudioSource
    /// Gathered on the opening pass, when asked.
    var input: SongAnalysisInput?

    init(id: String, path: String, gathering: Bool) throws {
        self.id = id
        self.path = path
        guard gathering else {
            source = try FileAudioSource(url: URL(fileURLWithPath: path))
            return
        }
        var gathered = SongAnalysisInput(sampleRate: AudioFile.defaultSampleRate)
        source = try FileAudioSource(url: URL(fileURLWithPath: path)) { gathered.append($0) }
        input = gathered
    }
}
