import Foundation
import MashupModel
import Orchestrator
import Render

/// `mashup create`: the whole pipeline on the command line: analysis, scoring, planning, stems, render.
enum CreateCommand: CLICommand {
    static let name = "create"
    static let summary = "make a mashup of 2-3 songs: analyse, score, plan, separate, render"
    static let usage = """
        mashup create SONG1 SONG2 [SONG3] -o OUT [--json-progress] [--strict] [plan options]
          Writes OUT (format by extension), OUT's .json (title, concept, artists, masterplan, timeline, stems and
          effects per section, solutions, loudness, warnings, phase timings), .html and .svg.
          Services come from the environment (ANALYSIS_API_URL, SCORING_API_URL, ORCHESTRATOR_API_URL,
          SEPARATION_API_URL, ANTHROPIC_API_KEY); unset means the embedded default. --strict (or
          MASHUP_STRICT_SERVICES=1) fails instead of falling back when a configured service fails.
        \(PlanOptions.usage)
        """

    static func run(_ arguments: inout Arguments) async throws {
        guard let output = try arguments.option("-o", "--output") else { throw CLIError.usage("-o OUT is required") }
        let json = arguments.flag("--json-progress")
        let strict = arguments.flag("--strict")
        let preferences = try PlanOptions.read(&arguments)
        let paths = try arguments.positionals()
        guard (2...3).contains(paths.count) else { throw CLIError.usage("give 2 or 3 songs") }
        let outputURL = URL(fileURLWithPath: output).standardizedFileURL
        _ = try AudioFileFormat.forPath(output)
        try CLIError.checkOutput(output)
        for path in paths where !FileManager.default.fileExists(atPath: path) {
            throw CLIError.failed("\(path): no such file")
        }
        let run = try PipelineRun(paths: paths, outputURL: outputURL, strict: strict, preferences: preferences)
        let printer = ProgressPrinter(json: json)
        let record = try await run.execute(printer: printer) { pipeline, songs, context in
            try await pipeline.run(songs, context: context)
        }
        printer.finish()
        guard record.state == .complete, let result = record.result else {
            throw CLIError.failed(
                record.failure.map { "\($0.message) (\($0.details.type.rawValue)); \($0.details.suggestedAction)" }
                    ?? "the job ended as \(record.state.rawValue)")
        }
        // The result metadata: the job's answer (title, concept, masterplan, timeline, warnings, phases) and the
        // render report (sections with stems and effects, loudness, stage timings).
        let status = try JSONValue.parse(try JobStatus(record: record, now: Date(), remainingSeconds: nil).jsonData())
        var metadata = status.objectValue ?? [:]
        metadata["artists"] = result.report?["artist_credits"] ?? .null
        metadata["report"] = result.report ?? .null
        metadata["files"] = [
            "audio": .string(outputURL.path),
            "html": .string(outputURL.deletingPathExtension().appendingPathExtension("html").path),
            "svg": .string(outputURL.deletingPathExtension().appendingPathExtension("svg").path),
        ]
        let jsonURL = outputURL.deletingPathExtension().appendingPathExtension("json")
        try JSONValue.object(metadata).encoded(pretty: true).write(to: jsonURL, options: .atomic)
        for warning in record.warnings { printError("mashup create: warning: \(warning)") }
        printError("\"\(result.title ?? "mashup")\": \(result.concept ?? "")")
        print(outputURL.path)
        print(jsonURL.path)
        print(outputURL.deletingPathExtension().appendingPathExtension("html").path)
    }
}

/// `mashup plan`: analysis, scoring and planning only; writes the masterplan.
enum PlanCommand: CLICommand {
    static let name = "plan"
    static let summary = "analyse 2-3 songs and write a masterplan (no render)"
    static let usage = """
        mashup plan SONG1 SONG2 [SONG3] [-o PLAN.json] [--json-progress] [--strict] [plan options]
        \(PlanOptions.usage)
        """

    static func run(_ arguments: inout Arguments) async throws {
        let output = try arguments.option("-o", "--output")
        let json = arguments.flag("--json-progress")
        let strict = arguments.flag("--strict")
        let preferences = try PlanOptions.read(&arguments)
        let paths = try arguments.positionals()
        guard (2...3).contains(paths.count) else { throw CLIError.usage("give 2 or 3 songs") }
        for path in paths where !FileManager.default.fileExists(atPath: path) {
            throw CLIError.failed("\(path): no such file")
        }
        let scratchOut = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mashup-plan-\(UUID().uuidString).wav")
        let run = try PipelineRun(paths: paths, outputURL: scratchOut, strict: strict, preferences: preferences)
        let printer = ProgressPrinter(json: json)
        let record = try await run.execute(printer: printer) { pipeline, songs, context in
            let (plan, _) = try await pipeline.plan(songs, context: context)
            return JobResult(
                title: plan["masterplan"]?["title"]?.stringValue, concept: plan["creative_vision"]?.stringValue,
                masterplan: plan)
        }
        printer.finish()
        guard record.state == .complete, let plan = record.result?.masterplan else {
            throw CLIError.failed(record.failure?.message ?? "the job ended as \(record.state.rawValue)")
        }
        let data = try plan.encoded(pretty: true)
        for warning in record.warnings { printError("mashup plan: warning: \(warning)") }
        if let output {
            try CLIError.checkOutput(output)
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
            print(output)
        } else {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// One pipeline job run in this process, with an in-memory job store and a temporary workspace.
struct PipelineRun {
    let songs: [PipelineSong]
    let pipeline: MashupPipeline
    let manager: JobManager
    let workspace: URL
    /// The per-user processing history that makes the next run's ETA.
    let history: ETAHistoryFile

    init(paths: [String], outputURL: URL, strict: Bool, preferences: PlanPreferences) throws {
        var configuration = try ServiceConfiguration.fromEnvironment()
        if strict { configuration.strict = true }
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-\(UUID().uuidString)")
        try TemporaryFiles.create(workspace.path) { // removed with everything in it if SIGTERM ends the run
            try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        }
        self.workspace = workspace
        let base = outputURL.deletingPathExtension().lastPathComponent
        var pipeline = PipelineFactory.make(
            configuration: configuration, outputDirectory: outputURL.deletingLastPathComponent(),
            scratch: workspace.appendingPathComponent("scratch"),
            planner: EmbeddedPlanner(), fileName: { _ in base },
            fileExtension: outputURL.pathExtension.lowercased())
        let songs = paths.enumerated().map { index, path in
            PipelineSong.localFile(songID: "song\(index + 1)", url: URL(fileURLWithPath: path).standardizedFileURL)
        }
        // --lead may name a song by its file (with or without the folder and extension).
        var preferences = preferences
        if let lead = preferences.leadSongID {
            let leadName = URL(fileURLWithPath: lead).deletingPathExtension().lastPathComponent
            guard let match = songs.first(where: { $0.song.songID == lead || $0.song.name == leadName }) else {
                throw CLIError.usage(
                    "--lead '\(lead)' names none of the songs (song1...song\(songs.count) or a file name)")
            }
            preferences.leadSongID = match.song.songID
        }
        pipeline.userPreferences = preferences.json
        self.pipeline = pipeline
        self.songs = songs
        history = ETAHistoryFile.standard()
        manager = JobManager(
            store: InMemoryJobStore(), workspaceRoot: workspace.appendingPathComponent("jobs"),
            estimator: ETAEstimator(history: history.load()))
    }

    /// Submits `body` as a job, shows its progress, and returns the finished record.
    func execute(
        printer: ProgressPrinter,
        _ body: @escaping @Sendable (MashupPipeline, [PipelineSong], JobContext) async throws -> JobResult
    ) async throws -> JobRecord {
        defer { TemporaryFiles.remove(workspace.path) }
        let pipeline = self.pipeline, songs = self.songs
        let record = try await manager.submit(songs: songs.map(\.song), workload: JobWorkload(songCount: songs.count)) {
            context in
            try await body(pipeline, songs, context)
        }
        let manager = self.manager
        let id = record.id
        // Ctrl-C cancels the job (its partial files are removed), then the process exits non-zero.
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        signal(SIGINT, SIG_IGN)
        interrupt.setEventHandler { Task { _ = try? await manager.cancel(id) } }
        interrupt.resume()
        defer { interrupt.cancel() }
        if let updates = try await manager.updates(id) {
            for await update in updates {
                let status = try? await manager.status(id)
                printer.update(
                    percent: update.progress, message: update.currentStep,
                    eta: status?.estimatedCompletion, phase: update.phase?.rawValue)
                if update.state.isTerminal { break }
            }
        }
        guard let finished = try await manager.waitUntilFinished(id) else {
            throw CLIError.failed("the job disappeared")
        }
        // The manager recorded the finished job's timings in its estimator; keep them for the next run.
        if finished.state == .complete { history.save(await manager.estimator.history) }
        return finished
    }
}
