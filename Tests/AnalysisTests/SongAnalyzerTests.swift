import DSP
import Foundation
import Testing
import TestSupport
import Analysis

@Suite struct SongAnalyzerTests {
    /// Vocal presence must be at least this much higher with a voice than without it (0...1 scale).
    static let vocalPresenceMargin = 0.2
    /// Beat times may deviate from the generated beats by this much (one 23 ms frame plus latency spread).
    static let beatToleranceSeconds = 0.035

    @Test func jsonHasTheContractShapeAndOurFields() throws {
        let song = MusicGenerator.generate(.init(seed: 3, bpm: 100, tonic: 2, minor: false, durationSeconds: 12,
                                                 sampleRate: 44100, introBars: 1, withVoice: true))
        let analysis = try SongAnalyzer().analyze(song.mix)
        let data = try JSONEncoder().encode(analysis)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(json.keys) == ["version", "harmonic", "rhythmic", "spectral", "vocal", "energy", "sections",
                                   "duration_sec", "sample_rate"])
        let harmonic = try #require(json["harmonic"] as? [String: Any])
        #expect(Set(harmonic.keys) == ["key", "key_confidence", "chord_progression", "chord_complexity"])
        let rhythmic = try #require(json["rhythmic"] as? [String: Any])
        #expect(Set(["bpm", "beat_confidence", "groove_stability", "swing_factor", "beats", "downbeats"]).isSubset(of: rhythmic.keys))
        let spectral = try #require(json["spectral"] as? [String: Any])
        let mfccs = try #require(spectral["mfccs"] as? [[Double]])
        #expect(mfccs.count == 13)
        #expect(Set(["dynamic_range", "brightness"]).isSubset(of: spectral.keys))
        #expect((json["vocal"] as? [String: Any])?["vocal_presence"] is Double)
        #expect(!String(decoding: data, as: UTF8.self).lowercased().contains("nan"))
        #expect(analysis.version == "1.0-studio")
        #expect(analysis.harmonic.key == "D major")
        #expect(abs(analysis.rhythmic.bpm - 100) < 4)
        #expect(abs((analysis.durationSeconds ?? 0) - 12) < 0.001)
        #expect(analysis.sampleRate == 44100)
        // Beats at 44.1 kHz input (resampled inside) land on the generated beats.
        let beats = try #require(analysis.rhythmic.beats)
        let errors = beats.map { b in song.beatTimes.map { abs($0 - b) }.min() ?? 1 }
        let within = errors.filter { $0 <= SongAnalyzerTests.beatToleranceSeconds }.count
        #expect(Double(within) >= 0.9 * Double(beats.count), "beat errors \(errors)")
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
        let buffer = AudioBuffer(channels: [Signals.noise(frameCount: frameCount, amplitude: 0.1, seed: 2)], sampleRate: 44100)
        let analysis = try SongAnalyzer().analyze(buffer)
        #expect(analysis.harmonic.key == "N/A")
        #expect(analysis.rhythmic.bpm == 0)
        let data = try JSONEncoder().encode(analysis)
        #expect(!String(decoding: data, as: UTF8.self).lowercased().contains("nan"))
    }

    @Test(arguments: [8000.0, 16000.0, 22050.0, 44100.0, 48000.0, 96000.0])
    func otherRatesAndMonoWork(sampleRate: Double) throws {
        let song = MusicGenerator.generate(.init(seed: 9, bpm: 128, tonic: 5, minor: false, durationSeconds: 10,
                                                 sampleRate: sampleRate))
        let mono = AudioBuffer(channels: [song.mix.channel(0)], sampleRate: sampleRate)
        let analysis = try SongAnalyzer().analyze(mono)
        #expect(abs(analysis.rhythmic.bpm / 128 - 1) < GeneratedSetTests.tempoTolerance, "bpm \(analysis.rhythmic.bpm)")
        #expect(analysis.harmonic.key == "F major")
        #expect(analysis.sampleRate == sampleRate)
    }
}
