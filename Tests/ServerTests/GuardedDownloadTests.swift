import Foundation
import Server
import Synchronization
import Testing

/// Song downloads on loopback only: a test origin server on 127.0.0.1, reached either because the policy allows
/// loopback (as `MASHUP_ALLOW_PRIVATE_URLS` does) or because its name is an allowed host. No traffic leaves the
/// machine: refused targets (127.0.0.1 when not allowed, 169.254.169.254) are refused before any connection.
@Suite("Guarded song downloads: checked addresses, redirects, streamed size bound")
struct GuardedDownloadTests {
    /// The body the origin serves, 5,000 bytes.
    static let songBytes = Data((0..<5_000).map { UInt8($0 % 251) })

    /// Requests seen per path, and the origin's port (known once it started).
    final class Hits: Sendable {
        private let counts = Mutex<[String: Int]>([:])
        private let portValue = Mutex<UInt16>(0)

        func count(_ path: String) { counts.withLock { $0[path, default: 0] += 1 } }
        func value(_ path: String) -> Int { counts.withLock { $0[path] ?? 0 } }
        var port: UInt16 {
            portValue.withLock { $0 }
        }
        func setPort(_ port: UInt16) { portValue.withLock { $0 = port } }
    }

    final class Origin: @unchecked Sendable {
        let fixture: ServerFixture
        let hits = Hits()
        var port: UInt16 { fixture.port }

        init() throws {
            let hits = self.hits
            fixture = try ServerFixture { router in
                router.get("/song.wav") { _ in
                    hits.count("/song.wav")
                    return HTTPResponse(
                        status: 200, headers: HTTPHeaders([("Content-Type", "audio/wav")]),
                        body: .bytes(GuardedDownloadTests.songBytes))
                }
                router.get("/to-loopback") { _ in
                    hits.count("/to-loopback")
                    return HTTPResponse(
                        status: 302, headers: HTTPHeaders([("Location", "http://127.0.0.1:\(hits.port)/song.wav")]))
                }
                router.get("/to-metadata") { _ in
                    hits.count("/to-metadata")
                    return HTTPResponse(
                        status: 302, headers: HTTPHeaders([("Location", "http://169.254.169.254/latest/meta-data/")]))
                }
                router.get("/relative") { _ in
                    hits.count("/relative")
                    return HTTPResponse(status: 301, headers: HTTPHeaders([("Location", "/song.wav")]))
                }
                router.get("/loop") { _ in
                    hits.count("/loop")
                    return HTTPResponse(status: 302, headers: HTTPHeaders([("Location", "/loop")]))
                }
                router.get("/missing") { _ in .error(status: 404, "no such song") }
            }
            hits.setPort(fixture.port)
        }

        func count(_ path: String) -> Int { hits.value(path) }
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("guarded-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Files left in `folder` (a failed download must leave none, not even a partial one).
    static func leftovers(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path)
    }

    @Test("with loopback allowed, the song arrives whole through the checked address")
    func allowedLoopback() async throws {
        let origin = try Origin()
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let destination = folder.appendingPathComponent("song.wav")
        let downloader = GuardedDownloader(policy: URLPolicy(allowLoopback: true, allowPrivate: true))
        let bytes = try await downloader.download(
            "http://127.0.0.1:\(origin.port)/song.wav", field: "songs[0].url",
            to: destination)
        #expect(bytes == Self.songBytes.count)
        #expect(try Data(contentsOf: destination) == Self.songBytes)
        #expect(try Self.leftovers(folder) == ["song.wav"])
    }

    @Test("a relative redirect is followed and checked")
    func relativeRedirect() async throws {
        let origin = try Origin()
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let destination = folder.appendingPathComponent("song.wav")
        let downloader = GuardedDownloader(policy: URLPolicy(allowLoopback: true))
        try await downloader.download("http://127.0.0.1:\(origin.port)/relative", field: "url", to: destination)
        #expect(try Data(contentsOf: destination) == Self.songBytes)
        #expect(origin.count("/relative") == 1 && origin.count("/song.wav") == 1)
    }

    @Test("loopback is refused by default, before any connection")
    func loopbackRefused() async throws {
        let origin = try Origin()
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let downloader = GuardedDownloader(policy: URLPolicy())
        await #expect(throws: HTTPError.self) {
            try await downloader.download(
                "http://127.0.0.1:\(origin.port)/song.wav", field: "songs[0].url",
                to: folder.appendingPathComponent("song.wav"))
        }
        #expect(origin.count("/song.wav") == 0)
        #expect(try Self.leftovers(folder).isEmpty)
    }

    @Test("a redirect to 127.0.0.1 is refused when only the first host is allowed")
    func redirectToLoopbackRefused() async throws {
        let origin = try Origin()
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // "localhost" is allowed by name (the first hop reaches the origin); 127.0.0.1 itself is not.
        let downloader = GuardedDownloader(policy: URLPolicy(allowedHosts: ["localhost"]))
        do {
            try await downloader.download(
                "http://localhost:\(origin.port)/to-loopback", field: "songs[1].url",
                to: folder.appendingPathComponent("song.wav"))
            Issue.record("the redirect to 127.0.0.1 was followed")
        } catch let error as DownloadError {
            guard case .refused(let url, let reason, let field) = error else { Issue.record("\(error)"); return }
            #expect(url.hasPrefix("http://127.0.0.1:"))
            #expect(reason.contains("loopback"))
            #expect(field == "songs[1].url")
        }
        #expect(origin.count("/to-loopback") == 1)
        #expect(origin.count("/song.wav") == 0)
        #expect(try Self.leftovers(folder).isEmpty)
    }

    @Test("a redirect to the cloud metadata address is refused even with private addresses allowed")
    func redirectToMetadataRefused() async throws {
        let origin = try Origin()
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let downloader = GuardedDownloader(policy: URLPolicy(allowLoopback: true, allowPrivate: true))
        do {
            try await downloader.download(
                "http://127.0.0.1:\(origin.port)/to-metadata", field: "url",
                to: folder.appendingPathComponent("song.wav"))
            Issue.record("the redirect to 169.254.169.254 was followed")
        } catch let error as DownloadError {
            guard case .refused(let url, let reason, _) = error else { Issue.record("\(error)"); return }
            #expect(url.hasPrefix("http://169.254.169.254/"))
            #expect(reason.contains("link-local"))
        }
        #expect(try Self.leftovers(folder).isEmpty)
    }

    @Test("redirects are bounded")
    func redirectLoop() async throws {
        let origin = try Origin()
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var downloader = GuardedDownloader(policy: URLPolicy(allowLoopback: true))
        downloader.maximumRedirects = 3
        await #expect(throws: DownloadError.tooManyRedirects(url: "http://127.0.0.1:\(origin.port)/loop", limit: 3)) {
            try await downloader.download(
                "http://127.0.0.1:\(origin.port)/loop", field: "url",
                to: folder.appendingPathComponent("song.wav"))
        }
        #expect(origin.count("/loop") == 4)
    }

    @Test("the size bound holds while reading; nothing partial remains")
    func sizeBound() async throws {
        let origin = try Origin()
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let limit = 1_000
        let downloader = GuardedDownloader(policy: URLPolicy(allowLoopback: true), maximumBytes: limit)
        let url = "http://127.0.0.1:\(origin.port)/song.wav"
        await #expect(throws: DownloadError.tooLarge(url: url, limitBytes: limit)) {
            try await downloader.download(url, field: "url", to: folder.appendingPathComponent("song.wav"))
        }
        #expect(try Self.leftovers(folder).isEmpty)
        let failure = DownloadError.tooLarge(url: url, limitBytes: limit).jobFailure
        #expect(failure.message.contains("1000 bytes"))
    }

    @Test("an error status fails without retrying a 4xx")
    func notFound() async throws {
        let origin = try Origin()
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let downloader = GuardedDownloader(policy: URLPolicy(allowLoopback: true))
        let url = "http://127.0.0.1:\(origin.port)/missing"
        await #expect(throws: DownloadError.status(url: url, code: 404)) {
            try await downloader.download(url, field: "url", to: folder.appendingPathComponent("song.wav"))
        }
        #expect(try Self.leftovers(folder).isEmpty)
    }
}
