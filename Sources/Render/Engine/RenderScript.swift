import DSP
import Foundation
import MashupModel

/// A masterplan checked and resolved to what the engine renders: every value present, finite and in its unit and
/// range, songs resolved to ids and indices, stems and effects typed, sections sorted by start, transitions and key
/// shifts decided. The one plan model after validation: `PlanValidator` builds it (with its warnings) when there is
/// no error; tests and embedded planners may build one directly.
///
/// Times are seconds in the mashup; frames are at `tempoMap.sampleRate`. Sections start exactly at `startSeconds`
/// (frame `round(startSeconds × rate)`); a transition is centred on the boundary it belongs to and never moves a
/// section.
public struct RenderScript: Sendable, Equatable {
    /// Title (the plan's, else "Untitled mashup").
    public var title: String
    /// `"Artist A vs. Artist B"`, possibly empty.
    public var artistCredits: String
    /// The creative vision, possibly empty.
    public var creativeVision: String
    /// Target tempo, time signature and the engine's sample rate.
    public var tempoMap: TempoMap
    /// Target key; nil means no key shifting.
    public var targetKey: MusicalKey?
    /// Integrated loudness target of the master, LUFS (default -14).
    public var targetLoudnessLUFS: Double
    /// True-peak ceiling of the master, dBTP (default -1).
    public var truePeakCeilingDecibels: Double
    /// The sections (sorted by start time when built by the validator).
    public var sections: [Section]
    /// The planner's notes, as written.
    public var problemsAndSolutions: [RenderReport.ProblemAndSolution]
    /// Warnings already found while validating the plan, as `"path: message"` sentences (carried into the report).
    public var warnings: [String]
    /// The song ids layers refer to, in song-index order (the songs given to the validator, or those found in the
    /// plan).
    public var songIDs: [String]

    /// Builds a script. `songIDs` defaults to the layers' song ids in order of first use; a section's or layer's
    /// `planIndex` left nil becomes its position, and a layer's `songIndex` left nil its song's index in `songIDs`.
    public init(
        title: String, artistCredits: String = "", creativeVision: String = "", tempoMap: TempoMap,
        targetKey: MusicalKey? = nil, targetLoudnessLUFS: Double = -14, truePeakCeilingDecibels: Double = -1,
        sections: [Section], problemsAndSolutions: [RenderReport.ProblemAndSolution] = [],
        warnings: [String] = [], songIDs: [String]? = nil
    ) {
        var ids = songIDs ?? []
        if songIDs == nil {
            for layer in sections.flatMap(\.layers) where !ids.contains(layer.songID) { ids.append(layer.songID) }
        }
        let sections = sections.enumerated().map { position, section in
            var section = section
            if section.planIndex < 0 { section.planIndex = position }
            for (j, layer) in section.layers.enumerated() {
                if layer.planIndex < 0 { section.layers[j].planIndex = j }
                if layer.songIndex < 0 { section.layers[j].songIndex = ids.firstIndex(of: layer.songID) ?? -1 }
            }
            return section
        }
        self.title = title
        self.artistCredits = artistCredits
        self.creativeVision = creativeVision
        self.tempoMap = tempoMap
        self.targetKey = targetKey
        self.targetLoudnessLUFS = targetLoudnessLUFS
        self.truePeakCeilingDecibels = truePeakCeilingDecibels
        self.sections = sections
        self.problemsAndSolutions = problemsAndSolutions
        self.warnings = warnings
        self.songIDs = ids
    }

    /// End of the last section, seconds.
    public var timelineEndSeconds: Double { sections.map { $0.startSeconds + $0.durationSeconds }.max() ?? 0 }
    /// End of the last section, seconds (the mashup's planned length).
    public var durationSeconds: Double { timelineEndSeconds }
    /// Length of the mashup in frames: the end of the last section (an echo-out tail may add more in the render).
    public var frameCount: Int { tempoMap.frame(atSeconds: durationSeconds) }
    /// The target tempo in BPM.
    public var tempoBPM: Double { tempoMap.tempoBPM }
    /// The output sample rate, Hz.
    public var sampleRate: Double { tempoMap.sampleRate }

    /// The frames a section covers: from its start frame to its end frame (exclusive), each rounded to the nearest
    /// frame, so sections that touch share the boundary frame.
    public func frameRange(of section: Section) -> Range<Int> {
        tempoMap.frame(atSeconds: section.startSeconds)..<tempoMap.frame(atSeconds: section.endSeconds)
    }

    /// How a section is entered from the one before it. Lengths are centred on the boundary.
    public enum Transition: Sendable, Equatable {
        /// A hard cut at the boundary (with a 3 ms declick).
        case cut
        /// A crossfade of `bars` bars at the target tempo, centred on the boundary.
        case crossfade(bars: Double, curve: CrossfadeCurve)
        /// The outgoing layers stop at the boundary and echo out; the incoming ones start clean.
        case echoOut(EffectSpec.EchoOut)
        /// The outgoing layers rise through a high-pass sweep over `bars` bars into the boundary, then a one-beat
        /// crossfade.
        case filterSweep(bars: Double)

        /// The name written in the report.
        public var name: String {
            switch self {
            case .cut: "cut"
            case .crossfade: "crossfade"
            case .echoOut: "echo-out"
            case .filterSweep: "filter-sweep"
            }
        }
    }

    /// One section of the timeline.
    public struct Section: Sendable, Equatable {
        /// Position of the section in the plan's timeline (before sorting), for located messages.
        public var planIndex: Int
        /// Description, possibly empty.
        public var description: String
        /// Planned energy, 0...1.
        public var energyLevel: Double
        /// Start in seconds on the output timeline (the section starts at exactly this frame).
        public var startSeconds: Double
        /// Length in seconds, positive.
        public var durationSeconds: Double
        /// How the section is entered (ignored for the first section and after a gap or an overlap, where the
        /// validator writes `.cut`).
        public var transitionIn: Transition
        public var layers: [Layer]

        /// `planIndex` nil: the section's position in the script (set by `RenderScript.init`).
        public init(
            planIndex: Int? = nil, description: String, energyLevel: Double = 0.5, startSeconds: Double,
            durationSeconds: Double, transitionIn: Transition = .crossfade(bars: 1, curve: .equalPower),
            layers: [Layer]
        ) {
            self.planIndex = planIndex ?? -1
            self.description = description
            self.energyLevel = energyLevel
            self.startSeconds = startSeconds
            self.durationSeconds = durationSeconds
            self.transitionIn = transitionIn
            self.layers = layers
        }

        public var endSeconds: Double { startSeconds + durationSeconds }
    }

    /// One layer: a stem of a song with its gain, pan, fades and effects.
    public struct Layer: Sendable, Equatable {
        /// Position in the plan's section layers, for located messages.
        public var planIndex: Int
        /// Index into `RenderScript.songIDs` (-1 when a script built directly lists its songs without this one).
        public var songIndex: Int
        /// The song id (the validator resolves `song1`, `song2`... to the given ids).
        public var songID: String
        public var stem: Stem
        /// Gain in dB, -60...+12.
        public var gainDecibels: Double
        /// -1 (left) ... +1 (right); applied with a constant-power law normalised to unity at the centre.
        public var pan: Double
        /// Where the layer starts reading its song at the section start, in the song's own seconds; nil means the
        /// song continues with the mashup (song bar = mashup bar, from the song's first downbeat). Snapped to the
        /// nearest downbeat either way.
        public var sourceStartSeconds: Double?
        /// Key shift in semitones (±12) already decided: the plan's `pitch_shift_semitones`, or the validator's
        /// `KeyShift.decide` result when it knew the song's key (0 when over the stem's limit); nil means the engine
        /// applies `KeyShift.decide` with the key it finds.
        public var semitonesOverride: Double?
        /// True when `semitonesOverride` is the plan's explicit `pitch_shift_semitones`.
        public var pitchShiftIsOverride: Bool
        /// Fade in and out lengths inside the section, seconds (0 for none).
        public var fadeInSeconds: Double
        public var fadeOutSeconds: Double
        public var effects: [EffectSpec]
        /// Effects named by the plan that the parser did not understand (reported, not applied).
        public var ignoredEffects: [String]

        /// `planIndex` and `songIndex` nil: set by `RenderScript.init` (the layer's position, its song's index).
        public init(
            planIndex: Int? = nil, songIndex: Int? = nil, songID: String, stem: Stem, gainDecibels: Double = 0,
            pan: Double = 0, sourceStartSeconds: Double? = nil, semitonesOverride: Double? = nil,
            pitchShiftIsOverride: Bool = false, fadeInSeconds: Double = 0, fadeOutSeconds: Double = 0,
            effects: [EffectSpec] = [], ignoredEffects: [String] = []
        ) {
            self.planIndex = planIndex ?? -1
            self.songIndex = songIndex ?? -1
            self.pitchShiftIsOverride = pitchShiftIsOverride
            self.songID = songID
            self.stem = stem
            self.gainDecibels = gainDecibels
            self.pan = pan
            self.sourceStartSeconds = sourceStartSeconds
            self.semitonesOverride = semitonesOverride
            self.fadeInSeconds = fadeInSeconds
            self.fadeOutSeconds = fadeOutSeconds
            self.effects = effects
            self.ignoredEffects = ignoredEffects
        }
    }
}
