import DSP
import Foundation
import Render

/// `mashup convert IN OUT`: decode, convert the rate, encode in the format OUT's extension names.
enum ConvertCommand: CLICommand {
    static let name = "convert"
    static let summary = "convert an audio file (format by extension, optional sample rate and bit depth)"
    static let usage = """
        mashup convert IN OUT [--sample-rate HZ] [--bits 16|24|float] [--dither] [--quality 0..1]
                              [--title TEXT] [--artist TEXT]
          OUT's extension picks the format: .wav .aiff .flac .ogg .opus .mp3 (Opus is always 48 kHz).
        """

    static func run(_ arguments: inout Arguments) async throws {
        let rate = try arguments.doubleOption("--sample-rate")
        let bits = try arguments.option("--bits")
        let quality = try arguments.doubleOption("--quality")
        let title = try arguments.option("--title")
        let artist = try arguments.option("--artist")
        let dither = arguments.flag("--dither")
        let files = try arguments.positionals()
        guard files.count == 2 else { throw CLIError.usage("expected IN and OUT") }
        var options = AudioFileWriteOptions(dither: dither, title: title, artist: artist)
        switch bits {
        case nil, "24": options.sampleFormat = .pcm24
        case "16": options.sampleFormat = .pcm16
        case "float", "32": options.sampleFormat = .float32
        case let other?: throw CLIError.usage("--bits must be 16, 24 or float, not '\(other)'")
        }
        if let quality { options.encoderQuality = quality }
        if let rate, !AudioFileReader.sampleRateRange.contains(rate) {
            throw CLIError.usage("--sample-rate must lie in 8000...384000 Hz")
        }
        let decoded = try AudioFile.read(URL(fileURLWithPath: files[0]), sampleRate: rate)
        for warning in decoded.warnings { printError("mashup convert: warning: \(warning)") }
        try AudioFile.write(decoded.buffer, to: URL(fileURLWithPath: files[1]), options: options)
        printError("wrote \(files[1]) (\(String(format: "%.2f", decoded.buffer.durationSeconds)) s)")
    }
}
