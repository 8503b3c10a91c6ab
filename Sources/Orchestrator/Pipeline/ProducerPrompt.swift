// The prompts that make Claude plan a mashup: it keeps its role of a legendary producer and storyteller who invents
// the title, the creative vision and the timeline, and it gets what it needs to plan well: per song tempo, key,
// duration, downbeat grid, energy and sections; the mashability breakdown (suggested key shift and stretch); the
// wire schema with our optional fields; the effects the renderer understands; the rules of a clean mix.
// Bulky analysis fields (MFCC frames, beat lists) are summarised, not sent.
import Foundation
import Render

/// Builds the system and user prompts of the Claude planner.
public struct ProducerPrompt: Sendable {
    /// The effects the renderer understands, one line each (e.g. from the render's effect vocabulary:
    /// `"high-pass-filter: removes lows below the cutoff (e.g. high-pass-filter-800hz)"`).
    public var effectLines: [String]
    /// Allowed length of the mashup, in seconds.
    public var durationRangeSeconds: ClosedRange<Double>

    /// The contract's example effects, for when no vocabulary is given.
    public static let contractEffects = [
        "reverb", "delay", "ping-pong-delay", "echo-out", "high-pass-filter-800hz", "low-pass-filter-2khz",
        "filter-sweep", "sidechain", "compression", "distortion",
    ]

    public init(
        effectLines: [String] = ProducerPrompt.contractEffects, durationRangeSeconds: ClosedRange<Double> = 120...240
    ) {
        self.effectLines = effectLines
        self.durationRangeSeconds = durationRangeSeconds
    }

    /// The system prompt: the producer's role and the output discipline.
    public static let system = """
        You are a legendary professional music producer and storyteller, famous for mashups that feel like one song \
        written on purpose. You hear two or three records and see the story they can tell together: you invent the \
        title, a creative vision of 2-3 evocative sentences, and a timeline of sections that serves that story with a \
        clear energy arc. You are also an exacting mix engineer: phrases start on downbeats, vocals never fight, the low \
        end stays clean. You answer with exactly one JSON object in the requested schema and nothing else: no prose, \
        no code fence.
        """

    /// The user prompt for `request`.
    public func user(for request: PlanRequest) -> String {
        var lines: [String] = ["Plan a mashup of these songs.", ""]
        for index in request.analyses.indices {
            lines += Self.songSummary(request.analyses[index], label: request.label(index))
            lines.append("")
        }
        lines += Self.scoreSummary(request.mashabilityScore, first: request.label(0), second: request.label(1))
        lines.append("")
        lines += schemaLines(request)
        lines.append("")
        lines.append(
            "Effects the renderer understands (case and separators do not matter; parameters may follow in the string):"
        )
        lines += effectLines.map { "- " + Self.strippingBullet($0) }
        lines.append("")
        lines += ruleLines(request)
        let preferenceLines = PlanPreferences(request.userPreferences).promptLines { id in
            request.analyses.indices.first { request.label($0).songID == id }.map { request.label($0).name }
        }
        if !preferenceLines.isEmpty {
            lines.append("")
            lines.append("The listener asks for (these override the defaults above):")
            lines += preferenceLines
        }
        return lines.joined(separator: "\n")
    }

    /// "3:05".
    static func clock(_ seconds: Double) -> String { DurationText.clock(seconds) }

    static func number(_ value: JSONValue?, _ format: String) -> String? {
        value?.doubleValue.map { String(format: format, $0) }
    }

    /// The lines describing one song's analysis.
    static func songSummary(_ analysis: JSONValue, label: PlanSongLabel) -> [String] {
        var lines = ["Song songId \"\(label.songID)\": \"\(label.name)\"" + (label.artist.map { " by \($0)" } ?? "")]
        let rhythmic = analysis["rhythmic"], harmonic = analysis["harmonic"]
        var facts: [String] = []
        if let clarity = rhythmic?["pulse_clarity"]?.doubleValue, !PulseClarity.hasPulse(clarity) {
            facts.append(
                String(
                    format: "no clear pulse (pulse clarity %.2f, below %.2f: noise, speech or free time; "
                        + "its beats are guesses): the render plays it at its own speed", clarity,
                    PulseClarity.minimum))
        } else if let bpm = number(rhythmic?["bpm"], "%.1f BPM") {
            facts.append("tempo \(bpm)" + (number(rhythmic?["beat_confidence"], " (beat confidence %.2f)") ?? ""))
            if let alternates = tempoAlternates(rhythmic) { facts.append(alternates) }
        }
        if let key = harmonic?["key"]?.stringValue {
            facts.append("key \(key)" + (number(harmonic?["key_confidence"], " (confidence %.2f)") ?? ""))
        }
        if let duration = analysis["duration_sec"]?.doubleValue { facts.append("duration \(clock(duration))") }
        // Formatted, not converted to Int: a number from outside (1e300) must not trap.
        if let beatsPerBar = number(rhythmic?["beats_per_bar"], "%.0f beats per bar") { facts.append(beatsPerBar) }
        if !facts.isEmpty { lines.append("- " + facts.joined(separator: ", ")) }
        if let changes = keyChanges(analysis) { lines.append(changes) }
        if let downbeats = rhythmic?["downbeats"]?.arrayValue?.compactMap(\.doubleValue), downbeats.count >= 2 {
            let barSeconds = (downbeats.last! - downbeats.first!) / Double(downbeats.count - 1)
            lines.append(
                String(
                    format: "- downbeat grid: %d bars, first downbeat at %.2f s, bar length %.3f s",
                    downbeats.count, downbeats.first!, barSeconds))
        }
        var colour: [String] = []
        if let vocal = number(analysis["vocal"]?["vocal_presence"], "vocal presence %.2f") { colour.append(vocal) }
        if let chords = harmonic?["chord_progression"]?.arrayValue?.compactMap(\.stringValue), !chords.isEmpty {
            colour.append("chords " + chords.prefix(8).joined(separator: " "))
        }
        if let range = number(analysis["spectral"]?["dynamic_range"], "dynamic range %.1f dB") { colour.append(range) }
        if let brightness = number(analysis["spectral"]?["brightness"], "brightness %.0f Hz") {
            colour.append(brightness)
        }
        if !colour.isEmpty { lines.append("- " + colour.joined(separator: ", ")) }
        if let sections = analysis["sections"]?.arrayValue, !sections.isEmpty {
            let loudest = sections.max { ($0["rms_db"]?.doubleValue ?? -200) < ($1["rms_db"]?.doubleValue ?? -200) }
            lines.append("- sections (source seconds, level, role and energy where the analysis names them):")
            for section in sections.prefix(16) {
                guard let start = section["start_sec"]?.doubleValue, let end = section["end_sec"]?.doubleValue else {
                    continue
                }
                let level = number(section["rms_db"], "%.1f dB") ?? "?"
                let role = section["role"]?.stringValue.map { ", \($0)" } ?? ""
                let energy = section["label"]?.stringValue.map { " (\($0) energy)" } ?? ""
                let repeats =
                    section["repeat_group"]?.doubleValue.map { String(format: ", material %.0f", $0 + 1) } ?? ""
                let mark = section == loudest ? "  <- loudest" : ""
                lines.append(
                    String(format: "  - %.2f-%.2f s", start, end)
                        + " (\(clock(start))-\(clock(end))), \(level)\(role)\(energy)\(repeats)\(mark)")
            }
        }
        if let energy = analysis["energy"]?.arrayValue {
            let runs = energyRuns(energy)
            if !runs.isEmpty { lines.append("- energy by stretch of bars: " + runs.prefix(24).joined(separator: ", ")) }
        }
        return lines
    }

    /// The other tempo levels the analysis weighed (`rhythmic.tempo_candidates`: BPM and the probability that
    /// listeners tap there) with a probability of at least `alternateTempoMinimumScore`: "also heard at 61.2 BPM
    /// (0.21)", so half or double time can be chosen knowingly; nil when there is none.
    static func tempoAlternates(_ rhythmic: JSONValue?) -> String? {
        guard let chosen = rhythmic?["bpm"]?.doubleValue, chosen.isFinite, chosen > 0,
            let candidates = rhythmic?["tempo_candidates"]?.arrayValue
        else { return nil }
        let others = candidates.compactMap { candidate -> (bpm: Double, score: Double)? in
            guard let bpm = candidate["bpm"]?.doubleValue, let score = candidate["score"]?.doubleValue,
                bpm.isFinite, score.isFinite, bpm > 0, score >= alternateTempoMinimumScore,
                abs(bpm / chosen - 1) > 0.04
            else { return nil }
            return (bpm, score)
        }
        guard !others.isEmpty else { return nil }
        return "also heard at "
            + others.prefix(3).map { String(format: "%.1f BPM (%.2f)", $0.bpm, $0.score) }.joined(separator: " or ")
    }

    /// Tempo levels less likely than this are not worth a planner's attention (probability 0...1).
    static let alternateTempoMinimumScore = 0.05

    /// "- key changes: 0:00-0:26 Bb minor, 0:26-0:43 B minor ..." for the stretches in different keys that the
    /// render follows (`KeyStretch.trusted(analysis:)`: key segments trusted at `KeyShift.minimumKeyConfidence`,
    /// naming more than one key); nil otherwise.
    static func keyChanges(_ analysis: JSONValue) -> String? {
        let stretches = KeyStretch.trusted(analysis: analysis)
        guard !stretches.isEmpty else { return nil }
        return "- key changes: "
            + stretches.prefix(8).map { "\(clock($0.startSeconds))-\(clock($0.endSeconds)) \($0.key)" }
            .joined(separator: ", ")
            + " (the render matches each layer from the key of the stretch it plays)"
    }

    /// Bars within this of the song's loudest bar are `high`, within `midEnergyDecibels` `mid`, else `low` (when
    /// the analysis gives levels without labels), dB.
    static let highEnergyDecibels = 4.0
    static let midEnergyDecibels = 10.0

    /// Consecutive bars of one energy label merged: `"0:00-0:31 low"`. Bars without a label are labelled from
    /// their `rms_db` relative to the loudest bar.
    static func energyRuns(_ bars: [JSONValue]) -> [String] {
        let loudest = bars.compactMap { $0["rms_db"]?.doubleValue }.filter(\.isFinite).max()
        func label(of bar: JSONValue) -> String? {
            if let label = bar["label"]?.stringValue, !label.isEmpty { return label }
            guard let level = bar["rms_db"]?.doubleValue, level.isFinite, let loudest else { return nil }
            return loudest - level <= highEnergyDecibels ? "high" : loudest - level <= midEnergyDecibels ? "mid" : "low"
        }
        var runs: [(label: String, start: Double, end: Double)] = []
        for bar in bars {
            guard let label = label(of: bar), let start = bar["start_sec"]?.doubleValue, start.isFinite else {
                continue
            }
            let end = bar["end_sec"]?.doubleValue.flatMap { $0.isFinite ? $0 : nil } ?? start
            if let last = runs.last, last.label == label {
                runs[runs.count - 1].end = max(last.end, end)
            } else {
                runs.append((label, start, end))
            }
        }
        // A run shorter than `shortestEnergyRunSeconds` (a partial last bar) is left out: in m:ss it would read as an
        // empty stretch ("0:40-0:40 low").
        return runs.filter { $0.end - $0.start >= shortestEnergyRunSeconds }
            .map { "\(clock($0.start))-\(clock($0.end)) \($0.label)" }
    }

    /// Runs shorter than this are not listed, seconds.
    static let shortestEnergyRunSeconds = 1.0

    /// `text` without a leading list marker (`"- reverb"` → `"reverb"`).
    static func strippingBullet(_ text: String) -> String {
        var trimmed = Substring(text.trimmingCharacters(in: .whitespaces))
        while let first = trimmed.first, first == "-" || first == "*" || first == "•" {
            trimmed = trimmed.dropFirst().drop { $0 == " " }
        }
        return String(trimmed)
    }

    /// The lines describing the mashability of the planned pair.
    static func scoreSummary(_ score: JSONValue, first: PlanSongLabel, second: PlanSongLabel) -> [String] {
        var lines = ["Mashability of \"\(first.name)\" with \"\(second.name)\":"]
        if let overall = number(score["overall_score"], "%.0f/100") {
            let dimensions = ["harmonic", "rhythmic", "spectral", "vocal"].compactMap { name in
                number(score["dimension_scores"]?[name], "%.0f").map { "\(name) \($0)" }
            }
            lines.append("- overall \(overall); " + dimensions.joined(separator: ", "))
        }
        if let breakdown = score["compatibility_breakdown"], breakdown.objectValue?.isEmpty == false,
            let text = try? String(decoding: breakdown.encoded(), as: UTF8.self)
        {
            lines.append("- breakdown (suggested key shift and tempo stretch included): \(text)")
        }
        for (key, title) in [("recommendations", "recommendation"), ("warnings", "warning")] {
            for item in score[key]?.arrayValue?.compactMap(\.stringValue) ?? [] { lines.append("- \(title): \(item)") }
        }
        return lines
    }

    private func schemaLines(_ request: PlanRequest) -> [String] {
        let ids = request.analyses.indices.map { request.label($0).songID }
        return [
            "Answer with one JSON object of this shape (fields marked optional may be left out):",
            """
            {"creative_vision": "2-3 evocative sentences",
             "masterplan": {
              "title": "...", "artistCredits": "Artist A vs. Artist B",
              "global": {"targetBPM": 124, "targetKey": "A minor", "timeSignature": [4, 4],
                         "target_lufs": -14, "crossfade_bars": 1},
              "timeline": [
               {"time_start_sec": 0, "duration_sec": 15.5, "description": "Intro: ...", "energy_level": 0.3,
                "transition": {"type": "crossfade | cut | echo-out | filter-sweep", "bars": 2},
                "layers": [
                 {"songId": "\(ids[0])", "stem": "vocals | drums | bass | other | full", "volume_db": -6,
                  "effects": ["reverb"], "source_start_sec": 42.0, "pan": 0, "fade_in_sec": 0, "fade_out_sec": 0,
                  "pitch_shift_semitones": 0}]}],
              "problems_and_solutions": [{"problem": "...", "solution": "..."}]}}
            """,
            "songId values: " + ids.map { "\"\($0)\"" }.joined(separator: ", ") + ".",
            "Optional: transition (how a section is entered; default a crossfade of crossfade_bars), source_start_sec "
                + "(where in the source song, in its own seconds, the layer starts reading; choose downbeats and the "
                + "sections listed above), pan (-1...1), fades, pitch_shift_semitones (overrides the automatic key match).",
        ]
    }

    private func ruleLines(_ request: PlanRequest) -> [String] {
        let range = durationRangeSeconds
        return [
            "Rules:",
            "- Total length \(Self.clock(range.lowerBound))-\(Self.clock(range.upperBound)); sections are contiguous "
                + "(each starts where the previous ends), from 0.",
            "- Choose targetBPM and targetKey that keep every song's stretch and key shift small (see the breakdown); "
                + "stretch beyond 15 % or shift beyond 3 semitones sounds artificial.",
            "- Section lengths are phrases of 4, 8 or 16 bars at targetBPM (one bar = 60 / targetBPM × beats per bar seconds).",
            "- At most one lead vocal at a time, and one bass at a time; put one song's vocals over the other's instrumental.",
            "- Tell a story with an energy arc: intro, verse, build, drop or chorus, breakdown, final chorus, outro; "
                + "use the loudest sections for the peaks and quiet ones for the intro.",
            "- Use transitions: a filter sweep into a drop, an echo-out at the end.",
            "- Use only the stems and effects listed; volume_db between -24 and +6.",
            "- In problems_and_solutions, say what you found (key clash and the shift chosen, tempo gap and the stretch, "
                + "vocal overlap and how you avoided it).",
        ]
    }
}
