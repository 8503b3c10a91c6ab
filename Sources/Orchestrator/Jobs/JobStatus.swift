import Foundation
import Render

/// The answer of `POST /get-mashup-status`, field for field as the contract gives it (plus `warnings` and
/// `metadata.completed_phases`, which the contract allows). Absent values are left out of the JSON.
public struct JobStatus: Encodable, Sendable, Equatable {
    public struct Metadata: Encodable, Sendable, Equatable {
        public var songsCount: Int
        public var analysesCompleted: Int
        public var mashabilityScoresCount: Int
        public var hasMasterplan: Bool
        public var completedPhases: [JobPhase]
        /// Cache hits of the render by kind, when it ran.
        public var cacheHits: [String: Int]?

        enum CodingKeys: String, CodingKey {
            case songsCount = "songs_count", analysesCompleted = "analyses_completed"
            case mashabilityScoresCount = "mashability_scores_count", hasMasterplan = "has_masterplan"
            case completedPhases = "completed_phases", cacheHits = "cache_hits"
        }
    }

    public var jobID: String
    /// `processing`, `complete` or `failed`.
    public var status: String
    /// 0-100, rounded to an integer.
    public var progress: Int
    public var currentStep: String
    /// The phase running now (`queued`, `analysis`, `scoring`, `planning`, `stems`, `rendering`); nil once finished.
    public var phase: String?
    /// ISO 8601 with milliseconds, UTC.
    public var createdAt: String
    public var updatedAt: String
    /// "1m 12s".
    public var processingTimeElapsed: String
    /// "2 minutes".
    public var estimatedCompletion: String
    public var errorMessage: String?
    public var errorDetails: JobErrorDetails?
    /// The result's storage path (`generated/<job_id>.wav`): the original front end signs it with
    /// `supabase.storage.from('mashups').createSignedUrl(result_url, 3600)`.
    public var resultURL: String?
    /// Where this server serves the audio (`/v1/jobs/<id>/audio`), when it does.
    public var audioURL: String?
    public var title: String?
    public var concept: String?
    public var timeline: JSONValue?
    public var masterplan: JSONValue?
    public var metadata: Metadata
    public var warnings: [String]

    /// The status of `record` at `now`, with the estimator's remaining seconds (nil: unknown).
    public init(record: JobRecord, now: Date, remainingSeconds: Double?) {
        jobID = record.id
        status = record.state.contractStatus
        progress = Int(record.progress.rounded())
        currentStep = record.currentStep
        phase = record.state.isTerminal ? nil : (record.phase ?? .queued).rawValue
        createdAt = Self.timestamp(record.createdAt)
        updatedAt = Self.timestamp(record.updatedAt)
        processingTimeElapsed = DurationText.elapsed(record.elapsedSeconds(now: now))
        switch record.state {
        case .complete: estimatedCompletion = "complete"
        case .failed, .cancelled: estimatedCompletion = "n/a"
        case .queued, .processing: estimatedCompletion = DurationText.remaining(remainingSeconds)
        }
        if let failure = record.failure, record.state == .failed || record.state == .cancelled {
            errorMessage = failure.message
            errorDetails = failure.details
        }
        if record.state == .complete, let result = record.result {
            resultURL = result.storagePath ?? result.resultURL
            audioURL = result.storagePath == nil ? nil : result.resultURL
            title = result.title
            concept = result.concept
            timeline = result.timeline.map { FrontEndShape.timeline($0) }
            masterplan = result.masterplan.map { FrontEndShape.masterplan($0, concept: result.concept) }
        }
        metadata = Metadata(
            songsCount: record.metadata.songsCount, analysesCompleted: record.metadata.analysesCompleted,
            mashabilityScoresCount: record.metadata.mashabilityScoresCount,
            hasMasterplan: record.metadata.hasMasterplan, completedPhases: record.metadata.completedPhases,
            cacheHits: record.metadata.cacheHits)
        warnings = record.warnings
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "jobId", status, progress, currentStep, phase
        case createdAt = "created_at", updatedAt = "updated_at"
        case processingTimeElapsed = "processing_time_elapsed", estimatedCompletion = "estimated_completion"
        case errorMessage = "error_message", errorDetails = "error_details"
        case resultURL = "result_url", audioURL = "audio_url", title, concept, timeline, masterplan, metadata, warnings
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jobID, forKey: .jobID)
        try container.encode(status, forKey: .status)
        try container.encode(progress, forKey: .progress)
        try container.encode(currentStep, forKey: .currentStep)
        try container.encodeIfPresent(phase, forKey: .phase)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(processingTimeElapsed, forKey: .processingTimeElapsed)
        try container.encode(estimatedCompletion, forKey: .estimatedCompletion)
        try container.encodeIfPresent(errorMessage, forKey: .errorMessage)
        try container.encodeIfPresent(errorDetails, forKey: .errorDetails)
        try container.encodeIfPresent(resultURL, forKey: .resultURL)
        try container.encodeIfPresent(audioURL, forKey: .audioURL)
        try container.encodeIfPresent(title, forKey: .title)
        try container.encodeIfPresent(concept, forKey: .concept)
        try container.encodeIfPresent(timeline, forKey: .timeline)
        try container.encodeIfPresent(masterplan, forKey: .masterplan)
        try container.encode(metadata, forKey: .metadata)
        if !warnings.isEmpty { try container.encode(warnings, forKey: .warnings) }
    }

    /// The JSON body (sorted keys, slashes unescaped).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// "2026-11-27T06:17:50.123Z".
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
