// "Use the chorus", "avoid the intro": the sections a person asks for, read as the section roles the analysis gives
// (intro, verse, chorus, breakdown, outro). The embedded planner reads only from allowed sections; every planner's
// plan is reviewed for layers that start inside an avoided section (an advisory problem, sent to Claude in its
// correction round and recorded as a warning otherwise).
import Analysis
import Foundation
import Render

/// Section names of the plan preferences as analysis roles.
enum SectionPreference {
    /// The role a section name means (case-insensitive; common synonyms accepted), nil for an unknown name.
    static func role(named name: String) -> SongSection.Role? {
        switch name.trimmingCharacters(in: .whitespaces).lowercased() {
        case "intro", "introduction", "opening": .intro
        case "verse", "verses": .verse
        case "chorus", "choruses", "hook", "refrain", "drop": .chorus
        case "breakdown", "bridge", "break", "middle eight": .breakdown
        case "outro", "ending", "coda": .outro
        default: nil
        }
    }

    /// The roles `names` mean, and the names that mean none.
    static func roles(_ names: [String]) -> (roles: Set<SongSection.Role>, unknown: [String]) {
        var roles = Set<SongSection.Role>()
        var unknown: [String] = []
        for name in names {
            if let role = role(named: name) { roles.insert(role) } else { unknown.append(name) }
        }
        return (roles, unknown)
    }

    /// `profile` with its regions limited to the allowed sections: without the avoided roles, and only the used
    /// roles when some of its regions have them. A song whose regions carry no roles, or that would keep none,
    /// keeps all of them, and the returned note says so.
    static func restrict(_ profile: PlannerSongProfile, use: Set<SongSection.Role>, avoid: Set<SongSection.Role>)
        -> (profile: PlannerSongProfile, note: String?)
    {
        guard !use.isEmpty || !avoid.isEmpty else { return (profile, nil) }
        guard profile.regions.contains(where: { $0.role != nil }) else {
            return (
                profile,
                "\(profile.label.name) has no labelled sections (intro, verse, chorus, breakdown, outro), "
                    + "so the section preferences could not be applied to it"
            )
        }
        var allowed = profile.regions.filter { region in region.role.map { !avoid.contains($0) } ?? avoid.isEmpty }
        let used = allowed.filter { region in region.role.map { use.contains($0) } ?? false }
        if !used.isEmpty { allowed = used }
        guard !allowed.isEmpty else {
            return (profile, "every section of \(profile.label.name) is one to avoid; all of it stays available")
        }
        var restricted = profile
        restricted.regions = allowed
        return (restricted, nil)
    }

    /// Per song id, the spans (song seconds) of the sections whose role is avoided, from analyses in JSON
    /// (`sections[].role`, `start_sec`, `end_sec`).
    static func avoidedSpans(songIDs: [String], analyses: [JSONValue], avoid: Set<SongSection.Role>)
        -> [String: [(role: SongSection.Role, span: Range<Double>)]]
    {
        guard !avoid.isEmpty else { return [:] }
        var spans: [String: [(role: SongSection.Role, span: Range<Double>)]] = [:]
        for (id, analysis) in zip(songIDs, analyses) {
            let root = analysis["sections"] == nil ? (analysis["analysis"] ?? analysis) : analysis
            for section in root["sections"]?.arrayValue ?? [] {
                guard let name = section["role"]?.stringValue, let role = SongSection.Role(rawValue: name),
                    avoid.contains(role),
                    let start = section["start_sec"]?.doubleValue, let end = section["end_sec"]?.doubleValue,
                    start.isFinite, end.isFinite, end > start
                else { continue }
                spans[id, default: []].append((role, start..<end))
            }
        }
        return spans
    }
}
