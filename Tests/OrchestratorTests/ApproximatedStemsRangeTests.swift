import Analysis
import DSP
import Foundation
import Orchestrator
import Render
import TestSupport
import Testing

/// Stems approximated only over the ranges a plan reads (issue 17): a null test against the whole-song
/// approximation, and the sum of the stems against the song.
@Suite("Stems approximated by range")
struct ApproximatedStemsRangeTests {
    /// A range's stems against the same frames of the whole-song approximation: residual at most this far down.
    /// The method reads its full context around the range from the frame grid, so the two are expected equal to
    /// the last bit; the bound leaves room for nothing but float rounding.
    static let rangeResidualDecibels = -120.0
    /// The four stems of a range sum back to the song's frames at least this far down (the approximator's own
    /// bound, `StemApproximatorTests.sumResidualDecibels`).
    static let sumResidualDecibels = -60.0

    static let song = MusicGenerator.generate(
        .init(
            seed: 21, bpm: 118, tonic: 4, minor: false, durationSeconds: 20,
            sampleRate: 44100, withVoice: true)
    ).mix

    /// Ranges well inside, at the song's start, at its end, one frame, and across the song's end.
    static let ranges: [Range<Int>] = [200_003..<420_017, 0..<61_111, 790_000..<882_000, 500_000..<500_001]

    @Test(
        "a range's stems equal the whole-song approximation over that range, pieces joined without a seam",
        arguments: [1 << 19, 40_000])
    func rangeEqualsWhole(chunkFrameCount: Int) async throws {
        let whole = StemApproximator().separate(Self.song)
        let provider = ApproximatedStems(chunkFrameCount: chunkFrameCount)
        let source = MemoryAudioSource(Self.song)
        for range in Self.ranges {
            let clipped = range.clamped(to: 0..<Self.song.frameCount)
            let stems = try await provider.stems(of: source, songID: "s", frames: clipped)
            var sum = [Float](repeating: 0, count: 2 * clipped.count)
            for (stem, reference) in [
                (Stem.vocals, whole.vocals), (.drums, whole.drums), (.bass, whole.bass), (.other, whole.other),
            ] {
                let got = try #require(stems[stem])
                #expect(got.frameCount == clipped.count)
                let expected = reference.slice(frames: clipped)
                let residual = Measurements.residualDecibels(got.samples, expected.samples)
                #expect(
                    residual <= Self.rangeResidualDecibels || got == expected,
                    "\(stem) over \(clipped): residual \(residual) dB against the whole-song approximation")
                for (i, v) in got.samples.enumerated() { sum[i] += v }
            }
            let mix = Self.song.slice(frames: clipped).samples
            let residual = Measurements.residualDecibels(sum, mix)
            #expect(residual <= Self.sumResidualDecibels, "stems over \(clipped) sum to the song at \(residual) dB")
        }
    }

    /// A source that counts its reads (one per piece approximated).
    final class CountingSource: AudioSource, @unchecked Sendable {
        let inner: MemoryAudioSource
        private let lock = NSLock()
        private var reads = 0
        init(_ buffer: AudioBuffer) { inner = MemoryAudioSource(buffer) }
        var sampleRate: Double { inner.sampleRate }
        var channelCount: Int { inner.channelCount }
        var frameCount: Int { inner.frameCount }
        var contentFingerprint: SourceFingerprint.Value { inner.contentFingerprint }
        var readCount: Int { lock.withLock { reads } }
        func read(frames range: Range<Int>) throws -> AudioBuffer {
            lock.withLock { reads += 1 }
            return try inner.read(frames: range)
        }
        func integratedLoudnessLUFS() throws -> Double { try inner.integratedLoudnessLUFS() }
    }

    @Test(
        "the whole song piece by piece (the stems command) equals the whole-song approximation, in order, with at most the pieces in flight read ahead",
        arguments: [1, 2, 3])
    func piecesJoinIntoTheWholeSong(piecesInFlight: Int) async throws {
        let whole = StemApproximator().separate(Self.song)
        let provider = ApproximatedStems(chunkFrameCount: 100_000)
        let source = CountingSource(Self.song)
        var joined: [Stem: [[Float]]] = [:]
        var emitted = 0
        var readAhead = 0
        try await provider.forEachPiece(of: source, piecesInFlight: piecesInFlight) { stems in
            // Pieces read before this one is emitted: this one, those before it, and those in flight.
            readAhead = max(readAhead, source.readCount - emitted - 1)
            emitted += 1
            for (stem, buffer) in stems {
                joined[stem, default: [[], []]][0] += buffer.channel(0)
                joined[stem, default: [[], []]][1] += buffer.channel(1)
            }
        }
        #expect(emitted == (Self.song.frameCount + 99_999) / 100_000)
        #expect(readAhead <= piecesInFlight - 1, "\(readAhead) pieces read ahead of the one emitted")
        for (stem, reference) in [
            (Stem.vocals, whole.vocals), (.drums, whole.drums), (.bass, whole.bass), (.other, whole.other),
        ] {
            let got = AudioBuffer(channels: try #require(joined[stem]), sampleRate: Self.song.sampleRate)
            #expect(got.frameCount == Self.song.frameCount)
            let residual = Measurements.residualDecibels(got.samples, reference.samples)
            #expect(
                got == reference || residual <= Self.rangeResidualDecibels,
                "\(stem): residual \(residual) dB against the whole-song approximation")
        }
    }

    @Test("the cached provider gives the same stems from memory, from disk and when two layers ask at once")
    func cachedProvider() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-stems-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cache = try ContentCache(directory: folder, capacityBytes: 1 << 30)
        let source = MemoryAudioSource(Self.song)
        let range = 100_000..<300_000
        let direct = try await ApproximatedStems().stems(of: source, songID: "s", frames: range)
        let provider = CachedStemProvider(cache: cache)
        async let first = provider.stems(of: source, songID: "s", frames: range)
        async let second = provider.stems(of: source, songID: "s", frames: range)
        let (a, b) = try await (first, second)
        #expect(a == direct && b == direct)
        // A fresh provider (empty memory) reads the disk cache.
        let fromDisk = try await CachedStemProvider(cache: cache).stems(of: source, songID: "s", frames: range)
        #expect(fromDisk == direct)
        let statistics = await cache.currentStatistics()
        #expect(statistics.hits[.stems] == 1, "\(statistics)")
    }

    /// A provider that records every range it is asked for (and answers with the approximation).
    final class CountingProvider: StemProviding, @unchecked Sendable {
        let inner = ApproximatedStems(chunkFrameCount: 1 << 16)
        private let lock = NSLock()
        private var asked: [Range<Int>] = []
        var sourceName: String { "counting" }
        var preferredChunkFrameCount: Int { inner.chunkFrameCount }
        var ranges: [Range<Int>] { lock.withLock { asked } }

        func stems(of source: any AudioSource, songID: String, frames: Range<Int>) async throws -> [Stem: AudioBuffer] {
            lock.withLock { asked.append(frames) }
            return try await inner.stems(of: source, songID: songID, frames: frames)
        }
    }

    @Test(
        "a render separates each chunk its layers read once, and sounds as with the whole-song stems supplied"
    )
    func renderSeparatesEachChunkOnce() async throws {
        // Three sections that read overlapping ranges of the same song (two stems per section), one shorter song.
        let plan: JSONValue = [
            "masterplan": [
                "global": ["targetBPM": 118, "targetKey": "E major"],
                "timeline": [
                    PlanFixtures.section(
                        0, 8, [PlanFixtures.layer("s1", "vocals", -6), PlanFixtures.layer("s1", "drums", -8)]),
                    PlanFixtures.section(
                        8, 8, [PlanFixtures.layer("s1", "bass", -6), PlanFixtures.layer("s1", "other", -8, ["reverb"])]),
                    PlanFixtures.section(16, 4, [PlanFixtures.layer("s1", "vocals", -4)]),
                ],
            ]
        ]
        let grid = try BeatGrid(
            beatTimes: stride(from: 0.0, to: 20, by: 60.0 / 118).map { $0 },
            downbeatTimes: stride(from: 0.0, to: 20, by: 4 * 60.0 / 118).map { $0 })
        let key = MusicalKey(tonicPitchClass: 4, mode: .major)
        let validation = PlanValidator(songs: [.init(id: "s1", durationSeconds: Self.song.durationSeconds)])
            .validate(plan)
        let script = try #require(validation.plan, "\(validation.errors)")
        let song = RenderSong(id: "s1", source: MemoryAudioSource(Self.song), beatGrid: grid, key: key)

        let provider = CountingProvider()
        let provided = try await RenderEngine(options: RenderOptions(stems: provider)).render(
            script: script, songs: [song])
        let ranges = provider.ranges
        let chunk = provider.preferredChunkFrameCount
        #expect(!ranges.isEmpty)
        // Every call is one chunk of the fixed grid, and no chunk is separated twice.
        for range in ranges {
            #expect(range.lowerBound % chunk == 0, "\(range) starts off the chunk grid")
            #expect(range.count == min(chunk, Self.song.frameCount - range.lowerBound), "\(range) is not one chunk")
        }
        #expect(Set(ranges.map(\.lowerBound)).count == ranges.count, "a chunk was separated twice: \(ranges)")
        // The work is at most the song once (the sections read overlapping ranges several times over).
        #expect(ranges.map(\.count).reduce(0, +) <= Self.song.frameCount)

        // One chunk and one layer at a time gives the same bits (chunks are spooled in song order).
        let serial = try await RenderEngine(
            options: RenderOptions(maximumConcurrentLayers: 1, stems: CountingProvider())
        ).render(script: script, songs: [song])
        #expect(try serial.loadAudio() == provided.loadAudio())

        // The same render with the whole-song approximation supplied as the song's stems.
        let whole = StemApproximator().separate(Self.song)
        var supplied = song
        supplied.stems = [
            .vocals: MemoryAudioSource(whole.vocals), .drums: MemoryAudioSource(whole.drums),
            .bass: MemoryAudioSource(whole.bass), .other: MemoryAudioSource(whole.other),
        ]
        let reference = try await RenderEngine().render(script: script, songs: [supplied])
        let a = try provided.loadAudio(), b = try reference.loadAudio()
        #expect(a.frameCount == b.frameCount)
        let residual = Measurements.residualDecibels(a.samples, b.samples)
        #expect(
            residual <= Self.rangeResidualDecibels || a == b,
            "the render from stored chunks differs from the whole-song stems by \(residual) dB")
    }
}
