import Analysis
import DSP
import Foundation
import Orchestrator
import Render
import TestSupport
import Testing

/// The render driven by the embedded analysis, which the caller runs and hands to the engine (issue 13): a drifting live-style click track lands on a fixed
/// target grid, and a drums-only song is never pitch-shifted.
@Suite("Render on analysed grids")
struct DriftingGridRenderTests {
    static let rate = 44100.0
    /// Median distance of output beats from the target grid (issue 13).
    static let medianGridErrorMilliseconds = 2.0
    /// Largest distance of an output beat from the target grid (issue 13).
    static let maximumGridErrorMilliseconds = 5.0

    /// A render song for `audio` with its grid and key from `analysis`, else from the embedded analyser.
    static func song(
        _ id: String, _ audio: AudioBuffer, analysis: SongAnalysis? = nil,
        stems: [Stem: AudioBuffer] = [:]
    ) async throws -> RenderSong {
        try await EmbeddedSongAnalysis().song(
            id: id, source: MemoryAudioSource(audio), analysis: analysis,
            stems: stems.mapValues { MemoryAudioSource($0) })
    }

    /// A click track whose tempo rises linearly from `startBPM` to `endBPM` over `beatCount` beats: every beat a
    /// 4 ms 3 kHz tick, every fourth (the downbeats, from the first beat on) also a 120 ms 60 Hz thump. Returns
    /// the stereo audio and the beat times.
    static func driftingClicks(startBPM: Double, endBPM: Double, beatCount: Int, leadInSeconds: Double)
        -> (audio: AudioBuffer, beats: [Double])
    {
        var beats = [Double]()
        var t = leadInSeconds
        for k in 0..<beatCount {
            beats.append(t)
            let bpm = startBPM + (endBPM - startBPM) * Double(k) / Double(beatCount - 1)
            t += 60 / bpm
        }
        let frames = Int((t + 1) * rate)
        var x = [Float](repeating: 0, count: frames)
        for (k, beat) in beats.enumerated() {
            let start = Int((beat * rate).rounded())
            let tick = Int(0.004 * rate)
            for i in 0..<tick where start + i < frames {
                x[start + i] += Float(
                    0.5 * sin(2 * Double.pi * 3000 * Double(i) / rate) * exp(-Double(i) / (0.001 * rate)))
            }
            if k % 4 == 0 {
                let thump = Int(0.12 * rate)
                for i in 0..<thump where start + i < frames {
                    x[start + i] += Float(
                        0.6 * sin(2 * Double.pi * 60 * Double(i) / rate) * exp(-Double(i) / (0.04 * rate)))
                }
            }
        }
        return (Signals.stereo(x, sampleRate: rate), beats)
    }

    @Test(
        "a click track drifting 124 -> 134 BPM rendered at 120 BPM puts every beat on the target grid, a downbeat first"
    )
    func driftingClickTrackOnTargetGrid() async throws {
        let (audio, _) = Self.driftingClicks(startBPM: 124, endBPM: 134, beatCount: 64, leadInSeconds: 0.3)
        // No grid given: the embedded analysis finds the beats.
        var song = try await Self.song("live", audio, stems: [.drums: audio])
        song.key = nil
        let target = 120.0
        let beatSeconds = 60 / target
        let sections = [
            RenderScript.Section(
                description: "Beat", startSeconds: 0, durationSeconds: 48 * beatSeconds,
                transitionIn: .cut, layers: [.init(songID: "live", stem: .drums)])
        ]
        let script = RenderScript(
            title: "Drift", tempoMap: TempoMap(tempoBPM: target, sampleRate: Self.rate),
            targetLoudnessLUFS: -16, sections: sections)
        let result = try await RenderEngine().render(script: script, songs: [song])
        let left = try result.loadAudio().channel(0)
        // Ticks in the output: the first sample of each burst above half the peak, then the tick's attack is the
        // first sample above 10% of that burst's peak (the tick rises within a sample at 44.1 kHz).
        let peak = left.map(abs).max() ?? 0
        var onsets = [Int]()
        var i = 0
        while i < left.count {
            if abs(left[i]) >= 0.3 * peak {
                let window = max(0, i - 200)..<min(left.count, i + 200)
                let local = window.map { abs(left[$0]) }.max() ?? 0
                let attack = window.first { abs(left[$0]) >= 0.1 * local } ?? i
                onsets.append(attack)
                i += Int(0.3 * Self.rate)
            } else {
                i += 1
            }
        }
        #expect(onsets.count >= 40, "found \(onsets.count) beats")
        let beatFrames = beatSeconds * Self.rate
        let errors = onsets.map { o -> Double in
            let grid = (Double(o) / beatFrames).rounded() * beatFrames
            return abs(Double(o) - grid) / Self.rate * 1000
        }
        let sorted = errors.sorted()
        let median = sorted.isEmpty ? .infinity : sorted[sorted.count / 2]
        let worst = sorted.last ?? .infinity
        #expect(median <= Self.medianGridErrorMilliseconds, "median grid error \(median) ms, errors \(errors)")
        #expect(worst <= Self.maximumGridErrorMilliseconds, "largest grid error \(worst) ms, errors \(errors)")
        // The first output beat is a downbeat: the 60 Hz thump follows it, not the next beat.
        func lowEnergy(after frame: Int) -> Double {
            var s = 0.0
            let range = frame..<min(left.count, frame + Int(0.1 * Self.rate))
            // A one-pole low-pass (about 150 Hz) keeps the thump and drops the tick.
            var y = 0.0
            let a = exp(-2 * Double.pi * 150 / Self.rate)
            for j in range { y = a * y + (1 - a) * Double(left[j]); s += y * y }
            return s
        }
        if onsets.count >= 4 {
            let first = lowEnergy(after: onsets[0])
            let others = onsets[1..<4].map(lowEnergy(after:))
            #expect(
                others.allSatisfy { first > 4 * $0 },
                "low energy after the first beat \(first), after the next three \(others)")
        }
    }

    @Test("a drums-only song is never pitch-shifted, with a warning")
    func drumsOnlyIsNotShifted() async throws {
        let song = MusicGenerator.generate(
            .init(
                seed: 31, bpm: 110, tonic: 1, minor: true, durationSeconds: 12,
                sampleRate: Self.rate))
        let drums = try #require(song.stems["drums"])
        let analysis = try SongAnalyzer().analyze(drums)
        #expect(analysis.harmonic.key == "N/A", "drums analysed as \(analysis.harmonic.key)")
        // Neither the embedded analysis nor a supplied analysis with a guessed low-confidence key shifts it.
        var guessed = analysis
        guessed.harmonic.key = "C# minor"
        guessed.harmonic.keyConfidence = KeyShift.minimumKeyConfidence / 2
        let target = try #require(MusicalKey(parsing: "F major"))
        let sections = [
            RenderScript.Section(
                description: "Loop", startSeconds: 0, durationSeconds: 8,
                layers: [.init(songID: "loop", stem: .full)])
        ]
        let script = RenderScript(
            title: "Loop", tempoMap: TempoMap(tempoBPM: 110, sampleRate: Self.rate), targetKey: target,
            targetLoudnessLUFS: -16, sections: sections)
        for input in [try await Self.song("loop", drums), try await Self.song("loop", drums, analysis: guessed)] {
            let result = try await RenderEngine().render(script: script, songs: [input])
            #expect(
                result.report.songs.allSatisfy { $0.semitones == 0 }, "shifted: \(result.report.songs.map(\.semitones))"
            )
            #expect(
                result.report.warnings.contains { $0.contains("left in its key") }, "warnings \(result.report.warnings)"
            )
        }
        // A confident key is still shifted (the threshold does not switch key matching off).
        var confident = analysis
        confident.harmonic.key = "E major"
        confident.harmonic.keyConfidence = 0.9
        let shifted = try await RenderEngine().render(
            script: script, songs: [try await Self.song("loop", drums, analysis: confident)])
        #expect(shifted.report.songs.first?.semitones != 0)
    }
}
