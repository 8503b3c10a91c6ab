// The mashup pipeline over the service protocols: analysis -> scoring -> planning -> stems -> render.
//
// Each remote step goes through `ServiceFallback`: configured service first, the embedded implementation when it
// fails for good (with a warning recorded on the job), or a failure in strict mode. Progress follows the
// contract's milestones with messages naming songs; the render runs inside a render slot and its own 0-100
// progress is mapped onto 80-100. Songs are analysed one after the other (the progress names each song; the
// analysis itself parallelises inside). The render engine plugs in through `MashupRenderer`.
import Foundation
import Render

/// One song of a pipeline run.
public struct PipelineSong: Sendable, Equatable {
    public var song: JobSong
    /// How the analysis service gets it (URL, or bytes/file sent as base64).
    public var audio: SongAudioInput
    /// A URL the separation service can fetch; nil: no remote separation for this song.
    public var separationURL: URL?

    public init(song: JobSong, audio: SongAudioInput, separationURL: URL? = nil) {
        self.song = song
        self.audio = audio
        self.separationURL = separationURL
    }

    /// A song read from a local file: named after the file (without folder and extension), its path the storage
    /// path, analysed from the file.
    public static func localFile(songID: String, url: URL) -> PipelineSong {
        PipelineSong(
            song: JobSong(songID: songID, name: url.deletingPathExtension().lastPathComponent, storagePath: url.path),
            audio: SongAudioInput(songID: songID, source: .file(url)))
    }
}

/// The separation step on its own: stems from the separation service by song id, for songs with a URL it can fetch
/// (the others, and songs whose separation failed, are absent: the render approximates their stems); warnings on the
/// job. `MashupPipeline.separate` is one; `/execute-masterplan` jobs use it too.
public typealias StemSeparation = @Sendable ([PipelineSong], JobContext) async throws -> [String: StemPaths]

/// The embedded implementations used when a service is not configured or fails.
public struct EmbeddedServices: Sendable {
    public var analysis: any AnalysisService
    public var scoring: any ScoringService
    public var planner: any PlannerService

    public init(analysis: any AnalysisService, scoring: any ScoringService, planner: any PlannerService) {
        self.analysis = analysis
        self.scoring = scoring
        self.planner = planner
    }
}

/// What the render step receives.
public struct RenderInput: Sendable {
    /// `{"creative_vision", "masterplan": {...}}`.
    public var plan: JSONValue
    public var songs: [PipelineSong]
    /// Analyses in song order, each read once (`AnalysisDocument.strict` is the typed value).
    public var documents: [AnalysisDocument]
    /// The analyses' wire form in song order (the report's field sources; the validator's song facts).
    public var analyses: [JSONValue] { documents.map(\.json) }
    /// Stems from the separation service by song id (songs absent here use the embedded approximation).
    public var stems: [String: StemPaths]

    public init(plan: JSONValue, songs: [PipelineSong], documents: [AnalysisDocument], stems: [String: StemPaths] = [:])
    {
        self.plan = plan
        self.songs = songs
        self.documents = documents
        self.stems = stems
    }
}

/// The render engine as the pipeline sees it.
public protocol MashupRenderer: Sendable {
    /// Renders the plan; reports its own progress 0-100 with a message ("Rendering section 3/8: Drop") through
    /// `progress` (which throws `CancellationError` when the job is cancelled); registers its outputs with
    /// `context.registerFile` so that a failure or cancellation removes them.
    func render(
        _ input: RenderInput, context: JobContext,
        progress: @escaping @Sendable (Double, String) async throws -> Void
    ) async throws -> JobResult
}

/// Runs the whole pipeline for one job.
public struct MashupPipeline: Sendable {
    public let remote: RemoteServices
    public let embedded: EmbeddedServices
    /// Claude directly (when the configuration routes planning to it); built by the caller with the prompt.
    public let anthropicPlanner: AnthropicPlanner?
    public let renderer: any MashupRenderer
    public let weights: ScoringWeights?
    /// Passed to the planner with every request (e.g. `{"seed": 3, "duration_sec": 180}`); a job's own
    /// `JobPreferences.current` are merged over it.
    public var userPreferences: JSONValue = [:]

    public init(
        remote: RemoteServices, embedded: EmbeddedServices, anthropicPlanner: AnthropicPlanner? = nil,
        renderer: any MashupRenderer, weights: ScoringWeights? = nil
    ) {
        self.remote = remote
        self.embedded = embedded
        self.anthropicPlanner = anthropicPlanner
        self.renderer = renderer
        self.weights = weights
    }

    /// The pipeline as a job body for `JobManager.submit`.
    public func job(_ songs: [PipelineSong]) -> JobPipeline {
        { context in try await self.run(songs, context: context) }
    }

    /// Runs analysis, scoring, planning, stems and render for `songs` (2 or more).
    /// - Throws: the classified causes (`ServiceError` in strict mode, errors of the embedded steps and the
    ///   renderer), `CancellationError`.
    public func run(_ songs: [PipelineSong], context: JobContext) async throws -> JobResult {
        precondition(songs.count >= 2, "a mashup needs at least two songs")
        let (plan, analyses) = try await plan(songs, context: context)
        let stems = try await separate(songs, context: context)
        let input = RenderInput(plan: plan, songs: songs, documents: analyses, stems: stems)
        return try await context.withRenderSlot {
            try await context.report(PipelineProgress.rendering(renderPercent: 0, message: "Rendering"))
            return try await renderer.render(input, context: context) { percent, message in
                try await context.report(PipelineProgress.rendering(renderPercent: percent, message: message))
            }
        }
    }

    /// Analysis, scoring and planning only: the masterplan (`{"creative_vision", "masterplan"}`) and the analyses
    /// in song order.
    public func plan(_ songs: [PipelineSong], context: JobContext) async throws -> (
        plan: JSONValue, analyses: [AnalysisDocument]
    ) {
        precondition(songs.count >= 2, "a mashup needs at least two songs")
        let fallback = remote.fallback
        let analyses = try await analyse(songs, context: context, fallback: fallback)
        let (pairScore, order) = try await score(songs, analyses: analyses, context: context, fallback: fallback)
        let plan = try await makePlan(
            songs, analyses: analyses, order: order, score: pairScore, context: context,
            fallback: fallback)
        return (plan, analyses)
    }

    private func analyse(
        _ songs: [PipelineSong], context: JobContext,
        fallback: ServiceFallback
    ) async throws -> [AnalysisDocument] {
        var analyses: [AnalysisDocument] = []
        // The input size the ETA scales by, known before any phase runs when the songs' headers tell it.
        let declared = songs.map { Self.declaredSeconds($0.audio) }
        let headersKnown = declared.allSatisfy { $0 != nil }
        if headersKnown {
            let total = declared.reduce(0) { $0 + ($1 ?? 0) }
            try await context.updateWorkload { $0.audioSeconds = total }
        }
        for (index, song) in songs.enumerated() {
            try await context.report(
                PipelineProgress.analysis(songIndex: index, of: songs.count, songName: song.song.name))
            let client = remote.analysis, embedded = self.embedded.analysis, audio = song.audio
            let outcome = try await fallback.run(
                service: .analysis, embeddedName: "the embedded analyser",
                remote: client.map { client in { try await client.analyze(audio) } },
                embedded: { try await embedded.analyze(audio) })
            if let warning = outcome.warning { try await context.warn("\"\(song.song.name)\": \(warning)") }
            var analysis = outcome.value
            if case .remote = outcome.source {
                // The service's answer, completed and checked by our analysis of the same audio.
                do {
                    let ours = try await embedded.analyze(audio)
                    let reconciled = AnalysisReconciler.reconcile(
                        remote: analysis.json, embedded: ours.json,
                        songName: song.song.name)
                    // The merged document is a new analysis: read once, here.
                    analysis = AnalysisDocument(json: reconciled.analysis)
                    for warning in reconciled.warnings { try await context.warn(warning) }
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    try await context.warn(
                        "\"\(song.song.name)\": the service's analysis could not be checked against "
                            + "the embedded analysis (\(error)); it is used as it is")
                }
            }
            analyses.append(analysis)
            try await context.updateMetadata { $0.analysesCompleted += 1 }
            // The input size the ETA scales by: the songs' seconds (extrapolated until every song is known).
            let known = analyses.compactMap { $0.json["duration_sec"]?.doubleValue }.filter { $0.isFinite && $0 > 0 }
            if !headersKnown, !known.isEmpty {
                let estimate = known.reduce(0, +) / Double(known.count) * Double(songs.count)
                try await context.updateWorkload { $0.audioSeconds = estimate }
            }
        }
        return analyses
    }

    /// The length a local song's header declares, seconds (nil for other sources, or an unreadable header).
    static func declaredSeconds(_ audio: SongAudioInput) -> Double? {
        guard case .file(let url) = audio.source,
            let info = try? AudioFileFacts.read(url)
        else { return nil }
        guard info.sampleRate > 0, info.declaredFrameCount > 0 else { return nil }
        let seconds = Double(info.declaredFrameCount) / info.sampleRate
        return seconds.isFinite && seconds < 86_400 ? seconds : nil
    }

    /// Scores every pair; returns the best pair's score and the song order for planning (best pair first).
    private func score(
        _ songs: [PipelineSong], analyses: [AnalysisDocument], context: JobContext,
        fallback: ServiceFallback
    ) async throws -> (JSONValue, [Int]) {
        var pairs: [(Int, Int)] = []
        for first in 0..<songs.count { for second in (first + 1)..<songs.count { pairs.append((first, second)) } }
        var best: (score: JSONValue, value: Double, pair: (Int, Int))?
        for (index, (first, second)) in pairs.enumerated() {
            try await context.report(
                PipelineProgress.scoring(
                    pairIndex: index, of: pairs.count, firstName: songs[first].song.name,
                    secondName: songs[second].song.name))
            let client = remote.scoring, embedded = self.embedded.scoring, weights = self.weights
            let a = analyses[first], b = analyses[second]
            let outcome = try await fallback.run(
                service: .scoring, embeddedName: "the embedded scorer",
                remote: client.map { client in { try await client.mashability(a, b, weights: weights) } },
                embedded: { try await embedded.mashability(a, b, weights: weights) })
            if let warning = outcome.warning { try await context.warn(warning) }
            try await context.updateMetadata { $0.mashabilityScoresCount += 1 }
            let value = outcome.value["overall_score"]?.doubleValue ?? 0
            if best == nil || value > best!.value { best = (outcome.value, value, (first, second)) }
        }
        let pair = best!.pair
        let order = [pair.0, pair.1] + (0..<songs.count).filter { $0 != pair.0 && $0 != pair.1 }
        return (best!.score, order)
    }

    private func makePlan(
        _ songs: [PipelineSong], analyses: [AnalysisDocument], order: [Int], score: JSONValue,
        context: JobContext, fallback: ServiceFallback
    ) async throws -> JSONValue {
        let labels = order.map {
            PlanSongLabel(songID: songs[$0].song.songID, name: songs[$0].song.name, artist: songs[$0].song.artist)
        }
        let request = PlanRequest(
            documents: order.map { analyses[$0] }, mashabilityScore: score,
            userPreferences: JobPreferences.merged(userPreferences, JobPreferences.current),
            songs: labels)
        let route = remote.configuration.plannerRoute
        let remotePlanner: (any PlannerService)?
        let service: ServiceKind
        switch route {
        case .service: remotePlanner = remote.planner; service = .planner
        case .anthropic: remotePlanner = anthropicPlanner; service = .anthropic
        case .embedded: remotePlanner = nil; service = .planner
        }
        let plannerName =
            remotePlanner == nil ? "the embedded planner" : (route == .service ? "the planner service" : "Claude")
        try await context.report(PipelineProgress.planning(plannerName: plannerName))
        let embedded = self.embedded.planner
        let review = PlanReview(request: request)
        let outcome = try await fallback.run(
            service: service, embeddedName: "the embedded planner",
            remote: remotePlanner.map { planner in { try await planner.masterplan(for: request) } },
            embedded: { try await embedded.masterplan(for: request) })
        if let warning = outcome.warning { try await context.warn(warning) }
        var plan = outcome.value
        if case .object(var members) = plan,
            let corrections = members.removeValue(forKey: AnthropicPlanner.correctionsMember)
        {
            plan = .object(members)
            let listed = (corrections.arrayValue ?? []).compactMap(\.stringValue)
            try await context.warn(
                "\(plannerName) was asked to correct its plan (\(listed.count) problems: "
                    + listed.prefix(5).joined(separator: "; ") + ")")
        }
        // Every plan is reviewed against the job's songs: a planner service's plan with blocking problems is
        // replaced by the embedded planner's; what remains is recorded.
        var problems = review.problems(in: plan)
        if case .remote(.planner) = outcome.source, problems.contains(where: \.isBlocking) {
            let blocking = problems.filter(\.isBlocking)
            guard !fallback.strict else {
                throw JobFailure(
                    .invalidPlan,
                    "The planner service's masterplan cannot be rendered: "
                        + blocking.prefix(5).map(\.description).joined(separator: "; "),
                    suggestedAction:
                        "Fix the planner service, or unset ORCHESTRATOR_API_URL to use the embedded planner.")
            }
            try await context.warn(
                "the planner service's masterplan has \(blocking.count) problems ("
                    + blocking.prefix(5).map(\.description).joined(separator: "; ")
                    + "); the embedded planner planned instead")
            plan = try await embedded.masterplan(for: request)
            problems = review.problems(in: plan)
        }
        for problem in problems { try await context.warn("plan: \(problem.description)") }
        try await context.updateMetadata { $0.hasMasterplan = true }
        let layers =
            plan["masterplan"]?["timeline"]?.arrayValue?.reduce(0) { $0 + ($1["layers"]?.arrayValue?.count ?? 0) } ?? 0
        let seconds =
            plan["masterplan"]?["timeline"]?.arrayValue?.reduce(0.0) {
                max($0, ($1["time_start_sec"]?.doubleValue ?? 0) + ($1["duration_sec"]?.doubleValue ?? 0))
            } ?? 0
        try await context.updateWorkload {
            $0.layerCount = layers; $0.outputSeconds = seconds
        }
        return plan
    }

    /// Stems from the separation service by song id (nothing when none is configured): each song with a
    /// `separationURL` is sent as `{"audio_url", "job_id"}`; a song without one, or whose separation fails for good,
    /// is left out with a warning (strict mode: the failure fails the job).
    /// - Throws: `ServiceError` in strict mode, `CancellationError`.
    public func separate(_ songs: [PipelineSong], context: JobContext) async throws -> [String: StemPaths] {
        guard let client = remote.separation else { return [:] }
        let fallback = remote.fallback
        var stems: [String: StemPaths] = [:]
        for (index, song) in songs.enumerated() {
            try await context.report(
                PipelineProgress.stems(songIndex: index, of: songs.count, songName: song.song.name))
            guard let url = song.separationURL else {
                try await context.warn(
                    "\"\(song.song.name)\": the separation service needs a URL it can fetch, and this "
                        + "song has none (a local file: give it by URL, or keep songs in Supabase storage, or "
                        + "set MASHUP_PUBLIC_URL on the server); "
                        + "the embedded stem approximation is used")
                continue
            }
            let jobID = context.jobID
            let outcome = try await fallback.run(
                service: .separation, embeddedName: "the embedded stem approximation",
                remote: { try await client.separate(audioURL: url, jobID: jobID) },
                embedded: { StemPaths(paths: [:]) })
            if let warning = outcome.warning { try await context.warn("\"\(song.song.name)\": \(warning)") }
            if case .remote = outcome.source { stems[song.song.songID] = outcome.value }
        }
        return stems
    }
}
