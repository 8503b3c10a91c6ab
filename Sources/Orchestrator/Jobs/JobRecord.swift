import Foundation
import Render

/// A song of a job request, as `/generate-mashup` sends it.
public struct JobSong: Codable, Sendable, Equatable {
    public var songID: String
    public var name: String
    public var artist: String?
    public var storagePath: String?
    /// A URL the song can be fetched from, when given instead of a storage path.
    public var url: String?

    public init(songID: String, name: String, artist: String? = nil, storagePath: String? = nil, url: String? = nil) {
        self.songID = songID
        self.name = name
        self.artist = artist
        self.storagePath = storagePath
        self.url = url
    }

    enum CodingKeys: String, CodingKey {
        case songID = "song_id", name, artist, storagePath = "storage_path", url
    }
}

/// The size of a job's input, which the ETA scales phase durations by.
public struct JobWorkload: Codable, Sendable, Equatable {
    public var songCount: Int
    /// Total duration of the input songs, in seconds (0 when not known yet).
    public var audioSeconds: Double
    /// Layers in the plan (0 until the plan exists).
    public var layerCount: Int
    /// Duration of the planned mashup, in seconds (0 until the plan exists).
    public var outputSeconds: Double

    public init(songCount: Int, audioSeconds: Double = 0, layerCount: Int = 0, outputSeconds: Double = 0) {
        self.songCount = songCount
        self.audioSeconds = audioSeconds
        self.layerCount = layerCount
        self.outputSeconds = outputSeconds
    }

    /// Pairs of songs scored: n·(n-1)/2.
    public var pairCount: Int { songCount * (songCount - 1) / 2 }
}

/// What a completed job produced (the `complete` fields of the status answer).
public struct JobResult: Codable, Sendable, Equatable {
    /// Where the client gets the audio (`result_url`).
    public var resultURL: String?
    /// Where the audio is in the shared storage (`generated/<job>.wav`).
    public var storagePath: String?
    public var title: String?
    /// The creative vision.
    public var concept: String?
    public var timeline: JSONValue?
    public var masterplan: JSONValue?
    /// The render report and anything else the pipeline wants to keep.
    public var report: JSONValue?

    public init(
        resultURL: String? = nil, storagePath: String? = nil, title: String? = nil, concept: String? = nil,
        timeline: JSONValue? = nil, masterplan: JSONValue? = nil, report: JSONValue? = nil
    ) {
        self.resultURL = resultURL
        self.storagePath = storagePath
        self.title = title
        self.concept = concept
        self.timeline = timeline
        self.masterplan = masterplan
        self.report = report
    }
}

/// What the job has done so far (kept when it fails).
public struct JobMetadata: Codable, Sendable, Equatable {
    public var songsCount: Int
    public var analysesCompleted: Int = 0
    public var mashabilityScoresCount: Int = 0
    public var hasMasterplan: Bool = false
    /// Phases that finished, in order.
    public var completedPhases: [JobPhase] = []
    /// Cache hits of the render by kind ("analysis", "stems", "stretch"); nil before the render.
    public var cacheHits: [String: Int]? = nil

    public init(songsCount: Int) { self.songsCount = songsCount }
}

/// Everything known about one job. Stores persist it whole; its mutations are the pure functions below, so every
/// store applies the same rules (a durable store runs them inside a transaction).
public struct JobRecord: Codable, Sendable, Equatable {
    public let id: String
    public private(set) var state: JobState
    /// Overall progress 0-100; never goes backwards while the job runs.
    public private(set) var progress: Double
    /// The human message of the latest step.
    public private(set) var currentStep: String
    /// The phase running now (nil before the job starts).
    public private(set) var phase: JobPhase?
    public let createdAt: Date
    public private(set) var updatedAt: Date
    public private(set) var startedAt: Date?
    public private(set) var finishedAt: Date?
    /// When the current phase started.
    public private(set) var phaseStartedAt: Date?
    /// Seconds spent in each finished phase.
    public private(set) var phaseDurations: [JobPhase: Double] = [:]
    public var songs: [JobSong]
    public var workload: JobWorkload
    public var metadata: JobMetadata
    public var warnings: [String] = []
    /// Files and folders that belong to the job (workspace, outputs): removed on failure or cancellation
    /// (partial output) and by the TTL cleanup.
    public var filePaths: [String] = []
    public private(set) var result: JobResult?
    public private(set) var failure: JobFailure?

    public init(id: String, songs: [JobSong], workload: JobWorkload? = nil, createdAt: Date) {
        self.id = id
        self.state = .queued
        self.progress = 0
        self.currentStep = PipelineProgress.queued().message
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.songs = songs
        self.workload = workload ?? JobWorkload(songCount: songs.count)
        self.metadata = JobMetadata(songsCount: songs.count)
    }

    /// Seconds from start (or creation) to the end (or `now`).
    public func elapsedSeconds(now: Date) -> Double {
        max(0, (finishedAt ?? now).timeIntervalSince(startedAt ?? createdAt))
    }

    /// Applies a progress report. A new phase closes the previous one (its duration is recorded).
    /// - Throws: `JobStoreError.notActive` when the job is not processing.
    public mutating func applyProgress(_ update: ProgressUpdate, at now: Date) throws {
        guard state == .processing else { throw JobStoreError.notActive(id: id, state: state) }
        enterPhase(update.phase, at: now)
        progress = max(progress, min(max(update.progress, 0), 100))
        currentStep = update.message
        updatedAt = now
    }

    /// Applies a state change from the transition table.
    /// - Parameters:
    ///   - failure: kept when the new state is failed or cancelled.
    ///   - result: kept when the new state is complete.
    /// - Throws: `JobStoreError.invalidTransition` when the table forbids it.
    public mutating func applyTransition(
        to next: JobState, at now: Date, failure: JobFailure? = nil,
        result: JobResult? = nil
    ) throws {
        guard state.canTransition(to: next) else {
            throw JobStoreError.invalidTransition(id: id, from: state, to: next)
        }
        switch next {
        case .processing:
            if startedAt == nil { startedAt = now }
            currentStep = "Starting"
        case .queued:
            closePhase(at: now, completed: false)
            phase = nil
            currentStep = PipelineProgress.queued().message
        case .complete:
            closePhase(at: now, completed: true)
            progress = 100
            currentStep = PipelineProgress.completeMessage
            self.result = result
            finishedAt = now
        case .failed, .cancelled:
            closePhase(at: now, completed: false)
            self.failure =
                failure
                ?? (next == .cancelled
                    ? JobFailure(.cancelled, "The job was cancelled.")
                    : JobFailure(.system, "The job failed."))
            currentStep = next == .cancelled ? "Cancelled" : "Failed: \(self.failure!.message)"
            finishedAt = now
        }
        state = next
        updatedAt = now
    }

    /// Marks the time of a non-progress change (warnings, metadata).
    public mutating func touch(at now: Date) { updatedAt = now }

    private mutating func enterPhase(_ next: JobPhase, at now: Date) {
        guard next != phase else { return }
        closePhase(at: now, completed: true)
        phase = next
        phaseStartedAt = now
    }

    /// Records the current phase's duration; `completed` when the job moved past it (not when it failed inside it).
    private mutating func closePhase(at now: Date, completed: Bool) {
        guard let current = phase, let started = phaseStartedAt else { return }
        phaseDurations[current, default: 0] += max(0, now.timeIntervalSince(started))
        if completed, current != .queued, !metadata.completedPhases.contains(current) {
            metadata.completedPhases.append(current)
        }
        phaseStartedAt = nil
    }
}

/// Errors of a job store.
public enum JobStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(id: String)
    case duplicate(id: String)
    case invalidTransition(id: String, from: JobState, to: JobState)
    /// Progress reported for a job that is not processing (cancelled meanwhile, or finished).
    case notActive(id: String, state: JobState)
    /// `modify` tried to change what only `transition` may change.
    case forbiddenChange(id: String, field: String)

    public var description: String {
        switch self {
        case .notFound(let id): "job \(id) not found"
        case .duplicate(let id): "job \(id) already exists"
        case .invalidTransition(let id, let from, let to): "job \(id) cannot go from \(from.rawValue) to \(to.rawValue)"
        case .notActive(let id, let state): "job \(id) is \(state.rawValue), not processing"
        case .forbiddenChange(let id, let field): "job \(id): \(field) may only change through a transition"
        }
    }
}
