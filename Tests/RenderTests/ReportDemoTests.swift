import DSP
import Foundation
import Render
import Testing

@Suite("Report: demo mashup")
struct ReportDemoTests {
    /// One frame at 44.1 kHz, in seconds.
    static let frameSeconds = 1.0 / 44100
    /// Reported levels are computed from the same samples; allow float rounding only.
    static let levelToleranceDecibels = 0.01

    @Test("the demo's report describes its audio: length, contiguous sections, levels")
    func reportMatchesAudio() throws {
        let (audio, report) = try DemoMashup(sectionCount: 3, barsPerSection: 2).render(audioFileName: "x.wav")
        #expect(abs(audio.durationSeconds - report.durationSeconds) <= Self.frameSeconds)
        #expect(report.sections.count == 3)
        #expect(report.sections.first?.startSeconds == 0)
        for (a, b) in zip(report.sections, report.sections.dropFirst()) { #expect(a.endSeconds == b.startSeconds) }
        #expect(abs((report.sections.last?.endSeconds ?? 0) - report.durationSeconds) < 1e-9)
        // 2 bars at 124 BPM in 4/4.
        #expect(abs(report.sections[0].endSeconds - 2 * 4 * 60 / 124) < 1e-9)
        let peak = Decibels.decibels(Double(audio.peakMagnitude))
        #expect(abs(report.loudness.samplePeakDecibels - peak) <= Self.levelToleranceDecibels)
        #expect(report.loudness.samplePeakDecibels <= DemoMashup.peakCeilingDecibels + Self.levelToleranceDecibels)
        #expect(report.loudness.truePeakDecibels >= report.loudness.samplePeakDecibels - Self.levelToleranceDecibels)
        #expect(report.audioFile == "x.wav")
        // Song B is varispeeded one semitone up to the target tempo.
        let songB = try #require(report.songs.first { $0.songID == "song-b" })
        #expect(abs(songB.tempoBPM / songB.stretchRatio - 124) < 1e-9)
        #expect(songB.semitones == 1)
    }
}
