import Analysis
import DSP
import Foundation
import Render

/// Turns analyses into what the engine takes (a beat grid and a key per song), analysing a song with the
/// embedded analyser when no analysis, or one without beat times, was given. The engine itself analyses nothing.
public struct EmbeddedSongAnalysis: Sendable {
    public var analyzer: SongAnalyzer
    /// Analyses cached by content (nil: always analyse).
    public var cache: ContentCache?

    public init(analyzer: SongAnalyzer = SongAnalyzer(), cache: ContentCache? = nil) {
        self.analyzer = analyzer
        self.cache = cache
    }

    /// The embedded analysis of `source` (from the content cache when this exact audio was analysed before).
    /// - Throws: `AudioFileError` when the source cannot be read; `ResampleError` from the analyser.
    public func analysis(of source: any AudioSource) async throws -> SongAnalysis {
        if let cache {
            return try await CachedSongAnalysis(cache: cache, analyzer: analyzer).cachedAnalysis(of: source)
        }
        return try Self.analyze(source, with: analyzer)
    }

    /// Runs `analyzer` over `source` block by block: the song is never held whole at its full rate (the analyser
    /// keeps its mono input at about 22 kHz and reads full-rate windows around the beats from the source).
    static func analyze(_ source: any AudioSource, with analyzer: SongAnalyzer) throws -> SongAnalysis {
        var input = SongAnalysisInput(sampleRate: source.sampleRate, expectedFrameCount: source.frameCount)
        try source.forEachBlock { input.append($0) }
        return try analyzer.analyze(consume input) { range in SongAnalyzer.monoDownmix(try source.read(frames: range)) }
    }

    /// A render song from `source` and the analysis given for it (a plan request's or a service's): its grid and
    /// key, completed by the embedded analysis when it has no beat times (a tempo alone does not say where the
    /// beats fall) or when no analysis was given at all.
    public func song(
        id: String, name: String? = nil, artist: String? = nil, source: any AudioSource,
        analysis given: SongAnalysis?, stems: [Stem: any AudioSource] = [:],
        stemSource: String = "supplied"
    ) async throws -> RenderSong {
        var grid: BeatGrid?
        var key: MusicalKey?
        var stretches: [KeyStretch] = []
        var provenance = "plan"
        var hasPulse = true
        if let given {
            if let beats = given.rhythmic.beats, beats.count >= 2 {
                grid = Self.gridAndKey(from: given, durationSeconds: source.durationSeconds).grid
                hasPulse = given.rhythmic.hasPulse
            }
            key = KeyShift.trustedKey(given.harmonic.key, confidence: given.harmonic.keyConfidence)
            if key != nil { stretches = Self.keyStretches(from: given) }
        }
        if grid == nil || given == nil {
            let analysis = try await analysis(of: source)
            let found = Self.gridAndKey(from: analysis, durationSeconds: source.durationSeconds)
            if grid == nil {
                grid = found.grid
                hasPulse = analysis.rhythmic.hasPulse
            }
            // A given key below the trusted confidence is not used; the key we found is (the grid came from
            // the same analysis), with its stretches.
            if key == nil {
                key = found.key
                stretches = Self.keyStretches(from: analysis)
            }
            provenance = "embedded"
        }
        return RenderSong(
            id: id, name: name, artist: artist, source: source, stems: stems, stemSource: stemSource,
            beatGrid: grid!, key: key, keyStretches: stretches, analysisSource: provenance, hasPulse: hasPulse)
    }

    /// A render song from `source` analysed by the embedded analyser from `input`, gathered while the source was
    /// opened (`FileAudioSource`'s `eachBlock`), so the song is not decoded a second time for the analysis.
    /// - Throws: `AudioFileError` when the source cannot be read around a beat; `ResampleError` from the analyser.
    public func song(
        id: String, name: String? = nil, artist: String? = nil, source: any AudioSource,
        gathered input: consuming SongAnalysisInput, stems: [Stem: any AudioSource] = [:],
        stemSource: String = "supplied"
    ) throws -> RenderSong {
        let analysis = try analyzer.analyze(input) { range in
            SongAnalyzer.monoDownmix(try source.read(frames: range))
        }
        let found = Self.gridAndKey(from: analysis, durationSeconds: source.durationSeconds)
        return RenderSong(
            id: id, name: name, artist: artist, source: source, stems: stems, stemSource: stemSource,
            beatGrid: found.grid, key: found.key, keyStretches: Self.keyStretches(from: analysis),
            analysisSource: "embedded", hasPulse: analysis.rhythmic.hasPulse)
    }

    /// The stretches in each key of a song that changes key (its key segments trusted at
    /// `KeyShift.minimumKeyConfidence`, `KeyStretch.trusted`); none when it keeps one key.
    public static func keyStretches(from analysis: SongAnalysis) -> [KeyStretch] {
        KeyStretch.trusted(
            (analysis.harmonic.keySegments ?? []).map { ($0.startSeconds, $0.endSeconds, $0.key, $0.confidence) })
    }

    /// The beat grid and key an analysis describes. Without analysed beats the grid is uniform at the analysed
    /// tempo from 0 s (120 BPM when there is none either); "N/A" or a key confidence below
    /// `KeyShift.minimumKeyConfidence` gives no key (nothing is shifted automatically).
    public static func gridAndKey(from analysis: SongAnalysis, durationSeconds: Double) -> (
        grid: BeatGrid, key: MusicalKey?
    ) {
        let key = KeyShift.trustedKey(analysis.harmonic.key, confidence: analysis.harmonic.keyConfidence)
        if let beats = analysis.rhythmic.beats, beats.count >= 2,
            let grid = try? BeatGrid(
                beatTimes: beats, downbeatTimes: analysis.rhythmic.downbeats ?? [],
                beatsPerBar: analysis.rhythmic.beatsPerBar ?? 4)
        {
            return (grid, key)
        }
        let bpm = analysis.rhythmic.bpm > 0 ? analysis.rhythmic.bpm : 120
        // A uniform grid cannot fail for a positive tempo.
        let grid = try! BeatGrid(tempoBPM: bpm, durationSeconds: max(durationSeconds, 1))
        return (grid, key)
    }
}
