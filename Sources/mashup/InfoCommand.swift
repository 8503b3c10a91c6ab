import DSP
import Foundation
import Render

/// `mashup info FILE...`: header facts and decoded length and peak of each file.
enum InfoCommand: CLICommand {
    static let name = "info"
    static let summary = "show format, rate, channels, duration and peak of audio files"
    static let usage = "mashup info FILE... [--json]"

    static func run(_ arguments: inout Arguments) async throws {
        let json = arguments.flag("--json")
        let files = try arguments.positionals()
        guard !files.isEmpty else { throw CLIError.usage("name at least one file") }
        try reportAudioFiles(files, json: json, command: name) { path, decoded in
            let info = decoded.info
            let peak = Decibels.decibels(Double(decoded.buffer.peakMagnitude))
            let row: [String: Any] = [
                "file": path, "format": info.formatName, "sample_rate": info.sampleRate,
                "channels": info.channelCount, "frames": decoded.buffer.frameCount,
                "duration_sec": decoded.buffer.durationSeconds, "sample_peak_db": peak,
                "non_finite_samples": decoded.nonFiniteSampleCount,
            ]
            let line = String(
                format: "%@: %@, %d Hz, %d ch, %d frames (%.3f s), sample peak %.2f dBFS%@",
                path, info.formatName, Int(info.sampleRate), info.channelCount,
                decoded.buffer.frameCount, decoded.buffer.durationSeconds, peak,
                decoded.nonFiniteSampleCount > 0
                    ? ", \(decoded.nonFiniteSampleCount) NaN/Inf samples replaced by 0" : "")
            return (row, line)
        }
    }
}
