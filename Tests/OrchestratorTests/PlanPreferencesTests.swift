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

    /// Gains are written to 0.1 dB.
    static let gainStepDecibels = 0.05 + 1e-9

    static func embeddedPlan(_ preferences: JSONValue) throws -> Masterplan {
        let a = EmbeddedPlannerTests.analysis(bpm: 124, key: "A minor", vocals: 0.8)
        let b = EmbeddedPlannerTests.analysis(bpm: 120, key: "C major", vocals: 0.5)
        return try EmbeddedPlanner().plan(for: try EmbeddedPlannerTests.request([a, b], preferences: preferences))
    }

    @Test("an energy curve is heard: each section's layers move by 10 dB per unit of energy from the form's level")
    func energyIsAudible() throws {
        let plain = try Self.embeddedPlan(["seed": 1])
        for (curve, sign) in [("calm", -1.0), ("intense", 1.0)] {
            let steered = try Self.embeddedPlan(["seed": 1, "energy": .string(curve)])
            #expect(steered.timeline.count == plain.timeline.count)
            var largest = 0.0, total = 0.0
            for (section, base) in zip(steered.timeline, plain.timeline) {
                let expected = min(max(10 * ((section.energyLevel ?? 0) - (base.energyLevel ?? 0)), -6), 6)
                #expect(section.layers.count == base.layers.count)
                for (layer, baseLayer) in zip(section.layers, base.layers) {
                    let moved = (layer.volumeDecibels ?? 0) - (baseLayer.volumeDecibels ?? 0)
                    #expect(
                        abs(moved - expected) <= Self.gainStepDecibels, "\(curve): \(moved) dB, expected \(expected)")
                    total += moved
                    largest = max(largest, abs(moved))
                }
            }
            #expect(largest >= 3, "\(curve): the largest change is only \(largest) dB")
            // Over the whole mashup, calm is quieter than the form and intense louder (before mastering).
            #expect(total * sign > 0, "\(curve): layers moved \(total) dB in all")
        }
    }

    @Test("a style steers the embedded planner through the energy its words imply, and the plan says so")
    func styleSteersTheEmbeddedPlanner() throws {
        #expect(PlanPreferences(["style": "warm disco"]).styleEnergyCurve?.curve == .steady)
        #expect(PlanPreferences(["style": "Dreamy lo-fi"]).styleEnergyCurve?.curve == .calm)
        #expect(PlanPreferences(["style": "quirky"]).styleEnergyCurve == nil)
        let disco = try Self.embeddedPlan(["seed": 1, "style": "warm disco"])
        #expect(disco.timeline.allSatisfy { $0.energyLevel == 0.7 }, "\(disco.timeline.map(\.energyLevel))")
        #expect(
            disco.problemsAndSolutions.contains {
                $0.problem.contains("warm disco") && $0.solution.contains("steady") && $0.solution.contains("'disco'")
            })
        // An energy asked for wins over the style's.
        let asked = try Self.embeddedPlan(["seed": 1, "style": "warm disco", "energy": "calm"])
        #expect(asked.timeline.allSatisfy { $0.energyLevel == 0.3 })
        let unknown = try Self.embeddedPlan(["seed": 1, "style": "quirky"])
        #expect(unknown.timeline.map(\.energyLevel) == (try Self.embeddedPlan(["seed": 1])).timeline.map(\.energyLevel))
        #expect(
            unknown.problemsAndSolutions.contains { $0.problem.contains("quirky") && $0.solution.contains("No word") })
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
