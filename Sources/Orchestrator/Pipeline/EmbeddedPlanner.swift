// The embedded planner: a musically sensible masterplan from the analyses alone, when neither the planner service
// nor Claude is available.
//
// Design: (1) casting: the song with the clearest vocals leads (its `vocals` stem, or its `other` stem when no song
// has vocals), the song whose tempo is nearest is the bed (drums, bass, other), a third song gets its vocals in the
// breakdown (when they reach the key within ±3 semitones) or its instrumental in the second verse (or its pads
// under the breakdown). (2) Key: of the 24 keys, the one minimising Σ weight·shift² (lead vocals weigh 3, the bed 1,
// a third song 0.25; vocals within ±3 semitones, instruments within ±7), ties to the lead's own key. (3) Tempo: the weighted geometric mean of the tempi after half/double
// matching (lead 1.5, bed 1, third 0.75), pulled into the window that keeps every song within 8% when there is one,
// folded into 80...180 BPM. (4) Form: the template (intro, verse, build, drop, breakdown, [verse 2], build, final
// chorus, outro; 4/8/16 bars) nearest the wanted length among those the songs have material for; every start is
// `bar index × 240 / BPM`. (5) Sources: each layer reads from a bar line of its song (the loudest region for
// choruses, a quiet one for intros and breakdowns, a middle one for verses, continuing where the previous read
// stopped for builds), moved earlier when the read would run past the end. Cost: about 3 ms for two songs (mostly
// decoding the analysis JSON); no audio is read.

import Analysis
import Foundation
import Render

/// Why the embedded planner could not plan.
public enum EmbeddedPlannerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The analysis of song `songIndex` (0-based) is not an object, or has neither a key nor a tempo.
    case unreadableAnalysis(songIndex: Int, reason: String)

    public var description: String {
        switch self {
        case .unreadableAnalysis(let index, let reason): "analysis of song \(index + 1) is unreadable: \(reason)"
        }
    }
}

/// A planner that needs no service: see the design note above and docs/README-planner.md.
public struct EmbeddedPlanner: PlannerService {
    /// Length and mastering choices.
    public struct Options: Sendable, Equatable {
        /// Wanted length, seconds (a `"duration_sec"` user preference overrides it).
        public var targetDurationSeconds: Double = 180
        /// Lengths accepted without a preference, seconds.
        public var durationRangeSeconds: ClosedRange<Double> = 120...240
        /// Loudness target written to the plan, LUFS.
        public var targetLUFS: Double = -14
        /// True-peak ceiling written to the plan, dBTP.
        public var truePeakDecibels: Double = -1

        public init() {}
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Largest pitch shift for a vocal layer, semitones (the render's limit for vocals, defined by `Stem`).
    static let vocalShiftLimit = Stem.vocals.maximumKeyShiftSemitones
    /// Largest pitch shift for an instrumental layer, semitones (the render's limit for the other stems).
    static let instrumentShiftLimit = Stem.other.maximumKeyShiftSemitones
    /// Tempo change every song should stay within when the tempi allow it (fraction).
    static let comfortableStretch = 0.08
    /// Vocal presence above which a song counts as having lead vocals.
    static let vocalPresenceThreshold = 0.2
    /// Vocal presences closer than this are a tie the seed may break.
    static let vocalPresenceTie = 0.15
    /// Target tempi are folded into this range, BPM.
    static let tempoWindowBPM: ClosedRange<Double> = 80...180

    /// `{"creative_vision", "masterplan": {...}}`.
    public func masterplan(for request: PlanRequest) async throws -> JSONValue {
        try plan(for: request).wireJSON
    }

    /// The plan as a `Masterplan` value.
    public func plan(for request: PlanRequest) throws -> Masterplan {
        let profiles = try request.analyses.indices.map {
            try PlannerSongProfile(index: $0, label: request.label($0), document: request.documents[$0])
        }
        let preferences = PlanPreferences(request.userPreferences)
        var builder = EmbeddedPlanBuilder(
            profiles: profiles, seed: preferences.seed, options: options,
            wantedSeconds: preferences.durationSeconds, score: request.mashabilityScore,
            preferences: preferences)
        return builder.build()
    }
}
