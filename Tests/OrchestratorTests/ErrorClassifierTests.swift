import Foundation
import Orchestrator
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("Error classification")
struct ErrorClassifierTests {
    static func type(_ error: any Error) -> JobErrorType { ErrorClassifier.classify(error).details.type }

    @Test("service errors map onto the user-facing classes")
    func serviceErrors() {
        #expect(Self.type(ServiceError(service: .analysis, kind: .network("refused"), attempts: 4)) == .network)
        #expect(Self.type(ServiceError(service: .analysis, kind: .timedOut(seconds: 45), attempts: 4)) == .timeout)
        #expect(
            Self.type(ServiceError(service: .scoring, kind: .httpStatus(503, message: ""), attempts: 4))
                == .serviceUnavailable)
        #expect(
            Self.type(ServiceError(service: .anthropic, kind: .httpStatus(529, message: "overloaded"), attempts: 4))
                == .serviceUnavailable)
        #expect(
            Self.type(ServiceError(service: .scoring, kind: .unavailable(until: nil), attempts: 0))
                == .serviceUnavailable)
        #expect(
            Self.type(ServiceError(service: .analysis, kind: .httpStatus(415, message: ""), attempts: 1))
                == .invalidAudio)
        #expect(
            Self.type(ServiceError(service: .analysis, kind: .requestTooLarge(bytes: 9, limitBytes: 1), attempts: 0))
                == .invalidAudio)
        #expect(
            Self.type(
                ServiceError(
                    service: .planner, kind: .invalidData(field: "masterplan.timeline", reason: "is missing"),
                    attempts: 1)) == .invalidPlan)
        #expect(
            Self.type(ServiceError(service: .anthropic, kind: .truncated(maxTokens: 16384), attempts: 2))
                == .invalidPlan)
        #expect(
            Self.type(
                ServiceError(
                    service: .scoring, kind: .invalidData(field: "overall_score", reason: "is missing"), attempts: 1))
                == .serviceUnavailable)
        let auth = ErrorClassifier.classify(
            ServiceError(service: .anthropic, kind: .httpStatus(401, message: "invalid x-api-key"), attempts: 1))
        #expect(auth.details.type == .serviceUnavailable)
        #expect(auth.details.recoverable == false)
        #expect(auth.details.suggestedAction.contains("API key"))
    }

    @Test("system errors, cancellation, URL and file errors")
    func otherErrors() {
        #expect(Self.type(CancellationError()) == .cancelled)
        #expect(Self.type(URLError(.timedOut)) == .timeout)
        #expect(Self.type(URLError(.cannotConnectToHost)) == .network)
        let missing = NSError(domain: NSCocoaErrorDomain, code: NSFileReadNoSuchFileError)
        #expect(Self.type(missing) == .invalidAudio)
        struct Weird: Error {}
        let failure = ErrorClassifier.classify(Weird())
        #expect(failure.details.type == .system)
        #expect(failure.details.recoverable == false)
    }

    @Test("every class has a recoverability and an actionable suggestion")
    func suggestions() {
        for type in JobErrorType.allCases {
            let details = JobErrorDetails(type: type)
            #expect(details.suggestedAction.count > 20)
            #expect(details.recoverable == type.isRecoverable)
        }
        #expect(!JobErrorType.invalidAudio.isRecoverable)
        #expect(JobErrorType.network.isRecoverable)
    }
}
