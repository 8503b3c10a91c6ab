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
        try reportAudioFiles(files, json: json, command: name) { path, decoded in
            // A mono file is measured as one channel (BS.1770), not as the reader's two identical copies.
            let audio =
                decoded.info.channelCount == 1
                ? AudioBuffer(channels: [decoded.buffer.channel(0)], sampleRate: decoded.buffer.sampleRate)
                : decoded.buffer
            let m = LoudnessMeter.measure(audio)
            let row: [String: Any] = [
                "file": path, "integrated_lufs": m.integratedLUFS, "loudness_range_lu": m.loudnessRangeLU,
                "sample_peak_dbfs": m.samplePeakDecibels, "true_peak_dbtp": m.truePeakDecibels,
                "max_momentary_lufs": m.maximumMomentaryLUFS, "max_short_term_lufs": m.maximumShortTermLUFS,
                "duration_sec": audio.durationSeconds,
            ]
            let line = String(
                format: "%@: integrated %.1f LUFS, range %.1f LU, sample peak %.2f dBFS, true peak %.2f dBTP",
                path, m.integratedLUFS, m.loudnessRangeLU, m.samplePeakDecibels, m.truePeakDecibels)
            return (row, line)
        }
    }
}
