import Foundation

/// Bounds a plan must respect to be rendered; beyond them the validator reports errors (or warnings where stated).
///
/// They protect the render from hostile or broken plans (100,000 sections, a 10-hour timeline) and keep every check
/// fast. The defaults suit a 2-3 song mashup of a few minutes with room to spare.
public struct PlanLimits: Sendable, Hashable {
    /// Longest mashup, seconds (default 30 minutes).
    public var maximumDurationSeconds: Double = 1_800
    /// Most output frames (duration × sample rate; default 79,380,000: 30 min at 44.1 kHz, 27 min 34 s at 48 kHz,
    /// 6 min 53 s at 192 kHz). The render's memory no longer grows with its length (the bus and the master passes
    /// stream through float spools on disk); this bounds the spools' disk use (about 635 MB for a stereo spool at
    /// the limit).
    public var maximumOutputFrameCount: Int = 79_380_000
    /// Most sections (default 256).
    public var maximumSections: Int = 256
    /// Most layers in one section (default 16).
    public var maximumLayersPerSection: Int = 16
    /// Most layers over the whole plan (default 1024).
    public var maximumTotalLayers: Int = 1_024
    /// Most effects applied on one layer; more are ignored with a warning (default 16).
    public var maximumEffectsPerLayer: Int = 16
    /// Longest free text kept (descriptions, titles), characters; longer text is cut with a warning (default 10,000).
    public var maximumTextLength: Int = 10_000
    /// Longest song id, bytes (default 256).
    public var maximumIdentifierLength: Int = 256
    /// Deepest JSON nesting read (default 64; a masterplan needs 6).
    public var maximumNestingDepth: Int = JSONReader.defaultMaximumDepth
    /// Largest document read, bytes (default 16 MiB).
    public var maximumByteCount: Int = JSONReader.defaultMaximumByteCount
    /// Accepted target tempi, BPM.
    public var tempoRangeBPM: ClosedRange<Double> = 40...250
    /// Accepted output sample rates, Hz.
    public var sampleRateRangeHz: ClosedRange<Double> = 8_000...192_000
    /// Layer gain range, dB; outside it the gain is clamped with a warning.
    public var gainRangeDecibels: ClosedRange<Double> = -60...12
    /// Largest explicit pitch shift, semitones (an error beyond it).
    public var maximumPitchShiftSemitones: Double = 12
    /// Latest `source_start_sec`, seconds (an error beyond it; default 86,400, a day: far beyond any song
    /// accepted, see `AudioInputLimits.maximumSongSeconds`).
    public var maximumSourceStartSeconds: Double = 86_400
    /// Gaps and overlaps between consecutive sections shorter than this are ignored, seconds (rounding in plans).
    public var sectionJoinToleranceSeconds: Double = 0.01
    /// Most issues reported; the list then ends with one error saying it stopped (default 500).
    public var maximumIssueCount: Int = 500

    public init() {}

    /// The defaults.
    public static let standard = PlanLimits()
}
