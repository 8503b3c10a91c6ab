// The listener's preferences a pipeline job may carry (`"preferences"` in `POST /v1/jobs`), checked at the door and
// passed to the planner as `user_preferences` (read there by `PlanPreferences`). The embedded planner honours
// `duration_sec`, `target_bpm`, `target_key`, `lead_song`, `energy` (the sections' energy curve) and `seed`;
// `style` and the section choices reach the planner service and Claude (in the prompt).
import Foundation
import MashupModel
import Orchestrator

/// Checks job preferences.
public enum StudioPreferences {
    /// Length of the mashup the listener wants, seconds.
    public static let durationRangeSeconds: ClosedRange<Double> = 30...600
    /// Tempo the listener may ask for, BPM.
    public static let tempoRangeBPM: ClosedRange<Double> = 60...200
    /// Longest free text (style, lead song id), characters.
    public static let maximumTextCharacters = 200
    /// Most members in the object.
    public static let maximumMemberCount = 16

    /// The preferences as they go to the planner (nil when absent or empty; "auto" and empty values dropped).
    /// - Throws: 400 naming `preferences.<key>` for a value of the wrong type or out of range.
    public static func parse(_ value: JSONValue?) throws -> JSONValue? {
        guard let value, !value.isNull else { return nil }
        guard let members = value.objectValue else {
            throw HTTPError.badRequest("preferences must be an object", field: "preferences")
        }
        guard members.count <= maximumMemberCount else {
            throw HTTPError.badRequest(
                "at most \(maximumMemberCount) preferences, got \(members.count)", field: "preferences")
        }
        var kept: [String: JSONValue] = [:]
        for (key, item) in members {
            let field = "preferences.\(key)"
            if item.isNull { continue }
            if let text = item.stringValue {
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty || trimmed.lowercased() == "auto" { continue }
                guard trimmed.count <= maximumTextCharacters else {
                    throw HTTPError.badRequest(
                        "\(key) is longer than \(maximumTextCharacters) characters", field: field)
                }
            }
            switch key {
            case "duration_sec":
                kept[key] = .number(try number(item, in: durationRangeSeconds, field: field, unit: "seconds"))
            case "target_bpm":
                kept[key] = .number(try number(item, in: tempoRangeBPM, field: field, unit: "BPM"))
            case "target_key":
                guard let text = item.stringValue, let key = MusicalKey(parsing: text) else {
                    throw HTTPError.badRequest(
                        "target_key must be a key such as \"A minor\" or \"Eb major\", or \"auto\"",
                        field: field)
                }
                kept["target_key"] = .string(key.description)
            case "energy":
                // A curve name, a synonym (rising, low, medium, high...) or a level 0...1: `PlanPreferences` reads it.
                guard PlanPreferences.EnergyCurve(word: item) != nil else {
                    let names = PlanPreferences.EnergyCurve.allCases.map(\.rawValue).joined(separator: ", ")
                    throw HTTPError.badRequest(
                        "energy must be 0...1 or one of \(names) (or low, medium, high, rising, falling)",
                        field: field)
                }
                kept[key] = item.stringValue.map { .string($0.lowercased()) } ?? item
            case "lead_song", "style":
                guard let text = item.stringValue else {
                    throw HTTPError.badRequest("\(key) must be text", field: field)
                }
                kept[key] = .string(text.trimmingCharacters(in: .whitespacesAndNewlines))
            case "seed":
                guard let number = item.doubleValue, number.isFinite, abs(number) < 1e15 else {
                    throw HTTPError.badRequest("seed must be a whole number", field: field)
                }
                kept[key] = .number(number.rounded())
            default:
                switch item {
                case .string, .number, .bool: kept[key] = item
                default: throw HTTPError.badRequest("a preference is text, a number or true/false", field: field)
                }
            }
        }
        return kept.isEmpty ? nil : .object(kept)
    }

    static func number(_ value: JSONValue, in range: ClosedRange<Double>, field: String, unit: String) throws -> Double
    {
        let parsed = value.doubleValue ?? value.stringValue.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard let parsed, parsed.isFinite, range.contains(parsed) else {
            throw HTTPError.badRequest(
                "must be a number from \(Int(range.lowerBound)) to \(Int(range.upperBound)) \(unit)",
                field: field)
        }
        return parsed
    }
}
