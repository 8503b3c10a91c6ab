import Analysis
import DSP
import Foundation
import Render
import TestSupport
import Testing

/// Section roles: a stretch whose bass and drums drop out is a breakdown, even when the rest keeps it within a few
/// dB of the loudest section; a stretch that is only quieter, bass and drums still playing, is not. An opening
/// without the voice, which never comes back, is an intro.
@Suite struct BreakdownRoleTests {
    static let bpm = 120.0
    static let barSeconds = 4 * 60 / bpm
    /// Bars of the song, and the bars (from the first downbeat) of the middle stretch.
    static let barCount = 24
    static let middle = 8..<16
    /// The breakdown found must start and end within this of the middle stretch's bar lines.
    static let boundaryToleranceSeconds = barSeconds

    /// The generated song with its stems scaled by `gain(stem)` during `bars` (the middle stretch by default) and by
    /// `outside(stem)` elsewhere.
    static func song(
        bars: Range<Int> = middle, withVoice: Bool = false, outside: (String) -> Float = { _ in 1 },
        gain: (String) -> Float
    ) -> (audio: AudioBuffer, start: Double, end: Double) {
        let song = MusicGenerator.generate(
            .init(
                seed: 11, bpm: bpm, tonic: 9, minor: true, barCount: barCount, sampleRate: 22050,
                withVoice: withVoice))
        let rate = song.mix.sampleRate
        let start = bars.lowerBound == 0 ? 0 : song.downbeatTimes[bars.lowerBound]
        let end = song.downbeatTimes[bars.upperBound]
        let frameCount = song.mix.frameCount
        var channels = [[Float]](repeating: [Float](repeating: 0, count: frameCount), count: 2)
        for (name, stem) in song.stems {
            for c in 0..<2 {
                let samples = stem.channel(c)
                for i in 0..<frameCount {
                    let t = Double(i) / rate
                    channels[c][i] += samples[i] * (t >= start && t < end ? gain(name) : outside(name))
                }
            }
        }
        return (AudioBuffer(channels: channels, sampleRate: rate), start, end)
    }

    /// Bass and drums out, the chords and the voice 6 dB up: a few dB below the full sections, not "low" (9 dB).
    @Test func bassAndDrumsOutIsABreakdown() throws {
        let (audio, start, end) = Self.song { $0 == "drums" || $0 == "bass" ? 0 : 2 }
        let sections = try SongAnalyzer().analyze(audio).sections ?? []
        let breakdowns = sections.filter { $0.role == .breakdown }
        #expect(breakdowns.count == 1, "sections: \(sections.map { ($0.startSeconds, $0.role) })")
        if let b = breakdowns.first {
            #expect(abs(b.startSeconds - start) <= Self.boundaryToleranceSeconds, "starts at \(b.startSeconds) s")
            #expect(abs(b.endSeconds - end) <= Self.boundaryToleranceSeconds, "ends at \(b.endSeconds) s")
        }
    }

    @Test func aQuieterStretchWithBassAndDrumsIsNoBreakdown() throws {
        let quieter = Float(Decibels.gain(-3.0) as Double)
        let (audio, _, _) = Self.song { _ in quieter }
        let sections = try SongAnalyzer().analyze(audio).sections ?? []
        // The stretch is a section of its own, so its role was decided, not inherited from a longer one.
        #expect(sections.count >= 3, "sections: \(sections.map { ($0.startSeconds, $0.role) })")
        #expect(
            !sections.contains { $0.role == .breakdown }, "sections: \(sections.map { ($0.startSeconds, $0.role) })")
    }

    /// The first 4 bars without the voice (a lead vocal, 10 dB up on the generator's), never heard again.
    @Test func anOpeningWithoutTheVoiceIsAnIntro() throws {
        let (audio, _, end) = Self.song(bars: 0..<4, withVoice: true, outside: { $0 == "vocals" ? 3.2 : 1 }) {
            $0 == "vocals" ? 0 : 1
        }
        let sections = try SongAnalyzer().analyze(audio).sections ?? []
        let first = try #require(sections.first)
        #expect(first.role == .intro, "sections: \(sections.map { ($0.startSeconds, $0.role, $0.rmsDecibels) })")
        #expect(abs(first.endSeconds - end) <= Self.boundaryToleranceSeconds, "intro ends at \(first.endSeconds) s")
    }

    /// A first section may be 2 bars (`SectionSegmenter.edgeSectionBars`): the chords and the bass alone for 2 bars,
    /// then the drums and the voice. Before, no boundary could lie within 4 bars of the start.
    @Test func aTwoBarOpeningIsAnIntro() throws {
        let (audio, _, end) = Self.song(bars: 0..<2, withVoice: true, outside: { $0 == "vocals" ? 3.2 : 1 }) {
            $0 == "vocals" || $0 == "drums" ? 0 : 1
        }
        let sections = try SongAnalyzer().analyze(audio).sections ?? []
        let first = try #require(sections.first)
        #expect(first.role == .intro, "sections: \(sections.map { ($0.startSeconds, $0.role, $0.rmsDecibels) })")
        #expect(first.barCount == 2, "sections: \(sections.map { ($0.startSeconds, $0.barCount, $0.role) })")
        #expect(abs(first.endSeconds - end) <= Self.boundaryToleranceSeconds, "intro ends at \(first.endSeconds) s")
    }
}
