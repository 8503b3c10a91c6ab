import Analysis
import Foundation
import Orchestrator
import Render
import Testing

@Suite("Steering the plan: preferences")
struct PlanPreferencesTests {
    @Test("the wire object is read leniently; out-of-range values are dropped, never trusted")
    func parsing() {
        let preferences = PlanPreferences([
            "lead_song": "b", "duration_sec": 150, "target_bpm": "128", "target_key": "F# minor",
            "energy": "Rise", "style": "warm disco", "avoid_sections": ["Intro", ""], "seed": 3,
        ])
        #expect(preferences.leadSongID == "b")
        #expect(preferences.durationSeconds == 150)
        #expect(preferences.targetBPM == 128)
        #expect(preferences.targetKey == MusicalKey(parsing: "F# minor"))
        #expect(preferences.energyCurve == .rise)
        #expect(preferences.style == "warm disco")
        #expect(preferences.avoidSections == ["intro"])
        #expect(preferences.seed == 3)
        let wild = PlanPreferences([
            "duration_sec": 1e300, "target_bpm": 5000, "target_key": "auto", "energy": "explosive",
            "seed": 1e300,
        ])
        #expect(wild == PlanPreferences())
        #expect(PlanPreferences(preferences.json) == preferences)
    }

    @Test("the embedded planner follows the lead song, target tempo, key, length and energy curve")
    func embeddedPlanner() throws {
        let a = EmbeddedPlannerTests.analysis(bpm: 124, key: "A minor", vocals: 0.8)
        let b = EmbeddedPlannerTests.analysis(bpm: 120, key: "C major", vocals: 0.5)
        let preferences: JSONValue = [
            "lead_song": "song2", "target_bpm": 110, "target_key": "D minor", "duration_sec": 150,
            "energy": "rise",
        ]
        let request = try EmbeddedPlannerTests.request([a, b], preferences: preferences)
        let plan = try EmbeddedPlanner().plan(for: request)
        #expect(plan.global.targetBPM == 110)
        #expect(plan.global.targetKey == "D minor")
        let duration = plan.timeline.map { ($0.timeStartSeconds ?? 0) + ($0.durationSeconds ?? 0) }.max() ?? 0
        #expect(abs(duration / 150 - 1) <= 0.25, "length \(duration) s for 150 s asked")
        let leadID = request.label(1).songID
        let vocalSongs = Set(plan.timeline.flatMap(\.layers).filter { $0.stem == "vocals" }.compactMap(\.songId))
        #expect(vocalSongs == [leadID])
        let energies = plan.timeline.compactMap(\.energyLevel)
        #expect(energies.count == plan.timeline.count)
        #expect(zip(energies, energies.dropFirst()).allSatisfy { $0 <= $1 }, "rise: \(energies)")
    }

    @Test("the prompt states each preference once, in words, with the lead song's name")
    func prompt() {
        let request = PlanRequest(
            analyses: [ProducerPromptTests.analysisA, ProducerPromptTests.analysisB],
            mashabilityScore: ProducerPromptTests.score,
            userPreferences: ["lead_song": "s2", "target_bpm": 122, "energy": "wave", "style": "dark club"],
            songs: [PlanSongLabel(songID: "s1", name: "Night Drive"), PlanSongLabel(songID: "s2", name: "Daylight")])
        let prompt = ProducerPrompt().user(for: request)
        #expect(prompt.contains("- Lead: \"Daylight\" (songId \"s2\") carries the lead part."))
        #expect(prompt.contains("- Target tempo: 122.0 BPM"))
        #expect(prompt.contains("- Energy curve: wave"))
        #expect(prompt.contains("- Style: dark club."))
        #expect(!prompt.contains("\"lead_song\""))
    }
}
