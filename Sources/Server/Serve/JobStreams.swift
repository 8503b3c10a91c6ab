// Event streams over the durable store: a producer task polls the job's record (every 100 ms by default) and
// sends what changed, so a stream shows a job wherever it runs. `/execute-masterplan` speaks the render
// backend's format (the render's own 0-100, warnings, the final `storage_path` or `error`); `/v1/jobs/{id}/events`
// sends the status answer on each change.
import Foundation
import MashupModel
import Orchestrator

extension ServeRoutes {
    /// The render backend's stream for job `id`.
    static func renderStream(_ id: String, runner: DurableJobRunner, options: ServeRouteOptions) -> EventStream {
        let stream = EventStream(heartbeatInterval: options.heartbeatInterval)
        let producer = Task {
            var lastProgress = -1
            var lastMessage = ""
            var warningsSent = 0
            _ = stream.send(json: ["progress": 0, "message": "Queued"])
            lastProgress = 0
            lastMessage = "Queued"
            while !Task.isCancelled, !stream.isCancelled {
                guard let record = try? await runner.queue.get(id) else {
                    _ = stream.send(json: ["error": .string("job \(id) disappeared")])
                    break
                }
                for warning in record.warnings.dropFirst(warningsSent) {
                    _ = stream.send(json: ["warning": .string(warning)])
                }
                warningsSent = record.warnings.count
                switch record.state {
                case .complete:
                    let path = record.result?.storagePath ?? ServeJobSpec.resultPath(jobID: id, extension: "wav")
                    _ = stream.send(json: [
                        "progress": 100, "message": .string(PipelineProgress.completeMessage),
                        "storage_path": .string(path),
                    ])
                    stream.finish()
                    return
                case .failed, .cancelled:
                    let message = record.failure?.message ?? "the render was \(record.state.rawValue)"
                    _ = stream.send(json: ["error": .string(message)])
                    stream.finish()
                    return
                case .queued, .processing:
                    let percent = renderPercent(record)
                    let message = record.currentStep.isEmpty ? "Working" : record.currentStep
                    if percent != lastProgress || message != lastMessage {
                        _ = stream.send(json: ["progress": .number(Double(percent)), "message": .string(message)])
                        lastProgress = percent
                        lastMessage = message
                    }
                }
                try? await Task.sleep(for: options.streamPollInterval)
            }
            stream.finish()
        }
        stream.onCancel {
            producer.cancel()
            if options.cancelOnDisconnect { Task { _ = try? await runner.cancel(id) } }
        }
        return stream
    }

    /// The render's own 0-100 from a job's pipeline progress (rendering is 80-100 of the job); earlier phases 0.
    static func renderPercent(_ record: JobRecord) -> Int {
        guard record.phase == .rendering else { return 0 }
        let fraction = JobPhase.rendering.fraction(atProgress: record.progress)
        return min(99, max(0, Int((fraction * 100).rounded(.down))))
    }

    /// `/v1/jobs/{id}/events`: the status answer whenever the job changes, ending after the final state.
    static func statusStream(_ id: String, runner: DurableJobRunner, options: ServeRouteOptions) -> EventStream {
        let stream = EventStream(heartbeatInterval: options.heartbeatInterval)
        let producer = Task {
            var lastUpdate: Date?
            while !Task.isCancelled, !stream.isCancelled {
                guard let record = try? await runner.queue.get(id) else {
                    _ = stream.send(json: ["error": .string("job \(id) was removed")])
                    break
                }
                if record.updatedAt != lastUpdate {
                    lastUpdate = record.updatedAt
                    if let status = try? await runner.status(id), let data = try? status.jsonData() {
                        _ = stream.send(data: String(decoding: data, as: UTF8.self), event: "status")
                    }
                }
                if record.state.isTerminal { break }
                try? await Task.sleep(for: options.streamPollInterval)
            }
            stream.finish()
        }
        stream.onCancel { producer.cancel() }
        return stream
    }
}
