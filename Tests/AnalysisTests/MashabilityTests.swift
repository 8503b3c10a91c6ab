import Analysis
import Foundation
import Testing

/// The musical rules of the scorer, on hand-made analyses.
@Suite struct MashabilityTests {
    /// Relative and same keys must score at least this (0...1): "high".
    static let highFit = 0.85
    /// A tritone apart must score at most this unshifted: "low".
    static let lowFit = 0.1
    /// Tempo score (0...100) that counts as compatible.
    static let compatibleTempoScore = 90.0

    static func analysis(
        key: String, bpm: Double, vocal: Double = 0.1, brightness: Double = 2000,
        swing: Double = 0
    ) -> SongAnalysis {
        SongAnalysis(
            harmonic: HarmonicFeatures(key: key, keyConfidence: 0.8, chordProgression: [], chordComplexity: 0.2),
            rhythmic: RhythmicFeatures(bpm: bpm, beatConfidence: 0.9, grooveStability: 0.01, swingFactor: swing),
            spectral: SpectralFeatures(mfccs: [], dynamicRange: 10, brightness: brightness),
            vocal: VocalFeatures(vocalPresence: vocal))
    }

    @Test func relativeAndFifthKeysFitTritoneDoesNot() {
        let c = MusicalKey(parsing: "C major")!, am = MusicalKey(parsing: "A minor")!
        let g = MusicalKey(parsing: "G major")!, fSharp = MusicalKey(parsing: "F# major")!
        #expect(MashabilityScorer.keyCompatibility(c, c) == 1)
        #expect(MashabilityScorer.keyCompatibility(c, am) >= MashabilityTests.highFit)
        #expect(MashabilityScorer.keyCompatibility(c, g) >= 0.75)
        #expect(MashabilityScorer.keyCompatibility(c, fSharp) <= MashabilityTests.lowFit)
        #expect(MashabilityScorer.keyCompatibility(c, am) > MashabilityScorer.keyCompatibility(c, g))
        #expect(
            MashabilityScorer.keyCompatibility(c, g)
                > MashabilityScorer.keyCompatibility(c, MusicalKey(parsing: "D major")!))
    }

    @Test func relativeKeysScoreHighWithoutShift() {
        let s = MashabilityScorer().score(
            Self.analysis(key: "C major", bpm: 120), Self.analysis(key: "A minor", bpm: 120))
        #expect(s.dimensionScores.harmonic >= MashabilityTests.highFit * 100)
        #expect(s.compatibilityBreakdown?.harmonic.bestShiftSemitones == 0)
        #expect(s.compatibilityBreakdown?.harmonic.relation == "relative keys")
    }

    @Test func tritoneIsLowUnshiftedAndTheShiftIsReported() throws {
        let s = MashabilityScorer().score(
            Self.analysis(key: "C major", bpm: 120), Self.analysis(key: "F# major", bpm: 120))
        let h = try #require(s.compatibilityBreakdown?.harmonic)
        #expect(h.rawCompatibility <= MashabilityTests.lowFit)
        #expect(h.relation == "a tritone apart")
        // A semitone either way turns F# major into G or F major, a fifth neighbour of C major.
        #expect(abs(h.bestShiftSemitones) == 1)
        #expect(h.shiftedSong == 2)
        #expect(["G major", "F major"].contains(h.shiftedKey ?? ""))
        #expect(s.recommendations.contains { $0.hasPrefix("Shift song 2") })
    }

    @Test func shiftToTheSameKeyIsReportedWithDirection() throws {
        let s = MashabilityScorer().score(
            Self.analysis(key: "A minor", bpm: 120), Self.analysis(key: "B minor", bpm: 120))
        let h = try #require(s.compatibilityBreakdown?.harmonic)
        #expect(h.bestShiftSemitones == -2)
        #expect(h.shiftedSong == 2)
        #expect(h.shiftedKey == "A minor")
        #expect(
            s.recommendations.contains(
                "Shift song 2 down 2 semitones to A minor (same key with song 1's A minor); unshifted, A minor and B minor are 2 steps apart on the circle of fifths."
            ))
    }

    @Test func vocalSongsShiftAtMostThreeSemitones() throws {
        // E major to C major: 4 semitones down would be the same key, but both songs have vocals.
        let s = MashabilityScorer().score(
            Self.analysis(key: "C major", bpm: 120, vocal: 0.8),
            Self.analysis(key: "E major", bpm: 120, vocal: 0.8))
        let h = try #require(s.compatibilityBreakdown?.harmonic)
        #expect(abs(h.bestShiftSemitones) <= MashabilityScorer.vocalShiftLimit)
        #expect(h.shiftLimitSemitones == MashabilityScorer.vocalShiftLimit)
        let instrumental = MashabilityScorer().score(
            Self.analysis(key: "C major", bpm: 120),
            Self.analysis(key: "E major", bpm: 120))
        #expect(
            abs(instrumental.compatibilityBreakdown!.harmonic.bestShiftSemitones)
                <= MashabilityScorer.instrumentalShiftLimit)
    }

    @Test func halfAndDoubleTimeAreCompatible() throws {
        let s = MashabilityScorer().score(
            Self.analysis(key: "C major", bpm: 140), Self.analysis(key: "C major", bpm: 70))
        let r = try #require(s.compatibilityBreakdown?.rhythmic)
        #expect(s.dimensionScores.rhythmic >= MashabilityTests.compatibleTempoScore)
        #expect(r.tempoRelation == "double time")
        #expect(abs(r.stretchPercent) < 0.01)
        let far = MashabilityScorer().score(
            Self.analysis(key: "C major", bpm: 140), Self.analysis(key: "C major", bpm: 100))
        #expect(far.dimensionScores.rhythmic < 50)
        #expect(far.warnings.contains { $0.hasPrefix("Tempos are far apart") })
    }

    @Test func stretchPercentIsReported() throws {
        let s = MashabilityScorer().score(
            Self.analysis(key: "C major", bpm: 126), Self.analysis(key: "C major", bpm: 120))
        let r = try #require(s.compatibilityBreakdown?.rhythmic)
        #expect(abs(r.stretchPercent - 5) < 0.001)
        #expect(s.recommendations.contains("Time-stretch song 2 from 120.0 to 126.0 BPM (+5.0%)."))
    }

    @Test func twoStrongVocalsClash() {
        let both = MashabilityScorer().score(
            Self.analysis(key: "C major", bpm: 120, vocal: 0.9),
            Self.analysis(key: "C major", bpm: 120, vocal: 0.8))
        let one = MashabilityScorer().score(
            Self.analysis(key: "C major", bpm: 120, vocal: 0.9),
            Self.analysis(key: "C major", bpm: 120, vocal: 0.05))
        #expect(both.dimensionScores.vocal < one.dimensionScores.vocal)
        #expect(both.warnings.contains { $0.hasPrefix("Both songs have strong vocals") })
        #expect(one.recommendations.contains { $0.hasPrefix("Put song 1's vocals") })
    }

    @Test func complementaryBrightnessBeatsEqualBrightness() {
        let same = MashabilityScorer().score(
            Self.analysis(key: "C major", bpm: 120, brightness: 2000),
            Self.analysis(key: "C major", bpm: 120, brightness: 2050))
        let apart = MashabilityScorer().score(
            Self.analysis(key: "C major", bpm: 120, brightness: 1200),
            Self.analysis(key: "C major", bpm: 120, brightness: 2600))
        #expect(apart.dimensionScores.spectral > same.dimensionScores.spectral)
    }

    @Test func weightsAreNormalisedAndTheOverallIsTheirMean() throws {
        let a = Self.analysis(key: "C major", bpm: 120), b = Self.analysis(key: "D major", bpm: 110)
        let s = MashabilityScorer().score(
            a, b, weights: MashabilityWeights(harmonic: 2, rhythmic: 0, spectral: 0, vocal: 0))
        #expect(abs(s.overallScore - s.dimensionScores.harmonic) < 0.11)
    }

    @Test func wireShapeMatchesTheContract() throws {
        let request = """
            {"song1_analysis": {"version": "1.0-studio", "harmonic": {"key": "A minor", "key_confidence": 0.71,
              "chord_progression": ["Am", "F", "C", "G"], "chord_complexity": 0.17},
              "rhythmic": {"bpm": 124.0, "beat_confidence": 0.92, "groove_stability": 0.01, "swing_factor": 0.0},
              "spectral": {"mfccs": [[1, 2], [3, 4]], "dynamic_range": 14.2, "brightness": 2450.0},
              "vocal": {"vocal_presence": 0.63}},
             "song2_analysis": {"version": "1.0-studio", "harmonic": {"key": "N/A", "key_confidence": 0.0,
              "chord_progression": [], "chord_complexity": 0.0},
              "rhythmic": {"bpm": 62.0, "beat_confidence": 0.5, "groove_stability": 0.02, "swing_factor": 0.1},
              "spectral": {"mfccs": [], "dynamic_range": 8.0, "brightness": 1450.0},
              "vocal": {"vocal_presence": 0.1}},
             "user_weights": {"harmonic": 0.35, "rhythmic": 0.35, "spectral": 0.15, "vocal": 0.15}}
            """
        let decoded = try JSONDecoder().decode(MashabilityRequest.self, from: Data(request.utf8))
        let score = MashabilityScorer().score(decoded)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(score)) as! [String: Any]
        #expect(
            Set(json.keys) == [
                "overall_score", "dimension_scores", "compatibility_breakdown", "recommendations", "warnings",
            ])
        let dims = json["dimension_scores"] as! [String: Any]
        #expect(Set(dims.keys) == ["harmonic", "rhythmic", "spectral", "vocal"])
        #expect(score.dimensionScores.harmonic == 50)
        #expect(score.warnings.contains { $0.contains("key of song 2 could not be determined") })
        #expect(score.compatibilityBreakdown?.rhythmic.tempoRelation == "double time")
    }
}
