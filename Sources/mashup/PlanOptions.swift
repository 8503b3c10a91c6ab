import Analysis
import Foundation
import Orchestrator

/// The options that steer the plan (`mashup create` and `mashup plan`), read into `PlanPreferences`.
enum PlanOptions {
    static let usage = """
          Plan options (each optional; "auto" or absence lets the planner decide):
            --lead SONG          the song that carries the lead part (song1, song2, song3, or its file name)
            --length SECONDS     wanted length (10-1800)
            --bpm BPM|auto       target tempo (60-200)
            --key KEY|auto       target key ("A minor", "F#", "Bbm")
            --energy CURVE       rise, fall, arc, wave, steady, calm or intense
            --style TEXT         a few words of style ("warm disco", "dark club")
            --use-section NAME   a section to use (repeatable: chorus, verse...); --avoid-section NAME likewise
            --seed N             varies the embedded planner's choices
        """

    /// Reads the plan options of `arguments` (removing them).
    /// - Throws: `CLIError.usage` naming the option, the value and the accepted range.
    static func read(_ arguments: inout Arguments) throws -> PlanPreferences {
        var preferences = PlanPreferences()
        preferences.leadSongID = try arguments.option("--lead")
        if let length = try arguments.doubleOption("--length") {
            guard PlanPreferences.durationRangeSeconds.contains(length) else {
                throw CLIError.usage("--length \(length) s is outside 10-1800 s")
            }
            preferences.durationSeconds = length
        }
        if let bpm = try arguments.option("--bpm"), bpm.lowercased() != "auto" {
            guard let value = Double(bpm), PlanPreferences.tempoRangeBPM.contains(value) else {
                throw CLIError.usage("--bpm '\(bpm)' is not a tempo in 60-200 BPM (or auto)")
            }
            preferences.targetBPM = value
        }
        if let key = try arguments.option("--key"), key.lowercased() != "auto" {
            guard let value = MusicalKey(parsing: key) else {
                throw CLIError.usage("--key '\(key)' is not a key (e.g. \"A minor\", \"F#\", \"Bbm\", or auto)")
            }
            preferences.targetKey = value
        }
        if let energy = try arguments.option("--energy") {
            guard let curve = PlanPreferences.EnergyCurve(word: .string(energy)) else {
                let names = PlanPreferences.EnergyCurve.allCases.map(\.rawValue).joined(separator: ", ")
                throw CLIError.usage("--energy '\(energy)' is not one of \(names)")
            }
            preferences.energyCurve = curve
        }
        if let style = try arguments.option("--style") {
            guard style.count <= PlanPreferences.maximumStyleLength else {
                throw CLIError.usage(
                    "--style is \(style.count) characters, over the limit of \(PlanPreferences.maximumStyleLength)")
            }
            preferences.style = style
        }
        preferences.useSections = try arguments.options("--use-section").map { $0.lowercased() }
        preferences.avoidSections = try arguments.options("--avoid-section").map { $0.lowercased() }
        if let seed = try arguments.doubleOption("--seed") {
            guard abs(seed) < 9e15 else { throw CLIError.usage("--seed \(seed) is out of range") }
            preferences.seed = Int64(seed.rounded())
        }
        return preferences
    }
}
