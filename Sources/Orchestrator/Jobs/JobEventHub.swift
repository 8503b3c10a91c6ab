// Live updates of jobs for streaming faces (`GET /v1/jobs/{id}/events`, the CLI's progress bar).
// Every change a `JobManager` makes is published here; each subscriber gets the records of one job in order
// (an older record arriving after a newer one is dropped), and its stream ends after a terminal record.
// Streams buffer only the newest record, so a slow reader never holds up a job.
import Foundation

/// Publishes job records to subscribers, per job.
public actor JobEventHub {
    private struct Subscriber {
        let continuation: AsyncStream<JobRecord>.Continuation
        var lastUpdate: Date?
    }

    private var subscribers: [String: [UUID: Subscriber]] = [:]

    public init() {}

    /// A stream of `id`'s records from now on, ending after a terminal one.
    public func subscribe(_ id: String) -> (token: UUID, stream: AsyncStream<JobRecord>) {
        let (stream, continuation) = AsyncStream<JobRecord>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let token = UUID()
        subscribers[id, default: [:]][token] = Subscriber(continuation: continuation, lastUpdate: nil)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.remove(id, token) }
        }
        return (token, stream)
    }

    /// Sends `record` to the subscribers of its job; a terminal record ends their streams.
    public func publish(_ record: JobRecord) {
        guard var current = subscribers[record.id] else { return }
        for (token, var subscriber) in current {
            if let last = subscriber.lastUpdate, record.updatedAt < last { continue }
            subscriber.lastUpdate = record.updatedAt
            subscriber.continuation.yield(record)
            current[token] = subscriber
            if record.state.isTerminal {
                subscriber.continuation.finish()
                current[token] = nil
            }
        }
        subscribers[record.id] = current.isEmpty ? nil : current
    }

    /// Sends `record` to one subscriber (its first record).
    func publish(_ record: JobRecord, to token: UUID) {
        guard var subscriber = subscribers[record.id]?[token] else { return }
        if let last = subscriber.lastUpdate, record.updatedAt < last { return }
        subscriber.lastUpdate = record.updatedAt
        subscriber.continuation.yield(record)
        if record.state.isTerminal {
            subscriber.continuation.finish()
            subscribers[record.id]?[token] = nil
        } else {
            subscribers[record.id]?[token] = subscriber
        }
    }

    /// Ends a subscription.
    public func unsubscribe(_ id: String, _ token: UUID) {
        subscribers[id]?[token]?.continuation.finish()
        remove(id, token)
    }

    /// Subscribers of `id` now.
    public func subscriberCount(_ id: String) -> Int { subscribers[id]?.count ?? 0 }

    private func remove(_ id: String, _ token: UUID) {
        subscribers[id]?[token] = nil
        if subscribers[id]?.isEmpty == true { subscribers[id] = nil }
    }
}
