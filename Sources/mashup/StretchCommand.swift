import DSP
import Foundation
import Render

/// `mashup stretch IN OUT`: time-stretch and/or pitch-shift a file (phase vocoder with transient locks).
enum StretchCommand: CLICommand {
    static let name = "stretch"
    static let summary = "time-stretch and pitch-shift an audio file (tempo, key, formants)"
    static let usage = """
        mashup stretch IN OUT [--time-ratio R | --tempo-ratio T | --bpm FROM:TO] [--semitones S] [--formants]
                              [--no-transient-lock] [--bits 16|24|float]
          --time-ratio R    output duration / input duration, 0.5...2 (1.25 = 25% longer)
          --tempo-ratio T   the inverse: 1.08 = 8% faster
          --bpm FROM:TO     tempo ratio TO/FROM, e.g. 120:128
          --semitones S     pitch shift, -12...12, fractional allowed; the length is unchanged
          --formants        keep the spectral envelope when shifting pitch (vocals)
          --no-transient-lock  plain phase-locked vocoder (no 1:1 copy around onsets)
          OUT's extension picks the format (.wav .flac .aiff .ogg .mp3); default 24-bit.
        """

    static func run(_ arguments: inout Arguments) async throws {
        let timeRatio = try arguments.doubleOption("--time-ratio")
        let tempoRatio = try arguments.doubleOption("--tempo-ratio")
        let bpm = try arguments.option("--bpm")
        let semitones = try arguments.doubleOption("--semitones") ?? 0
        let bits = try arguments.option("--bits")
        let formants = arguments.flag("--formants")
        let noTransientLock = arguments.flag("--no-transient-lock")
        let files = try arguments.positionals()
        guard files.count == 2 else { throw CLIError.usage("expected IN and OUT") }
        let ratio = try resolveTimeRatio(timeRatio: timeRatio, tempoRatio: tempoRatio, bpm: bpm)
        guard TimeStretcher.timeRatioRange.contains(ratio) else {
            throw CLIError.usage("time ratio \(ratio) is outside \(TimeStretcher.timeRatioRange)")
        }
        guard TimeStretcher.semitoneRange.contains(semitones) else {
            throw CLIError.usage("--semitones must lie in -12...12")
        }
        var writeOptions = AudioFileWriteOptions()
        switch bits {
        case nil, "24": writeOptions.sampleFormat = .pcm24
        case "16": writeOptions.sampleFormat = .pcm16
        case "float", "32": writeOptions.sampleFormat = .float32
        case let other?: throw CLIError.usage("--bits must be 16, 24 or float, not '\(other)'")
        }
        let start = DispatchTime.now().uptimeNanoseconds
        // Streams: read, stretch and write block by block (memory does not grow with the file).
        let summary = try AudioFileStretcher.stretch(
            input: URL(fileURLWithPath: files[0]), output: URL(fileURLWithPath: files[1]), timeRatio: ratio,
            semitones: semitones,
            options: StretchOptions(transientLocking: !noTransientLock, preserveFormants: formants),
            writeOptions: writeOptions)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        for warning in summary.warnings { printError("mashup stretch: warning: \(warning)") }
        printError(
            String(
                format: "wrote %@ (%.2f s -> %.2f s, time ratio %.4f, %+.2f st) in %.2f s (%.0fx realtime)",
                files[1], summary.inputSeconds, summary.outputSeconds, ratio, semitones,
                seconds, summary.inputSeconds / max(seconds, 1e-9)))
    }

    /// The time ratio from exactly one of the three ways to give it (1 when none is given).
    static func resolveTimeRatio(timeRatio: Double?, tempoRatio: Double?, bpm: String?) throws -> Double {
        let given = [timeRatio != nil, tempoRatio != nil, bpm != nil].filter { $0 }.count
        guard given <= 1 else { throw CLIError.usage("give only one of --time-ratio, --tempo-ratio, --bpm") }
        if let timeRatio { return timeRatio }
        if let tempoRatio {
            guard tempoRatio > 0 else { throw CLIError.usage("--tempo-ratio must be positive") }
            return 1 / tempoRatio
        }
        if let bpm {
            let parts = bpm.split(separator: ":").map { Double($0) }
            guard parts.count == 2, let from = parts[0], let to = parts[1], from > 0, to > 0 else {
                throw CLIError.usage("--bpm expects FROM:TO, e.g. 120:128, got '\(bpm)'")
            }
            return from / to
        }
        return 1
    }
}
