import Foundation

/// Which part of a song a layer plays: one of the four Demucs stems, or the whole song.
public enum Stem: String, Sendable, Hashable, Codable, CaseIterable {
    case vocals
    case drums
    case bass
    case other
    /// The whole song (no separation).
    case full

    /// Parses a stem name leniently: case-, plural- and separator-insensitive, with the aliases planners use
    /// (`vocal`, `vox`, `voice`, `acapella`, `lead vocals`; `drum`, `percussion`, `beat`, `kick`; `bassline`, `sub`;
    /// `instruments`, `music`, `melody`, `harmony`, `keys`, `synth`, `guitar`, `accompaniment`; `instrumental`,
    /// `mix`, `song`, `original`, `all`, `whole`). Nil when not understood.
    ///
    /// `instrumental` maps to `full`, because the whole song minus vocals is not a Demucs stem; the render may
    /// approximate it with drums + bass + other.
    public init?(parsing text: String) {
        guard text.utf8.count <= 64 else { return nil }
        let key = text.lowercased().filter { $0.isLetter }
        guard let stem = Self.aliases[key] else { return nil }
        self = stem
    }

    static let aliases: [String: Stem] = {
        var table: [String: Stem] = [:]
        let groups: [(Stem, [String])] = [
            (
                .vocals,
                [
                    "vocals", "vocal", "vox", "voice", "voices", "acapella", "acappella", "leadvocal", "leadvocals",
                    "vocalstem", "singing", "vocalist", "lyrics",
                ]
            ),
            (.drums, ["drums", "drum", "percussion", "perc", "beat", "beats", "kick", "drumstem", "rhythm"]),
            (.bass, ["bass", "bassline", "basses", "sub", "subbass", "bassstem", "lowend"]),
            (
                .other,
                [
                    "other", "others", "instruments", "instrument", "music", "melody", "melodic", "harmony",
                    "keys", "synth", "synths", "guitar", "guitars", "piano", "chords", "accompaniment", "otherstem",
                ]
            ),
            (
                .full,
                [
                    "full", "fullsong", "fullmix", "mix", "song", "original", "all", "whole", "wholesong", "master",
                    "instrumental", "track", "stereo", "complete",
                ]
            ),
        ]
        for (stem, names) in groups { for name in names { table[name] = stem } }
        return table
    }()

    /// The largest automatic key shift allowed for this stem, in semitones (vocals ±3, everything else ±7):
    /// beyond it formants and transients suffer more than a key clash does.
    public var maximumKeyShiftSemitones: Int { self == .vocals ? 3 : 7 }
}
