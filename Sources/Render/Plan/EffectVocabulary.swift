import Foundation

/// The effect names the render understands, with one line each: what planners are told they may use.
///
/// Every `name` and every `examples` string here parses (tested) to a non-nil `EffectSpec` without notes.
/// Names are case- and separator-insensitive; parameters may follow in the string.
public enum EffectVocabulary {
    /// One understood effect.
    public struct Entry: Sendable, Hashable {
        /// Canonical name, e.g. `"high-pass-filter"`.
        public let name: String
        /// Strings with parameters that are understood, e.g. `"high-pass-filter-800hz"`.
        public let examples: [String]
        /// One line: what it does and its defaults.
        public let summary: String
        /// True when the bare name is not enough (an amount must follow, as in the examples).
        public let requiresParameters: Bool

        init(name: String, examples: [String], summary: String, requiresParameters: Bool = false) {
            self.name = name
            self.examples = examples
            self.summary = summary
            self.requiresParameters = requiresParameters
        }
    }

    /// All understood effects.
    public static let entries: [Entry] = [
        Entry(
            name: "high-pass-filter",
            examples: ["high-pass-filter-800hz", "hpf 300hz", "hpf 800", "low-cut 120hz", "high-pass 24db"],
            summary: "removes lows below the cutoff (default 200 Hz, 12 dB/oct; 'steep' = 24 dB/oct); thins a layer out"
        ),
        Entry(
            name: "low-pass-filter",
            examples: ["low-pass-filter-2khz", "lpf 2.5khz", "high-cut 8khz", "underwater", "muffled"],
            summary: "removes highs above the cutoff (default 1.5 kHz; 'muffled' 800 Hz, 'underwater' 400 Hz)"),
        Entry(
            name: "band-pass-filter", examples: ["band-pass 1khz", "band-pass 300hz 3khz", "telephone", "radio"],
            summary: "keeps a band around a centre (default 1 kHz, Q 1); 'telephone'/'radio' presets"),
        Entry(
            name: "low-shelf", examples: ["low-shelf 120hz +3db", "bass-boost", "low-shelf 100hz -4db"],
            summary: "boosts or cuts the lows (120 Hz; 'bass-boost' +4 dB)", requiresParameters: true),
        Entry(
            name: "high-shelf", examples: ["high-shelf 8khz +2db", "air", "treble-boost"],
            summary: "boosts or cuts the highs (8 kHz; 'air' +3 dB at 10 kHz)", requiresParameters: true),
        Entry(
            name: "eq", examples: ["eq 3khz -4db", "eq 250hz +2db q 1.5"],
            summary: "peaking EQ: frequency and gain required, Q default 1", requiresParameters: true),
        Entry(
            name: "filter-sweep",
            examples: [
                "filter-sweep", "filter-sweep-200hz-8khz", "high-pass-sweep", "hpf sweep 8 bars",
                "low-pass sweep down",
            ],
            summary:
                "cutoff glides logarithmically over the layer: low-pass opening 300 Hz->18 kHz by default; 'high-pass' rises 40 Hz->2 kHz into the next section; 'down' reverses; 'N bars' limits its length"
        ),
        Entry(
            name: "delay",
            examples: [
                "delay", "delay-1/8", "delay 1/4", "delay 375ms", "dotted-eighth-delay", "delay 1/8 40%",
                "tape-delay", "slapback",
            ],
            summary: "tempo-synced echo, default 1/8 note at the target BPM, 35% feedback, 25% wet, darker each repeat"),
        Entry(
            name: "ping-pong-delay", examples: ["ping-pong-delay", "ping-pong delay 1/4", "stereo-delay"],
            summary: "delay whose repeats alternate left and right (default 1/8 note, 35% feedback)"),
        Entry(
            name: "echo-out", examples: ["echo-out", "echo-out 1/2", "echo-out 4 bars"],
            summary:
                "the end of the layer repeats and decays after it stops (1/4 note, 55% feedback, 2-bar tail): a DJ exit"
        ),
        Entry(
            name: "reverb",
            examples: [
                "reverb", "reverb-large", "reverb-small", "reverb 3s", "plate-reverb", "hall",
                "subtle reverb", "reverb-wash",
            ],
            summary:
                "stereo algorithmic reverb, default 2.2 s decay, 25% wet; 'large'/'hall' 3.5 s, 'small'/'room' 0.9 s, 'plate' 1.6 s, 'cathedral'/'wash' 6 s"
        ),
        Entry(
            name: "compression",
            examples: ["compression", "compressor-4:1", "compressor 8:1 -24db", "glue-compression", "limiter"],
            summary:
                "compressor, default -18 dB threshold, 4:1, 10 ms attack, 120 ms release, level kept; 'glue' 2:1 gentle"
        ),
        Entry(
            name: "sidechain",
            examples: ["sidechain", "sidechain-drums", "sidechain-kick", "sidechain-bass", "sidechain 9db", "pumping"],
            summary:
                "ducks the layer on the section's drums (or the named stem): 6 dB deep, 5 ms attack, 150 ms release; 'pumping' deeper"
        ),
        Entry(
            name: "saturation", examples: ["saturation", "tape-saturation", "warmth", "saturation 9db"],
            summary: "gentle harmonic warmth (6 dB drive), anti-aliased"),
        Entry(
            name: "distortion", examples: ["distortion", "overdrive", "fuzz", "distortion 24db"],
            summary: "stronger drive: distortion/overdrive 18 dB, fuzz 30 dB"),
        Entry(
            name: "gain", examples: ["gain +3db", "gain -6db", "boost", "cut 3db"],
            summary: "adds the given dB to the layer's volume_db (-60...+12)", requiresParameters: true),
        Entry(
            name: "pan", examples: ["pan left", "pan right", "pan hard left", "pan -0.3", "pan 30% right"],
            summary: "stereo position -1 (left) ... +1 (right); 'left'/'right' alone = 0.5", requiresParameters: true),
        Entry(
            name: "fade-in", examples: ["fade-in", "fade-in 4 bars", "fade-in 3s"],
            summary: "fades the layer in over the given length (default 2 bars); same as fade_in_sec"),
        Entry(
            name: "fade-out", examples: ["fade-out", "fade-out 2 bars", "fade-out 5s"],
            summary: "fades the layer out over the given length (default 2 bars); same as fade_out_sec"),
    ]

    /// The canonical names only.
    public static var names: [String] { entries.map(\.name) }

    /// One line per effect, `name (e.g. ex1, ex2): summary`, for the planner's prompt.
    /// Every example is understood; names marked `requiresParameters` need the amount shown in the examples.
    public static var promptText: String {
        entries.map { "- \($0.name) (e.g. \($0.examples.prefix(3).joined(separator: ", "))): \($0.summary)" }
            .joined(separator: "\n")
    }
}
