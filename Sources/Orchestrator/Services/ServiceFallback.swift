// Degradation of the contract: a configured service that fails for good (retries exhausted, circuit open, invalid
// answer) is replaced by the embedded implementation, and the job records a warning sentence; in strict mode the
// failure ends the job instead. An unconfigured service goes to the embedded implementation with no warning.
// Cancellation always propagates.
import Foundation

/// Which implementation produced a value.
public enum ServiceSource: Sendable, Equatable {
    /// The configured remote service.
    case remote(ServiceKind)
    /// The embedded implementation.
    case embedded
}

/// A value with its source and, when the remote service failed, the warning to record.
public struct ServiceOutcome<Value: Sendable>: Sendable {
    public var value: Value
    public var source: ServiceSource
    /// e.g. "analysis service unavailable after 4 attempts (HTTP 503: overloaded): used the embedded analyser".
    public var warning: String?
    /// The remote failure that caused the fallback.
    public var remoteError: ServiceError?
}

/// Runs a remote call with an embedded fallback.
public struct ServiceFallback: Sendable {
    /// Fail instead of falling back (`MASHUP_STRICT_SERVICES=1`, `--strict`).
    public var strict: Bool

    public init(strict: Bool) { self.strict = strict }

    /// Calls `remote` when given, else `embedded`; falls back to `embedded` when `remote` throws a `ServiceError`.
    /// - Parameters:
    ///   - service: the remote service `remote` calls.
    ///   - embeddedName: the embedded implementation in the warning, e.g. "the embedded analyser".
    /// - Throws: in strict mode the remote `ServiceError`; errors of `embedded`; `CancellationError`.
    public func run<Value: Sendable>(
        service: ServiceKind, embeddedName: String,
        remote: (@Sendable () async throws -> Value)?,
        embedded: @Sendable () async throws -> Value
    ) async throws -> ServiceOutcome<Value> {
        guard let remote else {
            return ServiceOutcome(value: try await embedded(), source: .embedded, warning: nil, remoteError: nil)
        }
        do {
            return ServiceOutcome(value: try await remote(), source: .remote(service), warning: nil, remoteError: nil)
        } catch let error as ServiceError {
            if strict { throw error }
            try Task.checkCancellation()
            let value = try await embedded()
            return ServiceOutcome(
                value: value, source: .embedded, warning: "\(error.description): used \(embeddedName)",
                remoteError: error)
        }
    }
}
