import Foundation
import Server
import Testing

@Suite("Files with byte ranges over real HTTP")
struct FileRangeTests {
    /// A file with a position-dependent byte pattern, so any offset error shows in the bytes.
    static func makeFile(size: Int) throws -> (URL, Data) {
        let bytes = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) })
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("range-\(UUID().uuidString).wav")
        try bytes.write(to: url)
        return (url, bytes)
    }

    @Test("200 whole file, 206 for first-last, open-ended and suffix ranges, 416 beyond the end")
    func ranges() async throws {
        let size = 100_000
        let (url, bytes) = try Self.makeFile(size: size)
        defer { try? FileManager.default.removeItem(at: url) }
        let f = try ServerFixture { router in
            router.get("/v1/jobs/{id}/audio") { _ in .file(url) }
        }
        let whole = try await TestHTTP.get(port: f.port, "/v1/jobs/j/audio")
        #expect(whole.status == 200)
        #expect(whole.body == bytes)
        #expect(whole.headers["accept-ranges"] == "bytes")
        #expect(whole.headers["content-type"] == "audio/wav")
        #expect(whole.headers["content-length"] == String(size))

        let middle = try await TestHTTP.get(port: f.port, "/v1/jobs/j/audio", headers: ["Range": "bytes=1000-1999"])
        #expect(middle.status == 206)
        #expect(middle.headers["content-range"] == "bytes 1000-1999/\(size)")
        #expect(middle.body == bytes[1000...1999])

        let tail = try await TestHTTP.get(port: f.port, "/v1/jobs/j/audio", headers: ["Range": "bytes=99990-"])
        #expect(tail.status == 206)
        #expect(tail.body == bytes[99990...])

        let suffix = try await TestHTTP.get(port: f.port, "/v1/jobs/j/audio", headers: ["Range": "bytes=-500"])
        #expect(suffix.status == 206)
        #expect(suffix.headers["content-range"] == "bytes \(size - 500)-\(size - 1)/\(size)")
        #expect(suffix.body == bytes[(size - 500)...])

        let clipped = try await TestHTTP.get(port: f.port, "/v1/jobs/j/audio", headers: ["Range": "bytes=99000-200000"])
        #expect(clipped.status == 206)
        #expect(clipped.body == bytes[99000...])

        let beyond = try await TestHTTP.get(port: f.port, "/v1/jobs/j/audio", headers: ["Range": "bytes=100000-100010"])
        #expect(beyond.status == 416)
        #expect(beyond.headers["content-range"] == "bytes */\(size)")
        #expect(try beyond.json()["field"] as? String == "range")

        // curl, as a browser-like client, seeking into the file.
        let (output, status) = try await TestHTTP.curl([
            "-r", "5000-5099", "http://127.0.0.1:\(f.port)/v1/jobs/j/audio",
        ])
        #expect(status == 0)
        #expect(output == bytes[5000...5099])
        // HEAD: headers only.
        let head = try await TestHTTP.request(port: f.port, "HEAD", "/v1/jobs/j/audio")
        #expect(head.status == 200)
        #expect(head.headers["content-length"] == String(size))
        #expect(head.body.isEmpty)
    }

    @Test("missing file is 404 JSON")
    func missingFile() async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("absent-\(UUID().uuidString).wav")
        let f = try ServerFixture { router in router.get("/f") { _ in .file(url) } }
        let r = try await TestHTTP.get(port: f.port, "/f")
        #expect(r.status == 404)
        #expect(try r.json()["error"] is String)
    }

    @Test("range header parsing")
    func rangeParsing() {
        #expect(ByteRange.resolve(nil, size: 10) == .whole)
        #expect(ByteRange.resolve("bytes=0-0", size: 10) == .partial(ByteRange(start: 0, end: 0)))
        #expect(ByteRange.resolve("bytes=5-", size: 10) == .partial(ByteRange(start: 5, end: 9)))
        #expect(ByteRange.resolve("bytes=-3", size: 10) == .partial(ByteRange(start: 7, end: 9)))
        #expect(ByteRange.resolve("bytes=-30", size: 10) == .partial(ByteRange(start: 0, end: 9)))
        #expect(ByteRange.resolve("bytes=10-", size: 10) == .unsatisfiable)
        #expect(ByteRange.resolve("bytes=-0", size: 10) == .unsatisfiable)
        #expect(ByteRange.resolve("bytes=5-2", size: 10) == .whole)
        #expect(ByteRange.resolve("bytes=0-1,4-5", size: 10) == .whole)
        #expect(ByteRange.resolve("items=0-1", size: 10) == .whole)
        #expect(ByteRange.resolve("bytes=abc", size: 10) == .whole)
    }
}
