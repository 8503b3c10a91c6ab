/// How periodic a song's onsets are, as the analysis measures it (`rhythmic.pulse_clarity`, 0...1: the onset
/// envelope's mean normalised autocorrelation at the first four multiples of its period), and the one threshold the
/// analysis, the planners, the validator and the engine read it against.
public enum PulseClarity {
    /// Below this a song has no pulse to warp to (noise, speech, rain, a drone, notes at random times): chosen
    /// between generated signals without a pulse (at most 0.058) and the evaluation set's songs with a tempo truth
    /// (0.162 and more on its tune halves); docs/README-analysis.md, "Audio without a pulse".
    public static let minimum = 0.1

    /// Whether a measured clarity describes a pulse; an absent one (not measured, as from a service) does.
    public static func hasPulse(_ clarity: Double?) -> Bool {
        guard let clarity else { return true }
        return !(clarity < minimum)
    }
}
