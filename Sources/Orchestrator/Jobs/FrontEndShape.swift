import Foundation
import Render

/// The original front end's view of a result, added beside the plan's own fields (which stay for other clients).
///
/// - `timeline`: each section also carries `start` and `duration` (seconds), each layer `volume` (0...1, the linear
///   gain of `volume_db`, clamped) next to `stem` and `effects`: the front end's `MashupSection` shape.
/// - `masterplan`: also carries `plan` (one line per section, in words) and `thoughts` (the creative vision and the
///   problems and solutions), which the front end reads.
public enum FrontEndShape {
    /// The timeline with the `MashupSection` fields added (a non-array is returned as it is).
    public static func timeline(_ timeline: JSONValue) -> JSONValue {
        guard let sections = timeline.arrayValue else { return timeline }
        return .array(
            sections.map { section in
                guard case .object(var members) = section else { return section }
                members["start"] = .number(number(section["time_start_sec"]) ?? 0)
                members["duration"] = .number(number(section["duration_sec"]) ?? 0)
                if let layers = section["layers"]?.arrayValue {
                    members["layers"] = .array(
                        layers.map { layer in
                            guard case .object(var fields) = layer else { return layer }
                            let decibels = number(layer["volume_db"]) ?? 0
                            fields["volume"] = .number((min(1, max(0, pow(10, decibels / 20))) * 1000).rounded() / 1000)
                            if fields["effects"] == nil { fields["effects"] = [] }
                            return .object(fields)
                        })
                }
                return .object(members)
            })
    }

    /// The masterplan object with `plan` and `thoughts` added; its `timeline` (in `masterplan` or at the top) in
    /// the front end's shape too.
    public static func masterplan(_ value: JSONValue, concept: String?) -> JSONValue {
        guard case .object(var members) = value else { return value }
        let inner = value["masterplan"] ?? value
        let sections = inner["timeline"]?.arrayValue ?? []
        if members["plan"] == nil {
            members["plan"] = .array(sections.map { .string(line(for: $0)) })
        }
        if members["thoughts"] == nil {
            var thoughts: [String] = []
            if let vision = value["creative_vision"]?.stringValue ?? concept, !vision.isEmpty {
                thoughts.append(vision)
            }
            for item in inner["problems_and_solutions"]?.arrayValue ?? [] {
                guard let problem = item["problem"]?.stringValue else { continue }
                thoughts.append("\(problem) → \(item["solution"]?.stringValue ?? "")")
            }
            members["thoughts"] = .string(thoughts.joined(separator: "\n"))
        }
        if case .object(var innerMembers)? = members["masterplan"], let timeline = innerMembers["timeline"] {
            innerMembers["timeline"] = self.timeline(timeline)
            members["masterplan"] = .object(innerMembers)
        } else if let timeline = members["timeline"] {
            members["timeline"] = self.timeline(timeline)
        }
        return .object(members)
    }

    /// "0:15-0:46 Drop: song2 drums -3 dB; song1 vocals -6 dB (reverb)".
    static func line(for section: JSONValue) -> String {
        let start = number(section["time_start_sec"]) ?? 0
        let end = start + (number(section["duration_sec"]) ?? 0)
        let layers = (section["layers"]?.arrayValue ?? []).map { layer -> String in
            let song = layer["songId"]?.stringValue ?? "?"
            let stem = layer["stem"]?.stringValue ?? "full"
            let gain = number(layer["volume_db"]).map { String(format: " %+.0f dB", $0) } ?? ""
            let effects = (layer["effects"]?.arrayValue ?? []).compactMap { $0.stringValue ?? $0["type"]?.stringValue }
            return "\(song) \(stem)\(gain)" + (effects.isEmpty ? "" : " (\(effects.joined(separator: ", ")))")
        }
        let description = section["description"]?.stringValue.map { $0.isEmpty ? "" : " \($0)" } ?? ""
        return "\(DurationText.clock(start))-\(DurationText.clock(end))\(description): "
            + (layers.isEmpty ? "silence" : layers.joined(separator: "; "))
    }

    static func number(_ value: JSONValue?) -> Double? {
        value?.doubleValue.flatMap { $0.isFinite ? $0 : nil }
    }
}
