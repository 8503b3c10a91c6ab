import Foundation
import Orchestrator
import Testing

@Suite("SHA-256 and content keys")
struct ContentKeyTests {
    /// FIPS 180-4 / NIST example vectors.
    @Test("standard test vectors, one call and streamed in odd pieces")
    func vectors() {
        let cases: [(String, String)] = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
            (
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
            ),
        ]
        for (message, expected) in cases {
            #expect(SHA256.hex(SHA256.hash(Data(message.utf8))) == expected)
            var streamed = SHA256()
            var rest = Data(message.utf8)[...]
            var pieceBytes = 1
            while !rest.isEmpty {
                streamed.update(rest.prefix(pieceBytes))
                rest = rest.dropFirst(pieceBytes)
                pieceBytes = pieceBytes * 3 % 71 + 1
            }
            #expect(SHA256.hex(streamed.finalize()) == expected)
        }
        // One million "a": crosses many blocks.
        #expect(
            SHA256.hex(SHA256.hash(Data(repeating: UInt8(ascii: "a"), count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    struct StretchParameters: Codable { var ratio: Double; var semitones: Double }

    @Test("the engine version of a key is the build: the version and a digest of the running executable")
    func buildIdentity() throws {
        let build = MashupVersion.build
        let digest = build.dropFirst(MashupVersion.version.count + 1)
        #expect(build.hasPrefix(MashupVersion.version + "+"), "\(build)")
        #expect(digest.count == 16 && digest.allSatisfy(\.isHexDigit), "\(build)")
        // Keys made with the default engine version are the build's, not the bare version number's: an entry an
        // older build stored under the same version is not found.
        let audio = Data([1, 2, 3])
        let key = try ContentKey(kind: .analysis, audio: [audio], parameters: ["beats_per_bar": 4])
        #expect(
            key
                == (try ContentKey(
                    kind: .analysis, audio: [audio], parameters: ["beats_per_bar": 4], engineVersion: build)))
        #expect(
            key
                != (try ContentKey(
                    kind: .analysis, audio: [audio], parameters: ["beats_per_bar": 4],
                    engineVersion: MashupVersion.version)))
    }

    @Test("keys change with audio, parameters, kind and engine version; files hash like bytes")
    func keys() throws {
        let audio = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let base = try ContentKey(
            kind: .stretch, audio: [audio], parameters: StretchParameters(ratio: 1.25, semitones: 0))
        #expect(base.digest.count == 64)
        #expect(
            try ContentKey(kind: .stretch, audio: [audio], parameters: StretchParameters(ratio: 1.25, semitones: 0))
                == base)
        var changed = audio
        changed[5_000] ^= 1
        #expect(
            try ContentKey(kind: .stretch, audio: [changed], parameters: StretchParameters(ratio: 1.25, semitones: 0))
                != base)
        #expect(
            try ContentKey(kind: .stretch, audio: [audio], parameters: StretchParameters(ratio: 1.25, semitones: 1))
                != base)
        #expect(
            try ContentKey(kind: .stems, audio: [audio], parameters: StretchParameters(ratio: 1.25, semitones: 0))
                .digest != base.digest)
        #expect(
            try ContentKey(
                kind: .stretch, audio: [audio], parameters: StretchParameters(ratio: 1.25, semitones: 0),
                engineVersion: "9.9.9") != base)
        // Framing: splitting the same bytes differently is a different input.
        let halves = [audio.prefix(5_000), audio.suffix(5_000)].map { Data($0) }
        #expect(
            try ContentKey(kind: .stretch, audio: halves, parameters: StretchParameters(ratio: 1.25, semitones: 0))
                != base)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-key-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: file) }
        try audio.write(to: file)
        #expect(
            try ContentKey(kind: .stretch, audioFiles: [file], parameters: StretchParameters(ratio: 1.25, semitones: 0))
                == base)
    }
}

@Suite("Content cache")
struct ContentCacheTests {
    static func key(_ name: String, _ kind: CacheKind = .analysis) throws -> ContentKey {
        try ContentKey(kind: kind, audio: [Data(name.utf8)], parameters: ["name": name])
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("mashup-cache-\(UUID().uuidString)")
    }

    @Test("hits and misses are counted per kind; entries survive reopening")
    func hitsAndMisses() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = try ContentCache(directory: directory, capacityBytes: 1_000)
        let analysis = try Self.key("song-a")
        let stems = try Self.key("song-a", .stems)
        #expect(try await cache.data(for: analysis) == nil)
        try await cache.store(Data("tempo 120".utf8), for: analysis)
        #expect(try await cache.data(for: analysis) == Data("tempo 120".utf8))
        #expect(try await cache.data(for: stems) == nil)
        let statistics = await cache.currentStatistics()
        #expect(statistics.hits == [.analysis: 1])
        #expect(statistics.misses == [.analysis: 1, .stems: 1])
        #expect(statistics.entryCount == 1 && statistics.storedBytes == 9)
        #expect(statistics.metricsText().contains("mashup_cache_hits_total{kind=\"analysis\"} 1"))

        let reopened = try ContentCache(directory: directory, capacityBytes: 1_000)
        #expect(try await reopened.data(for: analysis) == Data("tempo 120".utf8))
    }

    @Test("least recently used entries are evicted to stay under the bound, across a reopen")
    func evictsLeastRecentlyUsed() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let entryBytes = 400
        let capacityBytes: Int64 = 1_000 // room for two entries of 400 bytes, not three
        let cache = try ContentCache(directory: directory, capacityBytes: capacityBytes)
        let (a, b, c) = (try Self.key("a"), try Self.key("b"), try Self.key("c"))
        try await cache.store(Data(repeating: 1, count: entryBytes), for: a)
        try await cache.store(Data(repeating: 2, count: entryBytes), for: b)
        #expect(await cache.fileURL(for: a) != nil) // a is now more recent than b
        let reopened = try ContentCache(directory: directory, capacityBytes: capacityBytes)
        try await reopened.store(Data(repeating: 3, count: entryBytes), for: c)
        #expect(await reopened.contains(a))
        #expect(await !reopened.contains(b))
        #expect(await reopened.contains(c))
        let statistics = await reopened.currentStatistics()
        #expect(statistics.evictions == 1)
        #expect(statistics.storedBytes <= capacityBytes)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(b.description).path))
        // Larger than the whole bound: refused, nothing evicted.
        #expect(try await reopened.store(Data(count: Int(capacityBytes) + 1), for: try Self.key("huge")) == false)
        #expect(await reopened.contains(a))
        #expect(await reopened.contains(c))
    }

    @Test("files move in; stray files from a crash are swept on open")
    func filesAndSweep() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = try ContentCache(directory: directory, capacityBytes: 10_000)
        let source = directory.appendingPathComponent("rendered.wav")
        try Data(repeating: 7, count: 123).write(to: source)
        let key = try Self.key("stem", .stems)
        #expect(try await cache.storeFile(movingFrom: source, for: key))
        #expect(!FileManager.default.fileExists(atPath: source.path))
        let stored = try #require(await cache.fileURL(for: key))
        #expect(try Data(contentsOf: stored) == Data(repeating: 7, count: 123))

        let stray = directory.appendingPathComponent("stems/" + String(repeating: "0", count: 64))
        try Data([1]).write(to: stray)
        _ = try ContentCache(directory: directory, capacityBytes: 10_000)
        #expect(!FileManager.default.fileExists(atPath: stray.path))
        #expect(FileManager.default.fileExists(atPath: stored.path))
    }
}
