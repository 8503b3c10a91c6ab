import Foundation
import MashupModel

/// A masterplan checked and normalised, ready to render: every value present, finite and in range, songs resolved
/// to indices, stems and effects typed, sections sorted by start, transitions resolved to lengths.
///
/// Built only by `PlanValidator` when there is no error. Times are seconds in the mashup; frames are at
/// `tempoMap.sampleRate`. Sections start exactly at `startSeconds` (`startFrame`); a transition is centred on the
/// boundary it belongs to and never moves a section.
public struct ValidatedPlan: Sendable, Hashable {
    /// Title (the plan's, else "Untitled mashup").
    public var title: String
    /// `"Artist A vs. Artist B"`, possibly empty.
    public var artistCredits: String
    /// The creative vision, possibly empty.
    public var creativeVision: String
    /// Target tempo, time signature and output sample rate.
    public var tempoMap: TempoMap
    /// Target key; nil when the plan gave none or an unreadable one (then nothing is shifted automatically).
    public var targetKey: MusicalKey?
    /// Integrated loudness target of the master, LUFS (default -14).
    public var targetLoudnessLUFS: Double
    /// True-peak ceiling of the master, dBTP (default -1).
    public var truePeakCeilingDecibels: Double
    /// The sections, sorted by start time.
    public var sections: [Section]
    /// End of the last section, seconds.
    public var durationSeconds: Double
    /// Length of the mashup in frames: the end of the last section (an echo-out tail may add more in the render).
    public var frameCount: Int
    /// The planner's notes, as written.
    public var problemsAndSolutions: [Masterplan.ProblemAndSolution]
    /// The song ids layers refer to, in song-index order (the given ones, or those found in the plan).
    public var songIds: [String]

    /// Builds a plan directly (tests, embedded planners); `PlanValidator` is the usual source.
    public init(title: String, artistCredits: String = "", creativeVision: String = "", tempoMap: TempoMap,
                targetKey: MusicalKey? = nil, targetLoudnessLUFS: Double = PlanValidator.defaultTargetLUFS,
                truePeakCeilingDecibels: Double = PlanValidator.defaultTruePeakDecibels, sections: [Section],
                durationSeconds: Double, frameCount: Int, problemsAndSolutions: [Masterplan.ProblemAndSolution] = [],
                songIds: [String]) {
        self.title = title
        self.artistCredits = artistCredits
        self.creativeVision = creativeVision
        self.tempoMap = tempoMap
        self.targetKey = targetKey
        self.targetLoudnessLUFS = targetLoudnessLUFS
        self.truePeakCeilingDecibels = truePeakCeilingDecibels
        self.sections = sections
        self.durationSeconds = durationSeconds
        self.frameCount = frameCount
        self.problemsAndSolutions = problemsAndSolutions
        self.songIds = songIds
    }

    /// The target tempo in BPM.
    public var tempoBPM: Double { tempoMap.tempoBPM }
    /// The output sample rate, Hz.
    public var sampleRate: Double { tempoMap.sampleRate }

    /// One section, ready to render.
    public struct Section: Sendable, Hashable {
        /// Position of the section in the plan's timeline (before sorting), for reports and issue paths.
        public var planIndex: Int
        /// Start, seconds.
        public var startSeconds: Double
        /// Length, seconds (> 0).
        public var durationSeconds: Double
        /// Start frame (rounded to the nearest frame).
        public var startFrame: Int
        /// End frame, exclusive: the next section's start frame when they touch.
        public var endFrame: Int
        /// Description, possibly empty.
        public var description: String
        /// Energy 0...1 (0.5 when absent).
        public var energyLevel: Double
        /// How this section is entered from the previous one; nil for the first section and after a gap.
        public var transitionIn: Transition?
        /// The layers.
        public var layers: [Layer]

        /// End, seconds.
        public var endSeconds: Double { startSeconds + durationSeconds }

        public init(planIndex: Int, startSeconds: Double, durationSeconds: Double, startFrame: Int, endFrame: Int,
                    description: String, energyLevel: Double, transitionIn: Transition?, layers: [Layer]) {
            self.planIndex = planIndex
            self.startSeconds = startSeconds
            self.durationSeconds = durationSeconds
            self.startFrame = startFrame
            self.endFrame = endFrame
            self.description = description
            self.energyLevel = energyLevel
            self.transitionIn = transitionIn
            self.layers = layers
        }
    }

    /// A transition centred on a section boundary.
    public struct Transition: Sendable, Hashable {
        /// Crossfade, cut, echo-out or filter sweep.
        public var kind: Masterplan.Transition.Kind
        /// Length in bars at the target tempo (0 for a cut).
        public var bars: Double
        /// Length in frames (bars at the target tempo, limited to the shorter neighbour section); 0 for a cut.
        public var frameCount: Int

        /// The boundary frame it is centred on (the start frame of the section it enters).
        public var boundaryFrame: Int

        public init(kind: Masterplan.Transition.Kind, bars: Double, frameCount: Int, boundaryFrame: Int) {
            self.kind = kind
            self.bars = bars
            self.frameCount = frameCount
            self.boundaryFrame = boundaryFrame
        }
    }

    /// One layer, ready to render.
    public struct Layer: Sendable, Hashable {
        /// Position in the plan's section layers.
        public var planIndex: Int
        /// Index into `songIds` (and the render's song list).
        public var songIndex: Int
        /// The song id as given in the request (resolved from `song1`... when positional).
        public var songId: String
        /// The stem (unknown names mapped to `.full` with a warning).
        public var stem: Stem
        /// Gain, dB, in `-60...12`, including any `gain` effects.
        public var gainDecibels: Double
        /// Pan -1...+1 (0 when absent), including any `pan` effect.
        public var pan: Double
        /// Fade in at the layer's start, seconds (0...duration).
        public var fadeInSeconds: Double
        /// Fade out at the layer's end, seconds (0...duration; fade in + fade out <= duration).
        public var fadeOutSeconds: Double
        /// Where in the source song the layer starts reading, seconds; nil = the song continues from where it was
        /// (song time advances with the mashup from its first downbeat), decided by the render.
        public var sourceStartSeconds: Double?
        /// The pitch shift, semitones: an explicit override, or the automatic shift to the target key when the song's
        /// key was given to the validator (0 when over the stem's limit); nil = the render decides with
        /// `KeyShift.automatic` once it knows the song's key.
        public var pitchShiftSemitones: Double?
        /// True when `pitchShiftSemitones` is the plan's explicit override.
        public var pitchShiftIsOverride: Bool
        /// The effects to apply, in order (gain, pan and fades already folded into the fields above).
        public var effects: [EffectSpec]
        /// Effects the plan named that will not be applied (not understood), for the report.
        public var ignoredEffects: [String]

        public init(planIndex: Int, songIndex: Int, songId: String, stem: Stem, gainDecibels: Double, pan: Double = 0,
                    fadeInSeconds: Double = 0, fadeOutSeconds: Double = 0, sourceStartSeconds: Double? = nil,
                    pitchShiftSemitones: Double? = nil, pitchShiftIsOverride: Bool = false, effects: [EffectSpec] = [],
                    ignoredEffects: [String] = []) {
            self.planIndex = planIndex
            self.songIndex = songIndex
            self.songId = songId
            self.stem = stem
            self.gainDecibels = gainDecibels
            self.pan = pan
            self.fadeInSeconds = fadeInSeconds
            self.fadeOutSeconds = fadeOutSeconds
            self.sourceStartSeconds = sourceStartSeconds
            self.pitchShiftSemitones = pitchShiftSemitones
            self.pitchShiftIsOverride = pitchShiftIsOverride
            self.effects = effects
            self.ignoredEffects = ignoredEffects
        }
    }
}

/// The automatic key-matching rule shared by the validator and the render.
public enum KeyShift {
    /// Below this `key_confidence` (0...1) an analysed key does not drive an automatic shift: the song's layers
    /// stay in their key and the render warns (a drum loop or an ambiguous song is never shifted on a guess).
    public static let minimumKeyConfidence = 0.3

    /// The analysed key when it may drive an automatic shift: nil for "N/A", an unreadable key, or a confidence
    /// below `minimumKeyConfidence` (an absent confidence trusts the key).
    public static func trustedKey(_ key: String?, confidence: Double?) -> MusicalKey? {
        guard let key, let parsed = MusicalKey(parsing: key) else { return nil }
        if let confidence, !(confidence >= minimumKeyConfidence) { return nil }
        return parsed
    }

    /// The smallest octave-equivalent shift in semitones from `songKey` to `targetKey` for a stem, and whether it is
    /// within that stem's limit (`Stem.maximumKeyShiftSemitones`: vocals ±3, others ±7). Beyond the limit the render
    /// does not shift (and reports it).
    public static func automatic(from songKey: MusicalKey, to targetKey: MusicalKey, stem: Stem) -> (semitones: Int, withinLimit: Bool) {
        let shift = songKey.semitoneShift(to: targetKey)
        return (shift, abs(shift) <= stem.maximumKeyShiftSemitones)
    }
}
