import Foundation
import MashupModel

/// A stretch of a song in one key: a key segment of its analysis trusted at `KeyShift.minimumKeyConfidence`.
/// Where a song modulates (a last chorus a step up), the key match shifts each layer from the key of the stretch
/// it plays, not from the song's key: a vocal taken from the lifted chorus and shifted by the song's key would sit
/// a step off the target.
public struct KeyStretch: Sendable, Hashable {
    /// Seconds from the song's start.
    public var startSeconds: Double
    public var endSeconds: Double
    public var key: MusicalKey

    public init(startSeconds: Double, endSeconds: Double, key: MusicalKey) {
        self.startSeconds = startSeconds
        self.endSeconds = endSeconds
        self.key = key
    }

    /// The stretches worth following among a song's key segments (start and end seconds, key name, confidence
    /// 0...1): those with a readable key, a confidence of at least `KeyShift.minimumKeyConfidence` and a positive
    /// length, in time order, when they name more than one key; none otherwise (the song's key holds throughout).
    public static func trusted(
        _ segments: [(startSeconds: Double, endSeconds: Double, key: String, confidence: Double)]
    ) -> [KeyStretch] {
        let stretches =
            segments
            .compactMap { segment -> KeyStretch? in
                guard segment.startSeconds.isFinite, segment.endSeconds.isFinite,
                    segment.endSeconds > segment.startSeconds,
                    let key = KeyShift.trustedKey(segment.key, confidence: segment.confidence)
                else { return nil }
                return KeyStretch(startSeconds: segment.startSeconds, endSeconds: segment.endSeconds, key: key)
            }
            .sorted { $0.startSeconds < $1.startSeconds }
        return Set(stretches.map(\.key)).count > 1 ? stretches : []
    }

    /// The stretches an analysis document gives in `harmonic.key_segments` (`start_sec`, `end_sec`, `key`,
    /// `confidence`), as `trusted(_:)` keeps them; entries missing a field are left out.
    public static func trusted(analysis: JSONValue) -> [KeyStretch] {
        let segments = (analysis["harmonic"]?["key_segments"]?.arrayValue ?? []).compactMap {
            entry -> (startSeconds: Double, endSeconds: Double, key: String, confidence: Double)? in
            guard let start = entry["start_sec"]?.doubleValue, let end = entry["end_sec"]?.doubleValue,
                let key = entry["key"]?.stringValue, let confidence = entry["confidence"]?.doubleValue
            else { return nil }
            return (start, end, key, confidence)
        }
        return trusted(segments)
    }

    /// The key a layer playing the song from `startSeconds` to `endSeconds` is in: that of the stretch that covers
    /// most of that span, or `songKey` when no stretch covers any of it.
    public static func key(
        from startSeconds: Double, to endSeconds: Double, stretches: [KeyStretch], songKey: MusicalKey?
    ) -> MusicalKey? {
        var best: (overlap: Double, key: MusicalKey)?
        for stretch in stretches {
            let overlap = min(endSeconds, stretch.endSeconds) - max(startSeconds, stretch.startSeconds)
            if overlap > 0, overlap > (best?.overlap ?? 0) { best = (overlap, stretch.key) }
        }
        return best?.key ?? songKey
    }
}
