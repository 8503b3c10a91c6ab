import Foundation
import Orchestrator
import Render
import Synchronization
import Testing

@Suite("Job manager: running, failing, cancelling, limiting")
struct JobManagerTests {
    /// Steps a cancelled job may still take after `cancel` returns (issue 7: cancel stops the job's task at its
    /// next suspension point, so within one step; judged by steps, not by wall-clock time).
    static let stepsAllowedAfterCancel = 1
    /// Steps after which the test job gives up (a broken cancel then fails the test instead of hanging it).
    static let runawayStepCount = 100_000

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("orch-jobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let songs = [JobSong(songID: "a", name: "Song A"), JobSong(songID: "b", name: "Song B")]

    @Test("a job runs its phases, keeps its result and warnings, and leaves no temporary file")
    func completes() async throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let output = root.appendingPathComponent("generated.wav")
        let manager = JobManager(store: InMemoryJobStore(), workspaceRoot: root.appendingPathComponent("work"))
        let record = try await manager.submit(songs: Self.songs) { context in
            for (index, song) in Self.songs.enumerated() {
                try await context.report(PipelineProgress.analysis(songIndex: index, of: 2, songName: song.name))
                try Data([1]).write(to: context.workspace.file("\(song.songID).raw"))
                try await context.updateMetadata { $0.analysesCompleted += 1 }
            }
            try await context.warn("analysis service unavailable after 4 attempts: used the embedded analyser")
            try await context.report(PipelineProgress.planning(plannerName: "the embedded planner"))
            try await context.updateMetadata { $0.hasMasterplan = true }
            return try await context.withRenderSlot {
                try await context.report(PipelineProgress.renderingSection(index: 0, of: 1, name: "Drop"))
                try Data([2]).write(to: output)
                try await context.registerFile(output.path)
                return JobResult(storagePath: "generated/x.wav", title: "T", concept: "C")
            }
        }
        let final = try #require(try await manager.waitUntilFinished(record.id))
        #expect(final.state == .complete)
        #expect(final.metadata.analysesCompleted == 2)
        #expect(final.metadata.completedPhases == [.analysis, .planning, .rendering])
        #expect(final.warnings.count == 1)
        #expect(final.filePaths == [output.path], "the output stays (until the TTL); the workspace is gone")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("work/\(record.id)").path))
        #expect(FileManager.default.fileExists(atPath: output.path))
        let status = try #require(try await manager.status(record.id))
        #expect(status.status == "complete" && status.resultURL == "generated/x.wav")
        #expect(await manager.estimator.history.count == 1)
    }

    @Test("a failing job keeps its classified error and partial metadata, and its files are removed")
    func fails() async throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let partial = root.appendingPathComponent("partial.wav")
        let manager = JobManager(store: InMemoryJobStore(), workspaceRoot: root.appendingPathComponent("work"))
        let record = try await manager.submit(songs: Self.songs) { context in
            try await context.report(PipelineProgress.analysis(songIndex: 0, of: 2, songName: "Song A"))
            try await context.updateMetadata { $0.analysesCompleted = 2 }
            try await context.report(
                PipelineProgress.scoring(pairIndex: 0, of: 1, firstName: "Song A", secondName: "Song B"))
            try Data([9]).write(to: partial)
            try await context.registerFile(partial.path)
            throw ServiceError(service: .scoring, kind: .timedOut(seconds: 30), attempts: 4)
        }
        let final = try #require(try await manager.waitUntilFinished(record.id))
        #expect(final.state == .failed)
        #expect(final.failure?.details.type == .timeout)
        #expect(final.metadata.completedPhases == [.analysis])
        #expect(final.filePaths.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: partial.path))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("work/\(record.id)").path))
        let status = try #require(try await manager.status(record.id))
        #expect(status.errorMessage == "scoring service timed out after 4 attempts (no answer within 30 s)")
        #expect(status.metadata.analysesCompleted == 2)
    }

    @Test("cancel stops a running job at its next step and leaves no partial output")
    func cancels() async throws {
        let steps = Atomic<Int>(0)
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let partial = root.appendingPathComponent("partial.wav")
        let manager = JobManager(store: InMemoryJobStore(), workspaceRoot: root.appendingPathComponent("work"))
        let record = try await manager.submit(songs: Self.songs) { context in
            try await context.registerFile(partial.path)
            var step = 0
            while step < Self.runawayStepCount {
                // A long render writing its output progressively.
                try await context.report(
                    PipelineProgress.rendering(renderPercent: Double(step % 100), message: "Rendering"))
                let handle =
                    FileHandle(forWritingAtPath: partial.path)
                    ?? {
                        _ = FileManager.default.createFile(atPath: partial.path, contents: nil)
                        return FileHandle(forWritingAtPath: partial.path)!
                    }()
                handle.seekToEndOfFile()
                handle.write(Data(count: 1024))
                try handle.close()
                step += 1
                steps.store(step, ordering: .sequentiallyConsistent)
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            return JobResult(title: "ran away")
        }
        try await eventually { FileManager.default.fileExists(atPath: partial.path) }
        let cancelled = try await manager.cancel(record.id)
        let stepsAtCancel = steps.load(ordering: .sequentiallyConsistent)
        #expect(cancelled.state == .cancelled)
        let final = try #require(try await manager.waitUntilFinished(record.id))
        #expect(steps.load(ordering: .sequentiallyConsistent) - stepsAtCancel <= Self.stepsAllowedAfterCancel)
        #expect(final.state == .cancelled)
        #expect(final.failure?.details.type == .cancelled)
        #expect(!FileManager.default.fileExists(atPath: partial.path))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("work/\(record.id)").path))
        #expect(try await manager.status(record.id)?.status == "failed")
    }

    @Test("4 jobs at once with a render limit of 2 all complete, never more than 2 rendering")
    func concurrentJobs() async throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let probe = ConcurrencyProbe()
        let manager = JobManager(store: InMemoryJobStore(), workspaceRoot: root, limiter: RenderLimiter(limit: 2))
        var ids: [String] = []
        for index in 0..<4 {
            let record = try await manager.submit(songs: Self.songs) { context in
                try await context.withRenderSlot {
                    await probe.enter(index)
                    try await Task.sleep(nanoseconds: 200_000_000)
                    await probe.leave()
                }
                return JobResult(title: "job \(index)")
            }
            ids.append(record.id)
        }
        for id in ids {
            #expect(try await manager.waitUntilFinished(id)?.state == .complete)
        }
        // The limit holds; reaching it depends on scheduling, which a loaded machine does not guarantee.
        #expect((1...2).contains(await probe.maximum))
        #expect(await manager.activeJobIDs.isEmpty)
    }
}

@Suite("Live job updates")
struct JobUpdatesTests {
    @Test("a subscriber sees the job's records in order, ending with the terminal one")
    func updatesInOrder() async throws {
        let root = try JobManagerTests.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let manager = JobManager(store: InMemoryJobStore(), workspaceRoot: root)
        let gate = AsyncStream<Void>.makeStream()
        let record = try await manager.submit(songs: JobManagerTests.songs) { context in
            for await _ in gate.stream { break }
            for index in 0..<2 {
                try await context.report(PipelineProgress.analysis(songIndex: index, of: 2, songName: "S\(index)"))
            }
            try await context.report(PipelineProgress.planning(plannerName: "the embedded planner"))
            return JobResult(title: "T")
        }
        let stream = try #require(try await manager.updates(record.id))
        gate.continuation.yield()
        var seen: [JobRecord] = []
        for await update in stream { seen.append(update) }
        #expect(seen.last?.state == .complete)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.progress <= $1.progress && $0.updatedAt <= $1.updatedAt })
        // The first record is the state at subscription, before the pipeline was let through.
        #expect(seen.first.map { !$0.state.isTerminal && $0.progress == 0 } == true)
        #expect(seen.count >= 2)
        // A finished job's stream gives its record and ends.
        let again = try #require(try await manager.updates(record.id))
        var final: [JobRecord] = []
        for await update in again { final.append(update) }
        #expect(final.map(\.state) == [.complete])
        #expect(try await manager.updates("missing") == nil)
        #expect(await manager.events.subscriberCount(record.id) == 0)
    }
}
