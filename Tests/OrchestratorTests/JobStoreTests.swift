import Foundation
import Orchestrator
import Testing

@Suite("In-memory job store")
struct JobStoreTests {
    static func songs(_ count: Int) -> [JobSong] { (0..<count).map { JobSong(songID: "s\($0)", name: "Song \($0)") } }

    @Test("create, get, list in order, duplicate refused")
    func createAndList() async throws {
        let clock = TestClock()
        let store: any JobStore = InMemoryJobStore(clock: clock)
        try await store.create(JobRecord(id: "b", songs: Self.songs(2), createdAt: clock.now()))
        try await store.create(JobRecord(id: "a", songs: Self.songs(2), createdAt: clock.now() + 1))
        await #expect(throws: JobStoreError.duplicate(id: "a")) {
            try await store.create(JobRecord(id: "a", songs: Self.songs(2), createdAt: clock.now()))
        }
        #expect(try await store.list().map(\.id) == ["b", "a"])
        #expect(try await store.get("zzz") == nil)
        try await store.transition("a", to: .processing)
        #expect(try await store.list(states: [.processing]).map(\.id) == ["a"])
        await #expect(throws: JobStoreError.notFound(id: "zzz")) { try await store.transition("zzz", to: .processing) }
    }

    @Test("progress and modifications carry the store's clock; a cancelled job takes no more progress")
    func progressAndCancel() async throws {
        let clock = TestClock()
        let store: any JobStore = InMemoryJobStore(clock: clock)
        try await store.create(JobRecord(id: "j", songs: Self.songs(2), createdAt: clock.now()))
        try await store.transition("j", to: .processing)
        clock.advance(by: 5)
        let updated = try await store.updateProgress(
            "j", PipelineProgress.analysis(songIndex: 1, of: 2, songName: "Song 1"))
        #expect(updated.progress == 30)
        #expect(updated.updatedAt == clock.now())
        #expect(updated.currentStep == "Analyzing \"Song 1\" (2/2)")
        try await store.modify("j") {
            $0.warnings.append("w"); $0.metadata.analysesCompleted = 1
        }
        try await store.transition("j", to: .cancelled)
        await #expect(throws: JobStoreError.notActive(id: "j", state: .cancelled)) {
            try await store.updateProgress("j", PipelineProgress.planning(plannerName: "x"))
        }
        let final = try #require(try await store.get("j"))
        #expect(final.warnings == ["w"])
        #expect(final.metadata.analysesCompleted == 1)
        #expect(final.failure?.details.type == .cancelled)
    }

    @Test("removeFinished takes only finished jobs older than the cutoff")
    func removeFinished() async throws {
        let clock = TestClock()
        let store: any JobStore = InMemoryJobStore(clock: clock)
        let old = clock.now()
        for id in ["done-old", "running-old"] {
            try await store.create(JobRecord(id: id, songs: Self.songs(2), createdAt: old))
        }
        try await store.create(JobRecord(id: "done-new", songs: Self.songs(2), createdAt: old + 100))
        for id in ["done-old", "running-old", "done-new"] { try await store.transition(id, to: .processing) }
        try await store.transition("done-old", to: .failed)
        try await store.transition("done-new", to: .failed)
        let removed = try await store.removeFinished(createdBefore: old + 50)
        #expect(removed.map(\.id) == ["done-old"])
        #expect(try await store.list().map(\.id).sorted() == ["done-new", "running-old"])
        #expect(try await store.delete("done-new")?.id == "done-new")
        #expect(try await store.delete("done-new") == nil)
    }
}
