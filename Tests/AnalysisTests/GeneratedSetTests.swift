import DSP
import Foundation
import Testing
import TestSupport
import Analysis

/// The acceptance figures of issue 5 on a generated set of 48 songs (all 24 keys twice, 70-180 BPM,
/// pickups, drum-less intros, swing, voices), analysed in parallel.
@Suite struct GeneratedSetTests {
    /// Tempo tolerance: 4% (the acceptance).
    static let tempoTolerance = 0.04
    /// Downbeat tolerance in seconds: 70 ms (the acceptance).
    static let downbeatToleranceSeconds = 0.070
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
        }
        let meanOffset = beatOffsets.isEmpty ? 0 : beatOffsets.reduce(0, +) / Double(beatOffsets.count)
        let detail = String(format: "#%02d bpm %.1f->%.1f key %@->%@ bars %d/%d first-db err %.3f beat offset %.3f pickup %d intro %d swing %.2f",
                            index, parameters.bpm, bpm, trueKey.description, analysis.harmonic.key, hits, trueBars.count,
                            firstError, meanOffset, parameters.pickupBeats, parameters.introBars, parameters.swing)
        return Outcome(index: index, trueBPM: parameters.bpm, bpm: bpm, tempoOK: tempoOK, tempoOctaveOK: tempoOctaveOK,
                       barHits: hits, barCount: trueBars.count, trueKey: trueKey, key: key,
                       firstDownbeatError: firstError, detail: detail)
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
        let summary = String(format: "generated set: %d songs; tempo within 4%%: %.1f%%; within 4%% allowing octave errors: %.1f%%; downbeats within 70 ms: %.1f%% of bars; key exact: %.1f%% (%d/%d), fifth/relative errors: %d, other errors: %d",
                             outcomes.count, tempoShare * 100, octaveShare * 100, barShare * 100, keyShare * 100, exactKeys,
                             outcomes.count, relatedKeys, outcomes.count - exactKeys - relatedKeys)
        let report = ([summary] + outcomes.map(\.detail)).joined(separator: "\n")
        let directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build")
        try? report.write(to: directory.appendingPathComponent("analysis-figures.txt"), atomically: true, encoding: .utf8)
        #expect(tempoShare >= 0.95, Comment(rawValue: report))
        #expect(octaveShare == 1, Comment(rawValue: summary))
        #expect(barShare >= 0.90, Comment(rawValue: summary))
        #expect(keyShare >= 0.90, Comment(rawValue: summary))
        #expect(exactKeys + relatedKeys == outcomes.count, Comment(rawValue: summary))
    }
}
