import DSP
import Foundation
import Render

/// `mashup loudness FILE... [--json]`: integrated loudness, loudness range, sample and true peak of each file
/// (ITU-R BS.1770-4 / EBU R128, measured at the file's own sample rate).
enum LoudnessCommand: CLICommand {
    static let name = "loudness"
    static let summary = "measure integrated loudness (LUFS), loudness range (LU), sample peak and true peak (dBTP)"
    static let usage = "mashup loudness FILE... [--json]"

    static func run(_ arguments: inout Arguments) async throws {
        let json = arguments.flag("--json")
        let files = try arguments.positionals()
        guard !files.isEmpty else { throw CLIError.usage("name at least one file") }
        var failures = 0
        var rows: [[String: Any]] = []
        for path in files {
            do {
                let decoded = try AudioFile.read(URL(fileURLWithPath: path), sampleRate: nil)
                // A mono file is measured as one channel (BS.1770), not as the reader's two identical copies.
                let audio = decoded.info.channelCount == 1
                    ? AudioBuffer(channels: [decoded.buffer.channel(0)], sampleRate: decoded.buffer.sampleRate)
                    : decoded.buffer
                let m = LoudnessMeter.measure(audio)
                if json {
                    rows.append(["file": path, "integrated_lufs": m.integratedLUFS, "loudness_range_lu": m.loudnessRangeLU,
                                 "sample_peak_dbfs": m.samplePeakDecibels, "true_peak_dbtp": m.truePeakDecibels,
                                 "max_momentary_lufs": m.maximumMomentaryLUFS, "max_short_term_lufs": m.maximumShortTermLUFS,
                                 "duration_sec": audio.durationSeconds])
                } else {
                    print(String(format: "%@: integrated %.1f LUFS, range %.1f LU, sample peak %.2f dBFS, true peak %.2f dBTP",
                                 path, m.integratedLUFS, m.loudnessRangeLU, m.samplePeakDecibels, m.truePeakDecibels))
                }
            } catch {
                failures += 1
                printError("mashup loudness: error: \(error)")
            }
        }
        if json, let data = try? JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys]) {
            print(String(decoding: data, as: UTF8.self))
        }
        if failures > 0 { throw CLIError.failed("\(failures) of \(files.count) files could not be read") }
    }
}
