// `GET /v1/jobs?limit=N`: the newest jobs of the durable store (they outlive a restart; the TTL cleanup removes them
// after a day), each summed up for a history list: state, progress, songs, and the result or the error.
import Foundation
import MashupModel
import Orchestrator

/// Recent jobs for the studio's history.
public enum JobListing {
    /// `{"jobs": [...]}`, newest first (creation time, then id), at most `limit`.
    /// Reads every record the store holds (bounded by the TTL cleanup) and keeps the newest.
    public static func recent(queue: any JobQueue, limit: Int) async throws -> JSONValue {
        let records = try await queue.list(states: nil)
            .sorted { $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : $0.id > $1.id }
        return ["jobs": .array(records.prefix(limit).map(summary)), "total": .number(Double(records.count))]
    }

    /// One job's line: `id`, `status` (the contract's), `state` (queued, processing, complete, failed, cancelled),
    /// `progress`, `currentStep`, `created_at`, `updated_at`, `songs`, and `title`, `result_url` or `error_message`.
    public static func summary(_ record: JobRecord) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(record.id), "status": .string(record.state.contractStatus),
            "state": .string(record.state.rawValue),
            "progress": .number(record.progress.rounded()), "currentStep": .string(record.currentStep),
            "created_at": .string(JobStatus.timestamp(record.createdAt)),
            "updated_at": .string(JobStatus.timestamp(record.updatedAt)),
            "songs": .array(
                record.songs.map { song in
                    var item: [String: JSONValue] = ["song_id": .string(song.songID), "name": .string(song.name)]
                    if let artist = song.artist { item["artist"] = .string(artist) }
                    if let path = song.storagePath { item["storage_path"] = .string(path) }
                    if let url = song.url { item["url"] = .string(url) }
                    return .object(item)
                }),
            "warnings_count": .number(Double(record.warnings.count)),
        ]
        if record.state == .complete, let result = record.result {
            if let title = result.title { members["title"] = .string(title) }
            members["result_url"] = .string(result.resultURL ?? "/v1/jobs/\(record.id)/audio")
        }
        if let failure = record.failure, record.state == .failed || record.state == .cancelled {
            members["error_message"] = .string(failure.message)
        }
        return .object(members)
    }
}
