import Foundation
import Orchestrator
import Render
import Server
import Testing

/// Tolerances of the endpoint tests.
enum EndpointTolerance {
    /// Frames of the test double's output may differ from 0.5 s × 44.1 kHz by this much (none expected).
    static let outputFrameTolerance = 0
}

@Suite("Serve endpoints over HTTP", .serialized)
struct EndpointTests {
    @Test("execute-masterplan streams progress in order and ends with a valid WAV in generated/")
    func executeMasterplanStream() async throws {
        // Each render step waits until the client has its message: events are delivered as they happen.
        let delivered = Shared<[String]>([])
        let fixture = try await EndpointFixture(renderer: QuickRenderer(deliveredMessages: delivered))
        defer { Task { await fixture.remove() } }
        let (status, events) = try await EventReader.read(
            port: fixture.port, path: "/execute-masterplan",
            body: EndpointFixture.executeBody(jobID: "job-stream-1"),
            messages: delivered)
        #expect(status == 200)
        let final = try #require(events.last)
        #expect(final.json["progress"] as? Double == 100)
        #expect(final.json["message"] as? String == "Complete!")
        #expect(final.json["storage_path"] as? String == "generated/job-stream-1.wav")
        let progress = events.compactMap { $0.json["progress"] as? Double }
        #expect(progress == progress.sorted(), "progress must never go back: \(progress)")
        #expect(progress.count >= 4, "expected several progress events, got \(progress)")
        #expect(events.contains { ($0.json["warning"] as? String)?.contains("test double") == true })
        // Every step's message reached the client while the render still ran (the handshake completed).
        #expect(
            (1...5).allSatisfy { step in
                events.contains { $0.json["message"] as? String == "Rendering section \(step)/5" }
            })
        let file = fixture.storage.root.appendingPathComponent("generated/job-stream-1.wav")
        let decoded = try AudioFile.read(file, sampleRate: nil)
        #expect(
            abs(decoded.buffer.frameCount - Int(QuickRenderer.outputSeconds * 44_100))
                <= EndpointTolerance.outputFrameTolerance)
        #expect(
            FileManager.default.fileExists(
                atPath: fixture.storage.root.appendingPathComponent("generated/job-stream-1.json").path))
        // The REST face serves the same result, with ranges.
        let audio = try await TestHTTP.request(
            port: fixture.port, "GET", "/v1/jobs/job-stream-1/audio", headers: ["Range": "bytes=0-11"])
        #expect(audio.status == 206)
        #expect(audio.body.count == 12)
        #expect(String(decoding: audio.body.prefix(4), as: UTF8.self) == "RIFF")
        let report = try await TestHTTP.get(port: fixture.port, "/v1/jobs/job-stream-1/report")
        #expect(report.status == 200)
        #expect(try report.json()["renderer"] as? String == "quick")
        // No partial or temporary files left.
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: fixture.storage.root.path)
            .filter { $0.contains(".incoming-") || $0.hasSuffix(".partial") || $0.hasPrefix("work/job-stream-1") }
        #expect(leftovers.isEmpty, "left over: \(leftovers)")
    }

    @Test("generate-mashup then get-mashup-status polling to complete, as the front end does")
    func generateAndPoll() async throws {
        let fixture = try await EndpointFixture()
        defer { Task { await fixture.remove() } }
        let submit = try await TestHTTP.postJSON(
            port: fixture.port, "/generate-mashup", #"{"songs": "# + EndpointFixture.songsJSON + "}")
        #expect(submit.status == 200)
        let body = try submit.json()
        #expect(body["success"] as? Bool == true)
        let id = try #require(body["jobId"] as? String)
        let answers = try await fixture.pollStatus(id)
        let final = try #require(answers.last)
        #expect(final["status"] as? String == "complete", "final: \(final)")
        #expect(final["progress"] as? Int == 100)
        #expect(final["title"] as? String == "Test Mash")
        #expect(final["concept"] as? String == "Two test tones meet.")
        // The front end signs result_url with Supabase storage: it is the storage path; audio_url is ours.
        #expect(final["result_url"] as? String == "generated/\(id).wav")
        #expect((final["audio_url"] as? String)?.hasSuffix("/v1/jobs/\(id)/audio") == true)
        let timeline = try #require(final["timeline"] as? [[String: Any]])
        #expect(!timeline.isEmpty && timeline.allSatisfy { $0["start"] is Double || $0["start"] is Int })
        let layers = timeline.flatMap { ($0["layers"] as? [[String: Any]]) ?? [] }
        #expect(
            !layers.isEmpty
                && layers.allSatisfy { (($0["volume"] as? Double) ?? -1) >= 0 && (($0["volume"] as? Double) ?? 2) <= 1 }
        )
        let masterplan = try #require(final["masterplan"] as? [String: Any])
        #expect((masterplan["plan"] as? [String])?.count == timeline.count)
        #expect(masterplan["thoughts"] is String)
        // The served report's player finds the audio beside the page.
        let besideReport = try await TestHTTP.get(port: fixture.port, "/v1/jobs/\(id)/\(id).wav")
        #expect(besideReport.status == 200)
        let unknown = try await TestHTTP.postJSON(
            port: fixture.port, "/get-mashup-status", #"{"jobId": "no-such-job"}"#)
        #expect(unknown.status == 404)
        let refusal = try unknown.json()
        #expect(refusal["error"] is String && refusal["message"] is String)
        #expect((refusal["error_details"] as? [String: Any])?["type"] as? String == "not_found")
        let metadata = try #require(final["metadata"] as? [String: Any])
        #expect(metadata["songs_count"] as? Int == 2)
        #expect(metadata["analyses_completed"] as? Int == 2)
        #expect(metadata["has_masterplan"] as? Bool == true)
        let progress = answers.compactMap { $0["progress"] as? Int }
        #expect(progress == progress.sorted(), "status progress must not go back: \(progress)")
        for answer in answers {
            for key in [
                "jobId", "status", "progress", "currentStep", "created_at", "updated_at", "processing_time_elapsed",
            ] {
                #expect(answer[key] != nil, "missing \(key) in \(answer)")
            }
        }
        #expect(
            FileManager.default.fileExists(
                atPath: fixture.storage.root.appendingPathComponent("generated/\(id).wav").path))
        let rest = try await TestHTTP.get(port: fixture.port, "/v1/jobs/\(id)")
        #expect(try rest.json()["status"] as? String == "complete")
    }

    @Test("execute-masterplan takes bodies beyond the JSON limit up to its own, and refuses larger ones with 413")
    func masterplanBodyBound() async throws {
        // A 3 MiB limit here (64 MB in production): a 2.5 MiB body passes, a 3.5 MiB one is refused; the other
        // routes keep the 2 MiB JSON limit.
        let fixture = try await EndpointFixture(masterplanBodyLimitBytes: 3 * 1_048_576)
        defer { Task { await fixture.remove() } }
        // MFCC-like rows of numbers ("-123.456, " is 10 bytes), as the edge function's analyses carry them.
        func numbers(_ bytes: Int) -> String {
            "[" + Array(repeating: "-123.456", count: bytes / 10).joined(separator: ", ") + "]"
        }
        func body(jobID: String, padding bytes: Int) -> String {
            let songs =
                #"[{"song_id": "song1", "name": "A", "storage_path": "uploads/a.wav", "analysis": {"spectral": {"mfccs": ["#
                + numbers(bytes)
                + #"]}}}, {"song_id": "song2", "name": "B", "storage_path": "uploads/b.wav"}]"#
            return EndpointFixture.executeBody(jobID: jobID, songs: songs)
        }
        let (accepted, events) = try await EventReader.read(
            port: fixture.port, path: "/execute-masterplan", body: body(jobID: "big-1", padding: 2_621_440))
        #expect(accepted == 200)
        #expect(events.last?.json["storage_path"] as? String == "generated/big-1.wav")
        let refused = try await TestHTTP.postJSON(
            port: fixture.port, "/execute-masterplan", body(jobID: "big-2", padding: 3_670_016))
        #expect(refused.status == 413)
        let other = try await TestHTTP.postJSON(
            port: fixture.port, "/generate-mashup", #"{"songs": [], "pad": "# + numbers(2_621_440) + "}")
        #expect(other.status == 413)
    }

    @Test("a song that was never uploaded fails the job as the user's input, with the action to take")
    func missingUpload() async throws {
        let fixture = try await EndpointFixture()
        defer { Task { await fixture.remove() } }
        let songs =
            #"[{"song_id": "a", "name": "A", "storage_path": "uploads/never-uploaded.wav"}, {"song_id": "b", "name": "B", "storage_path": "uploads/b.wav"}]"#
        let submit = try await TestHTTP.postJSON(port: fixture.port, "/generate-mashup", #"{"songs": "# + songs + "}")
        let id = try #require(try submit.json()["jobId"] as? String)
        let final = try #require(try await fixture.pollStatus(id).last)
        #expect(final["status"] as? String == "failed")
        #expect((final["error_message"] as? String)?.contains("uploads/never-uploaded.wav") == true, "\(final)")
        let details = try #require(final["error_details"] as? [String: Any])
        #expect(details["type"] as? String == "invalid_audio")
        #expect((details["suggested_action"] as? String)?.hasPrefix("Upload the song again") == true, "\(details)")
    }

    @Test("DELETE cancels a running job: failed status with type cancelled, no output, no workspace")
    func cancelJob() async throws {
        let fixture = try await EndpointFixture(renderer: QuickRenderer(holds: true))
        defer { Task { await fixture.remove() } }
        let submit = try await TestHTTP.postJSON(
            port: fixture.port, "/v1/jobs", #"{"songs": "# + EndpointFixture.songsJSON + "}")
        #expect(submit.status == 202)
        let id = try #require(try submit.json()["id"] as? String)
        // Wait until it renders.
        try await waitUntil("the job to render") {
            (try await TestHTTP.get(port: fixture.port, "/v1/jobs/\(id)").json()["progress"] as? Int ?? 0) > 80
        }
        let cancel = try await TestHTTP.request(port: fixture.port, "DELETE", "/v1/jobs/\(id)")
        #expect(cancel.status == 200)
        let answer = try cancel.json()
        #expect(answer["status"] as? String == "failed")
        #expect((answer["error_details"] as? [String: Any])?["type"] as? String == "cancelled")
        // The worker stops and cleans up.
        try? await waitUntil("the worker to stop") { fixture.app.runner.runningJobIDs.isEmpty }
        #expect(fixture.app.runner.runningJobIDs.isEmpty)
        #expect(
            !FileManager.default.fileExists(
                atPath: fixture.storage.root.appendingPathComponent("generated/\(id).wav").path))
        #expect(!FileManager.default.fileExists(atPath: fixture.storage.root.appendingPathComponent("work/\(id)").path))
        let audio = try await TestHTTP.get(port: fixture.port, "/v1/jobs/\(id)/audio")
        #expect(audio.status == 409)
    }

    @Test("a client that disconnects from execute-masterplan cancels the render")
    func disconnectCancels() async throws {
        let fixture = try await EndpointFixture(renderer: QuickRenderer(holds: true))
        defer { Task { await fixture.remove() } }
        let (_, events) = try await EventReader.read(
            port: fixture.port, path: "/execute-masterplan",
            body: EndpointFixture.executeBody(jobID: "job-gone"), stopAfter: 3)
        #expect(events.count == 3)
        try? await waitUntil("the job to be cancelled") {
            try await fixture.app.runner.queue.get("job-gone")?.state == .cancelled
        }
        #expect(try await fixture.app.runner.queue.get("job-gone")?.state == .cancelled)
    }

    @Test("a full queue answers 429 with Retry-After; /readyz says not ready")
    func queueFull() async throws {
        // The first job renders until the fixture is removed (a held render), so it holds the only worker throughout.
        let fixture = try await EndpointFixture(
            renderer: QuickRenderer(holds: true),
            maxQueued: 1, workers: 1)
        defer { Task { await fixture.remove() } }
        let body = #"{"songs": "# + EndpointFixture.songsJSON + "}"
        var statuses: [Int] = []
        var retryAfter: String?
        for index in 0..<4 {
            let response = try await TestHTTP.postJSON(port: fixture.port, "/generate-mashup", body)
            statuses.append(response.status)
            if response.status == 429 { retryAfter = response.headers["retry-after"] }
            if index == 0 { // the single worker claims the first one before the next arrives
                try await waitUntil("the worker to claim the first job") { !fixture.app.runner.runningJobIDs.isEmpty }
            }
        }
        #expect(statuses.first == 200)
        #expect(statuses.contains(429), "statuses: \(statuses)")
        #expect(Int(retryAfter ?? "") ?? 0 > 0)
        let ready = try await TestHTTP.get(port: fixture.port, "/readyz")
        #expect(ready.status == 503)
        #expect(try ready.json()["storage_writable"] as? Bool == true)
    }

    @Test("path traversal, bad URLs and bad bodies are refused with a 4xx naming the field; /healthz still answers")
    func refusals() async throws {
        let fixture = try await EndpointFixture()
        defer { Task { await fixture.remove() } }
        func songs(_ first: String) -> String {
            #"{"songs": [{"song_id": "a", "name": "A", "# + first
                + #"}, {"song_id": "b", "name": "B", "storage_path": "uploads/b.wav"}]}"#
        }
        let cases: [(String, String, String)] = [
            ("/generate-mashup", songs(#""storage_path": "../../etc/passwd""#), "songs[0].storage_path"),
            ("/generate-mashup", songs(#""storage_path": "/etc/passwd""#), "songs[0].storage_path"),
            ("/generate-mashup", songs(#""url": "file:///etc/passwd""#), "songs[0].url"),
            ("/generate-mashup", songs(#""url": "http://169.254.169.254/latest/meta-data""#), "songs[0].url"),
            ("/generate-mashup", songs(#""url": "http://127.0.0.1:22/x.wav""#), "songs[0].url"),
            ("/generate-mashup", #"{"songs": []}"#, "songs"),
            ("/generate-mashup", "not json", "body"),
            (
                "/execute-masterplan",
                #"{"masterplan": {"timeline": []}, "songs": [{"song_id": "a", "storage_path": "uploads/a.wav"}], "job_id": "../x"}"#,
                "job_id"
            ),
            ("/execute-masterplan", #"{"songs": [{"song_id": "a", "storage_path": "uploads/a.wav"}]}"#, "masterplan"),
            ("/get-mashup-status", #"{}"#, "jobId"),
        ]
        for (path, body, field) in cases {
            let response = try await TestHTTP.postJSON(port: fixture.port, path, body)
            #expect((400..<500).contains(response.status), "\(path) \(body): \(response.status)")
            #expect(try response.json()["field"] as? String == field, "\(path) \(body): \(response.text)")
        }
        let missing = try await TestHTTP.postJSON(port: fixture.port, "/get-mashup-status", #"{"jobId": "nope"}"#)
        #expect(missing.status == 404)
        let traversal = try await TestHTTP.get(port: fixture.port, "/v1/jobs/..%2F..%2Fetc/audio")
        #expect((400..<500).contains(traversal.status))
        let options = try await TestHTTP.request(port: fixture.port, "OPTIONS", "/generate-mashup")
        #expect(options.status == 204)
        #expect(options.headers["access-control-allow-origin"] == "*")
        let health = try await TestHTTP.get(port: fixture.port, "/healthz")
        #expect(health.status == 200)
    }

    @Test("uploads land in uploads/ and can be used by storage_path; metrics count jobs and requests")
    func uploadAndMetrics() async throws {
        let fixture = try await EndpointFixture()
        defer { Task { await fixture.remove() } }
        let bytes = try Data(contentsOf: fixture.storage.root.appendingPathComponent("uploads/a.wav"))
        let upload = try await TestHTTP.request(
            port: fixture.port, "POST", "/v1/uploads?filename=song.wav",
            headers: ["Content-Type": "audio/wav"], body: bytes)
        #expect(upload.status == 201)
        let path = try #require(try upload.json()["storage_path"] as? String)
        #expect(path.hasPrefix("uploads/") && path.hasSuffix(".wav"))
        let stored = try Data(contentsOf: fixture.storage.root.appendingPathComponent(path))
        #expect(stored == bytes)
        let body =
            #"{"songs": [{"song_id": "s1", "storage_path": ""# + path
            + #""}, {"song_id": "s2", "storage_path": "uploads/b.wav"}]}"#
        let id = try #require(
            try await TestHTTP.postJSON(port: fixture.port, "/generate-mashup", body).json()["jobId"] as? String)
        let final = try #require(try await fixture.pollStatus(id).last)
        #expect(final["status"] as? String == "complete")
        // The gauges' snapshot refreshes every second: wait for the one that sees the completed job.
        try await waitUntil("the gauges to count the completed job") {
            try await TestHTTP.get(port: fixture.port, "/metrics").text.contains(#"mashup_jobs{state="complete"} 1"#)
        }
        let metrics = try await TestHTTP.get(port: fixture.port, "/metrics").text
        #expect(metrics.contains(#"mashup_jobs{state="complete"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"mashup_jobs_finished_total{state="complete"} 1"#))
        #expect(metrics.contains("mashup_render_seconds_count 1"))
        #expect(metrics.contains(#"route="/generate-mashup",status="200""#))
    }

    @Test("GET /v1/jobs/{id}/events streams status answers in order until complete")
    func restEvents() async throws {
        let fixture = try await EndpointFixture()
        defer { Task { await fixture.remove() } }
        let submit = try await TestHTTP.postJSON(
            port: fixture.port, "/v1/jobs", #"{"songs": "# + EndpointFixture.songsJSON + "}")
        let id = try #require(try submit.json()["id"] as? String)
        let (status, events) = try await EventReader.read(
            port: fixture.port, path: "/v1/jobs/\(id)/events", body: "", method: "GET")
        #expect(status == 200)
        let progress = events.compactMap { $0.json["progress"] as? Int }
        #expect(progress == progress.sorted(), "\(progress)")
        #expect(events.count >= 3, "expected several status events, got \(events.count)")
        #expect(events.last?.json["status"] as? String == "complete")
        let unknown = try await TestHTTP.get(port: fixture.port, "/v1/jobs/nope/events")
        #expect(unknown.status == 404)
    }
}
