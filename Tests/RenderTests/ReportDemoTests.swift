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
    /// Section bounds are the plan's bar lines at the target tempo; allow the frame rounding of the tempo map.
    static let boundToleranceSeconds = 1.0 / 44100

    @Test(
        "the demo, rendered by the engine, has a report that describes its audio: length, contiguous sections, levels")
    func reportMatchesAudio() async throws {
        let result = try await DemoRender(sectionCount: 3, barsPerSection: 2).render()
        let (audio, report) = (try result.loadAudio(), result.report)
        #expect(abs(audio.durationSeconds - report.durationSeconds) <= Self.frameSeconds)
        #expect(report.sections.count == 3)
        #expect(report.sections.first?.startSeconds == 0)
        for (a, b) in zip(report.sections, report.sections.dropFirst()) {
            #expect(abs(a.endSeconds - b.startSeconds) <= Self.boundToleranceSeconds)
        }
        // 2 bars at 124 BPM in 4/4.
        #expect(abs(report.sections[0].endSeconds - 2 * 4 * 60 / DemoRender.targetBPM) <= Self.boundToleranceSeconds)
        let peak = Decibels.decibels(Double(audio.peakMagnitude))
        #expect(abs(report.loudness.samplePeakDecibels - peak) <= Self.levelToleranceDecibels)
        #expect(report.loudness.truePeakDecibels >= report.loudness.samplePeakDecibels - Self.levelToleranceDecibels)
        #expect(report.songs.map(\.songID).sorted() == ["song-a", "song-b"])
        #expect(report.songs.allSatisfy { $0.stemSource.hasPrefix("generated") })
    }
}
