import Foundation
import Orchestrator
import Server
import Testing

/// The parent's side of worker isolation, with /bin/sh scripts standing in for `mashup worker`: the JSON-lines
/// protocol reaches the job's store, and a worker that dies (signal, non-zero exit, no answer) fails its job with
/// `engine_crash`. The real worker is exercised by scripts/worker-isolation-test.sh.
@Suite("Worker processes: protocol and crash classification")
struct WorkerLauncherTests {
    /// A claimed job in an in-memory queue and a context reporting to it.
    static func claimedJob(events: JobEventHub = JobEventHub()) async throws -> (
        InMemoryJobQueue, JobContext, WorkerJobSpec
    ) {
        let queue = InMemoryJobQueue()
        try await queue.create(JobRecord(id: "job-1", songs: [JobSong(songID: "a", name: "A")], createdAt: Date()))
        let record = try #require(try await queue.claimNext(nodeID: "n", leaseSeconds: 60))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("worker-\(UUID().uuidString)")
        let context = JobContext.forRunner(
            jobID: record.id, workspace: JobWorkspace(root: root, jobID: record.id),
            store: queue, limiter: RenderLimiter(limit: 1), events: events)
        let spec = WorkerJobSpec(
            jobID: record.id, record: record, workspaceRoot: root.path, urlPolicy: URLPolicy(),
            downloadLimitBytes: 1_000)
        return (queue, context, spec)
    }

    /// A launcher running `script` under /bin/sh (its standard input is the spec, descriptor 3 the reports).
    static func launcher(_ script: String) -> WorkerLauncher {
        WorkerLauncher(
            isolation: WorkerIsolation(
                executable: "/bin/sh", arguments: ["-c", script, "worker"],
                memoryLimitMB: 512, timeoutSeconds: 600))
    }

    @Test("progress, warnings, a render slot and the result travel as JSON lines")
    func protocolRoundTrip() async throws {
        let (queue, context, spec) = try await Self.claimedJob()
        var changed = spec.record
        changed.warnings = ["song A is short"]
        let recordLine = String(decoding: try WorkerWire.line(WorkerMessage(.record, record: changed)), as: UTF8.self)
            .trimmingCharacters(in: .newlines)
        // Reads the spec, reports, asks for a slot, waits for the grant, answers.
        let script = """
            read -r spec
            echo '{"type":"progress","progress":{"phase":"rendering","progress":85,"message":"Rendering half"}}' >&3
            echo '\(recordLine)' >&3
            echo '{"type":"acquire_render_slot"}' >&3
            read -r grant
            case "$grant" in *render_slot_granted*) ;; *) exit 9;; esac
            echo '{"type":"release_render_slot"}' >&3
            echo '{"type":"result","result":{"title":"From the worker"}}' >&3
            """
        let result = try await Self.launcher(script).run(spec, context: context)
        #expect(result.title == "From the worker")
        let record = try #require(await queue.get("job-1"))
        #expect(record.progress == 85)
        #expect(record.currentStep == "Rendering half")
        #expect(record.phase == .rendering)
        #expect(record.warnings == ["song A is short"])
    }

    @Test("a classified failure from the worker is the job's failure")
    func reportedFailure() async throws {
        let (_, context, spec) = try await Self.claimedJob()
        let failure = JobFailure(.invalidAudio, "song A could not be decoded")
        let line = String(decoding: try WorkerWire.line(WorkerMessage(.failure, failure: failure)), as: UTF8.self)
            .trimmingCharacters(in: .newlines)
        await #expect(throws: failure) {
            try await Self.launcher("read -r spec; echo '\(line)' >&3").run(spec, context: context)
        }
    }

    @Test(
        "a worker killed by a signal fails its job as engine_crash, naming the signal",
        arguments: [
            ("kill -9 $$", "SIGKILL"), ("kill -11 $$", "SIGSEGV"), ("kill -6 $$", "SIGABRT"),
        ])
    func killed(_ item: (script: String, signal: String)) async throws {
        let (_, context, spec) = try await Self.claimedJob()
        do {
            _ = try await Self.launcher("read -r spec; " + item.script).run(spec, context: context)
            Issue.record("a killed worker gave a result")
        } catch let failure as JobFailure {
            #expect(failure.details.type == .engineCrash)
            #expect(!failure.details.recoverable)
            #expect(failure.message.contains(item.signal), "\(failure.message)")
            #expect(failure.message.contains("512 MiB"))
        }
    }

    @Test("a worker that exits without an answer, or non-zero after one, fails as engine_crash")
    func noAnswer() async throws {
        let (_, context, spec) = try await Self.claimedJob()
        for script in [
            "read -r spec; exit 0", "read -r spec; exit 3",
            "read -r spec; echo '{\"type\":\"result\",\"result\":{}}' >&3; exit 1",
            "read -r spec; echo 'not json' >&3; exec sleep 600",
        ] {
            do {
                _ = try await Self.launcher(script).run(spec, context: context)
                Issue.record("\(script): a result")
            } catch let failure as JobFailure {
                #expect(failure.details.type == .engineCrash, "\(script): \(failure)")
            }
        }
    }

    @Test("cancelling the job's task kills its worker")
    func cancelKills() async throws {
        let hub = JobEventHub()
        let (_, context, spec) = try await Self.claimedJob(events: hub)
        let launcher = Self.launcher(
            """
            read -r spec
            echo '{"type":"progress","progress":{"phase":"rendering","progress":81,"message":"started"}}' >&3
            exec sleep 600
            """)
        let events = await hub.subscribe("job-1").stream
        let task = Task { try await launcher.run(spec, context: context) }
        // Wait (on the event hub, no clock) until the worker has reported, then cancel.
        for await record in events where record.progress >= 81 { break }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    @Test("WorkerProcess reports exit codes and signals")
    func exits() async throws {
        let exited = try WorkerProcess(executable: "/bin/sh", arguments: ["-c", "exit 7"])
        #expect(await exited.exit() == .exited(code: 7))
        let sleeper = try WorkerProcess(executable: "/bin/sh", arguments: ["-c", "exec sleep 600"])
        sleeper.kill()
        #expect(await sleeper.exit() == .signaled(signal: SIGKILL))
        sleeper.kill() // after reaping: no effect, no stray signal
        #expect(throws: WorkerProcessError.self) {
            _ = try WorkerProcess(executable: "/nonexistent/mashup", arguments: [])
        }
    }

    @Test("a killed worker's temporary files go with its scratch folder; a gone server's folders are swept")
    func scratchFolders() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("scratch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let (_, context, spec) = try await Self.claimedJob()
        // Exits 8 unless both variables name one folder of its own under the root; else writes a spool file there
        // and dies as a SIGKILLed render would, with no clean-up of its own.
        let script = """
            read -r spec
            case "$TMPDIR" in "\(root.path)"/mashup-worker-*) ;; *) exit 8;; esac
            [ "$MASHUP_SPOOL_DIR" = "$TMPDIR" ] || exit 8
            head -c 65536 /dev/zero > "$TMPDIR/mashup-spool-1.wav" || exit 8
            kill -9 $$
            """
        var isolation = WorkerIsolation(
            executable: "/bin/sh", arguments: ["-c", script, "worker"], memoryLimitMB: 512, timeoutSeconds: 600)
        isolation.scratchRoot = root
        do {
            _ = try await WorkerLauncher(isolation: isolation).run(spec, context: context)
            Issue.record("a killed worker gave a result")
        } catch let failure as JobFailure {
            #expect(failure.message.contains("SIGKILL"), "\(failure.message)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty)

        // Folders of this server stay, those of a server pid no process has go, other names stay.
        // No process has pid 999999999: Linux pids stay below 2^22 (PID_MAX_LIMIT).
        let mine = try WorkerScratch.create(in: root)
        let orphan = root.appendingPathComponent("mashup-worker-999999999-A1B2")
        let other = root.appendingPathComponent("mashup-workers-notes")
        for folder in [orphan, other] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        try Data(count: 16).write(to: orphan.appendingPathComponent("mashup-spool-2.wav"))
        #expect(WorkerScratch.sweep(in: root) == 1)
        #expect(FileManager.default.fileExists(atPath: mine.path))
        #expect(!FileManager.default.fileExists(atPath: orphan.path))
        #expect(FileManager.default.fileExists(atPath: other.path))
        #expect(WorkerScratch.sweep(in: root.appendingPathComponent("missing")) == 0)
        // A root that cannot hold a folder (a file stands there): the job fails as a system error naming it.
        let blocked = root.appendingPathComponent("blocked")
        try Data(count: 1).write(to: blocked)
        var blockedIsolation = isolation
        blockedIsolation.scratchRoot = blocked
        do {
            _ = try await WorkerLauncher(isolation: blockedIsolation).run(spec, context: context)
            Issue.record("a worker ran without its scratch folder")
        } catch let failure as JobFailure {
            #expect(failure.details.type == .system)
            #expect(failure.message.contains(blocked.path), "\(failure.message)")
        }
    }

    @Test("worker limits are read from the environment and refused out of range, naming the variable")
    func settings() throws {
        let isolation = try WorkerIsolation.fromEnvironment(
            ["MASHUP_WORKER_MEMORY_MB": "1024", "MASHUP_WORKER_TIMEOUT_SECONDS": "90"], executable: "/x", arguments: [])
        #expect(isolation.memoryLimitMB == 1024)
        #expect(isolation.timeoutSeconds == 90)
        #expect(try WorkerIsolation.fromEnvironment([:], executable: "/x", arguments: []).memoryLimitMB == 2048)
        let spooled = try WorkerIsolation.fromEnvironment(
            ["MASHUP_SPOOL_DIR": "/srv/spool"], executable: "/x", arguments: [])
        #expect(spooled.scratchRoot.path == "/srv/spool")
        for (name, value) in [
            ("MASHUP_WORKER_MEMORY_MB", "12"), ("MASHUP_WORKER_MEMORY_MB", "lots"),
            ("MASHUP_WORKER_TIMEOUT_SECONDS", "0"), ("MASHUP_WORKER_TIMEOUT_SECONDS", "nan"),
        ] {
            do {
                _ = try WorkerIsolation.fromEnvironment([name: value], executable: "/x", arguments: [])
                Issue.record("\(name)=\(value) accepted")
            } catch let error as WorkerIsolationError {
                #expect(error.description.contains(name))
            }
        }
    }
}
