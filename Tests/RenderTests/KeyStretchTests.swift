import Foundation
import MashupModel
import Render
import Testing

/// Which key a layer plays in a song that changes key (`KeyStretch`).
@Suite("Plan: key stretches")
struct KeyStretchTests {
    static let cMajor = MusicalKey(tonicPitchClass: 0, mode: .major)
    static let dMajor = MusicalKey(tonicPitchClass: 2, mode: .major)
    static let aMinor = MusicalKey(tonicPitchClass: 9, mode: .minor)
    static let stretches = [
        KeyStretch(startSeconds: 0, endSeconds: 100, key: cMajor),
        KeyStretch(startSeconds: 100, endSeconds: 130, key: dMajor),
    ]

    @Test("a span across a change takes the key of the stretch covering most of it; outside them, the song's key")
    func keyOfASpan() {
        let stretches = Self.stretches
        #expect(KeyStretch.key(from: 10, to: 30, stretches: stretches, songKey: Self.aMinor) == Self.cMajor)
        #expect(KeyStretch.key(from: 95, to: 110, stretches: stretches, songKey: Self.aMinor) == Self.dMajor)
        #expect(KeyStretch.key(from: 85, to: 110, stretches: stretches, songKey: Self.aMinor) == Self.cMajor)
        #expect(KeyStretch.key(from: 140, to: 150, stretches: stretches, songKey: Self.aMinor) == Self.aMinor)
        #expect(KeyStretch.key(from: 140, to: 150, stretches: stretches, songKey: nil) == nil)
        #expect(KeyStretch.key(from: 10, to: 30, stretches: [], songKey: Self.aMinor) == Self.aMinor)
    }

    @Test("only trusted, finite, non-empty segments count, and only when they name two keys or more")
    func trustedSegments() {
        let kept = KeyStretch.trusted([
            (100, 130, "D major", 0.8), (0, 100, "C major", 0.9), (.nan, 140, "E major", 0.9),
            (130, 130, "F major", 0.9), (130, 140, "G major", 0.1), (140, 150, "not a key", 0.9),
        ])
        #expect(kept == Self.stretches)
        #expect(KeyStretch.trusted([(0, 100, "C major", 0.9), (100, 130, "C major", 0.7)]).isEmpty)
        #expect(KeyStretch.trusted([(0, 100, "C major", 0.9), (100, 130, "D major", .nan)]).isEmpty)
    }
}
