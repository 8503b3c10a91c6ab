import Foundation
import Orchestrator
import Testing

@Suite("Job cleanup")
struct JobCleanerTests {
    static let day = 86_400.0

    func makeTemporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("orch-clean-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("the timer removes finished jobs older than 24 h with their files, and keeps the rest")
    func timedCleanup() async throws {
        let root = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let clock = TestClock(autoAdvance: false)
        let store: any JobStore = InMemoryJobStore(clock: clock)
        let oldFile = root.appendingPathComponent("old.wav")
        let oldFolder = root.appendingPathComponent("old-workspace")
        try Data([1, 2, 3]).write(to: oldFile)
        try FileManager.default.createDirectory(at: oldFolder, withIntermediateDirectories: true)
        try Data([4]).write(to: oldFolder.appendingPathComponent("stem.wav"))
        let keptFile = root.appendingPathComponent("new.wav")
        try Data([5]).write(to: keptFile)

        try await store.create(JobRecord(id: "old", songs: [], createdAt: clock.now()))
        try await store.transition("old", to: .processing)
        try await store.modify("old") { $0.filePaths = [oldFile.path, oldFolder.path] }
        try await store.transition("old", to: .complete)
        try await store.create(JobRecord(id: "old-running", songs: [], createdAt: clock.now()))
        clock.advance(by: Self.day - 1800)
        try await store.create(JobRecord(id: "new", songs: [], createdAt: clock.now()))
        try await store.transition("new", to: .processing)
        try await store.modify("new") { $0.filePaths = [keptFile.path] }
        try await store.transition("new", to: .complete)

        let passes = PassRecorder()
        let cleaner = JobCleaner(store: store, clock: clock, timeToLiveSeconds: Self.day, intervalSeconds: 3600) {
            report in
            passes.add(report)
        }
        await cleaner.start()
        try await clock.waitForSleepers(1)
        clock.advance(by: 3600) // 24.5 h after "old" was created
        try await eventually { passes.count == 1 }
        let report = try #require(passes.reports.first)
        #expect(report.removedJobIDs == ["old"])
        #expect(Set(report.removedPaths) == [oldFile.path, oldFolder.path])
        #expect(!FileManager.default.fileExists(atPath: oldFile.path))
        #expect(!FileManager.default.fileExists(atPath: oldFolder.path))
        #expect(FileManager.default.fileExists(atPath: keptFile.path))
        #expect(try await store.list().map(\.id).sorted() == ["new", "old-running"])
        await cleaner.stop()
        #expect(await !cleaner.isRunning)
    }
}

final class PassRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [CleanupReport] = []
    func add(_ report: CleanupReport) { lock.withLock { stored.append(report) } }
    var reports: [CleanupReport] { lock.withLock { stored } }
    var count: Int { reports.count }
}
