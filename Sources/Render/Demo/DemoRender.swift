import DSP
import Foundation

/// The demo mashup rendered by the engine, for the report tests, the report benchmarks and screenshots: two songs
/// from `MusicGenerator` (A at 124 BPM in A minor with a voice, B at 117 BPM in B major without one) and a plan of
/// `sectionCount` sections of `barsPerSection` bars that cycles through eight demo sections (intro, verses, build,
/// chorus, breakdown, final chorus, outro), rendered by `RenderEngine` like any plan. The songs come with their
/// generated stems, beat grids and keys (nothing is analysed), and are long enough that no layer reads past its end.
public struct DemoRender: Sendable {
    /// Number of sections, at least 1.
    public var sectionCount: Int
    /// Bars per section (4/4 at `targetBPM`), at least 1.
    public var barsPerSection: Int

    /// Tempo of the mashup, BPM.
    public static let targetBPM = 124.0

    public init(sectionCount: Int = 8, barsPerSection: Int = 8) {
        precondition(sectionCount >= 1 && barsPerSection >= 1, "invalid demo render")
        self.sectionCount = sectionCount
        self.barsPerSection = barsPerSection
    }

    /// One section of the demo plan: description, energy, transition in, layers (song index, stem, gain dB, pan,
    /// effects).
    private typealias Section = (
        description: String, energy: Double, transition: String?,
        layers: [(song: Int, stem: String, gainDecibels: Double, pan: Double, effects: [String])]
    )

    /// The sections the plan cycles through.
    private static let sections: [Section] = [
        (
            "Intro: A's pads under a filtered beat from B", 0.3, nil,
            [(0, "other", -6, 0, ["reverb"]), (1, "drums", -12, 0, ["high-pass-filter-800hz"])]
        ),
        (
            "Verse 1: A's voice over B's groove", 0.55, "crossfade 1 bar",
            [(0, "vocals", -3, 0, ["reverb"]), (1, "drums", -6, 0, []), (1, "bass", -7, 0, [])]
        ),
        (
            "Build: filter sweep into the hook", 0.7, "crossfade 1 bar",
            [
                (0, "vocals", -4, 0, ["delay"]), (1, "drums", -6, 0, []), (1, "bass", -7, 0, []),
                (0, "other", -10, -0.3, ["filter-sweep"]),
            ]
        ),
        (
            "Chorus: the full groove, voice up front", 0.9, nil,
            [
                (0, "vocals", -2, 0, ["compression", "reverb"]), (1, "drums", -5, 0, []),
                (1, "bass", -6, 0, ["sidechain"]),
                (1, "other", -11, 0.25, []),
            ]
        ),
        (
            "Breakdown: the voice alone with echoes", 0.35, "echo-out",
            [(0, "vocals", -3, 0, ["ping-pong-delay", "reverb"]), (1, "other", -9, 0, ["low-pass-filter-2khz"])]
        ),
        (
            "Verse 2: B's groove returns", 0.6, "crossfade 1 bar",
            [(0, "vocals", -3, 0, []), (1, "drums", -6, 0, []), (1, "bass", -7, 0, [])]
        ),
        (
            "Final chorus: everything in", 1.0, "filter-sweep 2 bars",
            [
                (0, "vocals", -2, 0, ["compression"]), (1, "drums", -5, 0, []), (1, "bass", -6, 0, ["sidechain"]),
                (0, "other", -10, 0, ["distortion"]),
            ]
        ),
        (
            "Outro: the pads ring out", 0.25, "crossfade 2 bars",
            [(0, "other", -6, 0, ["reverb"]), (1, "drums", -14, 0, ["high-pass-filter-800hz"])]
        ),
    ]

    /// The demo plan, as a planner would write it (`{"creative_vision", "masterplan"}`).
    public var plan: JSONValue {
        let sectionSeconds = Double(barsPerSection * 4) * 60 / Self.targetBPM
        let timeline: [JSONValue] = (0..<sectionCount).map { index in
            let section = Self.sections[index % Self.sections.count]
            var members: [String: JSONValue] = [
                "time_start_sec": .number(Double(index) * sectionSeconds), "duration_sec": .number(sectionSeconds),
                "description": .string(section.description), "energy_level": .number(section.energy),
                "layers": .array(
                    section.layers.map { layer in
                        [
                            "songId": .string(layer.song == 0 ? "song-a" : "song-b"), "stem": .string(layer.stem),
                            "volume_db": .number(layer.gainDecibels), "pan": .number(layer.pan),
                            "effects": .array(layer.effects.map(JSONValue.string)),
                        ]
                    }),
            ]
            if index > 0, let transition = section.transition { members["transition"] = .string(transition) }
            return .object(members)
        }
        return [
            "creative_vision": "Two generated songs meet at 124 BPM in A minor.",
            "masterplan": [
                "title": "Demo mashup", "artistCredits": "mashup demo",
                "global": ["targetBPM": .number(Self.targetBPM), "targetKey": "A minor", "timeSignature": [4, 4]],
                "timeline": .array(timeline),
            ],
        ]
    }

    /// The two songs with their stems, beat grids and keys, `barCount` bars each (enough for the whole plan), at
    /// 44.1 kHz.
    public var songs: [RenderSong] {
        let barCount = sectionCount * barsPerSection + 2
        let generated = [
            (
                "song-a",
                MusicGenerator.Parameters(
                    seed: 1, bpm: Self.targetBPM, tonic: 9, minor: true, barCount: barCount, sampleRate: 44100,
                    withVoice: true)
            ),
            (
                "song-b",
                MusicGenerator.Parameters(
                    seed: 2, bpm: 117.04, tonic: 11, minor: false, barCount: barCount, sampleRate: 44100)
            ),
        ]
        return generated.map { id, parameters in
            // The generated grid is regular and has at least 12 beats (`barCount` >= 3), so it cannot fail.
            try! MusicGenerator.generate(parameters).renderSong(id: id, name: id, artist: "mashup demo")
        }
    }

    /// The validated plan as the engine's script for `songs` (which must be `self.songs`).
    /// - Throws: `RenderError.invalidScript` (not for the demo plan).
    public func script(for songs: [RenderSong]) throws -> RenderScript {
        let validation = PlanValidator(
            songs: songs.map { .init(id: $0.id, key: $0.key, durationSeconds: $0.source.durationSeconds) }
        )
        .validate(plan)
        guard let script = validation.plan else {
            let first = validation.errors.first
            throw RenderError.invalidScript(path: first?.path ?? "$", message: first?.message ?? "invalid demo plan")
        }
        return script
    }

    /// Renders the demo with the engine. - Returns: the engine's result (audio and report).
    /// - Throws: `RenderError` (not for the demo plan), `CancellationError`.
    public func render(options: RenderOptions = RenderOptions()) async throws -> RenderResult {
        let songs = self.songs
        return try await RenderEngine(options: options).render(script: try script(for: songs), songs: songs)
    }
}
