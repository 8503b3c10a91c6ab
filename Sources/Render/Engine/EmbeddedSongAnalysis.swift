import Analysis
import DSP
import Foundation

/// The embedded analyser as the render's source of beat grids and keys.
public struct EmbeddedSongAnalysis: SongAnalysisProviding {
    public var analyzer: SongAnalyzer

    public init(analyzer: SongAnalyzer = SongAnalyzer()) {
        self.analyzer = analyzer
    }

    public func beatGridAndKey(of audio: AudioBuffer, songID: String) async throws -> (grid: BeatGrid, key: MusicalKey?) {
        let analysis = try analyzer.analyze(audio)
        return Self.gridAndKey(from: analysis, durationSeconds: audio.durationSeconds)
    }

    /// The beat grid and key an analysis describes. Without analysed beats the grid is uniform at the analysed
    /// tempo from 0 s (120 BPM when there is none either); "N/A" or a key confidence below
    /// `KeyShift.minimumKeyConfidence` gives no key (nothing is shifted automatically).
    public static func gridAndKey(from analysis: SongAnalysis, durationSeconds: Double) -> (grid: BeatGrid, key: MusicalKey?) {
        let key = KeyShift.trustedKey(analysis.harmonic.key, confidence: analysis.harmonic.keyConfidence)
        if let beats = analysis.rhythmic.beats, beats.count >= 2,
           let grid = try? BeatGrid(beatTimes: beats, downbeatTimes: analysis.rhythmic.downbeats ?? [],
                                    beatsPerBar: analysis.rhythmic.beatsPerBar ?? 4) {
            return (grid, key)
        }
        let bpm = analysis.rhythmic.bpm > 0 ? analysis.rhythmic.bpm : 120
        // A uniform grid cannot fail for a positive tempo.
        let grid = try! BeatGrid(tempoBPM: bpm, durationSeconds: max(durationSeconds, 1))
        return (grid, key)
    }
}

extension RenderSong {
    /// A song with the grid and key of a supplied analysis (the plan request's or a service's); when the analysis
    /// has no beat times the grid is left for the engine's analyser, since a tempo alone does not say where the
    /// beats fall.
    public init(id: String, name: String? = nil, artist: String? = nil, audio: AudioBuffer, analysis: SongAnalysis?,
                stems: [Stem: AudioBuffer] = [:], stemSource: String = "supplied") {
        var grid: BeatGrid?
        var key: MusicalKey?
        var keyKnown = false
        if let analysis {
            if let beats = analysis.rhythmic.beats, beats.count >= 2 {
                grid = EmbeddedSongAnalysis.gridAndKey(from: analysis, durationSeconds: audio.durationSeconds).grid
            }
            key = KeyShift.trustedKey(analysis.harmonic.key, confidence: analysis.harmonic.keyConfidence)
            keyKnown = true
        }
        self.init(id: id, name: name, artist: artist, audio: audio, stems: stems, stemSource: stemSource,
                  beatGrid: grid, key: key, keyIsKnown: keyKnown)
    }
}
