import Analysis
import DSP
import Foundation
import Render
import TestSupport
import Testing

@Suite struct SongAnalyzerTests {
    /// Vocal presence must be at least this much higher with a voice than without it (0...1 scale).
    static let vocalPresenceMargin = 0.2
    /// Beat times may deviate from the generated beats by this much (sample-precise beats: a few ms).
    static let beatToleranceSeconds = 0.005

    @Test func jsonHasTheContractShapeAndOurFields() throws {
        let song = MusicGenerator.generate(
            .init(
                seed: 3, bpm: 100, tonic: 2, minor: false, durationSeconds: 12,
                sampleRate: 44100, introBars: 1, withVoice: true))
        let analysis = try SongAnalyzer().analyze(song.mix)
        let data = try JSONEncoder().encode(analysis)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            Set(json.keys) == [
                "version", "harmonic", "rhythmic", "spectral", "vocal", "energy", "sections",
                "duration_sec", "sample_rate",
            ])
        let harmonic = try #require(json["harmonic"] as? [String: Any])
        #expect(Set(["key", "key_confidence", "chord_progression", "chord_complexity"]).isSubset(of: harmonic.keys))
        let segments = try #require(harmonic["key_segments"] as? [[String: Any]])
        #expect(segments.first?["key"] as? String == "D major")
        let rhythmic = try #require(json["rhythmic"] as? [String: Any])
        #expect(
            Set([
                "bpm", "beat_confidence", "groove_stability", "swing_factor", "beats", "downbeats",
                "bpm_confidence", "tempo_candidates", "tempo_curve",
            ]).isSubset(of: rhythmic.keys))
        let candidates = try #require(rhythmic["tempo_candidates"] as? [[String: Any]])
        #expect(
            candidates.contains { abs(($0["bpm"] as? Double ?? 0) - 100) < 4 }
                && candidates.contains { abs(($0["bpm"] as? Double ?? 0) - 200) < 8 },
            "both levels reported: \(candidates)")
        let spectral = try #require(json["spectral"] as? [String: Any])
        let mfccs = try #require(spectral["mfccs"] as? [[Double]])
        #expect(mfccs.count == 13)
        #expect(Set(["dynamic_range", "brightness"]).isSubset(of: spectral.keys))
        #expect((json["vocal"] as? [String: Any])?["vocal_presence"] is Double)
        #expect(!String(decoding: data, as: UTF8.self).lowercased().contains("nan"))
        #expect(analysis.version == "1.0-studio")
        #expect(analysis.harmonic.key == "D major")
        // Kick on 1 and 3, snare on 2 and 4 at 100 BPM: 100 or 200 (the metrical level is a judgement).
        #expect(abs(analysis.rhythmic.bpm - 100) < 4 || abs(analysis.rhythmic.bpm - 200) < 8)
        #expect(abs((analysis.durationSeconds ?? 0) - 12) < 0.001)
        #expect(analysis.sampleRate == 44100)
        // Beats at 44.1 kHz input (resampled inside) land on the generated beats.
        let beats = try #require(analysis.rhythmic.beats)
        let errors = song.beatTimes.filter { $0 < 11.5 }.map { t in beats.map { abs($0 - t) }.min() ?? 1 }
        let within = errors.filter { $0 <= SongAnalyzerTests.beatToleranceSeconds }.count
        withKnownIssue("issue 13: beats of the drum-less intro bar are not refined within 5 ms", isIntermittent: true) {
            #expect(Double(within) >= 0.9 * Double(errors.count), "beat errors \(errors)")
        }
        // Energy per bar and sections cover the song in order.
        let energy = try #require(analysis.energy)
        #expect(energy.count >= 4)
        let sections = try #require(analysis.sections)
        #expect(sections.first?.startSeconds == 0)
        #expect(abs((sections.last?.endSeconds ?? 0) - 12) < 0.001)
        for (a, b) in zip(sections, sections.dropFirst()) { #expect(a.endSeconds == b.startSeconds) }
        // Round trip.
        let decoded = try JSONDecoder().decode(SongAnalysis.self, from: data)
        #expect(decoded == analysis)
    }

    @Test func remoteAnalysisWithoutOurFieldsDecodes() throws {
        let remote = """
            {"version": "1.0-studio",
             "harmonic": {"key": "A minor", "key_confidence": 0.71, "chord_progression": ["Am", "F", "C", "G"], "chord_complexity": 0.17},
             "rhythmic": {"bpm": 124.0, "beat_confidence": 0.92, "groove_stability": 0.01, "swing_factor": 0.0},
             "spectral": {"mfccs": [[1.0, 2.0]], "dynamic_range": 14.2, "brightness": 2450.0},
             "vocal": {"vocal_presence": 0.63}}
            """
        let a = try JSONDecoder().decode(SongAnalysis.self, from: Data(remote.utf8))
        #expect(a.harmonic.chordProgression == ["Am", "F", "C", "G"])
        #expect(a.rhythmic.beats == nil && a.energy == nil && a.sections == nil && a.durationSeconds == nil)
        #expect(a.rhythmic.bpm == 124)
    }

    @Test func silenceAndNoiseHaveNoKey() throws {
        let silence = AudioBuffer(channelCount: 2, frameCount: 22050 * 6, sampleRate: 22050)
        let quiet = try SongAnalyzer().analyze(silence)
        #expect(quiet.harmonic.key == "N/A")
        #expect(quiet.rhythmic.bpm == 0)
        #expect(quiet.vocal.vocalPresence == 0)
        let data = try JSONEncoder().encode(quiet)
        #expect(!String(decoding: data, as: UTF8.self).lowercased().contains("nan"))
        let noise = Signals.stereo(Signals.noise(frameCount: 22050 * 6, amplitude: 0.3, seed: 5), sampleRate: 22050)
        #expect(try SongAnalyzer().analyze(noise).harmonic.key == "N/A")
    }

    /// Beats of a drifting click track must sit on the clicks within this (sample-precise refinement).
    static let driftBeatToleranceSeconds = 0.002
    /// The local tempo curve must follow the drift within this, BPM.
    static let tempoCurveToleranceBPM = 1.5

    @Test func drumsOnlyHaveNoKeyAndSongsDo() throws {
        let song = MusicGenerator.generate(.init(seed: 17, bpm: 104, tonic: 9, minor: true, durationSeconds: 12))
        let drums = try SongAnalyzer().analyze(try #require(song.stems["drums"]))
        #expect(drums.harmonic.key == "N/A")
        #expect(drums.harmonic.keyConfidence == 0)
        #expect(drums.harmonic.keySegments == nil)
        let mix = try SongAnalyzer().analyze(song.mix)
        #expect(mix.harmonic.key == "A minor")
        #expect(mix.harmonic.keyConfidence > 0.5)
        #expect((mix.harmonic.tonalness ?? 0) > (drums.harmonic.tonalness ?? 1))
    }

    /// A song that modulates late (a last stretch a whole step up, as a final chorus does) keeps the key of most
    /// of the song, and its key segments name both keys.
    @Test func aLateModulationKeepsTheSongsKey() throws {
        let verse = MusicGenerator.generate(.init(seed: 5, bpm: 110, tonic: 4, minor: false, barCount: 11))
        let lift = MusicGenerator.generate(.init(seed: 6, bpm: 110, tonic: 6, minor: false, barCount: 5))
        let song = AudioBuffer(
            channels: zip(verse.mix.channels, lift.mix.channels).map { $0 + $1 }, sampleRate: verse.mix.sampleRate)
        let analysis = try SongAnalyzer().analyze(song)
        #expect(analysis.harmonic.key == "E major")
        let segments = try #require(analysis.harmonic.keySegments)
        #expect(segments.count >= 2, "segments \(segments)")
        #expect(segments.last?.key == "F# major", "segments \(segments)")
    }

    @Test func driftIsFollowedToTheSample() throws {
        // Clicks drifting from 118 to 128 BPM over 48 beats, 44.1 kHz.
        let rate = 44100.0
        var beats = [Double](), t = 0.4
        for k in 0..<48 {
            beats.append(t)
            t += 60 / (118 + 10 * Double(k) / 47)
        }
        var x = [Float](repeating: 0, count: Int((t + 0.5) * rate))
        for b in beats {
            let start = Int((b * rate).rounded())
            for i in 0..<Int(0.004 * rate) {
                x[start + i] += Float(0.5 * sin(2 * Double.pi * 3000 * Double(i) / rate) * exp(-Double(i) / 44))
            }
        }
        let analysis = try SongAnalyzer().analyze(Signals.stereo(x, sampleRate: rate))
        let found = try #require(analysis.rhythmic.beats)
        let errors = found.map { f in beats.map { abs($0 - f) }.min() ?? 1 }
        #expect(found.count >= 44)
        #expect(errors.allSatisfy { $0 <= SongAnalyzerTests.driftBeatToleranceSeconds }, "beat errors \(errors)")
        let curve = try #require(analysis.rhythmic.tempoCurve)
        #expect(curve.count == found.count)
        if let first = curve.dropFirst(3).first, let last = curve.dropLast(3).last {
            #expect(abs(first.bpm - 118.6) < SongAnalyzerTests.tempoCurveToleranceBPM, "start \(first.bpm)")
            #expect(abs(last.bpm - 127.4) < SongAnalyzerTests.tempoCurveToleranceBPM, "end \(last.bpm)")
        }
    }

    @Test func vocalPresenceRisesWithAVoice() throws {
        var without = MusicGenerator.Parameters(seed: 11, bpm: 96, tonic: 4, minor: true, durationSeconds: 10)
        var with = without
        with.withVoice = true
        without.withVoice = false
        let a = try SongAnalyzer().analyze(MusicGenerator.generate(without).mix).vocal.vocalPresence
        let b = try SongAnalyzer().analyze(MusicGenerator.generate(with).mix).vocal.vocalPresence
        #expect(b >= a + SongAnalyzerTests.vocalPresenceMargin, "without \(a), with \(b)")
        #expect((0...1).contains(a) && (0...1).contains(b))
        try? String(format: "vocal presence: without voice %.2f, with voice %.2f", a, b)
            .write(toFile: ".build/analysis-vocal-presence.txt", atomically: true, encoding: .utf8)
    }

    @Test func sectionsFollowALoudnessChange() throws {
        // 8 drum-less bars, then 8 bars with drums: the boundary should fall on bar 8, labelled low then high.
        let p = MusicGenerator.Parameters(seed: 21, bpm: 120, tonic: 7, minor: false, durationSeconds: 32, introBars: 8)
        let song = MusicGenerator.generate(p)
        let sections = try #require(try SongAnalyzer().analyze(song.mix).sections)
        let boundary = song.downbeatTimes[8]
        #expect(sections.contains { abs($0.startSeconds - boundary) < 0.07 }, "sections \(sections)")
        #expect(sections.first?.label != .high)
        #expect(sections.last?.label == .high)
    }

    @Test func swingIsMeasured() throws {
        let straight = MusicGenerator.Parameters(seed: 5, bpm: 100, tonic: 0, minor: false, durationSeconds: 12)
        var swung = straight
        swung.swing = 1
        let s0 = try SongAnalyzer().analyze(MusicGenerator.generate(straight).mix).rhythmic.swingFactor
        let s1 = try SongAnalyzer().analyze(MusicGenerator.generate(swung).mix).rhythmic.swingFactor
        #expect(s0 < 0.3, "straight swing \(s0)")
        #expect(s1 > 0.6, "swung swing \(s1)")
    }
}

@Suite struct SongAnalyzerEdgeCaseTests {
    @Test(arguments: [0, 100, 22050])
    func shortInputsGiveAValidAnalysis(frameCount: Int) throws {
        let buffer = AudioBuffer(
            channels: [Signals.noise(frameCount: frameCount, amplitude: 0.1, seed: 2)], sampleRate: 44100)
        let analysis = try SongAnalyzer().analyze(buffer)
        #expect(analysis.harmonic.key == "N/A")
        #expect(analysis.rhythmic.bpm == 0)
        let data = try JSONEncoder().encode(analysis)
        #expect(!String(decoding: data, as: UTF8.self).lowercased().contains("nan"))
    }

    @Test(arguments: [8000.0, 16000.0, 22050.0, 44100.0, 48000.0, 96000.0])
    func otherRatesAndMonoWork(sampleRate: Double) throws {
        let song = MusicGenerator.generate(
            .init(
                seed: 9, bpm: 128, tonic: 5, minor: false, durationSeconds: 10,
                sampleRate: sampleRate))
        let mono = AudioBuffer(channels: [song.mix.channel(0)], sampleRate: sampleRate)
        let analysis = try SongAnalyzer().analyze(mono)
        #expect(abs(analysis.rhythmic.bpm / 128 - 1) < GeneratedSetTests.tempoTolerance, "bpm \(analysis.rhythmic.bpm)")
        #expect(analysis.harmonic.key == "F major")
        #expect(analysis.sampleRate == sampleRate)
    }
}
