import Foundation
import Render

/// A song as the analysis service takes it: by URL when it has one, else its file bytes (sent as base64).
public struct SongAudioInput: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// A URL the service can fetch (`file_url`).
        case url(URL)
        /// The encoded file bytes (`audio_data`, base64).
        case bytes(Data)
        /// A local file whose bytes are sent (`audio_data`, base64).
        case file(URL)
    }

    /// The request's `song_id`.
    public var songID: String
    public var source: Source

    public init(songID: String, source: Source) {
        self.songID = songID
        self.source = source
    }
}

/// Weights of the scoring dimensions (defaults of the contract; normalised to sum 1 when sent).
public struct ScoringWeights: Sendable, Equatable {
    public var harmonic = 0.35, rhythmic = 0.35, spectral = 0.15, vocal = 0.15
    public init() {}
    public init(harmonic: Double, rhythmic: Double, spectral: Double, vocal: Double) {
        self.harmonic = harmonic; self.rhythmic = rhythmic; self.spectral = spectral; self.vocal = vocal
    }

    /// `{"harmonic": …, "rhythmic": …, "spectral": …, "vocal": …}` normalised to sum 1.
    public var json: JSONValue {
        let sum = harmonic + rhythmic + spectral + vocal
        let scale = sum > 0 ? 1 / sum : 0
        return [
            "harmonic": .number(harmonic * scale), "rhythmic": .number(rhythmic * scale),
            "spectral": .number(spectral * scale), "vocal": .number(vocal * scale),
        ]
    }
}

/// A song as the planner names it: the `songId` its layers use, with title and artist for the story.
public struct PlanSongLabel: Sendable, Equatable {
    public var songID: String
    public var name: String
    public var artist: String?
    public init(songID: String, name: String, artist: String? = nil) {
        self.songID = songID
        self.name = name
        self.artist = artist
    }
}

/// What the planner needs, as the contract's `/create-masterplan` request carries it.
public struct PlanRequest: Sendable, Equatable {
    /// Analyses in song order (the contract's service takes the first two): each read once, see `AnalysisDocument`.
    public var documents: [AnalysisDocument]
    /// The analyses' wire form `A`, in song order (what the planner service and Claude's prompt are sent).
    public var analyses: [JSONValue] { documents.map(\.json) }
    /// The scoring answer for the pair.
    public var mashabilityScore: JSONValue
    public var userPreferences: JSONValue
    /// Ids and titles of the songs, in the order of `analyses` (empty: `song1`, `song2`...).
    public var songs: [PlanSongLabel]

    public init(
        documents: [AnalysisDocument], mashabilityScore: JSONValue, userPreferences: JSONValue = [:],
        songs: [PlanSongLabel] = []
    ) {
        precondition(documents.count >= 2, "a plan needs at least two analyses")
        precondition(songs.isEmpty || songs.count == documents.count, "one label per analysis")
        self.documents = documents
        self.mashabilityScore = mashabilityScore
        self.userPreferences = userPreferences
        self.songs = songs
    }

    /// A request for analyses received as JSON (a file, a request body): each is read once, here.
    public init(
        analyses: [JSONValue], mashabilityScore: JSONValue, userPreferences: JSONValue = [:],
        songs: [PlanSongLabel] = []
    ) {
        self.init(
            documents: analyses.map(AnalysisDocument.init(json:)), mashabilityScore: mashabilityScore,
            userPreferences: userPreferences, songs: songs)
    }

    /// The label of song `index` (a `songN` placeholder when none was given).
    public func label(_ index: Int) -> PlanSongLabel {
        songs.isEmpty ? PlanSongLabel(songID: "song\(index + 1)", name: "Song \(index + 1)") : songs[index]
    }
}

/// The stems of one song as the separation service names them (paths in the shared storage).
public struct StemPaths: Sendable, Equatable {
    /// `drums`, `bass`, `other`, `vocals` -> storage path.
    public var paths: [String: String]
    public init(paths: [String: String]) { self.paths = paths }
    /// The Demucs stem names the contract requires.
    public static let requiredStems = ["drums", "bass", "other", "vocals"]
}

/// Song analysis (`A` of the contract), remote or embedded.
public protocol AnalysisService: Sendable {
    func analyze(_ song: SongAudioInput) async throws -> AnalysisDocument
}

/// Mashability of a pair of analyses (the scoring answer), remote or embedded.
public protocol ScoringService: Sendable {
    func mashability(_ first: AnalysisDocument, _ second: AnalysisDocument, weights: ScoringWeights?) async throws
        -> JSONValue
}

/// A masterplan (`{"creative_vision", "masterplan": {...}}`), from the planner service, Claude, or embedded.
public protocol PlannerService: Sendable {
    func masterplan(for request: PlanRequest) async throws -> JSONValue
}

/// Stem separation of one song, remote or embedded.
public protocol SeparationService: Sendable {
    func separate(audioURL: URL, jobID: String) async throws -> StemPaths
}

/// One blocking problem in a plan: the field (dotted path) and what is wrong. (Named apart from the render's
/// `PlanIssue`, which adds a severity; a `PlanCheck` keeps only its errors.)
public struct PlanProblem: Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String
    /// True when the plan must not be used as it is (a planner is asked to correct it, or replaced); false for
    /// advice a usable plan can carry as a warning.
    public var isBlocking: Bool
    public init(field: String, message: String, isBlocking: Bool = true) {
        self.field = field
        self.message = message
        self.isBlocking = isBlocking
    }
    public var description: String { "\(field): \(message)" }
}

/// Checks a masterplan object (`{"creative_vision", "masterplan": {...}}`); empty means valid.
/// `MasterplanShape.issues` is the structural default; the render's validator plugs in as
/// `{ plan in PlanValidator(songIds: ids).validate(plan).errors.map { PlanProblem(field: $0.path, message: $0.message) } }`.
public typealias PlanCheck = @Sendable (JSONValue) -> [PlanProblem]
