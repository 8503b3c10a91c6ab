import DSP
import Foundation

/// A song `MusicGenerator` synthesized, with its ground truth: the stems it summed, its beats, bars, chords and key.
public struct GeneratedSong: Sendable {
    /// What it was generated from.
    public let parameters: MusicGenerator.Parameters
    /// Stereo mix = drums + bass + vocals + other, sample for sample, at `parameters.sampleRate`.
    public let mix: AudioBuffer
    /// The four stems (stereo), named as the contract's stems: "drums", "bass", "other", "vocals".
    public let stems: [String: AudioBuffer]
    /// Every beat time in seconds (pickup beats included), up to the end (or the last bar of `barCount`).
    public let beatTimes: [Double]
    /// Bar starts in seconds (the first is after the pickup).
    public let downbeatTimes: [Double]
    /// Chord names per bar, e.g. "Am".
    public let barChords: [String]

    /// Tonic pitch class, 0 = C ... 11 = B.
    public var tonic: Int { parameters.tonic }
    /// Natural minor (true) or major.
    public var isMinor: Bool { parameters.minor }
    /// Tempo in BPM.
    public var bpm: Double { parameters.bpm }
    /// The key.
    public var key: MusicalKey {
        MusicalKey(tonicPitchClass: parameters.tonic, mode: parameters.minor ? .minor : .major)
    }
    /// The key as the analysis writes it, e.g. "A minor" (analysers may spell black keys otherwise: compare keys or
    /// pitch classes, not names).
    public var keyName: String { key.description }
    /// Length in seconds.
    public var durationSeconds: Double { mix.durationSeconds }
    /// The first downbeat in seconds (after the lead-in and the pickup).
    public var firstDownbeatSeconds: Double {
        parameters.leadInSeconds + Double(parameters.pickupBeats) * 60 / parameters.bpm
    }

    /// The stems keyed by `Stem` (what `RenderSong` takes).
    public var stemsByStem: [Stem: AudioBuffer] {
        var byStem: [Stem: AudioBuffer] = [:]
        for (name, buffer) in stems { if let stem = Stem(rawValue: name) { byStem[stem] = buffer } }
        return byStem
    }

    /// The song as the engine receives it: the mix, the generated stems (`stemSource` "generated"), the true grid
    /// and key (nothing is analysed).
    /// - Throws: `BeatGrid.GridError.tooFewBeats` when the song holds fewer than two beats.
    public func renderSong(id: String, name: String? = nil, artist: String? = nil) throws -> RenderSong {
        RenderSong(
            id: id, name: name, artist: artist, audio: mix, stems: stemsByStem, stemSource: "generated",
            beatGrid: try BeatGrid(beatTimes: beatTimes, downbeatTimes: downbeatTimes, beatsPerBar: 4), key: key)
    }
}
