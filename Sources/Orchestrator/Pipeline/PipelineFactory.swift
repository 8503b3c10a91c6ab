import Analysis
import Foundation
import Render

/// Builds the mashup pipeline from the configuration: remote services where configured, embedded defaults for
/// everything else (analyser, scorer, planner, stem approximation in the render), Claude when
/// `ANTHROPIC_API_KEY` is set, and the render's validator checking every plan that comes from outside.
public enum PipelineFactory {
    /// The validator as the services' plan check (song ids are checked again, against the job's songs, at render).
    public static let planCheck: PlanCheck = { plan in
        PlanValidator().validate(plan).errors.map { PlanProblem(field: $0.path, message: $0.message) }
    }

    /// The planner prompt with the render's effect vocabulary.
    public static var producerPrompt: ProducerPrompt {
        ProducerPrompt(
            effectLines: EffectVocabulary.promptText.split(separator: "\n").map {
                ProducerPrompt.strippingBullet(String($0))
            })
    }

    /// - Parameters:
    ///   - configuration: from `ServiceConfiguration.fromEnvironment()`.
    ///   - outputDirectory: where results are written (`<storage>/generated`).
    ///   - scratch: a folder for songs given as bytes.
    ///   - planner: the embedded planner.
    ///   - renderOptions: engine settings (cache, concurrency); nil: defaults, with stems approximated over the
    ///     ranges the layers read and cached by range (on disk in `contentCache` when there is one).
    ///   - stemLoader, download, resultURL: storage hooks (see `EngineRenderer`).
    ///   - fileName, fileExtension: the results' name for a job id, and the audio format by extension.
    public static func make(
        configuration: ServiceConfiguration, outputDirectory: URL, scratch: URL,
        planner: any PlannerService, songs: DecodedSongCache = DecodedSongCache(),
        contentCache: ContentCache? = nil,
        transport: any HTTPTransport = URLSessionTransport(),
        renderOptions: RenderOptions? = nil,
        stemLoader: @escaping @Sendable (String) async throws -> URL = { URL(fileURLWithPath: $0) },
        download: @escaping @Sendable (URL) async throws -> URL = { url in
            throw JobFailure(.invalidAudio, "\(url.absoluteString): songs given by URL need a downloader")
        },
        resultURL: @escaping @Sendable (String) -> String? = { _ in nil },
        fileName: @escaping @Sendable (String) -> String = { $0 },
        fileExtension: String = "wav",
        observer: (@Sendable (ServiceAttemptRecord) -> Void)? = nil
    ) -> MashupPipeline {
        let remote = RemoteServices(
            configuration: configuration, transport: transport, planValidator: planCheck,
            observer: observer)
        let embedded = EmbeddedServices(
            analysis: EmbeddedAnalysisService(songs: songs, scratch: scratch, cache: contentCache, download: download),
            scoring: EmbeddedScoringService(), planner: planner)
        let prompt = producerPrompt
        let anthropic = remote.anthropic.map {
            AnthropicPlanner(
                client: $0, systemPrompt: ProducerPrompt.system, promptBuilder: { prompt.user(for: $0) },
                reviewer: { PlanReview(request: $0).check })
        }
        var renderer = EngineRenderer(
            songs: songs, outputDirectory: outputDirectory, fileExtension: fileExtension,
            engineOptions: renderOptions ?? RenderOptions(stems: CachedStemProvider(cache: contentCache)),
            songAnalysis: EmbeddedSongAnalysis(cache: contentCache),
            stemLoader: stemLoader, download: download, resultURL: resultURL)
        renderer.fileName = fileName
        return MashupPipeline(remote: remote, embedded: embedded, anthropicPlanner: anthropic, renderer: renderer)
    }
}
