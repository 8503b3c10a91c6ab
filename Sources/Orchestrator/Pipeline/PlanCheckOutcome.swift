// The validator's answer for an edited plan (the studio's "check" button), as a value that carries no Render type:
// every issue located by its JSON path, and a summary when the plan is valid. Nothing is rendered or stored.
import Foundation
import Render

/// What the plan validator says of a plan, for an editor.
public struct PlanCheckOutcome: Sendable, Equatable {
    /// One located issue.
    public struct Issue: Sendable, Equatable {
        /// `error` or `warning`.
        public var severity: String
        /// The JSON path at fault (`masterplan.timeline[2].layers[0].gain_db`).
        public var path: String
        public var message: String
    }

    /// The valid plan in brief.
    public struct Summary: Sendable, Equatable {
        public var title: String
        public var sectionCount: Int
        public var durationSeconds: Double
        public var tempoBPM: Double
    }

    /// One song the plan's layers may name, with its analysis (JSON as received) when the caller has one.
    public struct Song: Sendable {
        public var id: String
        public var analysis: JSONValue?

        public init(id: String, analysis: JSONValue? = nil) {
            self.id = id
            self.analysis = analysis
        }
    }

    /// Whether the plan has no errors.
    public var isValid: Bool
    /// Every issue, in the validator's order.
    public var issues: [Issue]
    public var errorCount: Int
    public var warningCount: Int
    /// Present when the plan is valid.
    public var summary: Summary?

    /// Validates `plan` (any accepted plan shape, normalised by `MasterplanShape`). With `songs`, layer `songId`s
    /// are checked against them (and, with analyses, keys, tempi and lengths); with nil, any id is accepted.
    public static func check(_ plan: JSONValue, songs: [Song]?) -> PlanCheckOutcome {
        var validator = PlanValidator()
        if let songs {
            validator = PlanValidator(
                songs: songs.map { song in
                    song.analysis.map { PlanValidator.SongInfo(id: song.id, analysis: $0) }
                        ?? PlanValidator.SongInfo(id: song.id)
                })
        }
        let validation = validator.validate(MasterplanShape.normalized(plan))
        return PlanCheckOutcome(
            isValid: validation.isValid,
            issues: validation.issues.map { Issue(severity: $0.severity.rawValue, path: $0.path, message: $0.message) },
            errorCount: validation.errors.count, warningCount: validation.warnings.count,
            summary: validation.plan.map {
                Summary(
                    title: $0.title, sectionCount: $0.sections.count, durationSeconds: $0.durationSeconds,
                    tempoBPM: $0.tempoBPM)
            })
    }
}
