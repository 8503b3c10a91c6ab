import Foundation
import Render
import TestSupport
import Testing

/// Strict JSON syntax (issue 14): what is not JSON is a located error, never a half-read document.
@Suite("Hostile JSON")
struct HostileJSONTests {
    func readError(_ text: String) -> JSONReader.ReadError? {
        do {
            _ = try JSONReader.read(Data(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test(
        "syntax errors are located by line, column and JSON path",
        arguments: [
            // (document, line, column, path, words the message must contain)
            ("{\"a\": 1, // note\n\"b\": 2}", 1, 10, "$", "comments are not JSON"),
            ("{\n  \"a\": [1, 2,]\n}", 2, 14, "a", "trailing comma before ']'"),
            ("{\"masterplan\": {\"timeline\": [],}}", 1, 32, "masterplan", "trailing comma before '}'"),
            ("{\"a\": 1, \"b\": {\"c\": 2, \"c\": 3}}", 1, 24, "b.c", "duplicate key \"c\""),
            ("{\"a\": [\"x\", \"\\ud83d\"]}", 1, 14, "a[1]", "lone high surrogate"),
            ("{\"a\": \"\\udc00\"}", 1, 8, "a", "lone low surrogate"),
            ("{\"a\": \"tab\there\"}", 1, 11, "a", "raw control character U+0009"),
            ("{\"a\": 01}", 1, 7, "a", "leading zeros"),
            ("{\"a\": 1}\n/* trailing */", 2, 1, "$", "comments are not JSON"),
            ("[1, 2] 3", 1, 8, "$", "unexpected text after the JSON value"),
        ])
    func located(document: String, line: Int, column: Int, path: String, words: String) throws {
        let error = try #require(readError(document), "\(document) should not be read")
        #expect(error.line == line, "\(error)")
        #expect(error.column == column, "\(error)")
        #expect(error.path == path, "\(error)")
        #expect(error.message.contains(words), "\(error)")
    }

    @Test("invalid UTF-8 in a string is an error at its byte offset")
    func invalidUTF8() throws {
        for bad: [UInt8] in [[0xC3], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF]] {
            let bytes = Array("{\"title\": \"ab".utf8) + bad + Array("\"}".utf8)
            do {
                _ = try JSONReader.read(Data(bytes))
                Issue.record("bytes \(bad) were read as UTF-8")
            } catch {
                #expect(error.offset == 13)
                #expect(error.path == "title")
                #expect(error.message.contains("invalid UTF-8"))
            }
        }
        // Well-formed multi-byte text and escaped pairs are read.
        #expect(try JSONReader.read(Data("{\"t\": \"é ♪ 😀 \\ud83d\\ude00\"}".utf8)) == ["t": "é ♪ 😀 😀"])
    }

    @Test("the value leniency stays: NaN and Infinity tokens, numbers and units in strings")
    func valueLeniency() throws {
        let value = try JSONReader.read(Data("{\"a\": NaN, \"b\": -Infinity, \"c\": \"124 BPM\", \"d\": 1e400}".utf8))
        #expect(value["a"]?.doubleValue?.isNaN == true)
        #expect(value["b"] == .number(-.infinity))
        #expect(value["c"] == "124 BPM")
        #expect(value["d"] == .number(.infinity))
    }

    @Test("a string over the limit names its field and the limit, even in an oversized document")
    func stringLimit() throws {
        let big = String(repeating: "x", count: 2 << 20)
        let error = try #require(readError("{\"creative_vision\": \"\(big)\", \"masterplan\": {}}"))
        #expect(error.path == "creative_vision")
        #expect(error.message == "creative_vision is 2,097,152 bytes, over the limit of 1,048,576")
        // 50 MiB: over the document limit too; the string is still named.
        let huge = String(repeating: "y", count: 50 << 20)
        let hugeError = try #require(readError("{\"masterplan\": {\"title\": \"\(huge)\"}}"))
        #expect(hugeError.message == "masterplan.title is 52,428,800 bytes, over the limit of 1,048,576")
        // Many small strings over the document limit: the document limit is named.
        let many =
            "[" + Array(repeating: "\"\(String(repeating: "z", count: 1000))\"", count: 17_000).joined(separator: ",")
            + "]"
        let manyError = try #require(readError(many))
        #expect(manyError.message.contains("over the limit of 16,777,216"))
    }

    /// The outside report: a plan with comments and trailing commas was half read and rendered 8 s where it asks
    /// 16-22 s. Now it is refused with the place of the first problem.
    @Test("a plan with comments and trailing commas is refused, not half read")
    func commentedPlan() {
        let text = """
            {
              "masterplan": {
                "global": {"targetBPM": 120, "timeSignature": [4, 4]},
                "timeline": [
                  {"time_start_sec": 0, "duration_sec": 8, "layers": [{"songId": "song1", "stem": "full"}]}, // intro
                  /* the drop */
                  {"time_start_sec": 8, "duration_sec": 14, "layers": [{"songId": "song2", "stem": "full"},]},
                ],
              }
            }
            """
        let validation = PlanValidator(songIds: ["song1", "song2"]).validate(Data(text.utf8))
        #expect(validation.plan == nil)
        #expect(validation.errors.count == 1)
        let error = validation.errors.first
        #expect(error?.path == "masterplan.timeline[1]")
        #expect(error?.message.contains("line 5, column 98") == true, "\(String(describing: error))")
        #expect(error?.message.contains("comments are not JSON") == true)
        // The same plan in JSON is read whole: 22 s.
        let strict = """
            {"masterplan": {"global": {"targetBPM": 120, "timeSignature": [4, 4]}, "timeline": [
              {"time_start_sec": 0, "duration_sec": 8, "layers": [{"songId": "song1", "stem": "full"}]},
              {"time_start_sec": 8, "duration_sec": 14, "layers": [{"songId": "song2", "stem": "full"}]}]}}
            """
        let fixed = PlanValidator(songIds: ["song1", "song2"]).validate(Data(strict.utf8))
        #expect(fixed.errors.isEmpty, "\(fixed.errors)")
        #expect(fixed.plan?.durationSeconds == 22)
    }

    @Test("JSONValue.parse, used for HTTP bodies and service answers, is strict")
    func parseIsStrict() {
        #expect(throws: JSONReader.ReadError.self) { try JSONValue.parse(Data("{\"a\": 1,}".utf8)) }
        #expect(throws: JSONReader.ReadError.self) { try JSONValue.parse(Data("{\"a\": 1, \"a\": 2}".utf8)) }
        #expect((try? JSONValue.parse(Data("{\"a\": [1, {\"b\": null}]}".utf8))) == ["a": [1, ["b": nil]]])
    }
}

/// Outside numbers that used to trap (issue 14): each is now an error or a clamp with a warning naming the field
/// and the limit.
@Suite("Hostile plan numbers")
struct HostilePlanNumberTests {
    func validate(_ value: JSONValue) -> PlanValidation {
        PlanValidator(songIds: PlanFixtures.songIds).validate(PlanFixtures.data(value))
    }

    @Test("time_start_sec of 1e23 is an error naming the field and the limit (it trapped in MusicalDuration.trim)")
    func hugeStart() throws {
        let text = try String(decoding: PlanFixtures.data(PlanFixtures.plan), as: UTF8.self)
            .replacingOccurrences(of: "\"time_start_sec\":16", with: "\"time_start_sec\":99999999999999999999999")
        let validation = PlanValidator(songIds: PlanFixtures.songIds).validate(Data(text.utf8))
        let error = try #require(validation.errors.first { $0.path == "masterplan.timeline[1].time_start_sec" })
        #expect(error.message == "1e+23 s is over the limit of 1800 s (the longest mashup)")
    }

    @Test("volume_db of 1e308 is clamped with a warning (it trapped the render)")
    func hugeVolume() throws {
        let validation = validate(PlanFixtures.settingLayer(0, 0, "volume_db", 1e308))
        let warning = try #require(
            validation.warnings.first { $0.path == "masterplan.timeline[0].layers[0].volume_db" })
        #expect(warning.message == "1e+308 dB is outside -60...12 dB: clamped to 12 dB")
        #expect(validation.plan?.sections[0].layers[0].gainDecibels == 12)
    }

    @Test("source_start_sec, fades and pitch beyond their ranges are errors or clamps, never traps")
    func otherFields() throws {
        let source = validate(PlanFixtures.settingLayer(0, 0, "source_start_sec", 1e300))
        #expect(
            source.errors.contains {
                $0.path == "masterplan.timeline[0].layers[0].source_start_sec"
                    && $0.message.contains("over the limit of 86400 s")
            })
        let fade = validate(PlanFixtures.settingLayer(0, 0, "fade_in_sec", 1e308))
        #expect(
            fade.warnings.contains {
                $0.path == "masterplan.timeline[0].layers[0].fade_in_sec" && $0.message.contains("clamped")
            })
        #expect(fade.plan != nil)
        let pitch = validate(PlanFixtures.settingLayer(0, 0, "pitch_shift_semitones", -1e308))
        #expect(pitch.errors.contains { $0.path == "masterplan.timeline[0].layers[0].pitch_shift_semitones" })
        let duration = validate(PlanFixtures.settingSection(2, "duration_sec", 1e308))
        #expect(
            duration.errors.contains {
                $0.path == "masterplan.timeline[2].duration_sec" && $0.message.contains("1800 s")
            })
        let energy = validate(PlanFixtures.settingSection(0, "energy_level", -1e308))
        #expect(energy.warnings.contains { $0.path == "masterplan.timeline[0].energy_level" })
        let bars = validate(PlanFixtures.settingGlobal("crossfade_bars", 1e308))
        #expect(bars.warnings.contains { $0.path == "masterplan.global.crossfade_bars" })
        let rate = validate(PlanFixtures.settingGlobal("sample_rate", 4_294_967_295))
        #expect(
            rate.errors.contains { $0.path == "masterplan.global.sample_rate" && $0.message.contains("sample rate") })
    }

    @Test("a mashup over the output-frame limit (spool disk) is an error at its last section, at any rate")
    func outputFrames() throws {
        let sections = (0..<14).map {
            PlanFixtures.section(Double($0) * 30, 30, [PlanFixtures.layer("s1", "full", -6)])
        }
        // 14 sections (420 s) fit at 44.1 kHz (18,522,000 frames), not at 192 kHz (80,640,000).
        let long: JSONValue = ["masterplan": ["global": ["targetBPM": 120], "timeline": .array(sections)]]
        #expect(PlanValidator(songIds: PlanFixtures.songIds).validate(long).errors.isEmpty)
        let fast: JSONValue = [
            "masterplan": ["global": ["targetBPM": 120, "sample_rate": 192_000], "timeline": .array(sections)]
        ]
        let error = try #require(PlanValidator(songIds: PlanFixtures.songIds).validate(fast).errors.first)
        #expect(error.path == "masterplan.timeline[13].duration_sec")
        #expect(
            error.message.hasPrefix(
                "the mashup would last 420 s at 192000 Hz: 80,640,000 frames, over the limit of 79,380,000 output frames"
            ))
        let fits: JSONValue = [
            "masterplan": [
                "global": ["targetBPM": 120, "sample_rate": 192_000], "timeline": .array(Array(sections.prefix(13))),
            ]
        ]
        #expect(PlanValidator(songIds: PlanFixtures.songIds).validate(fits).errors.isEmpty)
    }

    @Test("number formatting and frame rounding take any Double")
    func conversions() {
        // Messages quote any Double (MusicalDuration's descriptions use the same formatting).
        #expect(MusicalDuration.seconds(1e308).description == "1e+308 s")
        #expect(MusicalDuration.bars(-6.25).description == "-6.25 bars")
        #expect(TempoMap.roundToFrame(1e300) == Int.saturationLimit)
        #expect(TempoMap.roundToFrame(-.infinity) == -Int.saturationLimit)
        #expect(TempoMap.roundToFrame(.nan) == 0)
        #expect(TempoMap.roundToFrame(2.5) == 3)
        #expect(Int(saturating: -2.5, rounding: .down) == -3)
    }

    @Test("a uniform beat grid refuses an absurd tempo from an analysis answer")
    func beatGridTempo() {
        #expect(throws: BeatGrid.GridError.self) { try BeatGrid(tempoBPM: 1e300, durationSeconds: 200) }
        #expect(throws: BeatGrid.GridError.self) { try BeatGrid(tempoBPM: 1e-300, durationSeconds: 200) }
        #expect(BeatGrid(analysis: ["rhythmic": ["bpm": 1e308]], durationSeconds: 200) == nil)
        let grid = BeatGrid(analysis: ["rhythmic": ["bpm": 120]], durationSeconds: 1e308)
        #expect(grid != nil && grid!.beatTimes.count <= Int(BeatGrid.maximumUniformSeconds * 2) + 2)
    }
}
