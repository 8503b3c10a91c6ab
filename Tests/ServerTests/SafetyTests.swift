import Foundation
import Server
import Testing

@Suite("Storage paths and outgoing URLs")
struct SafetyTests {
    static func makeRoot() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("storage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("uploads"), withIntermediateDirectories: true)
        try Data("a".utf8).write(to: root.appendingPathComponent("uploads/a.mp3"))
        return root
    }

    @Test("paths inside the root resolve; new files resolve for writing")
    func acceptedPaths() throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let real = root.resolvingSymlinksInPath()
        #expect(
            try StoragePath.resolve("uploads/a.mp3", under: root).path
                == real.appendingPathComponent("uploads/a.mp3").path)
        #expect(
            try StoragePath.resolve("./uploads//a.mp3", under: root).path
                == real.appendingPathComponent("uploads/a.mp3").path)
        #expect(
            try StoragePath.resolve("generated/job1.wav", under: root).path
                == real.appendingPathComponent("generated/job1.wav").path)
        // A link that stays inside the root is fine.
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("latest").path, withDestinationPath: "uploads")
        #expect(
            try StoragePath.resolve("latest/a.mp3", under: root).path
                == real.appendingPathComponent("uploads/a.mp3").path)
    }

    @Test("refused: .., absolute, NUL, backslash, empty, symlinks out of the root, dangling links")
    func refusedPaths() throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("outside-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: outside) }
        try Data("secret".utf8).write(to: outside.appendingPathComponent("secret.txt"))
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("uploads/escape").path, withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("passwd").path, withDestinationPath: "/etc/passwd")
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("dangling").path,
            withDestinationPath: outside.appendingPathComponent("nothing-yet").path)
        let cases: [(String, StoragePath.Refusal)] = [
            ("../etc/passwd", .parentComponent("../etc/passwd")),
            ("uploads/../../x", .parentComponent("uploads/../../x")),
            ("/etc/passwd", .absolute("/etc/passwd")),
            ("~/x", .absolute("~/x")),
            ("C:/x", .absolute("C:/x")),
            ("uploads\\..\\x", .backslash("uploads\\..\\x")),
            ("a\u{0}b", .nulByte),
            ("", .empty),
            ("./", .empty),
            ("uploads/escape/secret.txt", .escapesRoot("uploads/escape/secret.txt")),
            ("passwd", .escapesRoot("passwd")),
            ("dangling", .escapesRoot("dangling")),
        ]
        for (path, refusal) in cases {
            #expect(throws: refusal) { try StoragePath.resolve(path, under: root) }
        }
        let error = try #require(throws: HTTPError.self) {
            try StoragePath.resolveForRequest("../x", under: root, field: "songs[0].storage_path")
        }
        #expect(error.status == 400)
        #expect(error.field == "songs[0].storage_path")
    }

    @Test("URLs: only http(s) to public addresses; loopback, metadata, private and odd encodings refused")
    func urlPolicy() throws {
        let policy = URLPolicy()
        #expect(throws: Never.self) { try policy.check("https://203.0.113.10/song.mp3") }
        #expect(throws: Never.self) { try policy.check("http://[2001:db8::1]:8080/x") }
        let refused = [
            "http://127.0.0.1/x", "http://localhost:8001/x", "http://169.254.169.254/latest/meta-data/",
            "http://10.1.2.3/x", "http://172.16.0.1/x", "http://172.31.255.255/x", "http://192.168.0.10/x",
            "http://[::1]/x", "http://[fe80::1]/x", "http://[fd00:ec2::254]/x", "http://[::ffff:127.0.0.1]/x",
            "http://[::ffff:169.254.169.254]/x", "http://0.0.0.0/x", "http://2130706433/x", "http://0x7f.1/x",
            "http://100.100.100.200/x", "http://224.0.0.1/x",
            "file:///etc/passwd", "ftp://203.0.113.10/x", "gopher://x/", "javascript:alert(1)", "http:///nohost",
            "not a url",
        ]
        for text in refused {
            let error = try #require(throws: HTTPError.self, "\(text)") { try policy.check(text, field: "file_url") }
            #expect(error.status == 400)
            #expect(error.field == "file_url")
        }
        #expect(throws: Never.self) { try URLPolicy(allowLoopback: true).check("http://127.0.0.1:9000/analyze") }
        #expect(throws: Never.self) { try URLPolicy(allowPrivate: true).check("http://10.0.0.5/x") }
        #expect(throws: HTTPError.self) { try URLPolicy(allowPrivate: true).check("http://169.254.169.254/x") }
        #expect(throws: Never.self) { try URLPolicy(allowedHosts: ["LocalHost"]).check("http://localhost:1/x") }
    }

    @Test("address classification")
    func scopes() {
        #expect(IPAddress("172.15.0.1")?.scope == .global)
        #expect(IPAddress("172.32.0.1")?.scope == .global)
        #expect(IPAddress("172.20.0.1")?.scope == .privateNetwork)
        #expect(IPAddress("8.8.8.8")?.scope == .global)
        #expect(IPAddress("[::1]")?.scope == .loopback)
        #expect(IPAddress("fe80::1%eth0")?.scope == .linkLocal)
        #expect(IPAddress("febf::1")?.scope == .linkLocal)
        #expect(IPAddress("fec0::1")?.scope == .global)
        #expect(IPAddress("fc00::1")?.scope == .privateNetwork)
        #expect(IPAddress("64:ff9b::a9fe:a9fe")?.scope == .linkLocal)
        #expect(IPAddress("255.255.255.255")?.scope == .reserved)
        #expect(IPAddress("example.com") == nil)
        #expect(IPAddress("10.0.0.1")?.description == "10.0.0.1")
    }
}
