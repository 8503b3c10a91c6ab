// Design: mashability of two songs from their analyses (after AutoMashUpper's ingredients: harmony over key
// shifts, tempo, spectral balance), each dimension 0...1, reported ×100.
// - Harmonic: key fit by distance on the circle of fifths, relative major/minor sharing a position
//   (same key 1.0, relative 0.9, fifth neighbour 0.8 (0.7 across modes), parallel 0.55, then 0.5, 0.3, 0.15,
//   0.08 and 0.02 for the tritone). Every shift of either song within its limit (±3 semitones for a song with
//   vocal presence ≥ 0.35, a voice shifted further sounds unnatural; ±7 otherwise) is tried; a shift costs
//   0.02·|s| + 0.01·s² (1 st: 0.03, 2: 0.08, 3: 0.15, 6: 0.48). The dimension is the better of the unshifted
//   fit and the best shifted fit; unknown keys ("N/A") score a neutral 0.5.
// - Rhythmic: song 2 is counted at its tempo, double or half (70 and 140 BPM are compatible); the smallest
//   stretch s (in %) wins and scores 1 / (1 + (s / 8)²) (4%: 0.8, 8%: 0.5, 16%: 0.2), × 0.95 for half/double
//   time, × (1 − 0.3 × swing difference). Unknown tempos score 0.5.
// - Spectral: brightness apart by about an octave fills the spectrum together (1.0); equal brightness means
//   the two fight in the same bands (0.6); more than 1.5 octaves apart drifts down to 0.5. The mean-MFCC
//   similarity (same timbre) takes up to 20% off, and unequal dynamic ranges up to 25%.
// - Vocal: 1 − presence1 × presence2 (two strong vocals clash).
// Recommendations and warnings are sentences built from these numbers.
import Foundation

/// Scores a pair of analyses: the embedded default of the scoring service.
public struct MashabilityScorer: Sendable {
    /// Vocal presence from which a song counts as having vocals (shift limit ±3 semitones).
    public static let vocalPresenceThreshold = 0.35
    /// Largest pitch shift for a song with vocals, in semitones.
    public static let vocalShiftLimit = 3
    /// Largest pitch shift for an instrumental, in semitones.
    public static let instrumentalShiftLimit = 7

    public init() {}

    /// Scores the request's pair with its weights (defaults when absent).
    public func score(_ request: MashabilityRequest) -> MashabilityScore {
        score(request.song1Analysis, request.song2Analysis, weights: request.userWeights ?? .default)
    }

    /// Scores songs 1 and 2.
    public func score(
        _ song1: SongAnalysis, _ song2: SongAnalysis,
        weights: MashabilityWeights = .default
    ) -> MashabilityScore {
        var recommendations = [String]()
        var warnings = [String]()
        let (harmonicScore, harmonic) = harmonicDimension(song1, song2, &recommendations, &warnings)
        let (rhythmicScore, rhythmic) = rhythmicDimension(song1.rhythmic, song2.rhythmic, &recommendations, &warnings)
        let (spectralScore, spectral) = spectralDimension(song1.spectral, song2.spectral, &recommendations, &warnings)
        let (vocalScore, vocal) = vocalDimension(
            song1.vocal.vocalPresence, song2.vocal.vocalPresence,
            &recommendations, &warnings)
        let w = weights.normalised
        let overall =
            w.harmonic * harmonicScore + w.rhythmic * rhythmicScore + w.spectral * spectralScore
            + w.vocal * vocalScore
        func percent(_ x: Double) -> Double { (finite(x) * 1000).rounded() / 10 }
        return MashabilityScore(
            overallScore: percent(overall),
            dimensionScores: DimensionScores(
                harmonic: percent(harmonicScore), rhythmic: percent(rhythmicScore),
                spectral: percent(spectralScore), vocal: percent(vocalScore)),
            compatibilityBreakdown: CompatibilityBreakdown(
                harmonic: harmonic, rhythmic: rhythmic, spectral: spectral,
                vocal: vocal),
            recommendations: recommendations, warnings: warnings)
    }

    // MARK: Harmonic

    /// Fit of two keys, 0...1 (see the design note).
    public static func keyCompatibility(_ a: MusicalKey, _ b: MusicalKey) -> Double {
        if a == b { return 1 }
        if a.tonic == b.tonic { return 0.55 } // parallel major/minor
        let d = a.fifthsDistance(to: b)
        switch d {
        case 0: return 0.9
        case 1: return a.mode == b.mode ? 0.8 : 0.7
        case 2: return 0.5
        case 3: return 0.3
        case 4: return 0.15
        case 5: return 0.08
        default: return 0.02
        }
    }

    /// The cost of shifting a song by `semitones`, 0...1.
    public static func shiftCost(_ semitones: Int) -> Double {
        let s = Double(abs(semitones))
        return 0.02 * s + 0.01 * s * s
    }

    static func relation(_ a: MusicalKey, _ b: MusicalKey) -> String {
        if a == b { return "same key" }
        if a.tonic == b.tonic { return "parallel keys" }
        let d = a.fifthsDistance(to: b)
        switch d {
        case 0: return "relative keys"
        case 1: return "fifth neighbours"
        case 6: return "a tritone apart"
        default: return "\(d) steps apart on the circle of fifths"
        }
    }

    func harmonicDimension(
        _ song1: SongAnalysis, _ song2: SongAnalysis, _ recommendations: inout [String],
        _ warnings: inout [String]
    ) -> (Double, HarmonicCompatibility) {
        let name1 = song1.harmonic.key, name2 = song2.harmonic.key
        let limit1 =
            song1.vocal.vocalPresence >= MashabilityScorer.vocalPresenceThreshold
            ? MashabilityScorer.vocalShiftLimit : MashabilityScorer.instrumentalShiftLimit
        let limit2 =
            song2.vocal.vocalPresence >= MashabilityScorer.vocalPresenceThreshold
            ? MashabilityScorer.vocalShiftLimit : MashabilityScorer.instrumentalShiftLimit
        guard let key1 = MusicalKey(parsing: name1), let key2 = MusicalKey(parsing: name2) else {
            let unknown = MusicalKey(parsing: name1) == nil ? 1 : 2
            warnings.append(
                "The key of song \(unknown) could not be determined (\(unknown == 1 ? name1 : name2)): "
                    + "check by ear before layering melodic parts.")
            return (
                0.5,
                HarmonicCompatibility(
                    key1: name1, key2: name2, relation: "unknown", fifthsDistance: nil,
                    rawCompatibility: 0.5, bestShiftSemitones: 0, shiftedSong: 0,
                    shiftedKey: nil, shiftedCompatibility: 0.5,
                    shiftLimitSemitones: max(limit1, limit2))
            )
        }
        let raw = MashabilityScorer.keyCompatibility(key1, key2)
        // Best shift: song 2 first (the usual practice: fit the second song to the first), then song 1.
        var best = (song: 0, shift: 0, value: raw)
        for (song, limit) in [(2, limit2), (1, limit1)] {
            for magnitude in 1...limit {
                for shift in [-magnitude, magnitude] {
                    let value =
                        song == 2
                        ? MashabilityScorer.keyCompatibility(key1, key2.transposed(by: shift))
                        : MashabilityScorer.keyCompatibility(key1.transposed(by: shift), key2)
                    let net = value - MashabilityScorer.shiftCost(shift)
                    if net > best.value + 1e-9 { best = (song, shift, net) }
                }
            }
        }
        let shiftedKey: MusicalKey? =
            best.song == 0
            ? nil
            : (best.song == 2 ? key2.transposed(by: best.shift) : key1.transposed(by: best.shift))
        let relationText = MashabilityScorer.relation(key1, key2)
        if let shiftedKey {
            let other = best.song == 2 ? key1 : key2
            let direction = best.shift > 0 ? "up" : "down"
            let count = abs(best.shift)
            recommendations.append(
                "Shift song \(best.song) \(direction) \(count) semitone\(count == 1 ? "" : "s") to "
                    + "\(shiftedKey) (\(MashabilityScorer.relation(shiftedKey, other)) with song "
                    + "\(best.song == 2 ? 1 : 2)'s \(other)); unshifted, \(key1) and \(key2) are "
                    + "\(relationText).")
        } else if key1 == key2 {
            recommendations.append("Keys already fit: both songs are in \(key1); no pitch shift needed.")
        } else if raw >= 0.7 {
            recommendations.append("Keys already fit: \(key1) and \(key2) are \(relationText); no pitch shift needed.")
        }
        let score = max(raw, best.value)
        if score < 0.4 {
            warnings.append(
                "Keys clash: \(key1) and \(key2) are \(relationText), and no shift within the limits "
                    + "(±\(limit1) for song 1, ±\(limit2) for song 2) fixes it; layer drums or spoken parts "
                    + "rather than melodies.")
        }
        let detail = HarmonicCompatibility(
            key1: key1.description, key2: key2.description, relation: relationText,
            fifthsDistance: key1.fifthsDistance(to: key2), rawCompatibility: raw, bestShiftSemitones: best.shift,
            shiftedSong: best.song, shiftedKey: shiftedKey?.description, shiftedCompatibility: best.value,
            shiftLimitSemitones: best.song == 1 ? limit1 : limit2)
        return (score, detail)
    }

    // MARK: Rhythmic

    func rhythmicDimension(
        _ a: RhythmicFeatures, _ b: RhythmicFeatures, _ recommendations: inout [String],
        _ warnings: inout [String]
    ) -> (Double, RhythmicCompatibility) {
        let swingDifference = abs(a.swingFactor - b.swingFactor)
        guard a.bpm > 0, b.bpm > 0 else {
            warnings.append("The tempo of song \(a.bpm > 0 ? 2 : 1) is unknown: align the songs by ear.")
            return (
                0.5,
                RhythmicCompatibility(
                    bpm1: a.bpm, bpm2: b.bpm, tempoRelation: "unknown", stretchPercent: 0,
                    targetBPM: a.bpm, swingDifference: swingDifference)
            )
        }
        // Song 2 counted at ratio r; the stretch makes bpm2 · r meet bpm1.
        var best = (ratio: 1.0, stretch: (a.bpm / b.bpm - 1) * 100)
        for r in [2.0, 0.5] {
            let stretch = (a.bpm / (b.bpm * r) - 1) * 100
            if abs(stretch) + 0.5 < abs(best.stretch) { best = (r, stretch) }
        }
        let magnitude = abs(best.stretch)
        var value = 1 / (1 + (magnitude / 8) * (magnitude / 8))
        if best.ratio != 1 { value *= 0.95 }
        value *= 1 - 0.3 * min(1, swingDifference)
        let relation = best.ratio == 1 ? "same" : (best.ratio == 2 ? "double time" : "half time")
        let target = a.bpm / best.ratio
        let bpmText = String(format: "%.1f", b.bpm), targetText = String(format: "%.1f", target)
        let stretchText = String(format: "%+.1f%%", best.stretch)
        if best.ratio != 1 {
            recommendations.append(
                "Song 2 (\(bpmText) BPM) pairs with song 1 (\(String(format: "%.1f", a.bpm)) BPM) "
                    + "in \(relation): count it \(best.ratio == 2 ? "twice as fast" : "half as fast").")
        }
        if magnitude < 1 {
            recommendations.append(
                "Tempos already match within 1% (\(String(format: "%.1f", a.bpm)) and \(bpmText) BPM).")
        } else if magnitude <= 10 {
            recommendations.append("Time-stretch song 2 from \(bpmText) to \(targetText) BPM (\(stretchText)).")
        } else {
            let middle = (a.bpm * b.bpm * best.ratio).squareRoot()
            warnings.append(
                "Tempos are far apart: song 2 needs \(stretchText) to reach \(targetText) BPM, which "
                    + "will be audible; meet in the middle at \(String(format: "%.1f", middle)) BPM or use "
                    + "one song's rhythm only.")
        }
        if swingDifference >= 0.4 {
            warnings.append(
                "The grooves differ (swing \(String(format: "%.2f", a.swingFactor)) vs "
                    + "\(String(format: "%.2f", b.swingFactor))): straight and swung parts will rub.")
        }
        return (
            value,
            RhythmicCompatibility(
                bpm1: a.bpm, bpm2: b.bpm, tempoRelation: relation,
                stretchPercent: best.stretch, targetBPM: target,
                swingDifference: swingDifference)
        )
    }

    // MARK: Spectral

    func spectralDimension(
        _ a: SpectralFeatures, _ b: SpectralFeatures, _ recommendations: inout [String],
        _ warnings: inout [String]
    ) -> (Double, SpectralCompatibility) {
        let octaves = a.brightness > 0 && b.brightness > 0 ? abs(log2(a.brightness / b.brightness)) : 0
        let known = a.brightness > 0 && b.brightness > 0
        var value: Double
        if !known {
            value = 0.5
        } else if octaves <= 1.5 {
            value = 0.6 + 0.4 * min(1, octaves / 0.5)
        } else {
            value = max(0.5, 1 - 0.25 * (octaves - 1.5))
        }
        var similarity: Double?
        let m1 = a.meanMFCCs, m2 = b.meanMFCCs
        if m1.count >= 13, m2.count >= 13 {
            let x = Array(m1[1...12]), y = Array(m2[1...12])
            var dot = 0.0, nx = 0.0, ny = 0.0
            for i in 0..<12 { dot += x[i] * y[i]; nx += x[i] * x[i]; ny += y[i] * y[i] }
            if nx > 0, ny > 0 {
                let s = dot / (nx * ny).squareRoot()
                similarity = s
                value *= 1 - 0.2 * max(0, s)
            }
        }
        let dynamicDifference = abs(a.dynamicRange - b.dynamicRange)
        value *= 0.75 + 0.25 / (1 + (dynamicDifference / 10) * (dynamicDifference / 10))
        if known && octaves < 0.25 {
            warnings.append(
                "Both songs are equally bright (\(Int(a.brightness.rounded())) and "
                    + "\(Int(b.brightness.rounded())) Hz spectral centroid): they compete in the same bands; "
                    + "high-pass or dip one of them where the other is strong.")
        } else if known && octaves >= 0.5 && octaves <= 1.5 {
            let darker = a.brightness < b.brightness ? 1 : 2
            recommendations.append(
                "Song \(darker) is darker (\(Int(min(a.brightness, b.brightness).rounded())) Hz vs "
                    + "\(Int(max(a.brightness, b.brightness).rounded())) Hz): let it carry the low end "
                    + "and song \(3 - darker) the top.")
        }
        if dynamicDifference >= 8 {
            warnings.append(
                "Dynamic ranges differ by \(Int(dynamicDifference.rounded())) dB: compress the more "
                    + "dynamic song (\(a.dynamicRange > b.dynamicRange ? 1 : 2)) so it does not vanish under the other."
            )
        }
        return (
            value,
            SpectralCompatibility(
                brightness1: a.brightness, brightness2: b.brightness,
                brightnessDifferenceOctaves: octaves, timbreSimilarity: similarity,
                dynamicRangeDifference: dynamicDifference)
        )
    }

    // MARK: Vocal

    func vocalDimension(
        _ v1: Double, _ v2: Double, _ recommendations: inout [String],
        _ warnings: inout [String]
    ) -> (Double, VocalCompatibility) {
        let p1 = min(1, max(0, v1)), p2 = min(1, max(0, v2))
        let clash = p1 * p2
        let t = MashabilityScorer.vocalPresenceThreshold
        let text1 = String(format: "%.2f", p1), text2 = String(format: "%.2f", p2)
        if p1 >= 0.5 && p2 >= 0.5 {
            warnings.append(
                "Both songs have strong vocals (presence \(text1) and \(text2)): alternate them "
                    + "rather than layering them.")
        } else if p1 >= t && p2 < t {
            recommendations.append("Put song 1's vocals (presence \(text1)) over song 2's instrumental (\(text2)).")
        } else if p2 >= t && p1 < t {
            recommendations.append("Put song 2's vocals (presence \(text2)) over song 1's instrumental (\(text1)).")
        } else if p1 < t && p2 < t {
            recommendations.append(
                "Neither song has a strong vocal (presence \(text1) and \(text2)): build the "
                    + "mashup on hooks and riffs.")
        }
        return (1 - clash, VocalCompatibility(vocalPresence1: p1, vocalPresence2: p2, clashRisk: clash))
    }
}
