import Foundation
import Render

/// Plans for the tests of every target (one fixture set): a plan in the contract's shape built as `JSONValue`
/// with helpers to change one field, and the planner's text plans and Messages API replies.
public enum PlanFixtures {
    public static let songIds = ["s1", "s2"]

    public static func layer(_ song: String, _ stem: String, _ db: Double, _ effects: [JSONValue] = []) -> JSONValue {
        ["songId": .string(song), "stem": .string(stem), "volume_db": .number(db), "effects": .array(effects)]
    }

    public static func section(
        _ start: Double, _ duration: Double, _ layers: [JSONValue], extra: [String: JSONValue] = [:]
    ) -> JSONValue {
        var o: [String: JSONValue] = [
            "time_start_sec": .number(start), "duration_sec": .number(duration),
            "description": "part", "energy_level": 0.5, "layers": .array(layers),
        ]
        for (k, v) in extra { o[k] = v }
        return .object(o)
    }

    /// Three touching sections of 16, 16 and 8 s at 120 BPM (8, 8 and 4 bars).
    public static var plan: JSONValue {
        [
            "creative_vision": "Two songs meet.",
            "masterplan": [
                "title": "Test", "artistCredits": "A vs. B",
                "global": ["targetBPM": 120, "targetKey": "A minor", "timeSignature": [4, 4]],
                "timeline": [
                    section(0, 16, [layer("song1", "vocals", -6, ["reverb", "delay"]), layer("song2", "drums", -8)]),
                    section(
                        16, 16, [layer("s1", "vocals", -4), layer("s2", "other", -10, ["high-pass-filter-800hz"])]),
                    section(32, 8, [layer("s2", "full", -6, ["echo-out"])]),
                ],
                "problems_and_solutions": [["problem": "keys clash", "solution": "shift vocals"]],
            ],
        ]
    }

    public static func data(_ value: JSONValue) -> Data { try! value.encoded() }

    /// `plan` with `transform` applied to its masterplan object.
    public static func modified(_ transform: (inout [String: JSONValue]) -> Void) -> JSONValue {
        guard case .object(var root) = plan, case .object(var mp)? = root["masterplan"] else { fatalError() }
        transform(&mp)
        root["masterplan"] = .object(mp)
        return .object(root)
    }

    /// Changes field `key` of layer `l` in section `s`.
    public static func settingLayer(_ s: Int, _ l: Int, _ key: String, _ value: JSONValue?) -> JSONValue {
        modified { mp in
            guard case .array(var sections)? = mp["timeline"], case .object(var section) = sections[s],
                case .array(var layers)? = section["layers"], case .object(var layer) = layers[l]
            else { fatalError() }
            layer[key] = value
            layers[l] = .object(layer)
            section["layers"] = .array(layers)
            sections[s] = .object(section)
            mp["timeline"] = .array(sections)
        }
    }

    /// Changes field `key` of section `s`.
    public static func settingSection(_ s: Int, _ key: String, _ value: JSONValue?) -> JSONValue {
        modified { mp in
            guard case .array(var sections)? = mp["timeline"], case .object(var section) = sections[s] else {
                fatalError()
            }
            section[key] = value
            sections[s] = .object(section)
            mp["timeline"] = .array(sections)
        }
    }

    /// Changes field `key` of the global settings.
    public static func settingGlobal(_ key: String, _ value: JSONValue?) -> JSONValue {
        modified { mp in
            guard case .object(var g)? = mp["global"] else { fatalError() }
            g[key] = value
            mp["global"] = .object(g)
        }
    }

    // MARK: - Plans as text, and Messages API replies (planner tests)

    public static let validPlan = #"""
        {"creative_vision": "Two night drives meet at a red light.",
         "masterplan": {"title": "Red Light", "artistCredits": "A vs. B",
          "global": {"targetBPM": 124, "targetKey": "A minor", "timeSignature": [4, 4]},
          "timeline": [
            {"time_start_sec": 0, "duration_sec": 15.5, "description": "Intro", "energy_level": 0.3,
             "layers": [{"songId": "song1", "stem": "vocals", "volume_db": -6, "effects": ["reverb"]},
                        {"songId": "song2", "stem": "other", "volume_db": -10, "effects": ["high-pass-filter-800hz"]}]},
            {"time_start_sec": 15.5, "duration_sec": 31, "description": "Drop", "energy_level": 0.9,
             "layers": [{"songId": "song2", "stem": "drums", "volume_db": -3, "effects": []}]}],
          "problems_and_solutions": [{"problem": "key clash", "solution": "shift song 2 by -2 semitones"}]}}
        """#

    /// The plan with the second section's stem misspelt.
    public static let invalidPlan = validPlan.replacingOccurrences(of: #""stem": "drums""#, with: #""stem": "drumz""#)

    /// A Messages API answer whose text is `text`.
    public static func messagesReply(_ text: String, stopReason: String = "end_turn") -> String {
        let quoted = String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
        return #"{"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test", "#
            + #""content": [{"type": "text", "text": \#(quoted)}], "stop_reason": "\#(stopReason)", "#
            + #""usage": {"input_tokens": 100, "output_tokens": 200}}"#
    }

    public static func prose(_ json: String) -> String {
        "Here is the masterplan you asked for:\n\n```json\n\(json)\n```\n\nEnjoy the drive!"
    }
}
