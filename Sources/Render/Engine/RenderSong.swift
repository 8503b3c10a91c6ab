import Analysis
import DSP
import Foundation

/// A song as the engine receives it: decoded audio at the engine rate, optional stems, optional analysis.
public struct RenderSong: Sendable {
    /// The id the plan's layers use (`songId`).
    public var id: String
    public var name: String?
    public var artist: String?
    /// The full mix, stereo at the engine's sample rate.
    public var audio: AudioBuffer
    /// Stems supplied by the user or a separation service, at the engine's rate; missing stems are approximated.
    public var stems: [Stem: AudioBuffer]
    /// Where `stems` came from ("supplied" or "service"), for the report.
    public var stemSource: String
    /// Beat grid from a supplied analysis; nil means the engine analyses the song.
    public var beatGrid: BeatGrid?
    /// Key from a supplied analysis; nil with `keyIsKnown == false` means the engine analyses it.
    public var key: MusicalKey?
    /// True when `key` comes from an analysis (nil then means atonal: no shifting).
    public var keyIsKnown: Bool

    public init(id: String, name: String? = nil, artist: String? = nil, audio: AudioBuffer,
                stems: [Stem: AudioBuffer] = [:], stemSource: String = "supplied", beatGrid: BeatGrid? = nil,
                key: MusicalKey? = nil, keyIsKnown: Bool = false) {
        self.id = id
        self.name = name
        self.artist = artist
        self.audio = audio
        self.stems = stems
        self.stemSource = stemSource
        self.beatGrid = beatGrid
        self.key = key
        self.keyIsKnown = keyIsKnown || key != nil
    }
}

/// Finds a song's beat grid and key when the plan did not bring them (the embedded analyser by default).
public protocol SongAnalysisProviding: Sendable {
    /// - Returns: the beat grid (with downbeats) and the key (nil for atonal audio).
    func beatGridAndKey(of audio: AudioBuffer, songID: String) async throws -> (grid: BeatGrid, key: MusicalKey?)
}

/// Produces the four stems of a song when they were not supplied (the embedded approximation by default).
public protocol StemProviding: Sendable {
    /// A short name for the report, e.g. "approximated".
    var sourceName: String { get }
    /// - Returns: vocals, drums, bass and other at the input's rate and length.
    func stems(of audio: AudioBuffer, songID: String) async throws -> [Stem: AudioBuffer]
}
