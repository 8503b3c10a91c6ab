// The scoring service's wire shapes (CONTRACTS.md, "Scoring service"): request with `song1_analysis`,
// `song2_analysis`, optional `user_weights`; response with `overall_score`, `dimension_scores`,
// `compatibility_breakdown`, `recommendations`, `warnings`. The breakdown is ours in detail; when a remote
// response's breakdown has another shape it decodes as nil rather than failing the whole response.

/// Weights of the four dimensions; normalised to sum 1 before use.
public struct MashabilityWeights: Codable, Sendable, Equatable {
    public var harmonic: Double
    public var rhythmic: Double
    public var spectral: Double
    public var vocal: Double

    /// The contract's defaults: 0.35, 0.35, 0.15, 0.15.
    public static let `default` = MashabilityWeights(harmonic: 0.35, rhythmic: 0.35, spectral: 0.15, vocal: 0.15)

    public init(harmonic: Double, rhythmic: Double, spectral: Double, vocal: Double) {
        self.harmonic = harmonic
        self.rhythmic = rhythmic
        self.spectral = spectral
        self.vocal = vocal
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MashabilityWeights.default
        harmonic = try c.decodeIfPresent(Double.self, forKey: .harmonic) ?? d.harmonic
        rhythmic = try c.decodeIfPresent(Double.self, forKey: .rhythmic) ?? d.rhythmic
        spectral = try c.decodeIfPresent(Double.self, forKey: .spectral) ?? d.spectral
        vocal = try c.decodeIfPresent(Double.self, forKey: .vocal) ?? d.vocal
    }

    /// Weights scaled to sum 1 (negative or non-finite weights count as 0; all zero gives the defaults).
    public var normalised: MashabilityWeights {
        let clean = [harmonic, rhythmic, spectral, vocal].map { $0.isFinite ? max(0, $0) : 0 }
        let sum = clean.reduce(0, +)
        guard sum > 0 else { return MashabilityWeights.default.normalised }
        return MashabilityWeights(
            harmonic: clean[0] / sum, rhythmic: clean[1] / sum, spectral: clean[2] / sum,
            vocal: clean[3] / sum)
    }
}

/// `POST /calculate-mashability` request body.
public struct MashabilityRequest: Codable, Sendable {
    public var song1Analysis: SongAnalysis
    public var song2Analysis: SongAnalysis
    public var userWeights: MashabilityWeights?

    enum CodingKeys: String, CodingKey {
        case song1Analysis = "song1_analysis"
        case song2Analysis = "song2_analysis"
        case userWeights = "user_weights"
    }

    public init(song1Analysis: SongAnalysis, song2Analysis: SongAnalysis, userWeights: MashabilityWeights? = nil) {
        self.song1Analysis = song1Analysis
        self.song2Analysis = song2Analysis
        self.userWeights = userWeights
    }
}

/// Scores per dimension, 0...100.
public struct DimensionScores: Codable, Sendable, Equatable {
    public var harmonic: Double
    public var rhythmic: Double
    public var spectral: Double
    public var vocal: Double

    public init(harmonic: Double, rhythmic: Double, spectral: Double, vocal: Double) {
        self.harmonic = harmonic
        self.rhythmic = rhythmic
        self.spectral = spectral
        self.vocal = vocal
    }
}

/// Key fit and the pitch shift that improves it.
public struct HarmonicCompatibility: Codable, Sendable, Equatable {
    public var key1: String
    public var key2: String
    /// "same key", "relative keys", "fifth neighbours", "parallel keys", "2 steps apart", ..., "unknown".
    public var relation: String
    /// Steps on the circle of fifths (relative keys share a position), 0...6; nil when a key is unknown.
    public var fifthsDistance: Int?
    /// Fit without shifting, 0...1.
    public var rawCompatibility: Double
    /// Semitones to shift `shiftedSong` (positive = up); 0 when no shift helps.
    public var bestShiftSemitones: Int
    /// 1 or 2: the song to shift; 0 for none.
    public var shiftedSong: Int
    /// The shifted song's key after the shift.
    public var shiftedKey: String?
    /// Fit after the shift, minus the shift's cost, 0...1.
    public var shiftedCompatibility: Double
    /// Largest shift allowed for the shifted song (3 for a song with vocals, 7 otherwise).
    public var shiftLimitSemitones: Int

    enum CodingKeys: String, CodingKey {
        case key1, key2, relation
        case fifthsDistance = "fifths_distance"
        case rawCompatibility = "raw_compatibility"
        case bestShiftSemitones = "best_shift_semitones"
        case shiftedSong = "shifted_song"
        case shiftedKey = "shifted_key"
        case shiftedCompatibility = "shifted_compatibility"
        case shiftLimitSemitones = "shift_limit_semitones"
    }
}

/// Tempo fit, with half/double time.
public struct RhythmicCompatibility: Codable, Sendable, Equatable {
    public var bpm1: Double
    public var bpm2: Double
    /// "same", "double time" (song 2 counted twice as fast) or "half time".
    public var tempoRelation: String
    /// Song 2's tempo change to meet song 1, in percent (positive = faster).
    public var stretchPercent: Double
    /// The tempo song 2 is stretched to (song 1's tempo, or its half/double).
    public var targetBPM: Double
    public var swingDifference: Double

    enum CodingKeys: String, CodingKey {
        case bpm1, bpm2
        case tempoRelation = "tempo_relation"
        case stretchPercent = "stretch_percent"
        case targetBPM = "target_bpm"
        case swingDifference = "swing_difference"
    }
}

/// Spectral balance.
public struct SpectralCompatibility: Codable, Sendable, Equatable {
    public var brightness1: Double
    public var brightness2: Double
    /// |log2(brightness1 / brightness2)|.
    public var brightnessDifferenceOctaves: Double
    /// Cosine similarity of the mean MFCCs 1-12 (-1...1; high = same timbre, same bands), nil when missing.
    public var timbreSimilarity: Double?
    public var dynamicRangeDifference: Double

    enum CodingKeys: String, CodingKey {
        case brightness1, brightness2
        case brightnessDifferenceOctaves = "brightness_difference_octaves"
        case timbreSimilarity = "timbre_similarity"
        case dynamicRangeDifference = "dynamic_range_difference_db"
    }
}

/// Vocal clash risk.
public struct VocalCompatibility: Codable, Sendable, Equatable {
    public var vocalPresence1: Double
    public var vocalPresence2: Double
    /// Product of the presences, 0...1.
    public var clashRisk: Double

    enum CodingKeys: String, CodingKey {
        case vocalPresence1 = "vocal_presence1"
        case vocalPresence2 = "vocal_presence2"
        case clashRisk = "clash_risk"
    }
}

/// The per-dimension details.
public struct CompatibilityBreakdown: Codable, Sendable, Equatable {
    public var harmonic: HarmonicCompatibility
    public var rhythmic: RhythmicCompatibility
    public var spectral: SpectralCompatibility
    public var vocal: VocalCompatibility
}

/// `POST /calculate-mashability` response.
public struct MashabilityScore: Codable, Sendable, Equatable {
    /// 0...100.
    public var overallScore: Double
    public var dimensionScores: DimensionScores
    /// Ours in detail; nil when decoding a remote breakdown of another shape.
    public var compatibilityBreakdown: CompatibilityBreakdown?
    public var recommendations: [String]
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case overallScore = "overall_score"
        case dimensionScores = "dimension_scores"
        case compatibilityBreakdown = "compatibility_breakdown"
        case recommendations, warnings
    }

    public init(
        overallScore: Double, dimensionScores: DimensionScores, compatibilityBreakdown: CompatibilityBreakdown?,
        recommendations: [String], warnings: [String]
    ) {
        self.overallScore = overallScore
        self.dimensionScores = dimensionScores
        self.compatibilityBreakdown = compatibilityBreakdown
        self.recommendations = recommendations
        self.warnings = warnings
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        overallScore = try c.decode(Double.self, forKey: .overallScore)
        dimensionScores = try c.decode(DimensionScores.self, forKey: .dimensionScores)
        compatibilityBreakdown = try? c.decodeIfPresent(CompatibilityBreakdown.self, forKey: .compatibilityBreakdown)
        recommendations = try c.decodeIfPresent([String].self, forKey: .recommendations) ?? []
        warnings = try c.decodeIfPresent([String].self, forKey: .warnings) ?? []
    }
}
