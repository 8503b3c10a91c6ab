import Foundation
import MashupModel
import Synchronization

/// A finished audio file waiting in its temporary file beside `url` (`AudioFileWriter.finishUnpublished()`):
/// `publish()` renames it into place once; released unpublished, the temporary file is removed.
public final class PendingAudioFile: Sendable {
    /// Where the file goes.
    public let url: URL
    /// Its format and encoding options, as the writer had them.
    public let format: AudioFileFormat
    public let options: AudioFileWriteOptions
    /// Frames of the audio written (at the writer's rate, before any rate conversion of the format).
    public let frameCount: Int
    private let temporary: URL
    /// True once renamed into place (or abandoned after a failed rename).
    private let settled = Mutex(false)

    init(
        url: URL, temporary: URL, format: AudioFileFormat, options: AudioFileWriteOptions, frameCount: Int
    ) {
        self.url = url
        self.temporary = temporary
        self.format = format
        self.options = options
        self.frameCount = frameCount
    }

    deinit {
        if !settled.withLock({ $0 }) { TemporaryFiles.remove(temporary.path) }
    }

    /// True while the file waits to be published.
    public var isPending: Bool { !settled.withLock { $0 } }

    /// Renames the file into place (replacing what is at `url`); the first call only.
    /// - Throws: `AudioFileError.writeFailed` when the rename fails (the temporary file is then removed), or when
    ///   the file was already published.
    public func publish() throws {
        let path = url.path
        let first = settled.withLock { settled in
            defer { settled = true }
            return !settled
        }
        guard first else { throw AudioFileError.writeFailed(path: path, reason: "the file was already published") }
        if FileManager.default.fileExists(atPath: path) { try? FileManager.default.removeItem(atPath: path) }
        if let code = SystemCalls.rename(temporary.path, over: path) {
            TemporaryFiles.remove(temporary.path)
            throw AudioFileError.writeFailed(path: path, reason: "rename failed: " + SystemCalls.errorText(code))
        }
        TemporaryFiles.forget(temporary.path)
    }
}
