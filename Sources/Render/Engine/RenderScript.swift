import DSP
import Foundation
import MashupModel

/// A masterplan resolved to what the engine renders: every number checked and in its unit, every effect typed,
/// every song named by its id. Built from a validated plan (`RenderScript(plan:)`), or directly by tests.
public struct RenderScript: Sendable, Equatable {
    public var title: String
    public var artistCredits: String
    public var creativeVision: String
    /// Target tempo, time signature and the engine's sample rate.
    public var tempoMap: TempoMap
    /// Target key; nil means no key shifting.
    public var targetKey: MusicalKey?
    /// Integrated loudness target of the master, LUFS (default -14).
    public var targetLoudnessLUFS: Double
    /// True-peak ceiling of the master, dBTP (default -1).
    public var truePeakCeilingDecibels: Double
    public var sections: [Section]
    public var problemsAndSolutions: [RenderReport.ProblemAndSolution]
    /// Warnings already found while validating the plan (carried into the report).
    public var warnings: [String]

    public init(title: String, artistCredits: String = "", creativeVision: String = "", tempoMap: TempoMap,
                targetKey: MusicalKey? = nil, targetLoudnessLUFS: Double = -14, truePeakCeilingDecibels: Double = -1,
                sections: [Section], problemsAndSolutions: [RenderReport.ProblemAndSolution] = [],
                warnings: [String] = []) {
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
    }

    /// End of the last section, seconds.
    public var timelineEndSeconds: Double { sections.map { $0.startSeconds + $0.durationSeconds }.max() ?? 0 }

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
        public var description: String
        /// Planned energy, 0...1.
        public var energyLevel: Double
        /// Start in seconds on the output timeline (the section starts at exactly this frame).
        public var startSeconds: Double
        /// Length in seconds, positive.
        public var durationSeconds: Double
        /// How the section is entered (ignored for the first section).
        public var transitionIn: Transition
        public var layers: [Layer]

        public init(description: String, energyLevel: Double = 0.5, startSeconds: Double, durationSeconds: Double,
                    transitionIn: Transition = .crossfade(bars: 1, curve: .equalPower), layers: [Layer]) {
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
        /// automatic shift when it knew the song's key; nil means the engine applies `KeyShift.automatic` with the
        /// key it finds.
        public var semitonesOverride: Double?
        /// Fade in and out lengths inside the section, seconds (0 for none).
        public var fadeInSeconds: Double
        public var fadeOutSeconds: Double
        public var effects: [EffectSpec]
        /// Effects named by the plan that the parser did not understand (reported, not applied).
        public var ignoredEffects: [String]

        public init(songID: String, stem: Stem, gainDecibels: Double = 0, pan: Double = 0, sourceStartSeconds: Double? = nil,
                    semitonesOverride: Double? = nil, fadeInSeconds: Double = 0, fadeOutSeconds: Double = 0,
                    effects: [EffectSpec] = [], ignoredEffects: [String] = []) {
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
