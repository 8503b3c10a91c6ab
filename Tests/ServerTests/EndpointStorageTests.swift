import Foundation
import Orchestrator
import Render
import Server
import Synchronization
import Testing

/// A fake Supabase Storage on 127.0.0.1: objects in memory, every request's auth headers recorded.
final class FakeObjectStore: Sendable {
    let objects = Shared<[String: Data]>([:])
    let authorizations = Shared<[String]>([])
    let server: HTTPServer

    init() throws {
        var router = Router()
        let objects = self.objects, authorizations = self.authorizations
        let record: @Sendable (HTTPRequest) -> Void = { request in
            authorizations.withLock {
                $0.append("\(request.headers["Authorization"] ?? "-")|\(request.headers["apikey"] ?? "-")")
            }
        }
        let pattern = "/storage/v1/object/{bucket}/{folder}/{name}"
        let key: @Sendable (HTTPRequest) throws -> String = { request in
            "\(try request.parameter("bucket"))/\(try request.parameter("folder"))/\(try request.parameter("name"))"
        }
        router.post(pattern, options: RouteOptions(bodyLimit: .bytes(8 << 20))) { request in
            record(request)
            let name = try key(request)
            objects.withLock { $0[name] = request.body }
            return .json(["Key": .string(name)])
        }
        router.get(pattern) { request in
            record(request)
            let name = try key(request)
            guard let data = objects.withLock({ $0[name] }) else {
                return .error(status: 404, "Object not found")
            }
            return HTTPResponse(status: 200, body: .bytes(data))
        }
        router.delete(pattern) { request in
            record(request)
            let name = try key(request)
            _ = objects.withLock { $0.removeValue(forKey: name) }
            return .json(["message": "deleted"])
        }
        var configuration = ServerConfiguration()
        configuration.port = 0
        server = HTTPServer(configuration: configuration, router: router)
        try server.start()
    }
}

@Suite("Serve storage backends")
struct EndpointStorageTests {
    @Test("SupabaseStorage round-trips objects with Bearer and apikey headers, refuses unsafe names")
    func supabaseRoundTrip() async throws {
        let fake = try FakeObjectStore()
        defer { fake.server.stop() }
        let storage = SupabaseStorage(
            baseURL: URL(string: "http://127.0.0.1:\(fake.server.port)")!, serviceKey: "service-key")
        let source = FileManager.default.temporaryDirectory.appendingPathComponent("supa-\(UUID().uuidString).bin")
        let payload = Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try payload.write(to: source)
        defer { try? FileManager.default.removeItem(at: source) }
        try await storage.upload(source, to: "generated/job1.wav", contentType: "audio/wav")
        #expect(fake.objects.withLock { $0["mashups/generated/job1.wav"] } == payload)
        let back = source.appendingPathExtension("back")
        defer { try? FileManager.default.removeItem(at: back) }
        try await storage.download("generated/job1.wav", to: back)
        #expect(try Data(contentsOf: back) == payload)
        await #expect(throws: SongStorageError.notFound(path: "uploads/none.wav")) {
            try await storage.download("uploads/none.wav", to: back)
        }
        try await storage.remove("generated/job1.wav")
        #expect(fake.objects.withLock { $0.isEmpty })
        #expect(fake.authorizations.withLock { $0.allSatisfy { $0 == "Bearer service-key|service-key" } })
        #expect(throws: StoragePath.Refusal.self) { _ = try storage.objectURL("../secrets") }
        #expect(throws: StoragePath.Refusal.self) { _ = try storage.objectURL("/etc/passwd") }
        #expect(try storage.localFile("generated/job1.wav") == nil)
    }

    @Test("LocalDirectoryStorage refuses paths out of the root, writes atomically")
    func localStorage() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("local-\(UUID().uuidString)")
        let storage = try LocalDirectoryStorage(root: root)
        defer { try? FileManager.default.removeItem(at: root) }
        let source = root.appendingPathComponent("src.bin")
        try Data([1, 2, 3]).write(to: source)
        try await storage.upload(source, to: "generated/x.wav", contentType: "audio/wav")
        #expect(try Data(contentsOf: root.appendingPathComponent("generated/x.wav")) == Data([1, 2, 3]))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("generated").path) == [
                "x.wav"
            ])
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("out").path, withDestinationPath: "/etc")
        for bad in ["../x", "/etc/passwd", "out/passwd", "a\\b"] {
            await #expect(throws: StoragePath.Refusal.self, "\(bad)") {
                try await storage.download(bad, to: root.appendingPathComponent("copy"))
            }
        }
        #expect(await storage.isWritable())
    }
}
