import Analysis
import DSP
import Foundation
import Render
import TestSupport
import Testing

/// A regression subset on 48 songs generated in code (all 24 keys twice, 70-180 BPM, pickups, drum-less intros,
/// swing, voices), analysed in parallel. The acceptance figures of issue 13 are measured from outside on the
/// evaluation set (`make eval-analysis`); this suite guards the properties that set showed, with named tolerances.
@Suite struct GeneratedSetTests {
    /// Tempo tolerance: 4% (Acc1).
    static let tempoTolerance = 0.04
    /// Downbeat tolerance in seconds: 70 ms.
    static let downbeatToleranceSeconds = 0.070
    /// Median absolute beat error over all matched beats, seconds (sample-precise beats).
    static let beatMedianErrorSeconds = 0.003
    /// Median signed beat error, seconds (no systematic offset).
    static let beatMedianSignedErrorSeconds = 0.002
    /// A beat matches a generated beat within this, seconds.
    static let beatMatchSeconds = 0.070
    /// Share of songs whose tempo must be within `tempoTolerance` allowing half or double (octave errors are a
    /// judgement; other errors are not).
    static let octaveTempoShare = 1.0
    /// Share of songs at the exact generated tempo.
    static let exactTempoShare = 0.6
    /// Share of bars whose downbeat is found.
    static let downbeatShare = 0.7
    /// Share of songs with the exact key, and with the exact or a related key (fifth, relative, parallel).
    static let exactKeyShare = 0.75
    static let relatedKeyShare = 0.95
    static let songCount = 48

    struct Outcome: Sendable {
        let index: Int
        let trueBPM: Double
        let bpm: Double
        let tempoOK: Bool
        let tempoOctaveOK: Bool
        let barHits: Int
        let barCount: Int
        let trueKey: MusicalKey
        let key: MusicalKey?
        let firstDownbeatError: Double
        let beatErrors: [Double]
        let detail: String
    }

    static func evaluate(_ index: Int, _ parameters: MusicGenerator.Parameters) throws -> Outcome {
        let song = MusicGenerator.generate(parameters)
        let analysis = try SongAnalyzer().analyze(song.mix)
        let bpm = analysis.rhythmic.bpm
        let ratio = bpm / parameters.bpm
        let tempoOK = abs(ratio - 1) <= tempoTolerance
        let tempoOctaveOK = [0.5, 1, 2].contains { abs(ratio / $0 - 1) <= tempoTolerance }
        let estimated = analysis.rhythmic.downbeats ?? []
        // Bars whose start is inside the analysed span (the last true bar may start within the final beat).
        let trueBars = song.downbeatTimes.filter { $0 < parameters.durationSeconds - 60 / parameters.bpm }
        let hits = trueBars.filter { t in estimated.contains { abs($0 - t) <= downbeatToleranceSeconds } }.count
        let trueKey = MusicalKey(tonic: parameters.tonic, mode: parameters.minor ? .minor : .major)
        let key = MusicalKey(parsing: analysis.harmonic.key)
        let firstError = (estimated.first ?? -1) - (song.downbeatTimes.first ?? 0)
        let beatOffsets = (analysis.rhythmic.beats ?? []).compactMap { b in
            song.beatTimes.min { abs($0 - b) < abs($1 - b) }.map { b - $0 }
        }.filter { abs($0) <= beatMatchSeconds }
        let meanOffset = beatOffsets.isEmpty ? 0 : beatOffsets.reduce(0, +) / Double(beatOffsets.count)
        let detail = String(
            format:
                "#%02d bpm %.1f->%.1f key %@->%@ bars %d/%d first-db err %.3f beat offset %.3f pickup %d intro %d swing %.2f",
            index, parameters.bpm, bpm, trueKey.description, analysis.harmonic.key, hits, trueBars.count,
            firstError, meanOffset, parameters.pickupBeats, parameters.introBars, parameters.swing)
        return Outcome(
            index: index, trueBPM: parameters.bpm, bpm: bpm, tempoOK: tempoOK, tempoOctaveOK: tempoOctaveOK,
            barHits: hits, barCount: trueBars.count, trueKey: trueKey, key: key,
            firstDownbeatError: firstError, beatErrors: beatOffsets, detail: detail)
    }

    @Test func acceptanceFiguresOnGeneratedSet() async throws {
        let set = MusicGenerator.testSet(count: GeneratedSetTests.songCount)
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for (i, p) in set.enumerated() { group.addTask { try GeneratedSetTests.evaluate(i, p) } }
            var all = [Outcome]()
            for try await o in group { all.append(o) }
            return all.sorted { $0.index < $1.index }
        }
        let n = Double(outcomes.count)
        let tempoShare = Double(outcomes.filter(\.tempoOK).count) / n
        let octaveShare = Double(outcomes.filter(\.tempoOctaveOK).count) / n
        let barShare = Double(outcomes.reduce(0) { $0 + $1.barHits }) / Double(outcomes.reduce(0) { $0 + $1.barCount })
        let exactKeys = outcomes.filter { $0.key == $0.trueKey }.count
        let relatedKeys = outcomes.filter { o in
            guard let k = o.key, k != o.trueKey else { return false }
            return k == o.trueKey.relative || (k.mode == o.trueKey.mode && k.fifthsDistance(to: o.trueKey) == 1)
        }.count
        let keyShare = Double(exactKeys) / n
        let parallelKeys = outcomes.filter { o in
            guard let k = o.key else { return false }
            return k.tonic == o.trueKey.tonic && k.mode != o.trueKey.mode
        }.count
        let errors = outcomes.flatMap(\.beatErrors).sorted()
        let medianSigned = errors.isEmpty ? 1 : errors[errors.count / 2]
        let absolute = errors.map(abs).sorted()
        let medianAbsolute = absolute.isEmpty ? 1 : absolute[absolute.count / 2]
        let summary = String(
            format:
                "generated set: %d songs; tempo within 4%%: %.1f%%; within 4%% allowing octave errors: %.1f%%; downbeats within 70 ms: %.1f%% of bars; key exact: %.1f%% (%d/%d), fifth/relative errors: %d, parallel: %d, other errors: %d; beat error median %.2f ms, signed %.2f ms",
            outcomes.count, tempoShare * 100, octaveShare * 100, barShare * 100, keyShare * 100, exactKeys,
            outcomes.count, relatedKeys, parallelKeys, outcomes.count - exactKeys - relatedKeys - parallelKeys,
            medianAbsolute * 1000, medianSigned * 1000)
        let report = ([summary] + outcomes.map(\.detail)).joined(separator: "\n")
        let directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build")
        try? report.write(
            to: directory.appendingPathComponent("analysis-figures.txt"), atomically: true, encoding: .utf8)
        #expect(tempoShare >= GeneratedSetTests.exactTempoShare, Comment(rawValue: report))
        #expect(octaveShare >= GeneratedSetTests.octaveTempoShare, Comment(rawValue: summary))
        #expect(barShare >= GeneratedSetTests.downbeatShare, Comment(rawValue: summary))
        #expect(keyShare >= GeneratedSetTests.exactKeyShare, Comment(rawValue: summary))
        #expect(
            Double(exactKeys + relatedKeys + parallelKeys) >= GeneratedSetTests.relatedKeyShare * n,
            Comment(rawValue: summary))
        #expect(medianAbsolute <= GeneratedSetTests.beatMedianErrorSeconds, Comment(rawValue: summary))
        #expect(abs(medianSigned) <= GeneratedSetTests.beatMedianSignedErrorSeconds, Comment(rawValue: summary))
    }
}
