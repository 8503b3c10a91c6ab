import Foundation
import Orchestrator

/// A transport that answers from a script, in order, and records every request with its timeout.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    enum Step {
        case respond(Int, headers: [String: String] = [:], body: String = "")
        case fail(HTTPTransportError)
    }

    private let lock = NSLock()
    private var steps: [Step]
    private var received: [(request: TransportRequest, timeoutSeconds: Double)] = []

    init(_ steps: [Step]) { self.steps = steps }

    var requests: [TransportRequest] { lock.withLock { received.map(\.request) } }
    var timeouts: [Double] { lock.withLock { received.map(\.timeoutSeconds) } }

    func send(_ request: TransportRequest, timeoutSeconds: Double) async throws -> TransportResponse {
        let step: Step = lock.withLock {
            received.append((request, timeoutSeconds))
            return steps.isEmpty ? .respond(599, body: "script exhausted") : steps.removeFirst()
        }
        switch step {
        case .respond(let status, let headers, let body):
            return TransportResponse(statusCode: status, headers: headers, body: Data(body.utf8))
        case .fail(let error):
            throw error
        }
    }
}

/// A fixed jitter source.
func fixedRandom(_ value: Double) -> @Sendable () -> Double { { value } }
