import Analysis
import Foundation
import Orchestrator
import Render
import Testing

/// The listener's preferences the embedded planner honours: lead song, target tempo and key (the studio's form).
@Suite("Embedded planner preferences")
struct PlannerPreferenceTests {
    /// Planned tempo is written with one decimal.
    static let tempoToleranceBPM = 0.05

    static func request(_ preferences: JSONValue) throws -> PlanRequest {
        // A has the clearer vocals, so it leads unless the listener says otherwise.
        let a = try EmbeddedPlannerTests.json(EmbeddedPlannerTests.analysis(bpm: 120, key: "A minor", vocals: 0.7))
        let b = try EmbeddedPlannerTests.json(EmbeddedPlannerTests.analysis(bpm: 100, key: "D major", vocals: 0.3))
        return PlanRequest(
            analyses: [a, b], mashabilityScore: ["overall_score": 60], userPreferences: preferences,
            songs: [PlanSongLabel(songID: "song1", name: "A"), PlanSongLabel(songID: "song2", name: "B")])
    }

    @Test("without preferences the vocal song leads and tempo and key come from the analyses")
    func defaults() throws {
        let plan = try EmbeddedPlanner().plan(for: Self.request([:]))
        #expect(plan.title == "A over B")
        let bpm = try #require(plan.global.targetBPM)
        #expect(bpm != 140)
        #expect(plan.global.targetKey != "E minor")
    }

    @Test("lead_song, target_bpm and target_key override the casting, tempo and key")
    func honoured() throws {
        let plan = try EmbeddedPlanner().plan(
            for: Self.request(["lead_song": "song2", "target_bpm": 140, "target_key": "E minor"]))
        #expect(plan.title == "B over A")
        let bpm = try #require(plan.global.targetBPM)
        #expect(abs(bpm - 140) <= Self.tempoToleranceBPM)
        #expect(plan.global.targetKey == "E minor")
        // Every section starts on a bar line of the asked tempo.
        let barSeconds = 240 / bpm
        for section in plan.timeline {
            let start = try #require(section.timeStartSeconds)
            let bars = start / barSeconds
            #expect(abs(bars - bars.rounded()) <= 1e-6, "section at \(start) s is off the \(bpm) BPM bar grid")
        }
    }

    @Test("an unknown lead song or key, or a tempo outside 60...200 BPM, is ignored (a preference never breaks a plan)")
    func outOfRange() throws {
        let plain = try EmbeddedPlanner().plan(for: Self.request([:]))
        let plan = try EmbeddedPlanner().plan(
            for: Self.request(["lead_song": "nobody", "target_key": "H major", "target_bpm": 400]))
        #expect(plan.title == plain.title)
        #expect(plan.global.targetKey == plain.global.targetKey)
        #expect(plan.global.targetBPM == plain.global.targetBPM)
    }

    @Test("a job's preferences are merged over the pipeline's own for the planner")
    func merged() {
        let merged = JobPreferences.merged(
            ["seed": 3, "duration_sec": 180], ["duration_sec": 60, "style": "house", "energy": .null])
        #expect(merged == ["seed": 3, "duration_sec": 60, "style": "house"])
        #expect(JobPreferences.merged(["seed": 3], "not an object") == ["seed": 3])
    }
}
