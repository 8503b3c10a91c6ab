import Foundation
import Orchestrator
import Render
import TestSupport
import Testing

/// Recorded Claude-style replies, from clean to sloppy and wrong, each with the outcome the planner must reach
/// when its replies are checked against the job's songs (`PlanReview`).
@Suite("Claude replies: clean, sloppy and wrong")
struct ClaudeReplyCorpusTests {
    /// Two songs: "a" (124 BPM, A minor, 200 s) and "b" (120 BPM, C major, 180 s).
    static let request = PlanRequest(
        analyses: [
            [
                "duration_sec": 200.0, "harmonic": ["key": "A minor", "key_confidence": 0.8],
                "rhythmic": ["bpm": 124.0],
            ],
            [
                "duration_sec": 180.0, "harmonic": ["key": "C major", "key_confidence": 0.8],
                "rhythmic": ["bpm": 120.0],
            ],
        ],
        mashabilityScore: ["overall_score": 70],
        songs: [PlanSongLabel(songID: "a", name: "Night Drive"), PlanSongLabel(songID: "b", name: "Red Light")])

    /// Seconds of one bar at 124 BPM.
    static let bar = 240.0 / 124

    struct Layer {
        var song = "a"
        var stem = "vocals"
        var volume = "-6"
        var extra = ""
    }

    /// A plan at 124 BPM whose sections are (start bar, bars, layers); `tweak` edits the text afterwards.
    static func plan(
        _ sections: [(Double, Double, [Layer])], global: String = #""targetBPM": 124, "targetKey": "A minor""#
    ) -> String {
        let timeline = sections.map { start, bars, layers in
            let layerText = layers.map { layer in
                #"{"songId": "\#(layer.song)", "stem": "\#(layer.stem)", "volume_db": \#(layer.volume), "effects": ["reverb"]\#(layer.extra)}"#
            }.joined(separator: ", ")
            return String(
                format: #"{"time_start_sec": %.4f, "duration_sec": %.4f, "description": "part", "layers": [%@]}"#,
                start * bar, bars * bar, layerText)
        }.joined(separator: ",\n")
        return
            #"{"creative_vision": "Two songs, one night.", "masterplan": {"title": "One Night", "artistCredits": "A vs. B", "global": {\#(global)}, "timeline": [\#(timeline)], "problems_and_solutions": []}}"#
    }

    /// A good plan: 64 bars (124 s), one lead vocal at a time, reads inside both songs.
    static let good = plan([
        (0, 16, [Layer(song: "b", stem: "other", volume: "-8")]),
        (16, 16, [Layer(), Layer(song: "b", stem: "drums", volume: "-4")]),
        (
            32, 16,
            [Layer(), Layer(song: "b", stem: "drums", volume: "-4"), Layer(song: "b", stem: "bass", volume: "-6")]
        ),
        (48, 16, [Layer(song: "b", stem: "other", volume: "-8")]),
    ])

    enum Outcome: Equatable {
        /// Used as first answered (advisory problems, if any, become warnings later).
        case accepted
        /// Used after one correction round.
        case corrected
        /// Refused after the correction round: the pipeline falls back to the embedded planner.
        case refused
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var replies: [String]
        var outcome: Outcome
        var stopReasons: [String] = []
        var testDescription: String { name }
    }

    static let unknownSong = good.replacingOccurrences(
        of: #""songId": "b", "stem": "drums""#, with: #""songId": "song7", "stem": "drums""#)
    static let songC = good.replacingOccurrences(
        of: #""songId": "b", "stem": "other""#, with: #""songId": "Song C", "stem": "other""#)

    static let cases: [Case] = [
        Case(name: "clean JSON", replies: [good], outcome: .accepted),
        Case(
            name: "prose and a code fence around it", replies: ["Here you go!\n```json\n\(good)\n```\nEnjoy."],
            outcome: .accepted),
        Case(
            name: "a bare masterplan without the wrapper",
            replies: [
                good.replacingOccurrences(of: #"{"creative_vision": "Two songs, one night.", "masterplan": "#, with: "")
                    .dropLast().description
            ], outcome: .accepted),
        Case(
            name: "numbers as strings with units",
            replies: [
                good.replacingOccurrences(of: #""targetBPM": 124"#, with: #""targetBPM": "124 BPM""#)
                    .replacingOccurrences(of: #""volume_db": -8"#, with: #""volume_db": "-8dB""#)
            ], outcome: .accepted),
        Case(
            name: "positional song ids song1/song2",
            replies: [
                good.replacingOccurrences(of: #""songId": "a""#, with: #""songId": "song1""#)
                    .replacingOccurrences(of: #""songId": "b""#, with: #""songId": "song2""#)
            ], outcome: .accepted),
        Case(name: "an unknown song (song7), corrected", replies: [unknownSong, good], outcome: .corrected),
        Case(name: "an unknown song (Song C) twice", replies: [songC, songC], outcome: .refused),
        Case(
            name: "a section with no layers, corrected",
            replies: [plan([(0, 16, [Layer(song: "b", stem: "other")]), (16, 16, []), (32, 32, [Layer()])]), good],
            outcome: .corrected),
        Case(
            name: "every layer of a section muted, corrected",
            replies: [plan([(0, 32, [Layer(song: "b", stem: "other")]), (32, 32, [Layer(volume: "-60")])]), good],
            outcome: .corrected),
        Case(
            name: "an 8-bar gap between sections, corrected",
            replies: [plan([(0, 16, [Layer(song: "b", stem: "other")]), (24, 40, [Layer()])]), good],
            outcome: .corrected),
        Case(
            name: "a read past the song's end, corrected",
            replies: [
                plan([
                    (0, 32, [Layer(song: "b", stem: "other", extra: #", "source_start_sec": 170"#)]),
                    (32, 32, [Layer()]),
                ]), good,
            ],
            outcome: .corrected),
        Case(
            name: "a read past the end, twice",
            replies: Array(repeating: plan([(0, 64, [Layer(extra: #", "source_start_sec": 150"#)])]), count: 2),
            outcome: .refused),
        Case(
            name: "truncated, then complete with a larger budget",
            replies: [String(good.prefix(300)), good], outcome: .accepted, stopReasons: ["max_tokens", "end_turn"]),
        Case(
            name: "prose only, twice", replies: ["I'd love to help with that mashup!", "Sorry, I can't."],
            outcome: .refused),
        Case(
            name: "an example object before the plan, corrected",
            replies: [#"For example {"stem": "vocals"} could work. "# + good, good], outcome: .corrected),
        Case(
            name: "a negative duration, corrected",
            replies: [
                good.replacingOccurrences(
                    of: #""time_start_sec": 0.0000, "duration_sec": 30.9677"#,
                    with: #""time_start_sec": 0.0000, "duration_sec": -30.9677"#), good,
            ], outcome: .corrected),
        Case(
            name: "an empty timeline twice",
            replies: Array(repeating: #"{"masterplan": {"title": "Empty", "timeline": []}}"#, count: 2),
            outcome: .refused),
        Case(
            name: "a gain of 1e308 dB (clamped by the validator, with a warning)",
            replies: [good.replacingOccurrences(of: #""volume_db": -8"#, with: #""volume_db": 1e308"#)],
            outcome: .accepted),
        Case(
            name: "a gain that is not a number, corrected",
            replies: [good.replacingOccurrences(of: #""volume_db": -8"#, with: #""volume_db": "loud""#), good],
            outcome: .corrected),
        Case(
            name: "two lead vocals at once (advice only)",
            replies: [
                plan([
                    (0, 32, [Layer(), Layer(song: "b", stem: "vocals", volume: "-6")]),
                    (32, 32, [Layer(song: "b", stem: "other")]),
                ])
            ],
            outcome: .accepted),
        Case(
            name: "a section starting off the bar grid (advice only)",
            replies: [plan([(0, 15.5, [Layer(song: "b", stem: "other")]), (15.5, 48.5, [Layer()])])], outcome: .accepted
        ),
        Case(
            name: "a vocal shifted 5 semitones (advice only)",
            replies: [
                good.replacingOccurrences(
                    of: #""songId": "a", "stem": "vocals", "volume_db": -6, "effects": ["reverb"]"#,
                    with:
                        #""songId": "a", "stem": "vocals", "volume_db": -6, "effects": ["reverb"], "pitch_shift_semitones": 5"#
                )
            ],
            outcome: .accepted),
        Case(
            name: "an effect the renderer does not know (a warning, not a problem)",
            replies: [
                good.replacingOccurrences(of: #""effects": ["reverb"]"#, with: #""effects": ["unicorn-shimmer"]"#)
            ], outcome: .accepted),
    ]

    @Test("each reply reaches its expected outcome", arguments: cases)
    func reply(_ testCase: Case) async throws {
        var script: [ScriptedTransport.Step] = []
        for (index, reply) in testCase.replies.enumerated() {
            let stop = index < testCase.stopReasons.count ? testCase.stopReasons[index] : "end_turn"
            script.append(.respond(200, body: PlanFixtures.messagesReply(reply, stopReason: stop)))
        }
        let transport = ScriptedTransport(script)
        var settings = AnthropicSettings(
            apiKey: "sk-test", model: "claude-test", baseURL: URL(string: "http://claude.test")!)
        settings.maximumTokens = 4096
        settings.maximumTokensCeiling = 8192
        let caller = ServiceCaller(
            service: .anthropic, endpoint: settings.endpoint, transport: transport,
            clock: TestClock(), unitRandom: fixedRandom(0))
        let planner = AnthropicPlanner(
            client: AnthropicClient(settings: settings, caller: caller), systemPrompt: "producer",
            promptBuilder: { _ in "plan" }, reviewer: { PlanReview(request: $0).check })
        do {
            let plan = try await planner.masterplan(for: Self.request)
            let corrected = plan[AnthropicPlanner.correctionsMember] != nil
            #expect((corrected ? Outcome.corrected : .accepted) == testCase.outcome)
            #expect(PlanReview(request: Self.request).problems(in: plan).allSatisfy { !$0.isBlocking })
            if corrected {
                let correction = try JSONValue.parse(try #require(transport.requests.last?.body))
                let text = correction["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
                #expect(text.contains("Problems found"))
            }
        } catch let error as ServiceError {
            #expect(testCase.outcome == .refused, "refused: \(error)")
            guard case .invalidData = error.kind else {
                Issue.record("expected invalid_data, got \(error.kind)"); return
            }
        }
    }

    @Test("the correction names the located problem: the unknown song and the songs there are")
    func correctionNamesTheSong() async throws {
        let transport = ScriptedTransport([
            .respond(200, body: PlanFixtures.messagesReply(Self.unknownSong)),
            .respond(200, body: PlanFixtures.messagesReply(Self.good)),
        ])
        var settings = AnthropicSettings(
            apiKey: "sk-test", model: "claude-test", baseURL: URL(string: "http://claude.test")!)
        settings.maximumTokens = 4096
        let caller = ServiceCaller(
            service: .anthropic, endpoint: settings.endpoint, transport: transport,
            clock: TestClock(), unitRandom: fixedRandom(0))
        let planner = AnthropicPlanner(
            client: AnthropicClient(settings: settings, caller: caller), systemPrompt: "producer",
            promptBuilder: { _ in "plan" }, reviewer: { PlanReview(request: $0).check })
        _ = try await planner.masterplan(for: Self.request)
        let body = try JSONValue.parse(try #require(transport.requests.last?.body))
        let text = body["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
        #expect(text.contains("masterplan.timeline[1].layers[1].songId"))
        #expect(text.contains("song7"))
    }
}
