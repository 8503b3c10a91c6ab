import Analysis
import DSP
import Foundation
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
        let decoded = try AudioFile.read(URL(fileURLWithPath: files[0]), sampleRate: nil)
        let stems = StemApproximator().separate(decoded.buffer)
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, buffer) in stems.byName.sorted(by: { $0.key < $1.key }) {
            let url = folder.appendingPathComponent(name + ".wav")
            try AudioFile.write(buffer, to: url, options: options)
            printError("wrote \(url.path)")
        }
        printError("note: approximate stems (signal processing, not a separation model); they sum to the song")
    }
}
