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
    ///
    /// The values are the ones the render reads: the plan is decoded as leniently as the validator decodes it
    /// (`"volume_db": "-6 dB"`, `"start": "0:15"`, `"gain_db"`, `"tracks"`, an effects string), so the front end
    /// draws what is heard. Each layer gets `stem` (`full` when the plan named none), `volume` and, next to it, the
    /// canonical `volume_db` the volume comes from (so the plan read back, e.g. by the studio's editor, keeps its
    /// gain and never reads `volume` as decibels).
    /// - Parameter effectsAsText: `effects` as strings, the front end's `string[]` (an effect object becomes its
    ///   summary, e.g. `"high-pass 800 Hz, 12 dB/oct"`); false keeps the plan's own effect values.
    public static func timeline(_ timeline: JSONValue, effectsAsText: Bool = true) -> JSONValue {
        guard let sections = timeline.arrayValue else { return timeline }
        let decoded = PlanDecoder.decode(.object(["timeline": timeline])).plan?.timeline ?? []
        return .array(
            sections.enumerated().map { index, section in
                guard case .object(var members) = section else { return section }
                let read = index < decoded.count ? decoded[index] : Masterplan.Section()
                members["start"] = .number(finite(read.timeStartSeconds) ?? 0)
                members["duration"] = .number(max(0, finite(read.durationSeconds) ?? 0))
                if members["description"]?.stringValue == nil {
                    members["description"] = .string(read.description ?? "")
                }
                let written = section["layers"]?.arrayValue ?? []
                members["layers"] = .array(
                    read.layers.enumerated().map { position, layer in
                        var fields = position < written.count ? (written[position].objectValue ?? [:]) : [:]
                        if fields["stem"]?.stringValue == nil { fields["stem"] = .string(layer.stem ?? "full") }
                        let decibels = finite(layer.volumeDecibels) ?? 0
                        fields["volume_db"] = .number(decibels)
                        fields["volume"] = .number((min(1, max(0, pow(10, decibels / 20))) * 1000).rounded() / 1000)
                        fields["effects"] = .array(
                            effectsAsText ? layer.effects.map { .string(text(of: $0)) } : layer.effects)
                        return .object(fields)
                    })
                return .object(members)
            })
    }

    /// An effect as the front end shows it: a string as written; an object as its summary.
    static func text(of effect: JSONValue) -> String {
        if let string = effect.stringValue { return string }
        let parsed = EffectParser.parse(effect)
        return parsed.spec?.description ?? parsed.source
    }

    /// The masterplan object with `plan` and `thoughts` added; its `timeline` (in `masterplan` or at the top) in
    /// the front end's shape too.
    public static func masterplan(_ value: JSONValue, concept: String?) -> JSONValue {
        guard case .object(var members) = value else { return value }
        let inner = value["masterplan"] ?? value
        let sections = inner["timeline"]?.arrayValue ?? []
        if members["plan"] == nil {
            let decoded = PlanDecoder.decode(.object(["timeline": .array(sections)])).plan?.timeline ?? []
            members["plan"] = .array(decoded.map { .string(line(for: $0)) })
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
            innerMembers["timeline"] = self.timeline(timeline, effectsAsText: false)
            members["masterplan"] = .object(innerMembers)
        } else if let timeline = members["timeline"] {
            members["timeline"] = self.timeline(timeline, effectsAsText: false)
        }
        return .object(members)
    }

    /// "0:15-0:46 Drop: song2 drums -3 dB; song1 vocals -6 dB (reverb)".
    static func line(for section: Masterplan.Section) -> String {
        let start = finite(section.timeStartSeconds) ?? 0
        let end = start + (finite(section.durationSeconds) ?? 0)
        let layers = section.layers.map { layer -> String in
            let gain = finite(layer.volumeDecibels).map { String(format: " %+.0f dB", $0) } ?? ""
            let effects = layer.effects.map(text(of:))
            return "\(layer.songId ?? "?") \(layer.stem ?? "full")\(gain)"
                + (effects.isEmpty ? "" : " (\(effects.joined(separator: ", ")))")
        }
        let description = section.description.map { $0.isEmpty ? "" : " \($0)" } ?? ""
        return "\(DurationText.clock(start))-\(DurationText.clock(end))\(description): "
            + (layers.isEmpty ? "silence" : layers.joined(separator: "; "))
    }

    static func finite(_ value: Double?) -> Double? {
        value.flatMap { $0.isFinite ? $0 : nil }
    }
}
