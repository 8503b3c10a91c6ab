import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Maps any error a job can end with onto the user-facing classes of `JobErrorType`.
///
/// Order: cancellation, `ClassifiableError` (our own typed errors, including `ServiceError`), `URLError`,
/// file-system errors (as invalid audio: the song could not be read), decoding errors (system), anything else (system).
public enum ErrorClassifier {
    public static func classify(_ error: any Error) -> JobFailure {
        if error is CancellationError {
            return JobFailure(.cancelled, "The job was cancelled.")
        }
        if let classifiable = error as? any ClassifiableError {
            return classifiable.jobFailure
        }
        if let urlError = error as? URLError {
            switch urlError.code {
            case .timedOut:
                return JobFailure(.timeout, "A network request timed out.")
            case .cancelled:
                return JobFailure(.cancelled, "The job was cancelled.")
            default:
                return JobFailure(.network, "Network error: \(urlError.localizedDescription)")
            }
        }
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain,
            [
                NSFileReadNoSuchFileError, NSFileReadCorruptFileError, NSFileReadUnknownError,
                NSFileReadNoPermissionError,
            ].contains(nsError.code)
        {
            return JobFailure(.invalidAudio, "A song file could not be read: \(nsError.localizedDescription)")
        }
        if error is DecodingError {
            return JobFailure(.system, "Internal data could not be decoded: \(error)")
        }
        return JobFailure(.system, "Internal error: \(error)")
    }
}
