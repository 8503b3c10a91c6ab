import DSP
import Foundation

/// A song as the engine receives it: its audio as a source read by range, its beat grid and key (from an analysis
/// the caller made or was given), and the stems supplied for it. The engine analyses nothing itself.
public struct RenderSong: Sendable {
    /// The id the plan's layers use (`songId`).
    public var id: String
    public var name: String?
    public var artist: String?
    /// The full mix, stereo at the engine's sample rate (a `MemoryAudioSource` at another rate is converted).
    public var source: any AudioSource
    /// Stems supplied by the user or a separation service, at the engine's rate; frames past the song's end are
    /// ignored, missing ones are silent. Stems the plan needs and that are not here come from the stem provider.
    public var stems: [Stem: any AudioSource]
    /// Where `stems` came from ("supplied" or "service"), for the report.
    public var stemSource: String
    /// The song's beat grid (with downbeats).
    public var beatGrid: BeatGrid
    /// The song's key; nil for atonal audio or an untrusted key (nothing is shifted automatically).
    public var key: MusicalKey?
    /// Where the song changes key, its stretches in each key (`KeyStretch.trusted`); empty when `key` holds
    /// throughout. A layer is shifted from the key of the stretch it plays.
    public var keyStretches: [KeyStretch]
    /// Where the grid and key came from ("plan", "embedded", "service"...), for the report.
    public var analysisSource: String
    /// False for audio without a pulse (noise, speech, a drone: the analysis found its onsets no more periodic
    /// than at random): its layers play at its own speed, not warped from `beatGrid` to the target tempo.
    public var hasPulse: Bool

    public init(
        id: String, name: String? = nil, artist: String? = nil, source: any AudioSource,
        stems: [Stem: any AudioSource] = [:], stemSource: String = "supplied", beatGrid: BeatGrid,
        key: MusicalKey?, keyStretches: [KeyStretch] = [], analysisSource: String = "plan", hasPulse: Bool = true
    ) {
        self.id = id
        self.name = name
        self.artist = artist
        self.source = source
        self.stems = stems
        self.stemSource = stemSource
        self.beatGrid = beatGrid
        self.key = key
        self.keyStretches = keyStretches
        self.analysisSource = analysisSource
        self.hasPulse = hasPulse
    }

    /// A song held in memory, with stems held in memory.
    public init(
        id: String, name: String? = nil, artist: String? = nil, audio: AudioBuffer,
        stems: [Stem: AudioBuffer] = [:], stemSource: String = "supplied", beatGrid: BeatGrid,
        key: MusicalKey?, keyStretches: [KeyStretch] = [], analysisSource: String = "plan", hasPulse: Bool = true
    ) {
        self.init(
            id: id, name: name, artist: artist, source: MemoryAudioSource(audio),
            stems: stems.mapValues { MemoryAudioSource($0) }, stemSource: stemSource, beatGrid: beatGrid, key: key,
            keyStretches: keyStretches, analysisSource: analysisSource, hasPulse: hasPulse)
    }
}

/// Produces the four stems of a song over a range of it when they were not supplied (the Orchestrator's embedded
/// approximation, or a separation service). Called once per range a layer reads, from several tasks at once.
public protocol StemProviding: Sendable {
    /// A short name for the report, e.g. "approximated".
    var sourceName: String { get }
    /// Vocals, drums, bass and other of `source` over `frames` (silence outside the song), each `frames.count`
    /// frames long at the source's rate. A provider reads whatever context its method needs around the range.
    func stems(of source: any AudioSource, songID: String, frames: Range<Int>) async throws -> [Stem: AudioBuffer]
    /// The range length this provider works best with, frames: the engine asks for the stems of a song in chunks
    /// of this length on a fixed grid (`StemStore`). Default 2^18 (about 6 s at 44.1 kHz).
    var preferredChunkFrameCount: Int { get }
}

extension StemProviding {
    public var preferredChunkFrameCount: Int { 1 << 18 }
}
