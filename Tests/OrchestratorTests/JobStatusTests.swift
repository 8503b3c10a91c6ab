import Foundation
import Orchestrator
import Render
import Testing

@Suite("Status JSON of /get-mashup-status")
struct JobStatusTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000.25)

    static func json(_ status: JobStatus) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: status.jsonData()) as? [String: Any])
    }

    static let commonKeys: Set<String> = [
        "jobId", "status", "progress", "currentStep", "created_at", "updated_at",
        "processing_time_elapsed", "estimated_completion", "metadata",
    ]

    @Test("a running job")
    func processing() throws {
        var record = JobRecord(
            id: "job-1", songs: [JobSong(songID: "a", name: "A"), JobSong(songID: "b", name: "B")],
            createdAt: Self.start)
        try record.applyTransition(to: .processing, at: Self.start)
        try record.applyProgress(PipelineProgress.analysis(songIndex: 1, of: 2, songName: "B"), at: Self.start + 72)
        let object = try Self.json(JobStatus(record: record, now: Self.start + 72, remainingSeconds: 115))
        #expect(Set(object.keys) == Self.commonKeys.union(["phase"]))
        #expect(object["phase"] as? String == "analysis")
        #expect(object["jobId"] as? String == "job-1")
        #expect(object["status"] as? String == "processing")
        #expect(object["progress"] as? Int == 30)
        #expect(object["currentStep"] as? String == "Analyzing \"B\" (2/2)")
        #expect(object["created_at"] as? String == "2027-01-15T08:00:00.250Z")
        #expect(object["processing_time_elapsed"] as? String == "1m 12s")
        #expect(object["estimated_completion"] as? String == "2 minutes")
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(
            Set(metadata.keys) == [
                "songs_count", "analyses_completed", "mashability_scores_count", "has_masterplan",
                "completed_phases",
            ])
        #expect(metadata["songs_count"] as? Int == 2)
        #expect(metadata["has_masterplan"] as? Bool == false)
    }

    @Test("a failed job carries its classified error and partial metadata")
    func failed() throws {
        var record = JobRecord(id: "job-2", songs: [JobSong(songID: "a", name: "A")], createdAt: Self.start)
        try record.applyTransition(to: .processing, at: Self.start)
        try record.applyProgress(PipelineProgress.analysis(songIndex: 0, of: 1, songName: "A"), at: Self.start)
        try record.applyProgress(
            PipelineProgress.scoring(pairIndex: 0, of: 1, firstName: "A", secondName: "B"), at: Self.start + 1)
        record.metadata.analysesCompleted = 1
        let failure = ServiceError(service: .scoring, kind: .httpStatus(503, message: "busy"), attempts: 4).jobFailure
        try record.applyTransition(to: .failed, at: Self.start + 2, failure: failure)
        let object = try Self.json(JobStatus(record: record, now: Self.start + 500, remainingSeconds: nil))
        #expect(Set(object.keys) == Self.commonKeys.union(["error_message", "error_details"]))
        #expect(object["status"] as? String == "failed")
        #expect(object["error_message"] as? String == "scoring service unavailable after 4 attempts (HTTP 503: busy)")
        let details = try #require(object["error_details"] as? [String: Any])
        #expect(Set(details.keys) == ["type", "recoverable", "suggested_action"])
        #expect(details["type"] as? String == "service_unavailable")
        #expect(details["recoverable"] as? Bool == true)
        #expect(object["processing_time_elapsed"] as? String == "2s", "elapsed stops when the job ends")
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["analyses_completed"] as? Int == 1)
        #expect(metadata["completed_phases"] as? [String] == ["analysis"])
    }

    @Test("a complete job carries result_url, title, concept, timeline, masterplan and metadata")
    func complete() throws {
        var record = JobRecord(
            id: "job-3", songs: [JobSong(songID: "a", name: "A"), JobSong(songID: "b", name: "B")],
            createdAt: Self.start)
        try record.applyTransition(to: .processing, at: Self.start)
        record.metadata.analysesCompleted = 2
        record.metadata.mashabilityScoresCount = 1
        record.metadata.hasMasterplan = true
        record.warnings = ["analysis service unavailable after 4 attempts: used the embedded analyser"]
        let timeline: JSONValue = [["time_start_sec": 0, "duration_sec": 15.5, "layers": []]]
        let result = JobResult(
            resultURL: "generated/job-3.wav", title: "Night Drive", concept: "Two songs meet.",
            timeline: timeline, masterplan: ["title": "Night Drive", "timeline": timeline])
        try record.applyTransition(to: .complete, at: Self.start + 130, result: result)
        let object = try Self.json(JobStatus(record: record, now: Self.start + 999, remainingSeconds: 0))
        #expect(
            Set(object.keys)
                == Self.commonKeys.union(["result_url", "title", "concept", "timeline", "masterplan", "warnings"]))
        #expect(object["status"] as? String == "complete")
        #expect(object["progress"] as? Int == 100)
        #expect(object["currentStep"] as? String == "Complete!")
        #expect(object["result_url"] as? String == "generated/job-3.wav")
        #expect(object["processing_time_elapsed"] as? String == "2m 10s")
        #expect((object["timeline"] as? [Any])?.count == 1)
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["mashability_scores_count"] as? Int == 1)
        #expect(metadata["has_masterplan"] as? Bool == true)
    }
}

@Suite("The front end's view of a result (MashupSection, masterplan.plan and thoughts)")
struct FrontEndShapeTests {
    /// Linear volumes are rounded to this step.
    static let volumeStep = 0.001

    /// A plan as a language model writes it: numbers with units, `m:ss` times, alternative key names, an effects
    /// string, an effect object, a layer without a stem, no gain at all.
    static let sloppyTimeline: JSONValue = try! JSONValue.parse(
        Data(
            #"""
            [{"start": "0:00", "length": "15.5 s", "name": "Intro",
              "tracks": [{"song": "song1", "part": "vocals", "gain_db": "-6 dB", "fx": "reverb, delay"},
                         {"songId": "song2", "volume_db": -20, "effects": [{"type": "high-pass", "cutoff_hz": 800}]}]},
             {"time_start_sec": 15.5, "time_end_sec": 30, "description": "Drop",
              "layers": [{"songId": "song2", "stem": "drums"}]}]
            """#.utf8))

    @Test("sections and layers carry the values the render reads: start, duration, stem, volume 0-1, effects as text")
    func sloppyPlan() throws {
        let shaped = try #require(FrontEndShape.timeline(Self.sloppyTimeline).arrayValue)
        #expect(shaped.count == 2)
        #expect(shaped[0]["start"]?.doubleValue == 0 && shaped[0]["duration"]?.doubleValue == 15.5)
        #expect(shaped[0]["description"]?.stringValue == "Intro")
        #expect(shaped[1]["start"]?.doubleValue == 15.5 && shaped[1]["duration"]?.doubleValue == 14.5)
        let first = try #require(shaped[0]["layers"]?.arrayValue)
        #expect(first.count == 2)
        #expect(first[0]["stem"]?.stringValue == "vocals")
        #expect(abs((first[0]["volume"]?.doubleValue ?? 0) - pow(10, -6.0 / 20)) <= Self.volumeStep)
        #expect(first[0]["effects"] == ["reverb", "delay"])
        #expect(first[1]["stem"]?.stringValue == "full")
        #expect(abs((first[1]["volume"]?.doubleValue ?? 0) - 0.1) <= Self.volumeStep)
        #expect(first[1]["effects"]?.arrayValue?.first?.stringValue?.hasPrefix("high-pass 800 Hz") == true)
        let second = try #require(shaped[1]["layers"]?.arrayValue)
        #expect(second[0]["volume"]?.doubleValue == 1 && second[0]["stem"]?.stringValue == "drums")
    }

    @Test("the status masterplan, read back (the studio re-renders it), gives every layer the gain it had")
    func masterplanRoundTrip() throws {
        let plan: JSONValue = [
            "creative_vision": "Two songs meet.",
            "masterplan": ["title": "T", "timeline": Self.sloppyTimeline, "problems_and_solutions": []],
        ]
        let shaped = FrontEndShape.masterplan(plan, concept: nil)
        let before = try #require(PlanDecoder.decode(plan).plan)
        let after = try #require(PlanDecoder.decode(shaped).plan)
        #expect(before.timeline.count == after.timeline.count)
        for (old, new) in zip(before.timeline, after.timeline) {
            #expect(old.timeStartSeconds == new.timeStartSeconds && old.durationSeconds == new.durationSeconds)
            #expect(old.layers.map { $0.volumeDecibels ?? 0 } == new.layers.map { $0.volumeDecibels ?? 0 })
            #expect(old.layers.map(\.effects) == new.layers.map(\.effects))
        }
        let lines = (shaped["plan"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(lines.count == 2)
        #expect(
            lines[0]
                == "0:00-0:16 Intro: song1 vocals -6 dB (reverb, delay); song2 full -20 dB (high-pass 800 Hz, 12 dB/oct)",
            "\(lines)")
        #expect(shaped["thoughts"]?.stringValue == "Two songs meet.")
    }
}
