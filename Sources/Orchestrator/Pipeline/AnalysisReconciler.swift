// Design: a remote analysis (the original system's service) is completed and checked by the embedded analysis of
// the same audio, so that the planner and the render work from one tempo and one beat grid.
// - Fields the service did not send (duration, sample rate, beats, downbeats, beats per bar, energy, sections,
//   tempo curve and candidates, key segments) are filled from the embedded analysis.
// - The beat grid is the render's: when the service sent no beats, the grid is ours, and so is the tempo the
//   planner sees (the render stretches from the grid, so a different BPM in the plan would become an unplanned
//   stretch). A service BPM more than `tempoToleranceFraction` away from the grid's is named in a warning.
// - A service key below `minimumKeyConfidence` (the original service answers the same key with confidence 0 for
//   every song) is replaced by ours, with a warning; so is a key on material we find atonal ("N/A").
// - A service vocal presence more than `vocalPresenceTolerance` from ours is replaced, with a warning (the original
//   service answers near 1 for any music, which would cast an instrumental as the lead vocal); so are the service's
//   chords with its untrusted key, and its beat confidence with its unused beats.
// - `field_sources` in the result names where each reconciled field came from: `service` or `embedded`.
import Analysis
import Foundation
import Render

/// The outcome of completing a remote analysis with the embedded one.
public struct AnalysisReconciliation: Sendable, Equatable {
    /// The analysis the planner and the render use.
    public var analysis: JSONValue
    /// One sentence per replaced or contradicted field, naming the song and the field.
    public var warnings: [String]
    /// Field path (`rhythmic.bpm`) → `service` or `embedded`.
    public var fieldSources: [String: String]
}

/// Completes and checks a remote analysis against the embedded analysis of the same song.
public enum AnalysisReconciler {
    /// Service keys with a lower `key_confidence` are not trusted (0...1).
    public static let minimumKeyConfidence = 0.3
    /// A service tempo further than this fraction from the beat grid's tempo contradicts the grid.
    public static let tempoToleranceFraction = 0.04
    /// A service vocal presence further than this from ours (both 0...1) contradicts what we hear.
    public static let vocalPresenceTolerance = 0.5

    /// Fields taken from the embedded analysis whenever the service leaves them out.
    static let fillablePaths: [[String]] = [
        ["duration_sec"], ["sample_rate"], ["energy"], ["sections"],
        ["rhythmic", "tempo_curve"], ["rhythmic", "tempo_candidates"], ["rhythmic", "bpm_confidence"],
        ["rhythmic", "pulse_clarity"],
        ["harmonic", "key_segments"], ["harmonic", "chord_progression"],
    ]
    /// The grid fields: all from one source.
    static let gridPaths: [[String]] = [
        ["rhythmic", "beats"], ["rhythmic", "downbeats"], ["rhythmic", "beats_per_bar"],
    ]
    /// The key fields: all from one source.
    static let keyPaths: [[String]] = [["harmonic", "key"], ["harmonic", "key_confidence"]]

    /// - Parameters:
    ///   - remote: the service's analysis object (`A` of the contract).
    ///   - embedded: our analysis of the same audio.
    ///   - songName: the song's display name, for the warnings.
    public static func reconcile(remote: JSONValue, embedded: JSONValue, songName: String) -> AnalysisReconciliation {
        var result = remote.objectValue == nil ? JSONValue.object([:]) : remote
        var warnings: [String] = []
        var sources: [String: String] = [:]
        func label(_ path: [String]) -> String { path.joined(separator: ".") }
        func take(_ path: [String]) {
            guard let value = embedded.value(atPath: path) else { return }
            result.set(value, atPath: path)
            sources[label(path)] = "embedded"
        }

        for path in fillablePaths {
            if isMissing(remote.value(atPath: path)) { take(path) } else { sources[label(path)] = "service" }
        }

        // One grid: the service's when it sent beats, else ours with our tempo.
        let remoteBeats = remote.value(atPath: ["rhythmic", "beats"])?.arrayValue ?? []
        let remoteBPM = remote.value(atPath: ["rhythmic", "bpm"])?.doubleValue ?? 0
        let gridBPM = embedded.value(atPath: ["rhythmic", "bpm"])?.doubleValue ?? 0
        if remoteBeats.count >= 3 {
            for path in gridPaths + [["rhythmic", "bpm"]] { sources[label(path)] = "service" }
        } else {
            // The service's beat confidence is about its own beats, which are not used.
            for path in gridPaths + [["rhythmic", "beat_confidence"]] { take(path) }
            if gridBPM > 0 {
                if remoteBPM > 0, abs(remoteBPM / gridBPM - 1) > tempoToleranceFraction {
                    warnings.append(
                        "\"\(songName)\": the analysis service's rhythmic.bpm \(format(remoteBPM)) contradicts "
                            + "the beat grid (\(format(gridBPM)) BPM); planning and rendering use \(format(gridBPM)) BPM"
                    )
                } else if remoteBPM <= 0 {
                    warnings.append(
                        "\"\(songName)\": the analysis service gave no tempo; using the beat grid's \(format(gridBPM)) BPM"
                    )
                }
                take(["rhythmic", "bpm"])
            } else {
                sources["rhythmic.bpm"] = "service"
            }
        }

        // The key: replaced when the service is unsure, or when we hear no key at all.
        let remoteKey = remote.value(atPath: ["harmonic", "key"])?.stringValue
        let remoteConfidence = remote.value(atPath: ["harmonic", "key_confidence"])?.doubleValue ?? 0
        let ourKey = embedded.value(atPath: ["harmonic", "key"])?.stringValue
        let remoteHasKey = remoteKey.map { MusicalKey(parsing: $0) != nil } ?? false
        let ourKeyKnown = ourKey.map { MusicalKey(parsing: $0) != nil } ?? false
        if ourKey != nil, !remoteHasKey || remoteConfidence < minimumKeyConfidence || !ourKeyKnown {
            if remoteHasKey, let remoteKey, let ourKey, remoteKey != ourKey {
                let reason =
                    !ourKeyKnown
                    ? "the audio has no clear key"
                    : "its confidence \(format(remoteConfidence)) is below \(format(minimumKeyConfidence))"
                warnings.append(
                    "\"\(songName)\": the analysis service's harmonic.key \"\(remoteKey)\" is not used "
                        + "(\(reason)); using \"\(ourKey)\"")
            }
            // The chords come from the same harmonic analysis as the key that was not trusted.
            for path in keyPaths + [["harmonic", "chord_progression"]] { take(path) }
        } else {
            for path in keyPaths { sources[label(path)] = "service" }
        }

        // Vocal presence casts the lead (the planner puts the clearest vocals on top): a service value far from
        // ours (the original service answers near 1 for any music) is replaced.
        let vocalPath = ["vocal", "vocal_presence"]
        let remoteVocal = remote.value(atPath: vocalPath)?.doubleValue.flatMap { $0.isFinite ? $0 : nil }
        if let ourVocal = embedded.value(atPath: vocalPath)?.doubleValue, ourVocal.isFinite {
            if let remoteVocal, abs(remoteVocal - ourVocal) <= vocalPresenceTolerance {
                sources[label(vocalPath)] = "service"
            } else {
                if let remoteVocal {
                    warnings.append(
                        "\"\(songName)\": the analysis service's vocal.vocal_presence \(format(remoteVocal, digits: 2)) "
                            + "contradicts what we hear (\(format(ourVocal, digits: 2))); "
                            + "using \(format(ourVocal, digits: 2))")
                }
                take(vocalPath)
            }
        } else {
            sources[label(vocalPath)] = "service"
        }

        result.set(.object(sources.mapValues { .string($0) }), atPath: ["field_sources"])
        return AnalysisReconciliation(analysis: result, warnings: warnings, fieldSources: sources)
    }

    /// Whether `analysis` (an `A` given with a request, e.g. the edge function's `/execute-masterplan` body) lacks
    /// what the render needs from it and would be completed or corrected by `reconcile`: a beat grid (3 beats or
    /// more), a duration, or a key trusted at `minimumKeyConfidence`. A complete analysis (ours, from
    /// `mashup analyze`) is used as it is, without a second analysis.
    public static func needsCompletion(_ analysis: JSONValue) -> Bool {
        let beats = analysis.value(atPath: ["rhythmic", "beats"])?.arrayValue ?? []
        let confidence = analysis.value(atPath: ["harmonic", "key_confidence"])?.doubleValue ?? 0
        return beats.count < 3 || isMissing(analysis["duration_sec"]) || confidence < minimumKeyConfidence
    }

    static func isMissing(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null?: true
        case .array(let items)?: items.isEmpty
        case .object(let members)?: members.isEmpty
        case .number(let number)?: !(number.isFinite && number > 0)
        default: false
        }
    }

    static func format(_ value: Double, digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
}

extension JSONValue {
    /// The value at a path of object members (nil when any step is missing or not an object).
    func value(atPath path: [String]) -> JSONValue? {
        var current: JSONValue? = self
        for key in path { current = current?[key] }
        return current
    }

    /// Sets the value at a path of object members, creating objects on the way (a non-object step is replaced).
    mutating func set(_ value: JSONValue, atPath path: [String]) {
        guard let first = path.first else { self = value; return }
        var members = objectValue ?? [:]
        var child = members[first] ?? .object([:])
        child.set(value, atPath: Array(path.dropFirst()))
        members[first] = child
        self = .object(members)
    }
}
