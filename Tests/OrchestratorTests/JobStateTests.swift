import Foundation
import Orchestrator
import Testing

@Suite("Job states and records")
struct JobStateTests {
    /// The allowed transitions, written out independently of the implementation's table.
    static let expected: Set<String> = [
        "queued>processing", "queued>failed", "queued>cancelled",
        "processing>complete", "processing>failed", "processing>cancelled", "processing>queued",
    ]

    @Test("every pair of states follows the transition table")
    func transitionTable() {
        for from in JobState.allCases {
            for to in JobState.allCases {
                #expect(
                    from.canTransition(to: to) == Self.expected.contains("\(from.rawValue)>\(to.rawValue)"),
                    "\(from) -> \(to)")
            }
        }
        #expect(JobState.allCases.filter(\.isTerminal) == [.complete, .failed, .cancelled])
    }

    @Test("the contract's three status words")
    func contractStatus() {
        #expect(JobState.queued.contractStatus == "processing")
        #expect(JobState.processing.contractStatus == "processing")
        #expect(JobState.complete.contractStatus == "complete")
        #expect(JobState.failed.contractStatus == "failed")
        #expect(JobState.cancelled.contractStatus == "failed")
    }

    @Test("a record refuses forbidden transitions and progress outside processing")
    func recordRules() throws {
        let start = Date(timeIntervalSince1970: 1000)
        var record = JobRecord(
            id: "j1", songs: [JobSong(songID: "a", name: "A"), JobSong(songID: "b", name: "B")], createdAt: start)
        #expect(throws: JobStoreError.notActive(id: "j1", state: .queued)) {
            try record.applyProgress(PipelineProgress.planning(plannerName: "x"), at: start)
        }
        #expect(throws: JobStoreError.invalidTransition(id: "j1", from: .queued, to: .complete)) {
            try record.applyTransition(to: .complete, at: start)
        }
        try record.applyTransition(to: .processing, at: start)
        try record.applyProgress(PipelineProgress.analysis(songIndex: 0, of: 2, songName: "A"), at: start + 1)
        try record.applyProgress(PipelineProgress.analysis(songIndex: 1, of: 2, songName: "B"), at: start + 3)
        try record.applyProgress(
            PipelineProgress.scoring(pairIndex: 0, of: 1, firstName: "A", secondName: "B"), at: start + 5)
        // Progress never goes backwards.
        try record.applyProgress(ProgressUpdate(phase: .scoring, progress: 20, message: "late"), at: start + 6)
        #expect(record.progress == 50)
        #expect(record.phaseDurations[.analysis] == 4)
        #expect(record.metadata.completedPhases == [.analysis])
        try record.applyTransition(to: .failed, at: start + 8, failure: JobFailure(.network, "down"))
        #expect(record.phaseDurations[.scoring] == 3)
        // The phase it failed in is not counted as completed.
        #expect(record.metadata.completedPhases == [.analysis])
        #expect(record.finishedAt == start + 8)
        #expect(throws: JobStoreError.invalidTransition(id: "j1", from: .failed, to: .processing)) {
            try record.applyTransition(to: .processing, at: start + 9)
        }
    }

    @Test("pipeline progress follows the contract's milestones")
    func progressMilestones() {
        #expect(PipelineProgress.analysis(songIndex: 0, of: 2, songName: "Song A").progress == 10)
        #expect(
            PipelineProgress.analysis(songIndex: 0, of: 2, songName: "Song A").message == "Analyzing \"Song A\" (1/2)")
        #expect(PipelineProgress.analysis(songIndex: 1, of: 2, songName: "B").progress == 30)
        #expect(PipelineProgress.analysis(songIndex: 2, of: 3, songName: "C", fraction: 1).progress == 50)
        #expect(PipelineProgress.scoring(pairIndex: 0, of: 3, firstName: "A", secondName: "B").progress == 50)
        #expect(PipelineProgress.planning(plannerName: "Claude").progress == 65)
        #expect(PipelineProgress.rendering(renderPercent: 0, message: "r").progress == 80)
        #expect(PipelineProgress.rendering(renderPercent: 50, message: "r").progress == 90)
        #expect(PipelineProgress.rendering(renderPercent: 100, message: "r").progress == 100)
        #expect(
            PipelineProgress.renderingSection(index: 2, of: 8, name: "Drop").message == "Rendering section 3/8: Drop")
    }
}
