import Foundation

/// Plans and Messages API replies for the planner tests.
enum PlanFixtures {
    static let validPlan = #"""
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
    static let invalidPlan = validPlan.replacingOccurrences(of: #""stem": "drums""#, with: #""stem": "drumz""#)

    /// A Messages API answer whose text is `text`.
    static func messagesReply(_ text: String, stopReason: String = "end_turn") -> String {
        let quoted = String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
        return #"{"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test", "#
            + #""content": [{"type": "text", "text": \#(quoted)}], "stop_reason": "\#(stopReason)", "#
            + #""usage": {"input_tokens": 100, "output_tokens": 200}}"#
    }

    static func prose(_ json: String) -> String {
        "Here is the masterplan you asked for:\n\n```json\n\(json)\n```\n\nEnjoy the drive!"
    }
}
