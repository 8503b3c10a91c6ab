import Analysis
import DSP
import Foundation
import Orchestrator
import Render

/// `mashup stems SONG -o DIR`: approximate vocals, drums, bass and other stems by signal processing.
enum StemsCommand: CLICommand {
    static let name = "stems"
    static let summary = "split a song into approximate vocals/drums/bass/other stems (no separation model)"
    static let usage = """
        mashup stems SONG -o DIR [--bits 16|24|float]
          Writes DIR/vocals.wav, drums.wav, bass.wav, other.wav at the song's rate. The stems are approximations
          (harmonic/percussive split, bass band, centre-panned voice band, residual); they sum back to the song.
        """

    static func run(_ arguments: inout Arguments) async throws {
        guard let directory = try arguments.option("-o", "--output") else { throw CLIError.usage("-o DIR is required") }
        let bits = try arguments.option("--bits")
        let files = try arguments.positionals()
        guard files.count == 1 else { throw CLIError.usage("expected one song") }
        var options = AudioFileWriteOptions()
        switch bits {
        case nil, "float", "32": options.sampleFormat = .float32
        case "24": options.sampleFormat = .pcm24
        case "16": options.sampleFormat = .pcm16
        case let other?: throw CLIError.usage("--bits must be 16, 24 or float, not '\(other)'")
        }
        let url = URL(fileURLWithPath: files[0])
        // The song is read by range at its own rate (in place, or from a float copy for formats that do not seek
        // exactly), and approximated piece by piece: memory stays that of a few pieces whatever the song's length.
        let rate = try AudioFileReader(url: url, sampleRate: nil).info.sampleRate
        let source = try FileAudioSource(url: url, sampleRate: rate, measuresLoudness: false)
        for warning in source.warnings { printError("mashup stems: warning: \(warning)") }
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let names: [(stem: Stem, name: String)] = [
            (.bass, "bass"), (.drums, "drums"), (.other, "other"), (.vocals, "vocals"),
        ]
        let writers = try names.map {
            try AudioFileWriter(
                url: folder.appendingPathComponent($0.name + ".wav"), channelCount: source.channelCount,
                sampleRate: rate, options: options)
        }
        do {
            try await ApproximatedStems().forEachPiece(of: source, piecesInFlight: 2) { stems in
                for (writer, entry) in zip(writers, names) { try writer.write(stems[entry.stem]!) }
            }
            for writer in writers {
                try writer.finish()
                printError("wrote \(writer.url.path)")
            }
        } catch {
            for writer in writers { writer.cancel() }
            throw error
        }
        printError("note: approximate stems (signal processing, not a separation model); they sum to the song")
    }
}
