// Per-job planner preferences. A pipeline is built once per node (`MashupPipeline.userPreferences` holds the node's
// defaults, e.g. a seed), while a listener's preferences come with each job; the job runner binds them around the
// job's run with `JobPreferences.$current.withValue(...)`, and `MashupPipeline` merges them over its defaults when it
// asks the planner. A task-local keeps the job-body signature (`([PipelineSong]) -> JobPipeline`) unchanged.
import Foundation
import Render

/// The preferences of the job running in the current task.
public enum JobPreferences {
    /// An object of preferences (`duration_sec`, `target_bpm`, `target_key`, `lead_song`, `style`, `energy`...);
    /// `[:]` when the job gave none.
    @TaskLocal public static var current: JSONValue = [:]

    /// `base` with the members of `overrides` put over it (both objects; a non-object `overrides` is ignored).
    public static func merged(_ base: JSONValue, _ overrides: JSONValue) -> JSONValue {
        guard let extra = overrides.objectValue, !extra.isEmpty else { return base }
        var members = base.objectValue ?? [:]
        for (key, value) in extra where !value.isNull { members[key] = value }
        return .object(members)
    }
}
