import Foundation
import Orchestrator
import Render
import Server
import Synchronization
import Testing

/// A planner double that keeps the preferences it was asked with.
final class RecordingPlanner: PlannerService, Sendable {
    let seen = Mutex<[JSONValue]>([])
    func masterplan(for request: PlanRequest) async throws -> JSONValue {
        seen.withLock { $0.append(request.userPreferences) }
        return try await FixedPlanner().masterplan(for: request)
    }
}

/// Tolerances of the studio endpoint tests.
enum StudioTolerance {
    /// The fixture's songs are 1 s long (44 100 frames at 44.1 kHz).
    static let uploadDurationSeconds = 1e-9
    /// MP3 frames add encoder delay and padding: the decoded length may exceed the WAV's by up to this many frames
    /// (about two 1152-frame MP3 frames), never fall short of it by more.
    static let mp3ExtraFrames = 2 * 1152 + 1105
    static let mp3MissingFrames = 1152
}

@Suite("Studio page and its endpoints over HTTP", .serialized)
struct StudioEndpointTests {
    /// Runs a pipeline job through `/v1/jobs` and waits for it to finish; returns its id.
    static func completedJob(_ fixture: EndpointFixture, preferences: String? = nil) async throws -> String {
        let body =
            #"{"songs": "# + EndpointFixture.songsJSON + (preferences.map { #", "preferences": "# + $0 } ?? "") + "}"
        let submit = try await TestHTTP.postJSON(port: fixture.port, "/v1/jobs", body)
        #expect(submit.status == 202, "\(submit.text)")
        let id = try #require(try submit.json()["id"] as? String)
        let final = try #require(try await fixture.pollStatus(id).last)
        #expect(final["status"] as? String == "complete")
        return id
    }

    @Test(
        "GET / answers the studio page; its assets are built in, typed, validated by ETag and load nothing from outside"
    )
    func pageAndAssets() async throws {
        let fixture = try await EndpointFixture()
        defer { Task { await fixture.remove() } }
        let page = try await TestHTTP.get(port: fixture.port, "/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.text.contains(#"<input id="file-input" name="songs" type="file" multiple"#))
        #expect(page.text.contains(">Create</button>"))
        #expect(page.headers["content-security-policy"]?.contains("default-src 'self'") == true)
        let referenced = Set(page.text.matches(of: /"\/studio\/([a-z0-9.\-]+)"/).map { String($0.output.1) })
        #expect(referenced.isSuperset(of: ["studio.css", "app.js", "favicon.svg"]), "\(referenced)")
        var scripts: [String] = []
        for asset in StudioAssets.all {
            let path = asset.name == "index.html" ? "/" : "/studio/\(asset.name)"
            let answer = try await TestHTTP.get(port: fixture.port, path)
            #expect(answer.status == 200, "\(path)")
            #expect(answer.headers["content-type"] == asset.contentType, "\(path)")
            #expect(answer.headers["cache-control"] == "no-cache")
            let etag = try #require(answer.headers["etag"])
            let again = try await TestHTTP.get(port: fixture.port, path, headers: ["If-None-Match": etag])
            #expect(again.status == 304, "\(path)")
            #expect(again.body.isEmpty)
            // No external resource: no absolute URL in src/href/url()/import/fetch.
            #expect(answer.text.firstMatch(of: /(src|href)="(https?:)?\/\//) == nil, "\(path) loads from outside")
            #expect(
                answer.text.firstMatch(of: /(url\(|import .* from |fetch\()['"]?(https?:)?\/\//) == nil,
                "\(path) loads from outside")
            if asset.name.hasSuffix(".js") { scripts.append(answer.text) }
        }
        // Every module another one imports is served.
        for script in scripts {
            for match in script.matches(of: /from '\.\/([a-z]+\.js)'/) {
                #expect(StudioAssets.named(String(match.output.1)) != nil, "missing module \(match.output.1)")
            }
        }
        #expect(try await TestHTTP.get(port: fixture.port, "/studio/nothing.js").status == 404)
        #expect(
            try await TestHTTP.get(port: fixture.port, "/studio/config.json").json()["token_required"] as? Bool == false
        )
    }

    @Test("uploads are checked as audio, described, listed newest first and served with ranges")
    func uploads() async throws {
        let fixture = try await EndpointFixture()
        defer { Task { await fixture.remove() } }
        let bytes = try Data(contentsOf: fixture.storage.root.appendingPathComponent("uploads/a.wav"))
        // The fixture's own songs: a an hour old, b two hours, both older than the upload.
        for (name, age) in [("a.wav", 3_600.0), ("b.wav", 7_200.0)] {
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSinceNow: -age)],
                ofItemAtPath: fixture.storage.root.appendingPathComponent("uploads/\(name)").path)
        }
        let upload = try await TestHTTP.request(
            port: fixture.port, "POST", "/v1/uploads?filename=My%20Song.wav", body: bytes)
        #expect(upload.status == 201)
        let answer = try upload.json()
        let path = try #require(answer["storage_path"] as? String)
        #expect(answer["filename"] as? String == "My Song.wav")
        #expect(abs((answer["duration_seconds"] as? Double ?? 0) - 1) <= StudioTolerance.uploadDurationSeconds)

        let refused = try await TestHTTP.request(
            port: fixture.port, "POST", "/v1/uploads?filename=notes.wav",
            body: Data("this is text, not audio\n".utf8))
        #expect(refused.status == 400)
        let refusal = try refused.json()
        #expect(refusal["field"] as? String == "body")
        let message = try #require(refusal["error"] as? String)
        #expect(message.contains("'notes.wav' is not an audio file"))
        #expect(!message.contains("mashup-upload-"), "the message names the temporary file: \(message)")

        let listing = try await TestHTTP.get(port: fixture.port, "/v1/uploads")
        #expect(listing.status == 200)
        let items = try #require(try listing.json()["uploads"] as? [[String: Any]])
        #expect(items.map { $0["storage_path"] as? String } == [path, "uploads/a.wav", "uploads/b.wav"])
        #expect(items[0]["filename"] as? String == "My Song.wav")
        #expect(items[0]["bytes"] as? Int == bytes.count)
        #expect(items[0]["channels"] as? Int == 1)
        #expect(items[1]["filename"] as? String == "a.wav")
        let one = try #require(
            try await TestHTTP.get(port: fixture.port, "/v1/uploads?limit=1").json()["uploads"] as? [Any])
        #expect(one.count == 1)
        let badLimit = try await TestHTTP.get(port: fixture.port, "/v1/uploads?limit=0")
        #expect(badLimit.status == 400)
        #expect(try badLimit.json()["field"] as? String == "limit")

        let name = String(path.dropFirst("uploads/".count))
        let ranged = try await TestHTTP.get(
            port: fixture.port, "/v1/uploads/\(name)", headers: ["Range": "bytes=100-199"])
        #expect(ranged.status == 206)
        #expect(ranged.headers["content-type"] == "audio/wav")
        #expect(ranged.body == bytes[100..<200])
        #expect(try await TestHTTP.get(port: fixture.port, "/v1/uploads/missing.wav").status == 404)
        let hidden = try await TestHTTP.get(port: fixture.port, "/v1/uploads/.hidden")
        #expect(hidden.status == 400)
        #expect(try hidden.json()["field"] as? String == "name")
        #expect(try await TestHTTP.get(port: fixture.port, "/v1/uploads/..%2F..%2Fjobs.sqlite").status == 400)
    }

    @Test("GET /v1/jobs lists recent jobs newest first with songs and results, and still after a restart")
    func jobHistory() async throws {
        var fixture: EndpointFixture? = try await EndpointFixture()
        let root = fixture!.root
        defer { try? FileManager.default.removeItem(at: root) }
        var ids: [String] = []
        for _ in 0..<3 { ids.append(try await Self.completedJob(fixture!)) }
        let listing = try await TestHTTP.get(port: fixture!.port, "/v1/jobs?limit=2")
        #expect(listing.status == 200)
        let body = try listing.json()
        let jobs = try #require(body["jobs"] as? [[String: Any]])
        #expect(jobs.map { $0["id"] as? String } == [ids[2], ids[1]])
        #expect(body["total"] as? Int == 3)
        let newest = jobs[0]
        #expect(newest["state"] as? String == "complete")
        #expect(newest["title"] as? String == "Test Mash")
        #expect(newest["result_url"] as? String != nil)
        let songs = try #require(newest["songs"] as? [[String: Any]])
        #expect(songs.map { $0["storage_path"] as? String } == ["uploads/a.wav", "uploads/b.wav"])
        let tooMany = try await TestHTTP.get(port: fixture!.port, "/v1/jobs?limit=101")
        #expect(tooMany.status == 400)
        #expect(try tooMany.json()["field"] as? String == "limit")
        // The store is durable: a new node on the same storage lists the same jobs.
        await fixture!.stop()
        fixture = nil
        let restarted = try await EndpointFixture(root: root)
        let again = try #require(
            try await TestHTTP.get(port: restarted.port, "/v1/jobs").json()["jobs"] as? [[String: Any]])
        #expect(again.map { $0["id"] as? String } == ids.reversed())
        await restarted.remove()
    }

    @Test("POST /v1/plans/validate answers the validator's issues with their JSON paths")
    func validate() async throws {
        let fixture = try await EndpointFixture()
        defer { Task { await fixture.remove() } }
        let plan = EndpointFixture.planJSON
        let valid = try await TestHTTP.postJSON(
            port: fixture.port, "/v1/plans/validate",
            #"{"plan": "# + plan + #", "songs": [{"song_id": "song1"}, {"song_id": "song2"}]}"#)
        #expect(valid.status == 200)
        let answer = try valid.json()
        #expect(answer["valid"] as? Bool == true)
        #expect(answer["errors"] as? Int == 0)
        let summary = try #require(answer["summary"] as? [String: Any])
        #expect(summary["sections"] as? Int == 2)
        #expect(summary["duration_sec"] as? Double == 8)

        let broken = plan.replacingOccurrences(
            of: #""time_start_sec": 4, "duration_sec": 4"#, with: #""time_start_sec": 4, "duration_sec": -4"#)
        #expect(broken != plan)
        let invalid = try await TestHTTP.postJSON(
            port: fixture.port, "/v1/plans/validate",
            #"{"plan": "# + broken + #", "songs": [{"song_id": "song1"}, {"song_id": "song2"}]}"#)
        let issues = try #require(try invalid.json()["issues"] as? [[String: Any]])
        #expect(try invalid.json()["valid"] as? Bool == false)
        #expect(
            issues.contains {
                $0["severity"] as? String == "error" && $0["path"] as? String == "masterplan.timeline[1].duration_sec"
            },
            "\(issues)")
        // A layer naming a song the job does not have.
        let stranger = plan.replacingOccurrences(of: #""songId": "song2""#, with: #""songId": "song9""#)
        let unknown = try #require(
            try await TestHTTP.postJSON(
                port: fixture.port, "/v1/plans/validate",
                #"{"plan": "# + stranger + #", "songs": [{"song_id": "song1"}, {"song_id": "song2"}]}"#
            ).json()["issues"] as? [[String: Any]])
        #expect(
            unknown.contains { ($0["path"] as? String)?.hasPrefix("masterplan.timeline[1].layers[0]") == true },
            "\(unknown)")
        let notObject = try await TestHTTP.postJSON(port: fixture.port, "/v1/plans/validate", #"{"plan": [1, 2]}"#)
        #expect(notObject.status == 400)
        #expect(try notObject.json()["field"] as? String == "plan")
    }

    @Test("the result as FLAC and MP3, made on the first request and kept beside the WAV")
    func audioFormats() async throws {
        let fixture = try await EndpointFixture()
        defer { Task { await fixture.remove() } }
        let id = try await Self.completedJob(fixture)
        let wavFrames = try AudioFile.read(
            fixture.storage.root.appendingPathComponent("generated/\(id).wav"), sampleRate: nil
        ).buffer.frameCount
        for (format, type) in [("flac", "audio/flac"), ("mp3", "audio/mpeg")] {
            let answer = try await TestHTTP.get(port: fixture.port, "/v1/jobs/\(id)/audio?format=\(format)")
            #expect(answer.status == 200, "\(format): \(answer.text.prefix(200))")
            #expect(answer.headers["content-type"] == type)
            #expect(answer.headers["content-disposition"]?.contains("Test Mash.\(format)") == true)
            let stored = fixture.storage.root.appendingPathComponent("generated/\(id).\(format)")
            #expect(try Data(contentsOf: stored) == answer.body)
            let decoded = try AudioFile.read(stored, sampleRate: nil)
            #expect(decoded.buffer.channelCount == 2)
            if format == "flac" {
                #expect(decoded.buffer.frameCount == wavFrames)
            } else {
                #expect(decoded.buffer.frameCount >= wavFrames - StudioTolerance.mp3MissingFrames)
                #expect(decoded.buffer.frameCount <= wavFrames + StudioTolerance.mp3ExtraFrames)
            }
            // Kept: a second request serves the same file without writing it again.
            let written = try FileManager.default.attributesOfItem(atPath: stored.path)[.modificationDate] as? Date
            let ranged = try await TestHTTP.get(
                port: fixture.port, "/v1/jobs/\(id)/audio?format=\(format)", headers: ["Range": "bytes=0-3"])
            #expect(ranged.status == 206)
            #expect(
                try FileManager.default.attributesOfItem(atPath: stored.path)[.modificationDate] as? Date == written)
        }
        let wav = try await TestHTTP.get(
            port: fixture.port, "/v1/jobs/\(id)/audio?format=wav", headers: ["Range": "bytes=0-3"])
        #expect(wav.status == 206)
        #expect(wav.text == "RIFF")
        let ogg = try await TestHTTP.get(port: fixture.port, "/v1/jobs/\(id)/audio?format=ogg")
        #expect(ogg.status == 400)
        #expect(try ogg.json()["field"] as? String == "format")
        // No SVG from the test renderer: a located 404, not a 500.
        let svg = try await TestHTTP.get(port: fixture.port, "/v1/jobs/\(id)/timeline.svg")
        #expect(svg.status == 404)
    }

    @Test("preferences are checked at the door and reach the planner")
    func preferences() async throws {
        let planner = RecordingPlanner()
        let fixture = try await EndpointFixture(planner: planner)
        defer { Task { await fixture.remove() } }
        _ = try await Self.completedJob(
            fixture,
            preferences:
                #"{"duration_sec": 90, "target_bpm": "104", "target_key": "e minor", "lead_song": "song2", "style": "house", "energy": "rising", "seed": null}"#
        )
        let seen = planner.seen.withLock { $0 }
        #expect(
            seen == [
                [
                    "duration_sec": 90, "target_bpm": 104, "target_key": "E minor", "lead_song": "song2",
                    "style": "house",
                    "energy": "rising",
                ]
            ])
        _ = try await Self.completedJob(fixture, preferences: #"{"target_key": "auto", "style": ""}"#)
        #expect(planner.seen.withLock { $0.last } == [:])
        for (body, field) in [
            (#"{"target_bpm": 300}"#, "preferences.target_bpm"),
            (#"{"target_key": "H major"}"#, "preferences.target_key"),
            (#"{"energy": 2}"#, "preferences.energy"), (#"{"duration_sec": "long"}"#, "preferences.duration_sec"),
            (#"[1]"#, "preferences"),
        ] {
            let answer = try await TestHTTP.postJSON(
                port: fixture.port, "/v1/jobs",
                #"{"songs": "# + EndpointFixture.songsJSON + #", "preferences": "# + body + "}")
            #expect(answer.status == 400, "\(body)")
            #expect(try answer.json()["field"] as? String == field, "\(body): \(answer.text)")
        }
    }

    @Test("with an API token: the page is open, ?token= opens only the URLs a browser opens itself")
    func queryToken() async throws {
        let fixture = try await EndpointFixture(apiToken: "s3cret-token")
        defer { Task { await fixture.remove() } }
        #expect(try await TestHTTP.get(port: fixture.port, "/").status == 200)
        #expect(try await TestHTTP.get(port: fixture.port, "/studio/app.js").status == 200)
        #expect(
            try await TestHTTP.get(port: fixture.port, "/studio/config.json").json()["token_required"] as? Bool == true)
        #expect(try await TestHTTP.get(port: fixture.port, "/v1/jobs").status == 401)
        #expect(try await TestHTTP.get(port: fixture.port, "/v1/jobs?token=s3cret-token").status == 401)
        #expect(
            try await TestHTTP.get(port: fixture.port, "/v1/jobs", headers: ["Authorization": "Bearer s3cret-token"])
                .status == 200)
        #expect(try await TestHTTP.get(port: fixture.port, "/v1/uploads/a.wav").status == 401)
        #expect(try await TestHTTP.get(port: fixture.port, "/v1/uploads/a.wav?token=wrong").status == 401)
        #expect(try await TestHTTP.get(port: fixture.port, "/v1/uploads/a.wav?token=s3cret-token").status == 200)
        #expect(try await TestHTTP.get(port: fixture.port, "/v1/jobs/none/events?token=s3cret-token").status == 404)
        #expect(try await TestHTTP.get(port: fixture.port, "/v1/jobs/none/events?token=s3cret").status == 401)
        #expect(try await TestHTTP.get(port: fixture.port, "/v1/jobs/none/audio?token=s3cret-token").status == 404)
    }

    @Test("with an API token: the report page opened with ?token= hands it to its player, whose audio then plays")
    func reportPageWithToken() async throws {
        let token = "s3cret-token"
        let fixture = try await EndpointFixture(apiToken: token)
        defer { Task { await fixture.remove() } }
        let bearer = ["Authorization": "Bearer \(token)"]
        let submit = try await TestHTTP.postJSON(
            port: fixture.port, "/generate-mashup", #"{"songs": "# + EndpointFixture.songsJSON + "}", headers: bearer)
        let id = try #require(try submit.json()["jobId"] as? String)
        try await waitUntil("the job to complete") {
            try await TestHTTP.get(port: fixture.port, "/v1/jobs/\(id)", headers: bearer).json()["status"] as? String
                == "complete"
        }
        // The quick renderer writes no page: this one is what the report writer writes, for this job's audio.
        let page =
            "<html><body><audio controls preload=\"metadata\" src=\"\(HTMLReport.relativeAudioURL("\(id).wav"))\">"
            + "</audio></body></html>"
        try Data(page.utf8).write(to: fixture.storage.root.appendingPathComponent("generated/\(id).html"))

        #expect(try await TestHTTP.get(port: fixture.port, "/v1/jobs/\(id)/report.html").status == 401)
        #expect(try await TestHTTP.get(port: fixture.port, "/v1/jobs/\(id)/report.html?token=wrong").status == 401)
        let opened = try await TestHTTP.get(port: fixture.port, "/v1/jobs/\(id)/report.html?token=\(token)")
        #expect(opened.status == 200)
        #expect(opened.headers["cache-control"] == "no-store")
        let source = try #require(EndpointEngineTests.audioSource(in: opened.text))
        #expect(source == "./\(id).wav?token=\(token)")
        let resolved = try #require(URL(string: source, relativeTo: URL(string: "http://h/v1/jobs/\(id)/report.html")))
        let audio = try await TestHTTP.get(
            port: fixture.port, resolved.path + "?" + (resolved.query ?? ""), headers: ["Range": "bytes=0-3"])
        #expect(audio.status == 206)
        #expect(String(decoding: audio.body, as: UTF8.self) == "RIFF")
        #expect(try await TestHTTP.get(port: fixture.port, resolved.path).status == 401)
    }
}
