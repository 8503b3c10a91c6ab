import Foundation
import Render

/// The structural check of a masterplan answer (the wire schema of the contract): the fields the render cannot do
/// without. Musical rules (one lead vocal at a time...) belong to the render's validator, which can replace this.
public enum MasterplanShape {
    /// The contract's stems, plus `full` for the whole song.
    public static let stems: Set<String> = ["vocals", "drums", "bass", "other", "full"]

    /// Wraps a bare plan (an object with `timeline`) as `{"masterplan": plan}`; returns other values unchanged.
    public static func normalized(_ value: JSONValue) -> JSONValue {
        if value["masterplan"] == nil, value["timeline"] != nil, case .object = value {
            return ["masterplan": value, "creative_vision": value["creative_vision"] ?? .null]
        }
        return value
    }

    /// Located structural issues of `plan` (already normalised); empty when usable.
    public static func issues(in plan: JSONValue) -> [PlanProblem] {
        var issues: [PlanProblem] = []
        func issue(_ field: String, _ message: String) { issues.append(PlanProblem(field: field, message: message)) }
        guard let inner = plan["masterplan"], case .object = inner else {
            return [PlanProblem(field: "masterplan", message: "is missing")]
        }
        if inner["title"]?.stringValue?.isEmpty ?? true { issue("masterplan.title", "is missing") }
        guard let timeline = inner["timeline"]?.arrayValue else {
            issue("masterplan.timeline", "is missing")
            return issues
        }
        if timeline.isEmpty { issue("masterplan.timeline", "is empty") }
        for (sectionIndex, section) in timeline.enumerated() {
            let path = "masterplan.timeline[\(sectionIndex)]"
            if section["time_start_sec"]?.doubleValue.map({ $0 >= 0 && $0.isFinite }) != true {
                issue("\(path).time_start_sec", "is missing or negative")
            }
            if section["duration_sec"]?.doubleValue.map({ $0 > 0 && $0.isFinite }) != true {
                issue("\(path).duration_sec", "is missing or not positive")
            }
            guard let layers = section["layers"]?.arrayValue else {
                issue("\(path).layers", "is missing")
                continue
            }
            for (layerIndex, layer) in layers.enumerated() {
                let layerPath = "\(path).layers[\(layerIndex)]"
                if layer["songId"]?.stringValue?.isEmpty ?? true { issue("\(layerPath).songId", "is missing") }
                if let stem = layer["stem"]?.stringValue {
                    if !stems.contains(stem.lowercased()) {
                        issue(
                            "\(layerPath).stem", "\"\(stem)\" is not one of \(stems.sorted().joined(separator: ", "))")
                    }
                } else {
                    issue("\(layerPath).stem", "is missing")
                }
                if let volume = layer["volume_db"], volume.doubleValue == nil {
                    issue("\(layerPath).volume_db", "is not a number")
                }
            }
        }
        return issues
    }
}
