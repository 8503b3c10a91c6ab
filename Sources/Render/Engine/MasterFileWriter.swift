import DSP
import Foundation

/// The output file a master pass encodes beside its spool (`RenderOptions.masterFile`): one `AudioFileWriter` per
/// pass, the previous pass's abandoned when the next begins; the last one is finished unpublished.
///
/// A pure shortcut: a file that cannot be opened or written is given up (its temporary file removed) without an
/// error, and the result then has no prewritten audio, so `RenderResult.writeAudio` encodes the spool as it would
/// without the shortcut and reports any error there, where the caller expects it. Used by one pass job at a time:
/// `begin` before a pass's jobs start, `write` from one job, `finish` after the last pass.
final class MasterFileWriter: @unchecked Sendable {
    private var writer: AudioFileWriter?

    /// Abandons the previous pass's file and opens a new one for this pass. Only formats whose file depends on the
    /// samples alone, not on how they are cut into blocks, are written here (WAV, AIFF, FLAC: `hasBitDepth`); a
    /// lossy encoder's or a rate converter's output may depend on the blocks it is handed, so those are encoded
    /// from the spool as before.
    func begin(_ file: RenderOptions.MasterFile, channelCount: Int, sampleRate: Double) {
        writer?.cancel()
        writer = nil
        guard let format = try? file.format ?? AudioFileFormat.forPath(file.url.path), format.hasBitDepth else {
            return
        }
        writer = try? AudioFileWriter(
            url: file.url, channelCount: channelCount, sampleRate: sampleRate, format: format,
            options: file.options)
    }

    /// Encodes a block of the pass's output (after a failure, nothing more).
    func write(_ block: AudioBuffer) {
        guard let current = writer else { return }
        do { try current.write(block) } catch {
            current.cancel()
            writer = nil
        }
    }

    /// The last pass's file, closed and waiting to be published; nil when none was opened or it failed.
    func finish() -> PendingAudioFile? {
        defer { writer = nil }
        return try? writer?.finishUnpublished()
    }
}
