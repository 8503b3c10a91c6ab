import Foundation

/// Everything the render decided and measured, written as JSON beside the audio (`NAME.json`) and drawn by the
/// HTML/SVG report. Keys are snake_case on the wire. Times in seconds, levels in dB/LUFS, tempo in BPM.
public struct RenderReport: Codable, Sendable, Equatable {
    /// Engine version that produced the render.
    public var engineVersion: String
    public var title: String
    public var artistCredits: String
    public var creativeVision: String
    /// The output file's name (relative to the report), e.g. "mashup.wav".
    public var audioFile: String
    public var targetBPM: Double
    /// e.g. "A minor"; nil when the plan gave no key (no shifting then).
    public var targetKey: String?
    public var beatsPerBar: Int
    public var sampleRate: Double
    /// Length of the output in seconds.
    public var durationSeconds: Double
    public var songs: [Song]
    public var sections: [Section]
    public var problemsAndSolutions: [ProblemAndSolution]
    public var loudness: Loudness
    public var warnings: [String]
    /// Wall time per stage in seconds ("analysis", "stems", "layers", "master"), and "master_passes".
    public var stageSeconds: [String: Double]
    /// Cache hits of this render by kind ("stretch", "analysis", "stems"); nil in older reports.
    public var cacheHits: [String: Int]?

    public init(
        engineVersion: String, title: String, artistCredits: String, creativeVision: String, audioFile: String,
        targetBPM: Double, targetKey: String?, beatsPerBar: Int, sampleRate: Double, durationSeconds: Double,
        songs: [Song], sections: [Section], problemsAndSolutions: [ProblemAndSolution], loudness: Loudness,
        warnings: [String], stageSeconds: [String: Double]
    ) {
        self.engineVersion = engineVersion
        self.title = title
        self.artistCredits = artistCredits
        self.creativeVision = creativeVision
        self.audioFile = audioFile
        self.targetBPM = targetBPM
        self.targetKey = targetKey
        self.beatsPerBar = beatsPerBar
        self.sampleRate = sampleRate
        self.durationSeconds = durationSeconds
        self.songs = songs
        self.sections = sections
        self.problemsAndSolutions = problemsAndSolutions
        self.loudness = loudness
        self.warnings = warnings
        self.stageSeconds = stageSeconds
    }

    /// A source song as the render used it.
    public struct Song: Codable, Sendable, Equatable {
        public var songID: String
        public var name: String?
        public var artist: String?
        /// The song's own tempo in BPM (from its beat grid).
        public var tempoBPM: Double
        /// The song's own key, e.g. "C major"; nil when unknown or atonal.
        public var key: String?
        /// Where the beat grid and key came from: "plan" (the supplied analysis) or "embedded" (our analyser).
        public var analysisSource: String
        /// Where the stems came from: "supplied", "service", "approximated" (embedded), or "none" (only `full` used).
        public var stemSource: String
        /// Time ratio applied to reach the target tempo (output/input duration), averaged over its layers.
        public var stretchRatio: Double
        /// Key shift applied in semitones (most common over its layers).
        public var semitones: Double
        /// Gain applied to the whole song (all its stems) to reach the render's reference loudness, dB; nil when
        /// not gain-staged.
        public var gainStagingDecibels: Double?
        /// False when the song had no clear pulse (`RenderSong.hasPulse`) and played at its own speed: `tempoBPM` is
        /// then the tracker's guess, not a tempo; nil (absent from the JSON) for a song with a pulse.
        public var hasPulse: Bool?

        public init(
            songID: String, name: String?, artist: String?, tempoBPM: Double, key: String?, analysisSource: String,
            stemSource: String, stretchRatio: Double, semitones: Double, gainStagingDecibels: Double? = nil,
            hasPulse: Bool? = nil
        ) {
            self.gainStagingDecibels = gainStagingDecibels
            self.hasPulse = hasPulse
            self.songID = songID
            self.name = name
            self.artist = artist
            self.tempoBPM = tempoBPM
            self.key = key
            self.analysisSource = analysisSource
            self.stemSource = stemSource
            self.stretchRatio = stretchRatio
            self.semitones = semitones
        }
    }

    /// One section of the timeline.
    public struct Section: Codable, Sendable, Equatable {
        public var index: Int
        public var description: String
        /// Planned energy 0...1.
        public var energyLevel: Double
        public var startSeconds: Double
        public var endSeconds: Double
        /// Bar numbers at the target tempo, from 1.
        public var startBar: Double
        public var endBar: Double
        /// How this section is entered: "cut", "crossfade", "echo-out", "filter-sweep".
        public var transitionIn: String
        /// Length of the transition into this section in seconds (centred on the boundary), 0 for a cut.
        public var transitionSeconds: Double
        public var layers: [Layer]

        public init(
            index: Int, description: String, energyLevel: Double, startSeconds: Double, endSeconds: Double,
            startBar: Double, endBar: Double, transitionIn: String, transitionSeconds: Double, layers: [Layer]
        ) {
            self.index = index
            self.description = description
            self.energyLevel = energyLevel
            self.startSeconds = startSeconds
            self.endSeconds = endSeconds
            self.startBar = startBar
            self.endBar = endBar
            self.transitionIn = transitionIn
            self.transitionSeconds = transitionSeconds
            self.layers = layers
        }
    }

    /// One layer of a section.
    public struct Layer: Codable, Sendable, Equatable {
        public var songID: String
        /// "vocals", "drums", "bass", "other" or "full".
        public var stem: String
        public var gainDecibels: Double
        /// -1 (left) ... +1 (right).
        public var pan: Double
        /// Where the layer reads its song, in the song's own seconds (after snapping to a downbeat).
        public var sourceStartSeconds: Double
        public var sourceEndSeconds: Double
        /// Output duration / input duration over the layer.
        public var stretchRatio: Double
        /// Key shift applied, semitones.
        public var semitones: Double
        /// Effects applied, each with its parameters (canonical effect objects as JSON text).
        public var effectsApplied: [String]
        /// Effects named by the plan that were not applied, with the reason.
        public var effectsIgnored: [String]
        /// Measured integrated loudness of the layer as rendered (after gain), LUFS; nil if too quiet to gate.
        public var measuredLoudnessLUFS: Double?

        public init(
            songID: String, stem: String, gainDecibels: Double, pan: Double, sourceStartSeconds: Double,
            sourceEndSeconds: Double, stretchRatio: Double, semitones: Double, effectsApplied: [String],
            effectsIgnored: [String], measuredLoudnessLUFS: Double?
        ) {
            self.songID = songID
            self.stem = stem
            self.gainDecibels = gainDecibels
            self.pan = pan
            self.sourceStartSeconds = sourceStartSeconds
            self.sourceEndSeconds = sourceEndSeconds
            self.stretchRatio = stretchRatio
            self.semitones = semitones
            self.effectsApplied = effectsApplied
            self.effectsIgnored = effectsIgnored
            self.measuredLoudnessLUFS = measuredLoudnessLUFS
        }
    }

    public struct ProblemAndSolution: Codable, Sendable, Equatable {
        public var problem: String
        public var solution: String
        public init(problem: String, solution: String) {
            self.problem = problem
            self.solution = solution
        }
    }

    /// Measured loudness of the output (BS.1770 / EBU R128).
    public struct Loudness: Codable, Sendable, Equatable {
        public var targetLUFS: Double
        public var integratedLUFS: Double
        public var loudnessRangeLU: Double
        public var truePeakDecibels: Double
        public var samplePeakDecibels: Double
        /// Short-term loudness (3 s window) every `shortTermHopSeconds`, LUFS (silence as -70).
        public var shortTermLUFS: [Double]
        public var shortTermHopSeconds: Double
        /// Optional (added for the report's loudness plot): the output time in seconds at which to draw the first
        /// short-term value, e.g. 1.5 when value k measures the 3 s window starting at k·hop and is drawn at its
        /// centre. Value k is drawn at `shortTermFirstSeconds + k·shortTermHopSeconds`; nil means 0.
        public var shortTermFirstSeconds: Double?

        public init(
            targetLUFS: Double, integratedLUFS: Double, loudnessRangeLU: Double, truePeakDecibels: Double,
            samplePeakDecibels: Double, shortTermLUFS: [Double], shortTermHopSeconds: Double,
            shortTermFirstSeconds: Double? = nil
        ) {
            self.targetLUFS = targetLUFS
            self.integratedLUFS = integratedLUFS
            self.loudnessRangeLU = loudnessRangeLU
            self.truePeakDecibels = truePeakDecibels
            self.samplePeakDecibels = samplePeakDecibels
            self.shortTermLUFS = shortTermLUFS
            self.shortTermHopSeconds = shortTermHopSeconds
            self.shortTermFirstSeconds = shortTermFirstSeconds
        }
    }

    /// JSON encoder/decoder with the report's key style.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        // The inverse of `.convertToSnakeCase` for our names, whose acronyms are upper case (target_bpm ->
        // targetBPM, song_id -> songID, integrated_lufs -> integratedLUFS, loudness_range_lu -> loudnessRangeLU).
        decoder.keyDecodingStrategy = .custom { path in
            let key = path.last!.stringValue
            let words = key.split(separator: "_").map(String.init)
            guard let first = words.first else { return path.last! }
            let acronyms: [String: String] = ["bpm": "BPM", "lufs": "LUFS", "id": "ID", "lu": "LU"]
            let camel =
                first + words.dropFirst().map { acronyms[$0] ?? $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
            return ReportCodingKey(stringValue: camel)
        }
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}

/// A coding key made from a string (for the report's key decoding strategy).
struct ReportCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
