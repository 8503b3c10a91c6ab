import Analysis
import DSP
import Foundation
import Render

/// Analysis, stems and scoring on a generated 3-minute stereo song at 44.1 kHz (one core), and the tempo and
/// key found in real recordings from the Debian package `asc-music` (GPL-2+ game soundtrack, 3 MP3 files;
/// installed by `make bench`; skipped with a note when absent).
func runAnalysisBenchmarks(_ runner: BenchmarkRunner) {
    let song = MusicGenerator.generate(
        .init(
            seed: 5, bpm: 124, tonic: 9, minor: true, barCount: 92, sampleRate: 44100, withVoice: true,
            leadInSeconds: 0.6))
    let syntheticCases = ["analysis.analyze_3min_stereo_44k", "analysis.stems_3min_stereo_44k", "analysis.score_pair"]
    if syntheticCases.contains(where: runner.wants) {
        let mix = song.mix
        let seconds = mix.durationSeconds
        var found: SongAnalysis?
        runner.measure("analysis.analyze_3min_stereo_44k", audioSeconds: seconds, runs: 3) {
            found = try? SongAnalyzer().analyze(mix)
        }
        reportCPU(runner, "analysis.analyze_3min_stereo_44k.cpu", audioSeconds: seconds) {
            _ = try? SongAnalyzer().analyze(mix)
        }
        if let found {
            runner.report([
                "name": "analysis.analyze_3min_stereo_44k.result", "true_bpm": song.bpm, "bpm": found.rhythmic.bpm,
                "true_key": song.keyName, "key": found.harmonic.key,
                "downbeats": found.rhythmic.downbeats?.count ?? 0, "sections": found.sections?.count ?? 0,
            ])
        }
        runner.measure("analysis.stems_3min_stereo_44k", audioSeconds: seconds, runs: 3) {
            _ = StemApproximator().separate(mix)
        }
        reportCPU(runner, "analysis.stems_3min_stereo_44k.cpu", audioSeconds: seconds) {
            _ = StemApproximator().separate(mix)
        }
        if let found {
            runner.measure("analysis.score_pair", runs: 20) {
                _ = MashabilityScorer().score(found, found)
            }
        }
    }
    let directory = "/usr/share/games/asc/music"
    let files = ["frontiers.mp3", "machine_wars.mp3", "time_to_strike.mp3"]
    for file in files {
        let path = directory + "/" + file
        let name = "analysis.real.asc-music." + file
        guard runner.wants(name) else { continue }
        guard FileManager.default.fileExists(atPath: path) else {
            runner.report(["name": name, "skipped": "not installed: apt-get install asc-music"])
            continue
        }
        guard let decoded = try? AudioFile.read(URL(fileURLWithPath: path), sampleRate: nil) else {
            runner.report(["name": name, "skipped": "could not decode"])
            continue
        }
        var analysis: SongAnalysis?
        runner.measure(name, audioSeconds: decoded.buffer.durationSeconds, runs: 1, warmup: false) {
            analysis = try? SongAnalyzer().analyze(decoded.buffer)
        }
        if let analysis {
            runner.report([
                "name": name + ".result", "bpm": analysis.rhythmic.bpm,
                "beat_confidence": analysis.rhythmic.beatConfidence, "key": analysis.harmonic.key,
                "key_confidence": analysis.harmonic.keyConfidence,
                "first_downbeat_sec": analysis.rhythmic.downbeats?.first ?? -1,
                "vocal_presence": analysis.vocal.vocalPresence,
                "sections": analysis.sections?.count ?? 0,
            ])
        }
    }
}

/// One run timed in this thread's CPU time (the machine may be shared: wall time then overstates the cost).
private func reportCPU(_ runner: BenchmarkRunner, _ name: String, audioSeconds: Double, _ body: () -> Void) {
    func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
    let start = now()
    body()
    let cpu = now() - start
    runner.report(["name": name, "cpu_ms": cpu * 1000, "x_realtime_cpu": audioSeconds / cpu])
}
