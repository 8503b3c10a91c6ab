import Foundation
import MashupModel
import Orchestrator

/// What a queued job of `mashup serve` is asked to do, stored beside the job (`jobs/<id>.json` in the shared
/// storage) so that any node that claims it can run it.
public struct ServeJobSpec: Codable, Sendable, Equatable {
    /// The two kinds of job.
    public enum Kind: String, Codable, Sendable {
        /// The whole pipeline: analysis, scoring, planning, stems, render (`/generate-mashup`, `/v1/jobs` with songs).
        case pipeline
        /// Render a given plan (`/execute-masterplan`, `/v1/jobs` with a plan).
        case render
    }

    /// One input song: by `storage_path` in the shared storage or by `url` (http/https, checked by `URLPolicy`).
    public struct Song: Codable, Sendable, Equatable {
        public var songID: String
        public var name: String
        public var artist: String?
        public var storagePath: String?
        public var url: String?
        /// The contract's analysis `A` when the caller already has it (render jobs).
        public var analysis: JSONValue?

        public init(
            songID: String, name: String, artist: String? = nil, storagePath: String? = nil, url: String? = nil,
            analysis: JSONValue? = nil
        ) {
            self.songID = songID
            self.name = name
            self.artist = artist
            self.storagePath = storagePath
            self.url = url
            self.analysis = analysis
        }

        public var jobSong: JobSong {
            JobSong(songID: songID, name: name, artist: artist, storagePath: storagePath, url: url)
        }
    }

    public var kind: Kind
    public var songs: [Song]
    /// For render jobs: `{"creative_vision", "masterplan": {...}}` (normalised by `MasterplanShape`).
    public var plan: JSONValue?
    /// For pipeline jobs: the listener's preferences passed to the planner as `user_preferences` (an object; see
    /// `StudioPreferences` for the keys the embedded planner honours). Nil in specs written before it existed.
    public var preferences: JSONValue?

    public init(kind: Kind, songs: [Song], plan: JSONValue? = nil, preferences: JSONValue? = nil) {
        self.kind = kind
        self.songs = songs
        self.plan = plan
        self.preferences = preferences
    }

    /// Where the spec of job `id` is kept in the shared storage.
    public static func storagePath(jobID: String) -> String { "jobs/\(jobID).json" }

    /// The result objects of job `id`: `generated/<id>.<ext>`.
    public static func resultPath(jobID: String, extension ext: String) -> String { "generated/\(jobID).\(ext)" }
}
