import Foundation
import Orchestrator
import Render
import Server
import Testing

@Suite("Serve shutdown and restart", .serialized)
struct EndpointShutdownTests {
    @Test("stop with a render running past the grace period: requeued, no partial files; a restarted node completes it")
    func stopRequeuesThenRestartCompletes() async throws {
        let first = try await EndpointFixture(renderer: QuickRenderer(holds: true))
        let submit = try await TestHTTP.postJSON(
            port: first.port, "/generate-mashup", #"{"songs": "# + EndpointFixture.songsJSON + "}")
        let id = try #require(try submit.json()["jobId"] as? String)
        try await waitUntil("the job to render") { (try await first.app.runner.queue.get(id)?.progress ?? 0) > 80 }
        let phasesBefore = try #require(try await first.app.runner.queue.get(id)).metadata.completedPhases
        #expect(phasesBefore.contains(.analysis))
        let clean = await first.app.stop(gracePeriod: .milliseconds(300))
        #expect(!clean, "the render could not finish within 0.3 s")
        let stopped = try #require(try await first.app.runner.queue.get(id))
        #expect(stopped.state == .queued)
        let root = first.storage.root
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("generated/\(id).wav").path))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("work/\(id)").path))
        // The HTTP server is down.
        let refused = (try? await TestHTTP.get(port: first.port, "/healthz")) == nil
        #expect(refused)

        let second = try await EndpointFixture(root: root)
        // Removed before the test ends (a Task started from `defer` may outlive the test process).
        func check() async throws {
            let final = try #require(try await second.pollStatus(id).last)
            #expect(final["status"] as? String == "complete", "\(final)")
            let record = try #require(try await second.app.runner.queue.get(id))
            #expect(Set(phasesBefore).isSubset(of: Set(record.metadata.completedPhases)), "history kept")
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("generated/\(id).wav").path))
        }
        do { try await check() } catch {
            await second.remove()
            throw error
        }
        await second.remove()
    }
}
