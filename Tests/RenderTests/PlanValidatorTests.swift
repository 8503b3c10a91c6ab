import Foundation
import MashupModel
import Render
import TestSupport
import Testing

@Suite("Plan: validator")
struct PlanValidatorTests {
    // How fast hostile documents are rejected is measured in Benchmarks (`plan.reject.*`), not bounded here:
    // a wall-clock bound in a test fails on a loaded machine. The tests check what is rejected, and how.

    static let validator = PlanValidator(songIds: PlanFixtures.songIds)

    static func errorPaths(_ validation: PlanValidation) -> Set<String> { Set(validation.errors.map(\.path)) }

    @Test("a good plan validates into a render-ready plan")
    func goodPlan() throws {
        let songs = [
            PlanValidator.SongInfo(id: "s1", key: MusicalKey(parsing: "C major"), tempoBPM: 118),
            PlanValidator.SongInfo(id: "s2", key: MusicalKey(parsing: "D minor"), tempoBPM: 125),
        ]
        let validation = PlanValidator(songs: songs).validate(PlanFixtures.data(PlanFixtures.plan))
        #expect(validation.issues.isEmpty, "\(validation.issues)")
        let plan = try #require(validation.plan)
        #expect(plan.tempoBPM == 120 && plan.sampleRate == 44_100)
        #expect(plan.tempoMap.timeSignature == .common)
        #expect(plan.targetLoudnessLUFS == -14 && plan.truePeakCeilingDecibels == -1)
        #expect(
            plan.sections.map { plan.frameRange(of: $0) }
                == [0..<705_600, 705_600..<1_411_200, 1_411_200..<1_764_000])
        #expect(plan.frameCount == 1_764_000 && plan.durationSeconds == 40)
        #expect(plan.sections.map(\.planIndex) == [0, 1, 2])
        #expect(plan.sections[0].transitionIn == .cut) // the first section has none
        #expect(plan.sections[1].transitionIn == .crossfade(bars: 1, curve: .equalPower))
        #expect(plan.tempoMap.crossfadeFrameCount(bars: 1) == 88_200)
        let first = plan.sections[0].layers[0]
        #expect(first.songIndex == 0 && first.songID == "s1" && first.stem == .vocals && first.gainDecibels == -6)
        #expect(first.effects == [.reverb(.standard), .delay(.standard)])
        #expect(first.semitonesOverride == 0 && !first.pitchShiftIsOverride) // C major = A minor's notes
        let drums = plan.sections[0].layers[1]
        // D minor -> A minor is -5, but drums are never shifted automatically: the engine leaves them.
        #expect(drums.songIndex == 1 && drums.stem == .drums && drums.semitonesOverride == nil)
        let dMinor = MusicalKey(parsing: "D minor")
        #expect(KeyShift.decide(songKey: dMinor, targetKey: plan.targetKey, stem: .bass) == .shift(semitones: -5))
        #expect(KeyShift.decide(songKey: dMinor, targetKey: plan.targetKey, stem: .drums) == .unshifted)
        #expect(plan.sections[2].layers[0].effects == [.echoOut(.standard)])
        #expect(plan.songIDs == ["s1", "s2"])
        #expect(plan.warnings.isEmpty)
    }

    /// Each invalid plan and the error paths it must produce (exactly).
    static var invalidCases: [(String, Data, Set<String>)] {
        let fixtures = PlanFixtures.self
        var cases: [(String, Data, Set<String>)] = []
        func add(_ name: String, _ value: JSONValue, _ paths: Set<String>) {
            cases.append((name, fixtures.data(value), paths))
        }
        cases.append(("not JSON", Data("{\"masterplan\": {\"timeline\": [".utf8), ["masterplan.timeline"]))
        add("root is an array", [1, 2], ["$"])
        add("masterplan is a string", ["masterplan": "make it good"], ["masterplan"])
        add("no timeline", fixtures.modified { $0["timeline"] = nil }, ["masterplan.timeline"])
        add("timeline is an object", fixtures.modified { $0["timeline"] = ["a": 1] }, ["masterplan.timeline"])
        add("empty timeline", fixtures.modified { $0["timeline"] = [] }, ["masterplan.timeline"])
        add(
            "section is a string",
            fixtures.modified { mp in
                if case .array(var s)? = mp["timeline"] { s[1] = "verse"; mp["timeline"] = .array(s) }
            }, ["masterplan.timeline[1]"])
        add("unknown song", fixtures.settingLayer(1, 1, "songId", "s9"), ["masterplan.timeline[1].layers[1].songId"])
        add(
            "song3 of two songs", fixtures.settingLayer(0, 0, "songId", "song3"),
            ["masterplan.timeline[0].layers[0].songId"])
        add("missing songId", fixtures.settingLayer(2, 0, "songId", nil), ["masterplan.timeline[2].layers[0].songId"])
        add("zero duration", fixtures.settingSection(2, "duration_sec", 0), ["masterplan.timeline[2].duration_sec"])
        add(
            "negative duration", fixtures.settingSection(1, "duration_sec", -4), ["masterplan.timeline[1].duration_sec"]
        )
        add(
            "missing last duration", fixtures.settingSection(2, "duration_sec", nil),
            ["masterplan.timeline[2].duration_sec"])
        add(
            "NaN as a string", fixtures.settingLayer(0, 1, "volume_db", "NaN"),
            ["masterplan.timeline[0].layers[1].volume_db"])
        add("Infinity pan", fixtures.settingLayer(0, 0, "pan", "-Infinity"), ["masterplan.timeline[0].layers[0].pan"])
        add(
            "negative start", fixtures.settingSection(0, "time_start_sec", -2),
            ["masterplan.timeline[0].time_start_sec"])
        add(
            "over 30 minutes", fixtures.settingSection(2, "duration_sec", 1_790),
            ["masterplan.timeline[2].duration_sec"])
        add(
            "too many layers",
            fixtures.settingSection(
                0, "layers", .array(Array(repeating: fixtures.layer("s1", "vocals", -6), count: 20))),
            ["masterplan.timeline[0].layers"])
        add("tempo zero", fixtures.settingGlobal("targetBPM", 0), ["masterplan.global.targetBPM"])
        add("no tempo", fixtures.settingGlobal("targetBPM", nil), ["masterplan.global.targetBPM"])
        add("bad time signature", fixtures.settingGlobal("timeSignature", [4, 3]), ["masterplan.global.timeSignature"])
        add("sample rate out of range", fixtures.settingGlobal("sample_rate", 1_000), ["masterplan.global.sample_rate"])
        add(
            "pitch override too large", fixtures.settingLayer(1, 1, "pitch_shift_semitones", 30),
            ["masterplan.timeline[1].layers[1].pitch_shift_semitones"])
        add(
            "negative source start", fixtures.settingLayer(1, 0, "source_start_sec", -1),
            ["masterplan.timeline[1].layers[0].source_start_sec"])
        add(
            "volume is an object", fixtures.settingLayer(1, 0, "volume_db", ["db": -3]),
            ["masterplan.timeline[1].layers[0].volume_db"])
        add(
            "volume is nonsense text", fixtures.settingLayer(1, 0, "volume_db", "loud"),
            ["masterplan.timeline[1].layers[0].volume_db"])
        add("layers is a number", fixtures.settingSection(1, "layers", 3), ["masterplan.timeline[1].layers"])
        add("NaN crossfade bars", fixtures.settingGlobal("crossfade_bars", "nan"), ["masterplan.global.crossfade_bars"])
        add(
            "energy infinite", fixtures.settingSection(1, "energy_level", "inf"),
            ["masterplan.timeline[1].energy_level"])
        // A bare NaN token, as Python's json.dumps writes it, in the raw bytes.
        let text = String(decoding: fixtures.data(fixtures.settingLayer(2, 0, "volume_db", 999)), as: UTF8.self)
            .replacingOccurrences(of: "999", with: "NaN")
        cases.append(("NaN token", Data(text.utf8), ["masterplan.timeline[2].layers[0].volume_db"]))
        return cases
    }

    @Test("every kind of invalid plan gets its errors at the right paths")
    func invalidPlans() {
        let cases = Self.invalidCases
        #expect(cases.count >= 20)
        for (name, data, paths) in cases {
            let validation = Self.validator.validate(data)
            #expect(validation.plan == nil, "\(name): should not validate")
            #expect(Self.errorPaths(validation) == paths, "\(name): \(validation.errors)")
            for issue in validation.errors { #expect(!issue.message.isEmpty) }
        }
    }

    @Test("hostile: nesting 100,000 levels deep is rejected at level 64, without a crash")
    func deepNesting() {
        let depth = 100_000
        var bytes = Data("{\"masterplan\": ".utf8)
        bytes.append(Data(repeating: UInt8(ascii: "["), count: depth))
        bytes.append(Data(repeating: UInt8(ascii: "]"), count: depth))
        bytes.append(Data("}".utf8))
        let validation: PlanValidation? = Self.validator.validate(bytes)
        #expect(validation?.plan == nil)
        // One error, located at the level where reading stopped (the path of the 64th level).
        #expect(validation?.errors.count == 1)
        #expect(validation?.errors.first?.path.hasPrefix("masterplan[0][0]") == true)
        #expect(validation?.errors.first?.message.contains("nesting deeper than 64 levels") == true)
        // Unbalanced openers only, and objects: same.
        let objects = Data((String(repeating: "{\"a\":", count: depth)).utf8)
        #expect(
            Self.validator.validate(objects).errors.map(\.path) == [
                Array(repeating: "a", count: 64).joined(separator: ".")
            ])
    }

    @Test("hostile: 100,000 sections are rejected with one error, not 100,000")
    func manySections() {
        // Built as text: one section repeated (encoding 100,000 JSONValues would dominate the test's time).
        let section = String(
            decoding: PlanFixtures.data(
                PlanFixtures.section(0, 1, [PlanFixtures.layer("s1", "vocals", -6, ["reverb"])])), as: UTF8.self)
        let text =
            "{\"masterplan\": {\"global\": {\"targetBPM\": 120}, \"timeline\": ["
            + Array(repeating: section, count: 100_000).joined(separator: ",") + "]}}"
        let data = Data(text.utf8)
        #expect(data.count > 10_000_000)
        let validation: PlanValidation? = Self.validator.validate(data)
        #expect(validation?.plan == nil)
        #expect(Self.errorPaths(validation!).contains("masterplan.timeline"))
        #expect(validation!.issues.count <= PlanLimits.standard.maximumIssueCount + 1)
    }

    @Test("hostile: huge strings are cut or rejected, messages stay short")
    func hugeStrings() throws {
        // Under the reader's 1 MiB string limit: cut to the text limit with a warning.
        let huge = String(repeating: "x", count: 1_000_000)
        let description = PlanFixtures.settingSection(0, "description", .string(huge))
        let validation: PlanValidation? = Self.validator.validate(PlanFixtures.data(description))
        let plan = try #require(validation?.plan)
        #expect(plan.sections[0].description.count == PlanLimits.standard.maximumTextLength)
        #expect(validation!.warnings.map(\.path) == ["masterplan.timeline[0].description"])

        let songId = PlanFixtures.settingLayer(0, 0, "songId", .string(String(repeating: "s", count: 1_000_000)))
        let rejected = Self.validator.validate(PlanFixtures.data(songId))
        #expect(rejected.plan == nil)
        #expect(Self.errorPaths(rejected) == ["masterplan.timeline[0].layers[0].songId"])
        for issue in rejected.issues { #expect(issue.message.count < 400) }

        let effect = PlanFixtures.settingLayer(0, 0, "effects", [.string(huge)])
        let warned = Self.validator.validate(PlanFixtures.data(effect))
        #expect(warned.plan?.sections[0].layers[0].ignoredEffects.count == 1)
        for issue in warned.issues { #expect(issue.message.count < 400) }

        var limits = PlanLimits()
        limits.maximumByteCount = 1_000
        let tooBig = PlanValidator(songIds: PlanFixtures.songIds, limits: limits).validate(
            PlanFixtures.data(description))
        #expect(tooBig.errors.map(\.path) == ["$"])
    }

    @Test("every error of a plan with many mistakes is reported at once")
    func allAtOnce() {
        let plan = PlanFixtures.modified { mp in
            mp["global"] = ["targetBPM": -5]
            mp["timeline"] = [
                .object([
                    "time_start_sec": 0, "duration_sec": -1,
                    "layers": [["songId": "nope", "stem": "vocals", "volume_db": "NaN"]],
                ]),
                PlanFixtures.section(10, 5, [PlanFixtures.layer("s1", "kazoo", -6, ["stutter"])]),
            ]
        }
        let validation = Self.validator.validate(PlanFixtures.data(plan))
        #expect(
            Self.errorPaths(validation) == [
                "masterplan.global.targetBPM", "masterplan.timeline[0].duration_sec",
                "masterplan.timeline[0].layers[0].songId", "masterplan.timeline[0].layers[0].volume_db",
            ])
        #expect(
            Set(validation.warnings.map(\.path)).isSuperset(of: [
                "masterplan.timeline[1].layers[0].stem",
                "masterplan.timeline[1].layers[0].effects[0]",
            ]))
    }

    @Test("warnings: rendered anyway with the stated correction")
    func warnings() throws {
        let plan = PlanFixtures.modified { mp in
            mp["global"] = ["targetBPM": 120, "targetKey": "A minor", "timeSignature": [4, 4], "crossfade_bars": 4]
            mp["timeline"] = [
                PlanFixtures.section(
                    0, 16,
                    [
                        PlanFixtures.layer("song1", "vox", 20, ["reverb", "stutter", "gain -3db", "fade-in 2 bars"]),
                        PlanFixtures.layer("song2", "synth lead", -80),
                    ]),
                // Overlaps the first by 1 s.
                PlanFixtures.section(
                    15, 4, [PlanFixtures.layer("s2", "drums", -6)], extra: ["transition": "crossfade"]),
                // Gap of 1 s.
                PlanFixtures.section(
                    20, 8, [PlanFixtures.layer("s1", "vocals", -6)], extra: ["transition": ["type": "swoosh"]]),
                // Touching: a 4-bar crossfade (8 s) is longer than this 2 s section.
                PlanFixtures.section(28, 2, [PlanFixtures.layer("s1", "vocals", -6)]),
            ]
        }
        let songs = [
            PlanValidator.SongInfo(id: "s1", key: MusicalKey(parsing: "F# major")), PlanValidator.SongInfo(id: "s2"),
        ]
        let validation = PlanValidator(songs: songs).validate(PlanFixtures.data(plan))
        #expect(validation.errors.isEmpty, "\(validation.errors)")
        let warned = Set(validation.warnings.map(\.path))
        let expected: Set<String> = [
            "masterplan.timeline[0].layers[0].volume_db", // +20 - 3 clamped to +12
            "masterplan.timeline[0].layers[0].effects[1]", // stutter
            "masterplan.timeline[0].layers[1].stem", // unknown stem -> full
            "masterplan.timeline[0].layers[1].volume_db", // -80 clamped to -60
            "masterplan.timeline[1].time_start_sec", // overlap
            "masterplan.timeline[1].transition", // a transition across an overlap is ignored
            "masterplan.timeline[2].time_start_sec", // gap
            "masterplan.timeline[2].transition", // a transition across a gap is ignored
            "masterplan.timeline[3].transition", // shortened
            "masterplan.timeline[2].layers[0]", // F# major -> A minor is +3? no: -> C major = +6 for vocals
            "masterplan.timeline[3].layers[0]",
            "masterplan.timeline[0].layers[0]",
        ]
        #expect(warned == expected, "\(validation.warnings)")
        let p = try #require(validation.plan)
        let vocals = p.sections[0].layers[0]
        #expect(vocals.gainDecibels == 12 && vocals.stem == .vocals)
        #expect(vocals.effects == [.reverb(.standard)])
        #expect(vocals.ignoredEffects == ["stutter"])
        #expect(vocals.fadeInSeconds == 4)
        #expect(vocals.semitonesOverride == 0)
        #expect(p.sections[0].layers[1].stem == .full && p.sections[0].layers[1].gainDecibels == -60)
        // Across the overlap and the gap there is no transition; the too-long crossfade is kept in bars and the
        // engine limits it to the shorter neighbour (2 s), as the warning says.
        #expect(p.sections[1].transitionIn == .cut && p.sections[2].transitionIn == .cut)
        #expect(p.sections[3].transitionIn == .crossfade(bars: 4, curve: .equalPower))
        #expect(
            validation.warnings.contains {
                $0.path == "masterplan.timeline[3].transition" && $0.message.hasSuffix("shortened to 2 s")
            })
        #expect(p.warnings == validation.warnings.map { "\($0.path): \($0.message)" })
    }

    @Test("a script built directly gets plan positions, song ids in order of use and song indices")
    func directScript() {
        let script = RenderScript(
            title: "t", tempoMap: TempoMap(tempoBPM: 120, sampleRate: 44_100),
            sections: [
                .init(
                    description: "a", startSeconds: 0, durationSeconds: 8, layers: [.init(songID: "x", stem: .drums)]),
                .init(
                    description: "b", startSeconds: 8, durationSeconds: 8,
                    layers: [.init(songID: "y", stem: .bass), .init(songID: "x", stem: .vocals)]),
            ])
        #expect(script.songIDs == ["x", "y"])
        #expect(script.sections.map(\.planIndex) == [0, 1])
        #expect(script.sections[1].layers.map(\.planIndex) == [0, 1])
        #expect(script.sections[1].layers.map(\.songIndex) == [1, 0])
        #expect(script.durationSeconds == 16 && script.frameCount == 705_600)
    }

    @Test("song facts come from a contract analysis")
    func songInfoFromAnalysis() {
        let analysis: JSONValue = ["harmonic": ["key": "F# minor"], "rhythmic": ["bpm": 124.0], "duration_sec": 181.5]
        let info = PlanValidator.SongInfo(id: "s1", analysis: analysis)
        #expect(
            info.key == MusicalKey(tonicPitchClass: 6, mode: .minor) && info.tempoBPM == 124
                && info.durationSeconds == 181.5)
        let atonal = PlanValidator.SongInfo(id: "s2", analysis: ["harmonic": ["key": "N/A"], "rhythmic": ["bpm": 0.0]])
        #expect(atonal.key == nil && atonal.tempoBPM == nil)
        // Without a target tempo the first known song tempo is used, with a warning.
        let validation = PlanValidator(songs: [info, atonal]).validate(PlanFixtures.settingGlobal("targetBPM", nil))
        #expect(validation.plan?.tempoBPM == 124)
        #expect(validation.warnings.map(\.path).contains("masterplan.global.targetBPM"))
        // A tempo read on audio without a pulse is a guess: it is no song tempo, and the next song's is used.
        let rain = PlanValidator.SongInfo(id: "s3", analysis: ["rhythmic": ["bpm": 97.0, "pulse_clarity": 0.02]])
        #expect(rain.tempoBPM == nil)
        let pulsed = PlanValidator.SongInfo(id: "s3", analysis: ["rhythmic": ["bpm": 97.0, "pulse_clarity": 0.4]])
        #expect(pulsed.tempoBPM == 97)
        let afterRain = PlanValidator(songs: [rain, info]).validate(PlanFixtures.settingGlobal("targetBPM", nil))
        #expect(afterRain.plan?.tempoBPM == 124)
    }

    @Test("a song that changes key: its stretches come from the analysis and the render decides each layer's shift")
    func modulatingSongDefersTheKeyMatch() throws {
        func segment(_ start: Double, _ end: Double, _ key: String, _ confidence: Double) -> JSONValue {
            [
                "start_sec": .number(start), "end_sec": .number(end), "key": .string(key),
                "confidence": .number(confidence),
            ]
        }
        let lifted: JSONValue = [
            "harmonic": [
                "key": "C major", "key_confidence": 0.9,
                "key_segments": [segment(0, 120, "C major", 0.9), segment(120, 150, "D major", 0.8)],
            ]
        ]
        let info = PlanValidator.SongInfo(id: "s1", analysis: lifted)
        #expect(
            info.keyStretches == [
                KeyStretch(startSeconds: 0, endSeconds: 120, key: MusicalKey(tonicPitchClass: 0, mode: .major)),
                KeyStretch(startSeconds: 120, endSeconds: 150, key: MusicalKey(tonicPitchClass: 2, mode: .major)),
            ])
        // An untrusted second stretch, or one key throughout, leaves the song's key in charge.
        let unsure: JSONValue = [
            "harmonic": [
                "key": "C major", "key_confidence": 0.9,
                "key_segments": [segment(0, 120, "C major", 0.9), segment(120, 150, "D major", 0.2)],
            ]
        ]
        #expect(PlanValidator.SongInfo(id: "s1", analysis: unsure).keyStretches.isEmpty)
        let steady = PlanValidator.SongInfo(id: "s2", key: MusicalKey(parsing: "D minor"))
        let validation = PlanValidator(songs: [info, steady]).validate(PlanFixtures.data(PlanFixtures.plan))
        let plan = try #require(validation.plan)
        // The plan's first layer is s1's vocals: no shift decided here (the render knows which stretch it plays);
        // s2's bass in the third section is matched as before (D minor -> A minor).
        #expect(plan.sections[0].layers[0].semitonesOverride == nil)
        let bass = plan.sections.flatMap(\.layers).filter { $0.songID == "s2" && $0.stem != .drums }
        #expect(!bass.isEmpty && bass.allSatisfy { $0.semitonesOverride != nil }, "\(bass)")
    }

    @Test("more effects than the limit: the first ones are applied, with a warning")
    func tooManyEffects() throws {
        let plan = PlanFixtures.settingLayer(0, 0, "effects", .array(Array(repeating: "reverb", count: 40)))
        let validation = Self.validator.validate(PlanFixtures.data(plan))
        let layer = try #require(validation.plan?.sections[0].layers[0])
        #expect(layer.effects.count == PlanLimits.standard.maximumEffectsPerLayer)
        #expect(layer.ignoredEffects.count == 40 - PlanLimits.standard.maximumEffectsPerLayer)
        #expect(validation.warnings.map(\.path) == ["masterplan.timeline[0].layers[0].effects"])
    }

    @Test("songs are resolved by id, case, and position")
    func songResolution() {
        let ids = ["abc-123", "Def"]
        #expect(PlanValidator.songIndex(of: "abc-123", in: ids) == 0)
        #expect(PlanValidator.songIndex(of: "def", in: ids) == 1)
        #expect(PlanValidator.songIndex(of: "song2", in: ids) == 1)
        #expect(PlanValidator.songIndex(of: "Song 1", in: ids) == 0)
        #expect(PlanValidator.songIndex(of: "song_2", in: ids) == 1)
        #expect(PlanValidator.songIndex(of: "song3", in: ids) == nil)
        #expect(PlanValidator.songIndex(of: "ghi", in: ids) == nil)
        // Without a song list, every id is its own song.
        let open = PlanValidator().validate(PlanFixtures.data(PlanFixtures.plan))
        #expect(open.plan?.songIDs == ["song1", "song2", "s1", "s2"])
    }
}
