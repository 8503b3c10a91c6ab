import Analysis
import DSP
import Foundation
import Render

/// The embedded analyser behind the analysis service's protocol: the contract's analysis JSON plus our fields
/// (beats, downbeats, energy, sections).
public struct EmbeddedAnalysisService: AnalysisService {
    public let songs: DecodedSongCache
    public let scratch: URL
    public let download: @Sendable (URL) async throws -> URL
    public var analyzer: SongAnalyzer
    /// Analyses cached by content (nil: always analyse).
    public var cache: ContentCache?

    /// - Parameters:
    ///   - songs: the decode cache shared with the renderer.
    ///   - scratch: a folder for songs given as bytes.
    ///   - download: fetches a song given by URL to a local file.
    public init(
        songs: DecodedSongCache, scratch: URL, analyzer: SongAnalyzer = SongAnalyzer(), cache: ContentCache? = nil,
        download: @escaping @Sendable (URL) async throws -> URL = { url in
            throw JobFailure(.invalidAudio, "\(url.absoluteString): songs given by URL need a downloader")
        }
    ) {
        self.songs = songs
        self.scratch = scratch
        self.analyzer = analyzer
        self.download = download
        self.cache = cache
    }

    public func analyze(_ song: SongAudioInput) async throws -> AnalysisDocument {
        let source = try await songs.source(of: song, scratch: scratch, download: download)
        try Task.checkCancellation()
        let analysis = try await EmbeddedSongAnalysis(analyzer: analyzer, cache: cache).analysis(of: source)
        return try AnalysisDocument(analysis)
    }
}

/// The embedded mashability scorer behind the scoring service's protocol.
public struct EmbeddedScoringService: ScoringService {
    public var scorer: MashabilityScorer

    public init(scorer: MashabilityScorer = MashabilityScorer()) {
        self.scorer = scorer
    }

    public func mashability(
        _ first: AnalysisDocument, _ second: AnalysisDocument,
        weights: ScoringWeights?
    ) async throws -> JSONValue {
        let a = try first.analysis()
        let b = try second.analysis()
        var w = MashabilityWeights.default
        if let weights {
            w = MashabilityWeights(
                harmonic: weights.harmonic, rhythmic: weights.rhythmic, spectral: weights.spectral,
                vocal: weights.vocal)
        }
        return try JSONValue.parse(try JSONEncoder().encode(scorer.score(a, b, weights: w)))
    }
}
