// The wire between `mashup serve` and its worker processes: JSON lines, one value per line, typed values on both
// sides. The parent writes a `WorkerJobSpec` as the first line of the worker's standard input, then
// `render_slot_granted` lines; the worker writes `WorkerMessage` lines on file descriptor 3 (its standard output
// goes to the server's log, so a stray print cannot corrupt the protocol). docs/README-server.md lists them.
import Foundation
import Orchestrator

/// What the worker is asked to run: the first line on its standard input.
public struct WorkerJobSpec: Codable, Sendable, Equatable {
    public var jobID: String
    /// The job as claimed (processing), with its workspace registered: the worker's changes start from it.
    public var record: JobRecord
    /// Where job workspaces live (the worker uses `<root>/<job id>`, created by the parent).
    public var workspaceRoot: String
    /// The outgoing-URL rules of the server.
    public var urlPolicy: URLPolicy
    /// Largest song accepted by URL, in bytes.
    public var downloadLimitBytes: Int

    public init(jobID: String, record: JobRecord, workspaceRoot: String, urlPolicy: URLPolicy, downloadLimitBytes: Int)
    {
        self.jobID = jobID
        self.record = record
        self.workspaceRoot = workspaceRoot
        self.urlPolicy = urlPolicy
        self.downloadLimitBytes = downloadLimitBytes
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", record, workspaceRoot = "workspace_root", urlPolicy = "url_policy"
        case downloadLimitBytes = "download_limit_bytes"
    }
}

/// One line from a worker to its parent.
public struct WorkerMessage: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// A progress report (`progress`): the parent reports it in the job's context (store, events, ETA).
        case progress
        /// The job's free fields changed (`record`: warnings, metadata, workload, file paths).
        case record
        /// A remote service call ended (`service`, `succeeded`): counted in the server's metrics.
        case serviceAttempt = "service_attempt"
        /// The worker waits for a render slot; the parent answers `render_slot_granted` on standard input.
        case acquireRenderSlot = "acquire_render_slot"
        /// The worker gives its render slot back.
        case releaseRenderSlot = "release_render_slot"
        /// The job's result (`result`); the worker then exits 0.
        case result
        /// The job failed with a classified error (`failure`); the worker then exits 0.
        case failure
    }

    public var type: Kind
    public var progress: ProgressUpdate?
    public var record: JobRecord?
    public var service: ServiceKind?
    public var succeeded: Bool?
    public var result: JobResult?
    public var failure: JobFailure?

    public init(
        _ type: Kind, progress: ProgressUpdate? = nil, record: JobRecord? = nil, service: ServiceKind? = nil,
        succeeded: Bool? = nil, result: JobResult? = nil, failure: JobFailure? = nil
    ) {
        self.type = type
        self.progress = progress
        self.record = record
        self.service = service
        self.succeeded = succeeded
        self.result = result
        self.failure = failure
    }
}

/// One line from the parent to a worker after the spec.
public struct WorkerCommand: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case renderSlotGranted = "render_slot_granted"
    }

    public var type: Kind

    public init(_ type: Kind) { self.type = type }
}

/// Encoding of the protocol lines (one encoder setting on both sides).
public enum WorkerWire {
    /// `value` as one JSON line (sorted keys, newline-terminated).
    public static func line<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    /// Decodes one line (without its newline).
    public static func decode<T: Decodable>(_ type: T.Type, from line: Data) throws -> T {
        try JSONDecoder().decode(type, from: line)
    }
}
