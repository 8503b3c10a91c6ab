// `POST /v1/plans/validate`: the plan validator's answer for an edited plan, every issue located by its JSON path,
// so an editor can show it beside the line at fault. Nothing is rendered or stored.
import Foundation
import MashupModel
import Orchestrator

/// Validates a plan sent by a client.
public enum PlanCheck {
    /// The answer for a request body: `{"plan": <any accepted plan shape>, "songs": [{"song_id", "analysis"?}]}` or
    /// a bare plan. With songs, layer `songId`s are checked against them (and, with analyses, keys, tempi and
    /// lengths); without, any id is accepted.
    /// - Returns: `{"valid", "issues": [{"severity", "path", "message"}], "errors", "warnings"}` (counts), and
    ///   `"summary"` (`title`, `sections`, `duration_sec`, `target_bpm`) when valid.
    /// - Throws: 400 when `plan` is not an object or `songs` is not a list of objects.
    public static func answer(for body: JSONValue) throws -> JSONValue {
        let plan = body["plan"] ?? body
        guard plan.objectValue != nil else {
            throw HTTPError.badRequest("the plan must be a JSON object", field: "plan")
        }
        var songList: [PlanCheckOutcome.Song]?
        if let songs = body["songs"] {
            guard let items = songs.arrayValue, items.allSatisfy({ $0.objectValue != nil }) else {
                throw HTTPError.badRequest("songs must be a list of objects", field: "songs")
            }
            songList = items.enumerated().map { index, item in
                let id = item["song_id"]?.stringValue ?? item["songId"]?.stringValue ?? "song\(index + 1)"
                if let analysis = item["analysis"], analysis.objectValue != nil {
                    return PlanCheckOutcome.Song(id: id, analysis: analysis)
                }
                return PlanCheckOutcome.Song(id: id)
            }
        }
        let validation = PlanCheckOutcome.check(plan, songs: songList)
        var answer: [String: JSONValue] = [
            "valid": .bool(validation.isValid),
            "issues": .array(
                validation.issues.map { issue in
                    [
                        "severity": .string(issue.severity), "path": .string(issue.path),
                        "message": .string(issue.message),
                    ]
                }),
            "errors": .number(Double(validation.errorCount)), "warnings": .number(Double(validation.warningCount)),
        ]
        if let valid = validation.summary {
            answer["summary"] = [
                "title": .string(valid.title), "sections": .number(Double(valid.sectionCount)),
                "duration_sec": .number(valid.durationSeconds), "target_bpm": .number(valid.tempoBPM),
            ]
        }
        return .object(answer)
    }
}
