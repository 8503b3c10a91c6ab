import Foundation
import MashupModel
import Render
import TestSupport
import Testing

@Suite("Plan: decoding")
struct PlanDecodingTests {
    @Test("the contract's shape decodes completely")
    func contractShape() throws {
        let (plan, issues) = PlanDecoder.decode(PlanFixtures.data(PlanFixtures.plan))
        #expect(issues.isEmpty)
        let p = try #require(plan)
        #expect(p.creativeVision == "Two songs meet.")
        #expect(p.title == "Test" && p.artistCredits == "A vs. B")
        #expect(p.global.targetBPM == 120)
        #expect(p.global.targetMusicalKey == MusicalKey(tonicPitchClass: 9, mode: .minor))
        #expect(p.global.timeSignature == .common)
        #expect(p.timeline.count == 3)
        #expect(p.timeline[0].layers[0].effects == ["reverb", "delay"])
        #expect(p.timeline[1].layers[1].volumeDecibels == -10)
        #expect(p.problemsAndSolutions == [.init(problem: "keys clash", solution: "shift vocals")])
        #expect(p.pathPrefix == "masterplan")
    }

    @Test("the /execute-masterplan request shape and a bare masterplan decode too")
    func otherShapes() throws {
        let request: JSONValue = [
            "masterplan": [
                "timeline": [PlanFixtures.section(0, 10, [PlanFixtures.layer("s1", "bass", -3)])],
                "global_settings": ["targetBPM": 100, "targetKey": "C major"],
            ],
            "songs": [["song_id": "s1", "storage_path": "uploads/a.mp3"]], "job_id": "j1",
        ]
        let (fromRequest, issues1) = PlanDecoder.decode(PlanFixtures.data(request))
        #expect(issues1.isEmpty)
        #expect(fromRequest?.global.targetBPM == 100)
        #expect(fromRequest?.globalPath == "masterplan.global_settings")
        #expect(fromRequest?.timeline.first?.layers.first?.stem == "bass")

        let bare: JSONValue = [
            "global": ["targetBPM": 90],
            "timeline": [PlanFixtures.section(0, 10, [PlanFixtures.layer("s1", "vocals", 0)])],
        ]
        let (fromBare, issues2) = PlanDecoder.decode(PlanFixtures.data(bare))
        #expect(issues2.isEmpty)
        #expect(fromBare?.pathPrefix == "")
        #expect(fromBare?.global.targetBPM == 90)
    }

    /// Leniency is about values; the syntax must be JSON (trailing commas and comments: `HostileJSONTests`).
    @Test("sloppy values are read leniently")
    func lenient() throws {
        let sloppy = """
            {"masterplan": {"global": {"targetBPM": "124 BPM", "targetKey": "Am", "target_lufs": "-12 LUFS"},
              "timeline": [
                {"start": "0", "duration": "15.5s", "energy": "70%",
                 "layers": [{"song_id": "song1", "stem": "Vocal", "volume": "-6dB", "effects": "reverb, delay 1/4",
                             "pan": "-0.5", "fade_in": "2 s"}],
                 "transition": "crossfade 2 bars"},
                {"time_start_sec": "0:15.5", "time_end_sec": "0:30", "layers": [{"songId": 2, "stem": "instrumental", "volume_db": -3}]}
              ]}}
            """
        let (plan, issues) = PlanDecoder.decode(Data(sloppy.utf8))
        #expect(issues.isEmpty, "\(issues)")
        let p = try #require(plan)
        #expect(p.global.targetBPM == 124)
        #expect(p.global.targetMusicalKey?.description == "A minor")
        #expect(p.global.timeSignature == nil) // missing: 4/4 in the validated plan
        #expect(p.global.targetLUFS == -12)
        let s0 = p.timeline[0]
        #expect(s0.timeStartSeconds == 0 && s0.durationSeconds == 15.5 && s0.energyLevel == 0.7)
        #expect(s0.layers[0].volumeDecibels == -6)
        #expect(s0.layers[0].effects == ["reverb", "delay 1/4"])
        #expect(s0.layers[0].pan == -0.5 && s0.layers[0].fadeInSeconds == 2)
        #expect(s0.transition == Masterplan.Transition(kind: .crossfade, bars: 2, rawType: "crossfade 2 bars"))
        #expect(p.timeline[1].durationSeconds == 14.5)
        #expect(p.timeline[1].layers[0].songId == "2")
        for (text, signature) in [
            ("\"6/8\"", TimeSignature(beatsPerBar: 6, beatUnit: 8)),
            ("[\"3\", \"4\"]", TimeSignature(beatsPerBar: 3, beatUnit: 4)),
        ] {
            let doc = "{\"global\": {\"targetBPM\": 120, \"timeSignature\": \(text)}, \"timeline\": []}"
            #expect(PlanDecoder.decode(Data(doc.utf8)).plan?.global.timeSignature == signature)
        }
    }

    @Test("encoding gives the canonical wire shape, which decodes to the same plan")
    func roundTrip() throws {
        var p = try #require(PlanDecoder.decode(PlanFixtures.data(PlanFixtures.plan)).plan)
        p.global.targetLUFS = -12
        p.global.crossfadeBars = 2
        p.timeline[1].transition = .init(kind: .echoOut, bars: 1)
        p.timeline[0].layers[0].sourceStartSeconds = 30.5
        p.timeline[0].layers[0].fadeOutSeconds = 1
        let json = p.wireJSON
        #expect(json["masterplan"]?["global"]?["timeSignature"] == [4, 4])
        #expect(json["masterplan"]?["timeline"]?[1]?["transition"] == ["type": "echo-out", "bars": 1])
        let encoded = try JSONEncoder().encode(p)
        let back = try #require(PlanDecoder.decode(encoded).plan)
        #expect(try JSONDecoder().decode(Masterplan.self, from: encoded).timeline == p.timeline)
        #expect(throws: Masterplan.DecodingFailure.self) {
            try JSONDecoder().decode(Masterplan.self, from: Data("[1]".utf8))
        }
        var expected = p
        expected.global.timeSignature = .common
        #expect(back == expected)
    }

    @Test("the first JSON object is found in a model's prose or code fence")
    func firstObject() throws {
        let reply =
            "Here is your plan {not json} :\n```json\n{\"masterplan\": {\"timeline\": []}, \"x\": \"}\"}\n```\nEnjoy! {\"b\": 2}"
        let value = try #require(JSONReader.firstObject(in: reply))
        #expect(value == ["masterplan": ["timeline": []], "x": "}"])
        #expect(JSONReader.firstObject(in: "no object here") == nil)
        #expect(JSONReader.firstObject(in: String(repeating: "{", count: 100_000)) == nil)
    }

    @Test("type errors are reported at their paths")
    func typeErrors() {
        let bad = PlanFixtures.settingLayer(1, 0, "volume_db", ["value": -6])
        let (_, issues) = PlanDecoder.decode(PlanFixtures.data(bad))
        #expect(issues.map(\.path) == ["masterplan.timeline[1].layers[0].volume_db"])
        #expect(issues.first?.severity == .error)
    }
}
