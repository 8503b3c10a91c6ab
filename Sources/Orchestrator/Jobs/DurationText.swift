import Foundation

/// Durations in the contract's words: `processing_time_elapsed` "1m 12s", `estimated_completion` "2 minutes".
public enum DurationText {
    /// "3:05": minutes and seconds, rounded to the second (negative, non-finite or absurd values are clamped).
    public static func clock(_ seconds: Double) -> String {
        let total = Int(min(max(seconds.isFinite ? seconds : 0, 0), 1e7).rounded())
        return String(format: "%d:%02d", total / 60, total % 60)
    }

    /// "45s", "1m 12s", "1h 3m" (rounded down to the second).
    public static func elapsed(_ seconds: Double) -> String {
        let total = Int(max(0, seconds.isFinite ? seconds : 0))
        let hours = total / 3600, minutes = total % 3600 / 60, secs = total % 60
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(secs)s" }
        return "\(secs)s"
    }

    /// "a few seconds" (< 10 s), "30 seconds" (to 5 s, < 1 min), "1 minute", "2 minutes" (rounded up),
    /// "about 1 hour", "about 2 hours"; "calculating" when unknown.
    public static func remaining(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "calculating" }
        let value = max(0, seconds)
        if value < 10 { return "a few seconds" }
        if value < 60 {
            let rounded = max(10, Int((value / 5).rounded()) * 5)
            return rounded >= 60 ? "1 minute" : "\(rounded) seconds"
        }
        if value < 3600 {
            let minutes = Int((value / 60).rounded(.up))
            return minutes == 1 ? "1 minute" : "\(minutes) minutes"
        }
        let hours = Int((value / 3600).rounded())
        return hours == 1 ? "about 1 hour" : "about \(hours) hours"
    }
}
