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
        var failures = 0
        var rows: [[String: Any]] = []
        for path in files {
            do {
                let decoded = try AudioFile.read(URL(fileURLWithPath: path), sampleRate: nil)
                let info = decoded.info
                let peak = Decibels.decibels(Double(decoded.buffer.peakMagnitude))
                if json {
                    rows.append(["file": path, "format": info.formatName, "sample_rate": info.sampleRate,
                                 "channels": info.channelCount, "frames": decoded.buffer.frameCount,
                                 "duration_sec": decoded.buffer.durationSeconds, "sample_peak_db": peak,
                                 "non_finite_samples": decoded.nonFiniteSampleCount])
                } else {
                    print(String(format: "%@: %@, %d Hz, %d ch, %d frames (%.3f s), sample peak %.2f dBFS%@",
                                 path, info.formatName, Int(info.sampleRate), info.channelCount,
                                 decoded.buffer.frameCount, decoded.buffer.durationSeconds, peak,
                                 decoded.nonFiniteSampleCount > 0 ? ", \(decoded.nonFiniteSampleCount) NaN/Inf samples replaced by 0" : ""))
                }
            } catch {
                failures += 1
                printError("mashup info: error: \(error)")
            }
        }
        if json, let data = try? JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys]) {
            print(String(decoding: data, as: UTF8.self))
        }
        if failures > 0 { throw CLIError.failed("\(failures) of \(files.count) files could not be read") }
    }
}
