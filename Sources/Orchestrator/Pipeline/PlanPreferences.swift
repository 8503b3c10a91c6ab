import Analysis
import Foundation
import Render

/// What a person asks of the plan, read from the `user_preferences` object that every planner receives.
///
/// Wire fields (snake_case; camelCase spellings are accepted too; `"auto"` or absence means: the planner decides):
/// `lead_song` (a song id, or `song1`...), `duration_sec` (10...1800), `target_bpm` (60...200), `target_key`
/// (`"A minor"`, `"F#"`), `energy` (`rise`, `fall`, `arc`, `wave`, `steady`, `calm`, `intense`, common synonyms, or a
/// level 0...1), `style` (free text, at most 200
/// characters), `use_sections` and `avoid_sections` (section names such as `chorus`, `breakdown`), `seed`.
/// Values out of range are dropped, never trusted: a preference steers, it cannot break a plan.
public struct PlanPreferences: Sendable, Equatable {
    /// The energy shape of the mashup over time.
    public enum EnergyCurve: String, Sendable, CaseIterable {
        /// Quiet start, climbing to the end.
        case rise
        /// Build to a peak in the middle, then release (the default form).
        case arc
        /// Alternating lifts and drops.
        case wave
        /// Even, moderate energy throughout.
        case steady
        /// Low energy throughout.
        case calm
        /// High energy throughout.
        case intense
        /// Start high and wind down.
        case fall

        /// A curve from its name or a common synonym (`rising`, `build`, `falling`, `low`, `medium`, `high`...),
        /// or from a number 0...1 (a constant level: calm below 0.4, steady below 0.7, else intense).
        public init?(word: JSONValue) {
            if let level = word.doubleValue {
                guard level.isFinite, (0...1).contains(level) else { return nil }
                self = level < 0.4 ? .calm : level < 0.7 ? .steady : .intense
                return
            }
            guard let text = word.stringValue?.trimmingCharacters(in: .whitespaces).lowercased() else { return nil }
            if let curve = EnergyCurve(rawValue: text) { self = curve; return }
            switch text {
            case "rising", "build", "building", "up": self = .rise
            case "falling", "down", "wind-down", "winding down": self = .fall
            case "low", "chill", "quiet": self = .calm
            case "medium", "mid", "even": self = .steady
            case "high", "peak", "hype": self = .intense
            case "peak-middle", "journey": self = .arc
            case "waves", "up-and-down": self = .wave
            default: return nil
            }
        }
    }

    public var leadSongID: String?
    public var durationSeconds: Double?
    public var targetBPM: Double?
    public var targetKey: MusicalKey?
    public var energyCurve: EnergyCurve?
    public var style: String?
    public var useSections: [String]
    public var avoidSections: [String]
    public var seed: Int64?

    /// Accepted lengths, seconds.
    public static let durationRangeSeconds: ClosedRange<Double> = 10...1800
    /// Accepted target tempi, BPM.
    public static let tempoRangeBPM: ClosedRange<Double> = 60...200
    /// Longest style text kept, characters.
    public static let maximumStyleLength = 200

    public init(
        leadSongID: String? = nil, durationSeconds: Double? = nil, targetBPM: Double? = nil,
        targetKey: MusicalKey? = nil, energyCurve: EnergyCurve? = nil, style: String? = nil,
        useSections: [String] = [], avoidSections: [String] = [], seed: Int64? = nil
    ) {
        self.leadSongID = leadSongID
        self.durationSeconds = durationSeconds
        self.targetBPM = targetBPM
        self.targetKey = targetKey
        self.energyCurve = energyCurve
        self.style = style
        self.useSections = useSections
        self.avoidSections = avoidSections
        self.seed = seed
    }

    /// Reads the preferences object leniently (see the type's documentation).
    public init(_ json: JSONValue) {
        func member(_ names: String...) -> JSONValue? {
            for name in names {
                if let value = json[name], !value.isNull, value.stringValue?.lowercased() != "auto" { return value }
            }
            return nil
        }
        func number(_ value: JSONValue?, in range: ClosedRange<Double>) -> Double? {
            value?.doubleValue.flatMap { range.contains($0) ? $0 : nil }
        }
        func names(_ value: JSONValue?) -> [String] {
            (value?.arrayValue ?? []).compactMap { $0.stringValue?.trimmingCharacters(in: .whitespaces).lowercased() }
                .filter { !$0.isEmpty && $0.count <= 40 }.prefix(16).map { $0 }
        }
        leadSongID = member("lead_song", "leadSong", "lead_song_id")?.stringValue.flatMap {
            $0.isEmpty || $0.count > 128 ? nil : $0
        }
        durationSeconds = number(member("duration_sec", "length_sec", "durationSec"), in: Self.durationRangeSeconds)
        targetBPM = number(member("target_bpm", "targetBPM", "bpm"), in: Self.tempoRangeBPM)
        targetKey = member("target_key", "targetKey", "key")?.stringValue.flatMap(MusicalKey.init(parsing:))
        energyCurve = member("energy", "energy_curve", "energyCurve").flatMap(EnergyCurve.init(word:))
        style = member("style")?.stringValue.map { String($0.prefix(Self.maximumStyleLength)) }.flatMap {
            $0.isEmpty ? nil : $0
        }
        useSections = names(member("use_sections", "useSections"))
        avoidSections = names(member("avoid_sections", "avoidSections"))
        seed = member("seed")?.doubleValue.flatMap { $0.isFinite && abs($0) < 9e15 ? Int64($0.rounded()) : nil }
    }

    /// The preferences as the wire object (only what is set).
    public var json: JSONValue {
        var object: [String: JSONValue] = [:]
        if let leadSongID { object["lead_song"] = .string(leadSongID) }
        if let durationSeconds { object["duration_sec"] = .number(durationSeconds) }
        if let targetBPM { object["target_bpm"] = .number(targetBPM) }
        if let targetKey { object["target_key"] = .string(targetKey.description) }
        if let energyCurve { object["energy"] = .string(energyCurve.rawValue) }
        if let style { object["style"] = .string(style) }
        if !useSections.isEmpty { object["use_sections"] = .array(useSections.map { .string($0) }) }
        if !avoidSections.isEmpty { object["avoid_sections"] = .array(avoidSections.map { .string($0) }) }
        if let seed { object["seed"] = .number(Double(seed)) }
        return .object(object)
    }

    /// The energy curve a style text implies, for a planner without a model of style (the embedded one): the first
    /// word of `style` that names a curve (`EnergyCurve(word:)`) or a genre or mood with a clear energy (`chill`,
    /// `ambient`, `lofi` calm; `club`, `techno`, `rave` intense; `disco`, `funk`, `house` steady; `cinematic`,
    /// `epic`, `anthem` arc; `uplifting`, `euphoric` rise; `melancholic`, `sunset` fall). Nil when no word does.
    public var styleEnergyCurve: (curve: EnergyCurve, word: String)? {
        guard let style else { return nil }
        let words = style.lowercased().split(whereSeparator: { !$0.isLetter && $0 != "-" }).map(String.init)
        for word in words {
            if let curve = EnergyCurve(word: .string(word)) ?? Self.styleWords[word] { return (curve, word) }
        }
        return nil
    }

    /// Genre and mood words with a clear energy (see `styleEnergyCurve`).
    static let styleWords: [String: EnergyCurve] = [
        "ambient": .calm, "chillout": .calm, "lofi": .calm, "lo-fi": .calm, "mellow": .calm, "relaxed": .calm,
        "dreamy": .calm, "acoustic": .calm, "soft": .calm, "downtempo": .calm,
        "club": .intense, "techno": .intense, "rave": .intense, "edm": .intense, "banger": .intense,
        "party": .intense, "energetic": .intense, "aggressive": .intense, "hard": .intense, "dnb": .intense,
        "disco": .steady, "funk": .steady, "funky": .steady, "house": .steady, "groovy": .steady,
        "cinematic": .arc, "epic": .arc, "anthem": .arc, "anthemic": .arc,
        "uplifting": .rise, "euphoric": .rise,
        "melancholic": .fall, "sad": .fall, "sunset": .fall,
    ]

    /// One line per preference for the planner's prompt (empty when none is set).
    public func promptLines(songName: (String) -> String?) -> [String] {
        var lines: [String] = []
        if let leadSongID {
            lines.append(
                "- Lead: \(songName(leadSongID).map { "\"\($0)\" (songId \"\(leadSongID)\")" } ?? "songId \"\(leadSongID)\"") carries the lead part."
            )
        }
        if let durationSeconds {
            lines.append(String(format: "- Length: about %.0f s (within 10 %%).", durationSeconds))
        }
        if let targetBPM { lines.append(String(format: "- Target tempo: %.1f BPM (use it as targetBPM).", targetBPM)) }
        if let targetKey { lines.append("- Target key: \(targetKey) (use it as targetKey).") }
        if let energyCurve { lines.append("- Energy curve: \(energyCurve.rawValue) (\(energyCurve.explanation)).") }
        if let style { lines.append("- Style: \(style).") }
        if !useSections.isEmpty {
            lines.append("- Use these sections of the songs: \(useSections.joined(separator: ", ")).")
        }
        if !avoidSections.isEmpty { lines.append("- Avoid these sections: \(avoidSections.joined(separator: ", ")).") }
        return lines
    }
}

extension PlanPreferences.EnergyCurve {
    /// A short explanation for prompts and reports.
    public var explanation: String {
        switch self {
        case .rise: "start quiet and keep climbing to the end"
        case .arc: "build to a peak in the middle, then release"
        case .wave: "alternate lifts and drops"
        case .steady: "keep the energy even"
        case .calm: "keep it low and spacious"
        case .intense: "keep the energy high throughout"
        case .fall: "start at full energy and wind down"
        }
    }

    /// The energy (0...1) this curve asks for at `position` (0 = start, 1 = end of the mashup).
    public func energy(at position: Double) -> Double {
        let x = min(max(position, 0), 1)
        switch self {
        case .rise: return 0.25 + 0.7 * x
        case .arc: return 0.3 + 0.65 * sin(Double.pi * x)
        case .wave: return 0.55 + 0.35 * sin(4 * Double.pi * x)
        case .steady: return 0.7
        case .calm: return 0.3
        case .intense: return 0.9
        case .fall: return 0.95 - 0.7 * x
        }
    }
}
