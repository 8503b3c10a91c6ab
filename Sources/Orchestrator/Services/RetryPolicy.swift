// Retry policy of the contract: up to 3 retries on network errors, timeouts, 429 and 5xx; exponential backoff
// from 1 s doubling to at most 10 s, with jitter; `Retry-After` honoured; other 4xx never retried.
//
// Jitter: the delay before retry n is base·2^(n-1) capped at the maximum, then scaled by a factor drawn uniformly
// from [1 - jitterFraction, 1). Jitter only shortens the wait, so the cap holds and concurrent clients spread out.
// A `Retry-After` value replaces the computed delay (the server knows best) unless it exceeds
// `maximumRetryAfterSeconds`, in which case the call gives up at once instead of hanging a job.
import Foundation

/// When and how long to wait before trying a service call again.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first attempt (the contract: 3, so 4 attempts in all).
    public var maximumRetries: Int
    /// Delay before the first retry, in seconds (contract: 1).
    public var initialBackoffSeconds: Double
    /// Upper bound of the exponential delay, in seconds (contract: 10).
    public var maximumBackoffSeconds: Double
    /// Fraction 0...1 by which jitter may shorten a delay (0.25: a delay d becomes a value in [0.75 d, d)).
    public var jitterFraction: Double
    /// The longest `Retry-After` honoured, in seconds; a longer one ends the retries.
    public var maximumRetryAfterSeconds: Double

    public init(
        maximumRetries: Int = 3, initialBackoffSeconds: Double = 1, maximumBackoffSeconds: Double = 10,
        jitterFraction: Double = 0.25, maximumRetryAfterSeconds: Double = 60
    ) {
        precondition(
            maximumRetries >= 0 && initialBackoffSeconds >= 0 && maximumBackoffSeconds >= initialBackoffSeconds)
        precondition((0...1).contains(jitterFraction) && maximumRetryAfterSeconds >= 0)
        self.maximumRetries = maximumRetries
        self.initialBackoffSeconds = initialBackoffSeconds
        self.maximumBackoffSeconds = maximumBackoffSeconds
        self.jitterFraction = jitterFraction
        self.maximumRetryAfterSeconds = maximumRetryAfterSeconds
    }

    /// The contract's policy.
    public static let standard = RetryPolicy()
    /// No retries at all.
    public static let none = RetryPolicy(maximumRetries: 0)

    /// Total attempts allowed (first try plus retries).
    public var maximumAttempts: Int { maximumRetries + 1 }

    /// Whether an HTTP status is worth retrying: 429 and every 5xx (500, 502, 503, 504, 529...).
    public static func isRetryable(statusCode: Int) -> Bool {
        statusCode == 429 || (500...599).contains(statusCode)
    }

    /// The delay before retry `retryNumber` (1 for the first retry) without `Retry-After`, in seconds.
    /// - Parameter unitRandom: a value in [0, 1) that sets the jitter.
    public func backoffSeconds(beforeRetry retryNumber: Int, unitRandom: Double) -> Double {
        precondition(retryNumber >= 1, "retries are numbered from 1")
        let exponent = Double(min(retryNumber - 1, 62))
        let base = min(initialBackoffSeconds * pow(2, exponent), maximumBackoffSeconds)
        return base * (1 - jitterFraction * min(max(unitRandom, 0), 1))
    }

    /// The delay before retry `retryNumber`, honouring a `Retry-After` delay when there is one.
    /// - Returns: nil when `Retry-After` asks for more than `maximumRetryAfterSeconds` (give up).
    public func delaySeconds(beforeRetry retryNumber: Int, retryAfterSeconds: Double?, unitRandom: Double) -> Double? {
        if let retryAfterSeconds {
            return retryAfterSeconds <= maximumRetryAfterSeconds ? max(0, retryAfterSeconds) : nil
        }
        return backoffSeconds(beforeRetry: retryNumber, unitRandom: unitRandom)
    }

    /// Parses a `Retry-After` value: delta-seconds ("3", "1.5") or an HTTP-date relative to `now`.
    /// - Returns: seconds to wait (≥ 0), or nil when the value is absent or unreadable.
    public static func parseRetryAfter(_ value: String?, now: Date) -> Double? {
        guard let text = value?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let seconds = Double(text), seconds.isFinite { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return max(0, date.timeIntervalSince(now)) }
        }
        return nil
    }
}
