import Foundation
import MashupModel
import Render
import Testing

@Suite("Plan: musical keys and stems")
struct PlanMusicalKeyTests {
    @Test(
        "key names parse leniently",
        arguments: [
            ("A minor", 9, MusicalKey.Mode.minor), ("A min", 9, .minor), ("Am", 9, .minor), ("a minor", 9, .minor),
            ("F# major", 6, .major), ("F♯", 6, .major), ("F sharp minor", 6, .minor), ("Bb minor", 10, .minor),
            ("B♭m", 10, .minor), ("Ebm", 3, .minor), ("C maj", 0, .major), ("CM", 0, .major), ("c#-minor", 1, .minor),
            ("A Minor key", 9, .minor), ("G", 7, .major), ("Cb major", 11, .major), ("E", 4, .major), ("Db", 1, .major),
        ])
    func parses(text: String, tonic: Int, mode: MusicalKey.Mode) {
        let key = MusicalKey(parsing: text)
        #expect(key == MusicalKey(tonicPitchClass: tonic, mode: mode), "\(text)")
    }

    @Test("non-keys give nil")
    func rejects() {
        for text in ["N/A", "", "H minor", "A lydian-ish", "minor", "123", String(repeating: "A", count: 1000)] {
            #expect(MusicalKey(parsing: text) == nil, "\(text.prefix(20))")
        }
    }

    @Test("format and parse round-trip for all 24 keys")
    func roundTrip() {
        for tonic in 0..<12 {
            for mode in MusicalKey.Mode.allCases {
                let key = MusicalKey(tonicPitchClass: tonic, mode: mode)
                #expect(MusicalKey(parsing: key.description) == key)
                #expect(MusicalKey(parsing: key.shortName) == key)
            }
        }
        #expect(MusicalKey(tonicPitchClass: 9, mode: .minor).description == "A minor")
        #expect(MusicalKey(tonicPitchClass: 10, mode: .minor).description == "Bb minor")
    }

    @Test("semitone shift is the smallest octave-equivalent one, relative keys across modes")
    func shifts() {
        let a = MusicalKey(parsing: "A minor")!
        #expect(a.semitoneShift(to: MusicalKey(parsing: "C major")!) == 0)
        #expect(a.semitoneShift(to: MusicalKey(parsing: "B minor")!) == 2)
        #expect(a.semitoneShift(to: MusicalKey(parsing: "G minor")!) == -2)
        #expect(a.semitoneShift(to: MusicalKey(parsing: "E minor")!) == -5)
        #expect(a.semitoneShift(to: MusicalKey(parsing: "D# minor")!) == 6)
        #expect(MusicalKey(parsing: "C")!.semitoneShift(to: MusicalKey(parsing: "Bm")!) == 2) // C -> D major = B minor
        for from in 0..<12 {
            for to in 0..<12 {
                let s = MusicalKey.smallestShift(from: from, to: to)
                #expect((-5...6).contains(s))
                #expect(((from + s) % 12 + 12) % 12 == to)
            }
        }
    }

    @Test("automatic key shift respects the stem limits")
    func limits() {
        let song = MusicalKey(parsing: "C major")!
        let target = MusicalKey(parsing: "F major")! // +5
        #expect(KeyShift.automatic(from: song, to: target, stem: .vocals) == (5, false))
        #expect(KeyShift.automatic(from: song, to: target, stem: .drums) == (5, true))
        #expect(KeyShift.automatic(from: song, to: MusicalKey(parsing: "D major")!, stem: .vocals) == (2, true))
    }

    @Test("stem names parse leniently")
    func stems() {
        let cases: [(String, Stem?)] = [
            ("vocals", .vocals), ("Vocal", .vocals), ("vox", .vocals), ("Lead Vocals", .vocals),
            ("drums", .drums), ("percussion", .drums), ("bass", .bass), ("Bassline", .bass),
            ("other", .other), ("melody", .other), ("instrumental", .full), ("full", .full),
            ("full_mix", .full), ("kazoo", nil),
        ]
        for (text, stem) in cases { #expect(Stem(parsing: text) == stem, "\(text)") }
    }
}
