import Foundation
import MashupModel

/// A masterplan as the planner wrote it (the render input of CONTRACTS.md), decoded leniently.
///
/// Values are kept as written (after lenient conversion: `"-6dB"` -> -6, `"124 BPM"` -> 124), including invalid
/// ones such as NaN or a negative duration, so that `PlanValidator` can point at them; a field the decoder could not
/// read at all is nil and its problem is in `decodingIssues`. Our optional fields (`source_start_sec`,
/// `pitch_shift_semitones`, `pan`, `fade_in_sec`, `fade_out_sec`, `transition`, `target_lufs`, `true_peak_db`,
/// `sample_rate`, `crossfade_bars`) are nil when absent. `wireJSON` encodes the canonical wire shape
/// `{"creative_vision", "masterplan": {...}}`.
public struct Masterplan: Sendable, Hashable {
    /// 2-3 evocative sentences (`creative_vision`).
    public var creativeVision: String?
    /// Title of the mashup.
    public var title: String?
    /// `"Artist A vs. Artist B"` (`artistCredits`).
    public var artistCredits: String?
    /// Global settings (`global`, or `global_settings` in the /execute-masterplan request).
    public var global: GlobalSettings
    /// The sections, in the order written.
    public var timeline: [Section]
    /// The planner's notes (`problems_and_solutions`).
    public var problemsAndSolutions: [ProblemAndSolution]
    /// The JSON path of the masterplan object in the document it came from (`"masterplan"`, or `""` for a bare
    /// masterplan); issue paths start with it. Not encoded.
    public var pathPrefix: String
    /// Problems met while decoding (fields of the wrong type, an unreadable document). Not encoded.
    public var decodingIssues: [PlanIssue]
    /// The JSON path of the global settings object (`"masterplan.global"`, `"masterplan.global_settings"`). Not encoded.
    public var globalPath: String

    public init(
        creativeVision: String? = nil, title: String? = nil, artistCredits: String? = nil,
        global: GlobalSettings = GlobalSettings(), timeline: [Section] = [],
        problemsAndSolutions: [ProblemAndSolution] = [], pathPrefix: String = "masterplan",
        decodingIssues: [PlanIssue] = []
    ) {
        self.creativeVision = creativeVision
        self.title = title
        self.artistCredits = artistCredits
        self.global = global
        self.timeline = timeline
        self.problemsAndSolutions = problemsAndSolutions
        self.pathPrefix = pathPrefix
        self.decodingIssues = decodingIssues
        self.globalPath = pathPrefix.isEmpty ? "global" : pathPrefix + ".global"
    }

    /// `global`: tempo, key, metre and our mastering options.
    public struct GlobalSettings: Sendable, Hashable {
        /// Target tempo, BPM (`targetBPM`).
        public var targetBPM: Double?
        /// Target key as written (`targetKey`, e.g. `"A minor"`); see `targetMusicalKey`.
        public var targetKey: String?
        /// Time signature (`timeSignature`, `[4, 4]`); nil when absent (meaning 4/4).
        public var timeSignature: TimeSignature?
        /// Ours: integrated loudness target, LUFS (`target_lufs`, default -14).
        public var targetLUFS: Double?
        /// Ours: true-peak ceiling, dBTP (`true_peak_db`, default -1).
        public var truePeakDecibels: Double?
        /// Ours: output sample rate, Hz (`sample_rate`, default 44100).
        public var sampleRate: Double?
        /// Ours: default crossfade length between sections, bars at the target tempo (`crossfade_bars`, default 1).
        public var crossfadeBars: Double?

        public init(
            targetBPM: Double? = nil, targetKey: String? = nil, timeSignature: TimeSignature? = nil,
            targetLUFS: Double? = nil, truePeakDecibels: Double? = nil, sampleRate: Double? = nil,
            crossfadeBars: Double? = nil
        ) {
            self.targetBPM = targetBPM
            self.targetKey = targetKey
            self.timeSignature = timeSignature
            self.targetLUFS = targetLUFS
            self.truePeakDecibels = truePeakDecibels
            self.sampleRate = sampleRate
            self.crossfadeBars = crossfadeBars
        }

        /// The target key parsed leniently (`"Am"`, `"A min"`, `"F# major"`); nil when absent or not a key.
        public var targetMusicalKey: MusicalKey? { targetKey.flatMap(MusicalKey.init(parsing:)) }
    }

    /// One section of the timeline.
    public struct Section: Sendable, Hashable {
        /// Start in the mashup, seconds (`time_start_sec`).
        public var timeStartSeconds: Double?
        /// Length, seconds (`duration_sec`).
        public var durationSeconds: Double?
        /// What happens (`description`).
        public var description: String?
        /// 0...1 (`energy_level`).
        public var energyLevel: Double?
        /// The layers playing (`layers`).
        public var layers: [Layer]
        /// Ours: how this section is entered from the previous one (`transition`).
        public var transition: Transition?

        public init(
            timeStartSeconds: Double? = nil, durationSeconds: Double? = nil, description: String? = nil,
            energyLevel: Double? = nil, layers: [Layer] = [], transition: Transition? = nil
        ) {
            self.timeStartSeconds = timeStartSeconds
            self.durationSeconds = durationSeconds
            self.description = description
            self.energyLevel = energyLevel
            self.layers = layers
            self.transition = transition
        }
    }

    /// One layer: a stem of a song with gain and effects.
    public struct Layer: Sendable, Hashable {
        /// The song (`songId`): a request `song_id`, or `song1`, `song2`... by position.
        public var songId: String?
        /// The stem as written (`stem`); see `Stem(parsing:)`.
        public var stem: String?
        /// Gain, dB (`volume_db`).
        public var volumeDecibels: Double?
        /// The effects as written: strings or objects (`effects`).
        public var effects: [JSONValue]
        /// Ours: where in the source song, in its own seconds, the layer starts reading (`source_start_sec`).
        public var sourceStartSeconds: Double?
        /// Ours: pitch shift in semitones, overriding the automatic key match (`pitch_shift_semitones`).
        public var pitchShiftSemitones: Double?
        /// Ours: pan -1 (left) ... +1 (right) (`pan`).
        public var pan: Double?
        /// Ours: fade in at the layer's start, seconds (`fade_in_sec`).
        public var fadeInSeconds: Double?
        /// Ours: fade out at the layer's end, seconds (`fade_out_sec`).
        public var fadeOutSeconds: Double?

        public init(
            songId: String? = nil, stem: String? = nil, volumeDecibels: Double? = nil, effects: [JSONValue] = [],
            sourceStartSeconds: Double? = nil, pitchShiftSemitones: Double? = nil, pan: Double? = nil,
            fadeInSeconds: Double? = nil, fadeOutSeconds: Double? = nil
        ) {
            self.songId = songId
            self.stem = stem
            self.volumeDecibels = volumeDecibels
            self.effects = effects
            self.sourceStartSeconds = sourceStartSeconds
            self.pitchShiftSemitones = pitchShiftSemitones
            self.pan = pan
            self.fadeInSeconds = fadeInSeconds
            self.fadeOutSeconds = fadeOutSeconds
        }
    }

    /// Ours: how a section is entered from the previous one; centred on the boundary.
    public struct Transition: Sendable, Hashable {
        /// The kinds of transition.
        public enum Kind: String, Sendable, Hashable, CaseIterable {
            /// Equal-power crossfade over `bars`.
            case crossfade
            /// Hard cut at the boundary (a few milliseconds of declick).
            case cut
            /// The previous section's layers echo out over `bars` while this one starts.
            case echoOut = "echo-out"
            /// The previous section is filtered away (rising high-pass) over `bars` while this one fades in.
            case filterSweep = "filter-sweep"
        }

        /// The kind; nil when the plan named one we do not know (kept in `rawType`).
        public var kind: Kind?
        /// Length in bars at the target tempo; nil = the global `crossfade_bars`.
        public var bars: Double?
        /// The type as written.
        public var rawType: String

        public init(kind: Kind?, bars: Double? = nil, rawType: String? = nil) {
            self.kind = kind
            self.bars = bars
            self.rawType = rawType ?? kind?.rawValue ?? ""
        }
    }

    /// One `{"problem", "solution"}` note.
    public struct ProblemAndSolution: Sendable, Hashable, Codable {
        public var problem: String
        public var solution: String

        public init(problem: String, solution: String) {
            self.problem = problem
            self.solution = solution
        }
    }
}

extension Masterplan: Encodable {
    /// The canonical wire shape: `{"creative_vision": ..., "masterplan": {"title", "artistCredits", "global",
    /// "timeline", "problems_and_solutions"}}`, our optional fields only when set, non-finite numbers as null.
    public var wireJSON: JSONValue {
        func number(_ value: Double?) -> JSONValue? {
            guard let value else { return nil }
            return value.isFinite ? .number(value) : .null
        }
        var globalObject: [String: JSONValue] = [:]
        globalObject["targetBPM"] = number(global.targetBPM)
        globalObject["targetKey"] = global.targetKey.map { .string($0) }
        let signature = global.timeSignature ?? .common
        globalObject["timeSignature"] = [.number(Double(signature.beatsPerBar)), .number(Double(signature.beatUnit))]
        globalObject["target_lufs"] = number(global.targetLUFS)
        globalObject["true_peak_db"] = number(global.truePeakDecibels)
        globalObject["sample_rate"] = number(global.sampleRate)
        globalObject["crossfade_bars"] = number(global.crossfadeBars)

        let sections: [JSONValue] = timeline.map { section in
            var o: [String: JSONValue] = [:]
            o["time_start_sec"] = number(section.timeStartSeconds)
            o["duration_sec"] = number(section.durationSeconds)
            o["description"] = section.description.map { .string($0) }
            o["energy_level"] = number(section.energyLevel)
            o["layers"] = .array(
                section.layers.map { layer in
                    var l: [String: JSONValue] = [:]
                    l["songId"] = layer.songId.map { .string($0) }
                    l["stem"] = layer.stem.map { .string($0) }
                    l["volume_db"] = number(layer.volumeDecibels)
                    l["effects"] = .array(layer.effects)
                    l["source_start_sec"] = number(layer.sourceStartSeconds)
                    l["pitch_shift_semitones"] = number(layer.pitchShiftSemitones)
                    l["pan"] = number(layer.pan)
                    l["fade_in_sec"] = number(layer.fadeInSeconds)
                    l["fade_out_sec"] = number(layer.fadeOutSeconds)
                    return .object(l)
                })
            if let transition = section.transition {
                var t: [String: JSONValue] = ["type": .string(transition.kind?.rawValue ?? transition.rawType)]
                t["bars"] = number(transition.bars)
                o["transition"] = .object(t)
            }
            return .object(o)
        }
        var plan: [String: JSONValue] = [
            "global": .object(globalObject),
            "timeline": .array(sections),
            "problems_and_solutions": .array(
                problemsAndSolutions.map {
                    ["problem": .string($0.problem), "solution": .string($0.solution)]
                }),
        ]
        plan["title"] = title.map { .string($0) }
        plan["artistCredits"] = artistCredits.map { .string($0) }
        var root: [String: JSONValue] = ["masterplan": .object(plan)]
        root["creative_vision"] = creativeVision.map { .string($0) }
        return .object(root)
    }

    public func encode(to encoder: Encoder) throws {
        try wireJSON.encode(to: encoder)
    }
}

extension Masterplan: Decodable {
    /// Why a plan could not be decoded through `Decodable`.
    public struct DecodingFailure: Error, Sendable, CustomStringConvertible {
        /// The problems, each with its path.
        public let issues: [PlanIssue]
        public var description: String { issues.map(\.description).joined(separator: "\n") }
    }

    /// Decodes leniently like `PlanDecoder` (for plans embedded in other Codable types). Throws `DecodingFailure`
    /// only when the value is not a masterplan object at all; field problems stay in `decodingIssues` for
    /// `PlanValidator`. Untrusted bytes should go through `PlanDecoder.decode(_:)`, which bounds size and depth.
    public init(from decoder: Decoder) throws {
        let value = try JSONValue(from: decoder)
        let (plan, issues) = PlanDecoder.decode(value)
        guard let plan else { throw DecodingFailure(issues: issues) }
        self = plan
    }
}
