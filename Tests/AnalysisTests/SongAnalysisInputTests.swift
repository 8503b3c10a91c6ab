import Analysis
import DSP
import Foundation
import Render
import TestSupport
import Testing

/// Analysis over blocks with bounded memory (issue 17): a song fed block by block, with the full-rate signal read
/// only in windows around the beats, gives the analysis of the whole song in memory, field for field.
@Suite struct SongAnalysisInputTests {
    @Test(
        "blocks of any size and windowed full-rate reads give the whole-song analysis",
        arguments: [(44100.0, 4096), (44100.0, 65_537), (96000.0, 10_007), (22050.0, 3_001)])
    func blocksEqualWhole(sampleRate: Double, blockFrameCount: Int) throws {
        let song = MusicGenerator.generate(
            .init(
                seed: 12, bpm: 124, tonic: 7, minor: true, durationSeconds: 14,
                sampleRate: sampleRate, withVoice: true)
        ).mix
        let whole = try SongAnalyzer().analyze(song)
        var input = SongAnalysisInput(sampleRate: sampleRate)
        var start = 0
        while start < song.frameCount {
            input.append(song.slice(frames: start..<min(song.frameCount, start + blockFrameCount)))
            start += blockFrameCount
        }
        #expect(input.frameCount == song.frameCount)
        var framesRead = 0
        let streamed = try SongAnalyzer().analyze(input) { range in
            #expect(range.lowerBound >= 0 && range.upperBound <= song.frameCount)
            framesRead += range.count
            return SongAnalyzer.monoDownmix(song.slice(frames: range))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try encoder.encode(streamed) == encoder.encode(whole))
        // The beat refinement reads short windows, not the song.
        #expect(framesRead < song.frameCount / 4, "read \(framesRead) of \(song.frameCount) frames")
    }
}
