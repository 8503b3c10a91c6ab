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
}
