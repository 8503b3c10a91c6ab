// The analysis JSON of the contract (CONTRACTS.md, "Analysis service"), field names as on the wire, plus our
// own fields (beats, downbeats, energy, sections, duration, sample rate). Our fields are optional on decode so
// that analyses from the remote service, which lack them, decode too. Every number is finite: the encoder
// replaces a non-finite value by 0 (the contract's rule "NaN never appears").

/// One song's analysis, as the analysis service returns it in `analysis` (and as the embedded analyser emits it).
public struct SongAnalysis: Codable, Sendable, Equatable {
    /// Format version; the embedded analyser writes `SongAnalysis.currentVersion`.
    public var version: String
    public var harmonic: HarmonicFeatures
    public var rhythmic: RhythmicFeatures
    public var spectral: SpectralFeatures
    public var vocal: VocalFeatures
    /// Per-bar loudness (ours; absent in remote analyses).
    public var energy: [BarEnergy]?
    /// Bar-aligned sections labelled by energy (ours).
    public var sections: [SongSection]?
    /// Duration of the analysed audio in seconds (ours).
    public var durationSeconds: Double?
    /// Sample rate of the analysed input in Hz (ours).
    public var sampleRate: Double?

    /// The version string the embedded analyser writes.
    public static let currentVersion = "1.0-studio"

    enum CodingKeys: String, CodingKey {
        case version, harmonic, rhythmic, spectral, vocal, energy, sections
        case durationSeconds = "duration_sec"
        case sampleRate = "sample_rate"
    }

    public init(
        version: String = SongAnalysis.currentVersion, harmonic: HarmonicFeatures, rhythmic: RhythmicFeatures,
        spectral: SpectralFeatures, vocal: VocalFeatures, energy: [BarEnergy]? = nil,
        sections: [SongSection]? = nil, durationSeconds: Double? = nil, sampleRate: Double? = nil
    ) {
        self.version = version
        self.harmonic = harmonic
        self.rhythmic = rhythmic
        self.spectral = spectral
        self.vocal = vocal
        self.energy = energy
        self.sections = sections
        self.durationSeconds = durationSeconds
        self.sampleRate = sampleRate
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decodeIfPresent(String.self, forKey: .version) ?? SongAnalysis.currentVersion
        harmonic = try c.decode(HarmonicFeatures.self, forKey: .harmonic)
        rhythmic = try c.decode(RhythmicFeatures.self, forKey: .rhythmic)
        spectral = try c.decodeIfPresent(SpectralFeatures.self, forKey: .spectral) ?? SpectralFeatures()
        vocal = try c.decodeIfPresent(VocalFeatures.self, forKey: .vocal) ?? VocalFeatures(vocalPresence: 0)
        energy = try c.decodeIfPresent([BarEnergy].self, forKey: .energy)
        sections = try c.decodeIfPresent([SongSection].self, forKey: .sections)
        durationSeconds = try c.decodeIfPresent(Double.self, forKey: .durationSeconds)
        sampleRate = try c.decodeIfPresent(Double.self, forKey: .sampleRate)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(harmonic, forKey: .harmonic)
        try c.encode(rhythmic, forKey: .rhythmic)
        try c.encode(spectral, forKey: .spectral)
        try c.encode(vocal, forKey: .vocal)
        try c.encodeIfPresent(energy, forKey: .energy)
        try c.encodeIfPresent(sections, forKey: .sections)
        try c.encodeIfPresent(durationSeconds.map(finite), forKey: .durationSeconds)
        try c.encodeIfPresent(sampleRate.map(finite), forKey: .sampleRate)
    }
}

/// `value` when finite, else 0 (the contract never carries NaN or infinities).
@inline(__always)
func finite(_ value: Double) -> Double { value.isFinite ? value : 0 }

/// Key, chords and harmonic complexity.
public struct HarmonicFeatures: Codable, Sendable, Equatable {
    /// "A minor", "C major", or "N/A" for silent or atonal audio.
    public var key: String
    /// 0...1: how clearly the chroma matches the key profile.
    public var keyConfidence: Double
    /// The distinct triads heard, in order of first appearance ("Am", "F", "C", "G").
    public var chordProgression: [String]
    /// 0...1: share of harmony beyond plain triads and the variety of chords (see docs/README-analysis.md).
    public var chordComplexity: Double
    /// The keys in order when the song modulates (one segment when it does not; ours, absent when "N/A").
    public var keySegments: [KeySegment]?
    /// Deviation of the song's tuning from A = 440 Hz, in cents (ours).
    public var tuningCents: Double?
    /// Share of the 150-2000 Hz power in sustained partials, 0...1: below 0.12 there is no key (ours).
    public var tonalness: Double?
    /// Share of the sounding time in which sustained partials carry at least a tenth of the 150-2000 Hz power, 0...1:
    /// below a third there is no key either (tom rings after hits; ours).
    public var tonalTimeShare: Double?
    /// Share of the sustained partials' power whose pitch glides (a semitone per second or faster, one way), 0...1:
    /// above a half there is no key either (a sine sweep; ours).
    public var glideShare: Double?

    enum CodingKeys: String, CodingKey {
        case key
        case keyConfidence = "key_confidence"
        case chordProgression = "chord_progression"
        case chordComplexity = "chord_complexity"
        case keySegments = "key_segments"
        case tuningCents = "tuning_cents"
        case tonalness
        case tonalTimeShare = "tonal_time_share"
        case glideShare = "glide_share"
    }

    public init(
        key: String, keyConfidence: Double, chordProgression: [String], chordComplexity: Double,
        keySegments: [KeySegment]? = nil, tuningCents: Double? = nil, tonalness: Double? = nil,
        tonalTimeShare: Double? = nil, glideShare: Double? = nil
    ) {
        self.key = key
        self.keyConfidence = keyConfidence
        self.chordProgression = chordProgression
        self.chordComplexity = chordComplexity
        self.keySegments = keySegments
        self.tuningCents = tuningCents
        self.tonalness = tonalness
        self.tonalTimeShare = tonalTimeShare
        self.glideShare = glideShare
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decodeIfPresent(String.self, forKey: .key) ?? "N/A"
        keyConfidence = try c.decodeIfPresent(Double.self, forKey: .keyConfidence) ?? 0
        chordProgression = try c.decodeIfPresent([String].self, forKey: .chordProgression) ?? []
        chordComplexity = try c.decodeIfPresent(Double.self, forKey: .chordComplexity) ?? 0
        keySegments = try c.decodeIfPresent([KeySegment].self, forKey: .keySegments)
        tuningCents = try c.decodeIfPresent(Double.self, forKey: .tuningCents)
        tonalness = try c.decodeIfPresent(Double.self, forKey: .tonalness)
        tonalTimeShare = try c.decodeIfPresent(Double.self, forKey: .tonalTimeShare)
        glideShare = try c.decodeIfPresent(Double.self, forKey: .glideShare)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encode(finite(keyConfidence), forKey: .keyConfidence)
        try c.encode(chordProgression, forKey: .chordProgression)
        try c.encode(finite(chordComplexity), forKey: .chordComplexity)
        try c.encodeIfPresent(keySegments, forKey: .keySegments)
        try c.encodeIfPresent(tuningCents.map(finite), forKey: .tuningCents)
        try c.encodeIfPresent(tonalness.map(finite), forKey: .tonalness)
        try c.encodeIfPresent(tonalTimeShare.map(finite), forKey: .tonalTimeShare)
        try c.encodeIfPresent(glideShare.map(finite), forKey: .glideShare)
    }
}

/// A stretch of a song in one key.
public struct KeySegment: Codable, Sendable, Equatable {
    public var startSeconds: Double
    public var endSeconds: Double
    /// "A minor", "C major".
    public var key: String
    /// 0...1, calibrated like `key_confidence`.
    public var confidence: Double

    enum CodingKeys: String, CodingKey {
        case startSeconds = "start_sec"
        case endSeconds = "end_sec"
        case key, confidence
    }

    public init(startSeconds: Double, endSeconds: Double, key: String, confidence: Double) {
        self.startSeconds = startSeconds
        self.endSeconds = endSeconds
        self.key = key
        self.confidence = confidence
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(finite(startSeconds), forKey: .startSeconds)
        try c.encode(finite(endSeconds), forKey: .endSeconds)
        try c.encode(key, forKey: .key)
        try c.encode(finite(confidence), forKey: .confidence)
    }
}

/// A metrical level the tempo could be read at, with its probability.
public struct TempoCandidate: Codable, Sendable, Equatable {
    public var bpm: Double
    /// Probability that listeners tap at this level, 0...1 (the candidates sum to 1).
    public var score: Double

    public init(bpm: Double, score: Double) {
        self.bpm = bpm
        self.score = score
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(finite(bpm), forKey: .bpm)
        try c.encode(finite(score), forKey: .score)
    }
}

/// The local tempo at one beat.
public struct TempoPoint: Codable, Sendable, Equatable {
    /// Beat time in seconds.
    public var timeSeconds: Double
    /// Local tempo in BPM (from the intervals of the surrounding beats).
    public var bpm: Double

    enum CodingKeys: String, CodingKey {
        case timeSeconds = "time_sec"
        case bpm
    }

    public init(timeSeconds: Double, bpm: Double) {
        self.timeSeconds = timeSeconds
        self.bpm = bpm
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(finite(timeSeconds), forKey: .timeSeconds)
        try c.encode(finite(bpm), forKey: .bpm)
    }
}

/// Tempo, beat grid and groove.
public struct RhythmicFeatures: Codable, Sendable, Equatable {
    /// Tempo in BPM (60...200 for the embedded analyser; 0 when the audio is too short to track). For audio without
    /// a pulse (`hasPulse` false) it is the tracker's guess, with `bpm_confidence` near 0.
    public var bpm: Double
    /// 0...1: how strongly onsets line up with the beat grid.
    public var beatConfidence: Double
    /// Coefficient of variation of the inter-beat intervals (0 = perfectly steady; 0.01 = 1% jitter).
    public var grooveStability: Double
    /// 0 (straight eighths) ... 1 (triplet swing: the off-beat eighth at 2/3 of the beat).
    public var swingFactor: Double
    /// Beat times in seconds (ours).
    public var beats: [Double]?
    /// Bar-start times in seconds (ours; 4/4 assumed).
    public var downbeats: [Double]?
    /// Beats per bar used for `downbeats` (ours).
    public var beatsPerBar: Int?
    /// Probability that `bpm` is the metrical level listeners tap, 0...1 (ours).
    public var bpmConfidence: Double?
    /// The metrical levels considered (half, chosen, double ...), slowest first, with probabilities (ours).
    public var tempoCandidates: [TempoCandidate]?
    /// Local tempo at every beat (ours): follows drift.
    public var tempoCurve: [TempoPoint]?
    /// 0...1: how periodic the onsets are (ours): at most 0.06 for generated noise, speech-like babble, rain and
    /// notes at random times; 0.13 and more for the evaluation set's generated songs, 0.16 and more for every song
    /// and excerpt of its tune halves with a tempo truth. Absent (a service's analysis) means not measured.
    public var pulseClarity: Double?

    /// Whether the beats describe a pulse: false when the pulse clarity was measured below
    /// `PulseClarity.minimum` (noise, speech, a drone), true when it was not measured.
    public var hasPulse: Bool { PulseClarity.hasPulse(pulseClarity) }

    enum CodingKeys: String, CodingKey {
        case bpm
        case beatConfidence = "beat_confidence"
        case grooveStability = "groove_stability"
        case swingFactor = "swing_factor"
        case beats, downbeats
        case beatsPerBar = "beats_per_bar"
        case bpmConfidence = "bpm_confidence"
        case tempoCandidates = "tempo_candidates"
        case tempoCurve = "tempo_curve"
        case pulseClarity = "pulse_clarity"
    }

    public init(
        bpm: Double, beatConfidence: Double, grooveStability: Double, swingFactor: Double,
        beats: [Double]? = nil, downbeats: [Double]? = nil, beatsPerBar: Int? = nil,
        bpmConfidence: Double? = nil, tempoCandidates: [TempoCandidate]? = nil, tempoCurve: [TempoPoint]? = nil,
        pulseClarity: Double? = nil
    ) {
        self.bpm = bpm
        self.beatConfidence = beatConfidence
        self.grooveStability = grooveStability
        self.swingFactor = swingFactor
        self.beats = beats
        self.downbeats = downbeats
        self.beatsPerBar = beatsPerBar
        self.bpmConfidence = bpmConfidence
        self.tempoCandidates = tempoCandidates
        self.tempoCurve = tempoCurve
        self.pulseClarity = pulseClarity
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        bpm = try c.decodeIfPresent(Double.self, forKey: .bpm) ?? 0
        beatConfidence = try c.decodeIfPresent(Double.self, forKey: .beatConfidence) ?? 0
        grooveStability = try c.decodeIfPresent(Double.self, forKey: .grooveStability) ?? 0
        swingFactor = try c.decodeIfPresent(Double.self, forKey: .swingFactor) ?? 0
        beats = try c.decodeIfPresent([Double].self, forKey: .beats)
        downbeats = try c.decodeIfPresent([Double].self, forKey: .downbeats)
        beatsPerBar = try c.decodeIfPresent(Int.self, forKey: .beatsPerBar)
        bpmConfidence = try c.decodeIfPresent(Double.self, forKey: .bpmConfidence)
        tempoCandidates = try c.decodeIfPresent([TempoCandidate].self, forKey: .tempoCandidates)
        tempoCurve = try c.decodeIfPresent([TempoPoint].self, forKey: .tempoCurve)
        pulseClarity = try c.decodeIfPresent(Double.self, forKey: .pulseClarity)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(finite(bpm), forKey: .bpm)
        try c.encode(finite(beatConfidence), forKey: .beatConfidence)
        try c.encode(finite(grooveStability), forKey: .grooveStability)
        try c.encode(finite(swingFactor), forKey: .swingFactor)
        try c.encodeIfPresent(beats?.map(finite), forKey: .beats)
        try c.encodeIfPresent(downbeats?.map(finite), forKey: .downbeats)
        try c.encodeIfPresent(beatsPerBar, forKey: .beatsPerBar)
        try c.encodeIfPresent(bpmConfidence.map(finite), forKey: .bpmConfidence)
        try c.encodeIfPresent(tempoCandidates, forKey: .tempoCandidates)
        try c.encodeIfPresent(tempoCurve, forKey: .tempoCurve)
        try c.encodeIfPresent(pulseClarity.map(finite), forKey: .pulseClarity)
    }
}

/// Timbre, dynamics and brightness.
public struct SpectralFeatures: Codable, Sendable, Equatable {
    /// 13 rows (MFCC 0...12), each the coefficient's values over time (one column per `mfccHopSeconds`).
    public var mfccs: [[Double]]
    /// Loud-to-quiet spread of short-term RMS in dB (95th minus 10th percentile of non-silent 0.4 s windows).
    public var dynamicRange: Double
    /// Mean spectral centroid in Hz (magnitude-weighted per frame, averaged over audible frames).
    public var brightness: Double
    /// Seconds between MFCC columns (ours).
    public var mfccHopSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case mfccs
        case dynamicRange = "dynamic_range"
        case brightness
        case mfccHopSeconds = "mfcc_hop_sec"
    }

    public init(mfccs: [[Double]] = [], dynamicRange: Double = 0, brightness: Double = 0, mfccHopSeconds: Double? = nil)
    {
        self.mfccs = mfccs
        self.dynamicRange = dynamicRange
        self.brightness = brightness
        self.mfccHopSeconds = mfccHopSeconds
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mfccs = try c.decodeIfPresent([[Double]].self, forKey: .mfccs) ?? []
        dynamicRange = try c.decodeIfPresent(Double.self, forKey: .dynamicRange) ?? 0
        brightness = try c.decodeIfPresent(Double.self, forKey: .brightness) ?? 0
        mfccHopSeconds = try c.decodeIfPresent(Double.self, forKey: .mfccHopSeconds)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mfccs.map { $0.map(finite) }, forKey: .mfccs)
        try c.encode(finite(dynamicRange), forKey: .dynamicRange)
        try c.encode(finite(brightness), forKey: .brightness)
        try c.encodeIfPresent(mfccHopSeconds.map(finite), forKey: .mfccHopSeconds)
    }

    /// The mean of each MFCC row (13 values, or fewer when rows are missing).
    public var meanMFCCs: [Double] {
        mfccs.map { row in row.isEmpty ? 0 : row.reduce(0, +) / Double(row.count) }
    }
}

/// Singing voice.
public struct VocalFeatures: Codable, Sendable, Equatable {
    /// 0...1: how much of the song carries a centre-panned, pitch-fluctuating harmonic voice (see the estimator).
    public var vocalPresence: Double

    enum CodingKeys: String, CodingKey { case vocalPresence = "vocal_presence" }

    public init(vocalPresence: Double) { self.vocalPresence = vocalPresence }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocalPresence = try c.decodeIfPresent(Double.self, forKey: .vocalPresence) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(finite(vocalPresence), forKey: .vocalPresence)
    }
}

/// Loudness of one bar.
public struct BarEnergy: Codable, Sendable, Equatable {
    /// Bar start in seconds.
    public var startSeconds: Double
    /// Bar end in seconds.
    public var endSeconds: Double
    /// RMS level of the bar in dBFS (mono downmix), at least -120.
    public var rmsDecibels: Double
    /// Energy label against the song's loudest bar (ours; absent in older analyses).
    public var label: SongSection.EnergyLabel?

    enum CodingKeys: String, CodingKey {
        case startSeconds = "start_sec"
        case endSeconds = "end_sec"
        case rmsDecibels = "rms_db"
        case label
    }

    public init(startSeconds: Double, endSeconds: Double, rmsDecibels: Double, label: SongSection.EnergyLabel? = nil) {
        self.startSeconds = startSeconds
        self.endSeconds = endSeconds
        self.rmsDecibels = rmsDecibels
        self.label = label
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(finite(startSeconds), forKey: .startSeconds)
        try c.encode(finite(endSeconds), forKey: .endSeconds)
        try c.encode(finite(rmsDecibels), forKey: .rmsDecibels)
        try c.encodeIfPresent(label, forKey: .label)
    }
}

/// A stretch of the song between two novelty boundaries, aligned to bar lines.
public struct SongSection: Codable, Sendable, Equatable {
    /// Energy label of a section relative to the song's loudest section.
    public enum EnergyLabel: String, Codable, Sendable { case low, mid, high }
    /// Part of the song a section plays, from repetition and energy.
    public enum Role: String, Codable, Sendable { case intro, verse, chorus, breakdown, outro }

    /// Start in seconds (a downbeat, or 0 for the first section).
    public var startSeconds: Double
    /// End in seconds (a downbeat, or the song's end).
    public var endSeconds: Double
    /// Number of bars in the section.
    public var barCount: Int
    /// Mean RMS level in dBFS.
    public var rmsDecibels: Double
    public var label: EnergyLabel
    /// intro, verse, chorus, breakdown or outro (ours; absent in older analyses).
    public var role: Role?
    /// Sections with the same group number repeat the same material (ours).
    public var repeatGroup: Int?

    enum CodingKeys: String, CodingKey {
        case startSeconds = "start_sec"
        case endSeconds = "end_sec"
        case barCount = "bar_count"
        case rmsDecibels = "rms_db"
        case label, role
        case repeatGroup = "repeat_group"
    }

    public init(
        startSeconds: Double, endSeconds: Double, barCount: Int, rmsDecibels: Double, label: EnergyLabel,
        role: Role? = nil, repeatGroup: Int? = nil
    ) {
        self.startSeconds = startSeconds
        self.endSeconds = endSeconds
        self.barCount = barCount
        self.rmsDecibels = rmsDecibels
        self.label = label
        self.role = role
        self.repeatGroup = repeatGroup
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(finite(startSeconds), forKey: .startSeconds)
        try c.encode(finite(endSeconds), forKey: .endSeconds)
        try c.encode(barCount, forKey: .barCount)
        try c.encode(finite(rmsDecibels), forKey: .rmsDecibels)
        try c.encode(label, forKey: .label)
        try c.encodeIfPresent(role, forKey: .role)
        try c.encodeIfPresent(repeatGroup, forKey: .repeatGroup)
    }
}
