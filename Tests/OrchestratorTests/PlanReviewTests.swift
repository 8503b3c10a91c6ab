import Foundation
import Orchestrator
import Render
import Testing

@Suite("Plan review against the job's songs")
struct PlanReviewTests {
    typealias Layer = ClaudeReplyCorpusTests.Layer
    static func plan(_ sections: [(Double, Double, [Layer])]) -> JSONValue {
        try! JSONValue.parse(Data(ClaudeReplyCorpusTests.plan(sections).utf8))
    }
    static let review = PlanReview(request: ClaudeReplyCorpusTests.request)

    @Test("a good plan has no blocking problem")
    func good() throws {
        let plan = try JSONValue.parse(Data(ClaudeReplyCorpusTests.good.utf8))
        #expect(Self.review.problems(in: plan).filter(\.isBlocking).isEmpty)
    }

    @Test("an unknown song is a located blocking problem naming the songs given")
    func unknownSong() throws {
        let plan = try JSONValue.parse(Data(ClaudeReplyCorpusTests.unknownSong.utf8))
        let problems = Self.review.problems(in: plan)
        let problem = try #require(problems.first)
        #expect(problem.isBlocking)
        #expect(problem.field == "masterplan.timeline[1].layers[1].songId")
        #expect(problem.message.contains("song7"))
    }

    @Test("silence the plan did not ask for is blocking: a gap, an empty section, a muted one, a read past the end")
    func silence() {
        let gap = Self.review.problems(in: Self.plan([(0, 16, [Layer()]), (24, 40, [Layer()])]))
        #expect(
            gap.contains {
                $0.isBlocking && $0.field == "masterplan.timeline[1].time_start_sec" && $0.message.contains("silence")
            })
        let empty = Self.review.problems(in: Self.plan([(0, 32, [Layer()]), (32, 32, [])]))
        #expect(empty.contains { $0.isBlocking && $0.field == "masterplan.timeline[1].layers" })
        let muted = Self.review.problems(in: Self.plan([(0, 32, [Layer()]), (32, 32, [Layer(volume: "-50")])]))
        #expect(muted.contains { $0.isBlocking && $0.message.contains("silent") })
        // Song b lasts 180 s at 120 BPM; 32 bars at 124 BPM read 32 × 4 × 60 / 120 = 64 s of it from 170 s.
        let past = Self.review.problems(
            in: Self.plan([
                (0, 32, [Layer(song: "b", stem: "other", extra: #", "source_start_sec": 170"#)]),
                (32, 32, [Layer()]),
            ]))
        let read = past.first { $0.field == "masterplan.timeline[0].layers[0].source_start_sec" }
        #expect(read?.isBlocking == true, "\(past)")
        #expect(read?.message.contains("ends at 180.0 s") == true)
    }

    @Test("a read that ends within a bar of the song's end is fine")
    func readToTheEnd() {
        // 32 bars of song b at 120 BPM = 64 s: from 116 s it ends at 180 s exactly.
        let problems = Self.review.problems(
            in: Self.plan([
                (0, 32, [Layer(song: "b", stem: "other", extra: #", "source_start_sec": 116"#)]),
                (32, 32, [Layer()]),
            ]))
        #expect(!problems.contains { $0.field.hasSuffix("source_start_sec") })
    }

    @Test("advice: two lead vocals, off-grid starts, a vocal shifted beyond ±3 semitones")
    func advice() {
        let vocals = Self.review.problems(
            in: Self.plan([(0, 32, [Layer(), Layer(song: "b", stem: "vocals")]), (32, 32, [Layer()])]))
        #expect(vocals.contains { !$0.isBlocking && $0.message.contains("lead vocal") })
        let offGrid = Self.review.problems(in: Self.plan([(0, 15.5, [Layer()]), (15.5, 48.5, [Layer()])]))
        #expect(
            offGrid.contains {
                !$0.isBlocking && $0.field == "masterplan.timeline[1].time_start_sec" && $0.message.contains("bar grid")
            })
        let shifted = Self.review.problems(in: Self.plan([(0, 64, [Layer(extra: #", "pitch_shift_semitones": -5"#)])]))
        #expect(
            shifted.contains {
                !$0.isBlocking && $0.field.hasSuffix("pitch_shift_semitones") && $0.message.contains("±3")
            })
    }

    @Test("length: far from the asked length is blocking; outside the usual range with none asked is advice")
    func length() {
        var request = ClaudeReplyCorpusTests.request
        request.userPreferences = ["duration_sec": 240]
        let asked = PlanReview(request: request).problems(in: Self.plan([(0, 64, [Layer()])]))
        #expect(
            asked.contains {
                $0.isBlocking && $0.field == "masterplan.timeline" && $0.message.contains("240 s was asked")
            })
        let short = Self.review.problems(in: Self.plan([(0, 16, [Layer()])]))
        #expect(short.contains { !$0.isBlocking && $0.field == "masterplan.timeline" })
    }
}
