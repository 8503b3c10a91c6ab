import Foundation
import Orchestrator
import Server
import Testing

/// Signed links let a remote separation service fetch a song that only this server's local storage holds.
@Suite("Signed storage links")
struct StorageLinkTests {
    static let signer = StorageLinkSigner(
        publicBaseURL: URL(string: "https://mashup.test/base")!,
        secret: Array("a secret of more than sixteen bytes".utf8))

    static func query(of url: URL) -> [String: String] {
        let items = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []
        return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
    }

    @Test("HMAC-SHA-256 matches RFC 4231 test cases 2 and 6 (a key longer than one block)")
    func hmacVectors() {
        let two = StorageLinkSigner.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(SHA256.hex(two) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let six = StorageLinkSigner.hmac(
            key: [UInt8](repeating: 0xaa, count: 131),
            message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        #expect(SHA256.hex(six) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test("a link names the path under the public base and verifies until it expires, not after")
    func roundTrip() throws {
        let url = Self.signer.link(to: "uploads/song a+b.mp3", expiresAt: 2_000)
        #expect(url.absoluteString.hasPrefix("https://mashup.test/base/v1/files?"))
        let query = Self.query(of: url)
        #expect(try Self.signer.verify(query: query, now: 1_999) == "uploads/song a+b.mp3")
        #expect(try Self.signer.verify(query: query, now: 2_000) == "uploads/song a+b.mp3")
        #expect(throws: StorageLinkSigner.Refusal.expired(expiresAt: 2_000, now: 2_001)) {
            try Self.signer.verify(query: query, now: 2_001)
        }
    }

    @Test("a changed path, a later expiry, another secret or a missing field is refused")
    func tampering() {
        let query = Self.query(of: Self.signer.link(to: "uploads/a.wav", expiresAt: 5_000))
        var otherPath = query
        otherPath["path"] = "uploads/b.wav"
        #expect(throws: StorageLinkSigner.Refusal.badSignature) { try Self.signer.verify(query: otherPath, now: 0) }
        var later = query
        later["expires"] = "9000"
        #expect(throws: StorageLinkSigner.Refusal.badSignature) { try Self.signer.verify(query: later, now: 0) }
        let stranger = StorageLinkSigner(
            publicBaseURL: URL(string: "https://mashup.test")!,
            secret: Array("another secret, also long enough".utf8))
        #expect(throws: StorageLinkSigner.Refusal.badSignature) { try stranger.verify(query: query, now: 0) }
        var unsigned = query
        unsigned["signature"] = nil
        #expect(throws: StorageLinkSigner.Refusal.missingField("signature")) {
            try Self.signer.verify(query: unsigned, now: 0)
        }
    }

    @Test(
        "the environment: no public URL means no links; a bad URL or a short secret is named; a stored secret is shared"
    )
    func environment() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("links-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try StorageLinkSigner.fromEnvironment([:], storageRoot: root) == nil)
        #expect(throws: StorageLinkConfigurationError.self) {
            try StorageLinkSigner.fromEnvironment(["MASHUP_PUBLIC_URL": "ftp://x"], storageRoot: root)
        }
        do {
            _ = try StorageLinkSigner.fromEnvironment(
                ["MASHUP_PUBLIC_URL": "https://x.test", "MASHUP_LINK_SECRET": "short"],
                storageRoot: root)
            Issue.record("a 5-character secret was accepted")
        } catch {
            #expect("\(error)".contains("MASHUP_LINK_SECRET has 5 characters"))
        }
        // Two processes (server and worker) reading the same root sign alike.
        let first = try #require(
            try StorageLinkSigner.fromEnvironment(["MASHUP_PUBLIC_URL": "https://x.test"], storageRoot: root))
        let second = try #require(
            try StorageLinkSigner.fromEnvironment(["MASHUP_PUBLIC_URL": "https://x.test"], storageRoot: root))
        let query = Self.query(of: first.link(to: "uploads/a.wav", expiresAt: 10))
        #expect(try second.verify(query: query, now: 0) == "uploads/a.wav")
        let mode =
            try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(".link-secret").path)[
                .posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test(
        "GET /v1/files serves a linked upload without the API token, byte for byte, and refuses a tampered link with 403"
    )
    func served() async throws {
        let fixture = try await EndpointFixture(apiToken: "the-api-token", linkSigner: Self.signer)
        let link = try #require(try await fixture.storage.fetchableURL("uploads/a.wav", expiresInSeconds: 600))
        let pathAndQuery =
            "/v1/files?" + (URLComponents(url: link, resolvingAgainstBaseURL: false)?.percentEncodedQuery ?? "")
        let response = try await TestHTTP.get(port: fixture.port, pathAndQuery)
        #expect(response.status == 200)
        #expect(response.body == (try Data(contentsOf: fixture.root.appendingPathComponent("uploads/a.wav"))))
        let tampered = try await TestHTTP.get(
            port: fixture.port, pathAndQuery.replacingOccurrences(of: "a.wav", with: "b.wav"))
        #expect(tampered.status == 403)
        // Other routes still want the token.
        #expect(try await TestHTTP.get(port: fixture.port, "/v1/jobs").status == 401)
        // A missing object is named, not linked.
        await #expect(throws: SongStorageError.notFound(path: "uploads/none.wav")) {
            _ = try await fixture.storage.fetchableURL("uploads/none.wav", expiresInSeconds: 600)
        }
        await fixture.remove()
    }
}
