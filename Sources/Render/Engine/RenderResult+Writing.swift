import Foundation

extension RenderResult {
    /// Writes the rendered audio to `url` in the format its extension names (WAV, AIFF, FLAC, OGG, Opus, MP3),
    /// atomically: a temporary file in the destination folder, renamed into place once the encoder has finished.
    ///
    /// This implementation encodes the result's buffer; a streaming engine writes from its spool under the same name.
    /// - Parameter format: sample format, encoder quality and tags.
    /// - Throws: `AudioFileError.unsupportedFormat` (extension), `.writeFailed` (folder, disk, encoder).
    public func writeAudio(to url: URL, format: AudioFileWriteOptions) throws {
        try AudioFile.write(audio, to: url, options: format)
    }
}
