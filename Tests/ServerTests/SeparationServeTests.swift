import DSP
import Foundation
import Orchestrator
import Render
import Server
import Synchronization
import Testing

/// `/execute-masterplan` (the edge function's path) with a separation service configured: each song goes to the
/// service as a signed link to this server's storage with the job id, and the stems it answers (storage paths) are
/// the ones handed to the render.
@Suite("Separation service behind /execute-masterplan", .serialized)
struct SeparationServeTests {
    /// A renderer double that keeps the stems it was given, then writes the quick renderer's result.
    struct StemRecordingRenderer: ServeRenderer {
        let received: Shared<[String: StemPaths]>

        func render(
            _ input: RenderInput, outputBase: URL, context: JobContext,
            progress: @escaping @Sendable (Double, String) async throws -> Void
        ) async throws -> JobResult {
            received.withLock { $0 = input.stems }
            return try await QuickRenderer(stepCount: 1).render(
                input, outputBase: outputBase, context: context, progress: progress)
        }
    }

    struct NoRenderer: MashupRenderer {
        func render(
            _ input: RenderInput, context: JobContext,
            progress: @escaping @Sendable (Double, String) async throws -> Void
        ) async throws -> JobResult {
            throw JobFailure(.system, "not used")
        }
    }

    @Test("songs reach the service as signed links with the job id; its stems are the render's")
    func executeMasterplanSeparates() async throws {
        // The fake separation service records each request and answers stems under stems/<job>/<song>/.
        let requests = Shared<[[String: String]]>([])
        let service = try ServerFixture { router in
            router.post("/separate") { request in
                let body = try request.jsonBody()
                let audioURL = body["audio_url"]?.stringValue ?? "", jobID = body["job_id"]?.stringValue ?? ""
                let count = requests.withLock { list in
                    list.append(["audio_url": audioURL, "job_id": jobID])
                    return list.count
                }
                let folder = "stems/\(jobID)/song\(count)"
                return .json([
                    "success": true, "job_id": .string(jobID),
                    "stems": [
                        "vocals": .string("\(folder)/vocals.wav"), "drums": .string("\(folder)/drums.wav"),
                        "bass": .string("\(folder)/bass.wav"), "other": .string("\(folder)/other.wav"),
                    ],
                ])
            }
        }
        var configuration = ServiceConfiguration()
        configuration.separation = ServiceEndpoint(
            baseURL: URL(string: "http://127.0.0.1:\(service.port)")!, timeoutSeconds: 10)
        // Only its separation step is used.
        let pipeline = MashupPipeline(
            remote: RemoteServices(configuration: configuration),
            embedded: EmbeddedServices(analysis: FixedAnalysis(), scoring: FixedScore(), planner: FixedPlanner()),
            renderer: NoRenderer())
        let received = Shared<[String: StemPaths]>([:])
        let fixture = try await EndpointFixture(
            renderer: StemRecordingRenderer(received: received), linkSigner: StorageLinkTests.signer,
            separation: { songs, context in try await pipeline.separate(songs, context: context) })
        defer { Task { await fixture.remove() } }

        let (status, events) = try await EventReader.read(
            port: fixture.port, path: "/execute-masterplan", body: EndpointFixture.executeBody(jobID: "sep-1"))
        #expect(status == 200)
        #expect(events.last?.json["storage_path"] as? String == "generated/sep-1.wav", "\(events.last?.json ?? [:])")

        let sent = requests.withLock { $0 }
        #expect(sent.count == 2)
        #expect(sent.allSatisfy { $0["job_id"] == "sep-1" })
        // Each link is this server's signed, expiring link to the song, which answers the song's bytes.
        for (index, request) in sent.enumerated() {
            let link = try #require(URL(string: request["audio_url"] ?? ""))
            #expect(link.absoluteString.hasPrefix("https://mashup.test/base/v1/files?"))
            let pathAndQuery =
                "/v1/files?" + (URLComponents(url: link, resolvingAgainstBaseURL: false)?.percentEncodedQuery ?? "")
            let song = try await TestHTTP.get(port: fixture.port, pathAndQuery)
            #expect(song.status == 200)
            let name = index == 0 ? "a.wav" : "b.wav"
            #expect(song.body == (try Data(contentsOf: fixture.root.appendingPathComponent("uploads/\(name)"))))
        }
        let stems = received.withLock { $0 }
        #expect(Set(stems.keys) == ["song1", "song2"])
        #expect(stems["song1"]?.paths["vocals"] == "stems/sep-1/song1/vocals.wav")
        #expect(stems["song2"]?.paths["drums"] == "stems/sep-1/song2/drums.wav")
    }
}
