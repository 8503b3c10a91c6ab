import DSP
import Foundation

extension RenderResult {
    /// Writes the mastered audio to `url`, streaming from the spool block by block (memory does not grow with
    /// the length), through a temporary file renamed into place. When the master already encoded it into that file
    /// (`prewrittenAudio`, same URL, format and options, not yet published), that file is renamed into place instead.
    /// - Parameters:
    ///   - format: the encoding; nil takes it from `url`'s extension.
    ///   - options: sample format, tags, encoder quality.
    /// - Throws: `AudioFileError` naming the file (format, folder, disk, encoder) or the spool (read back).
    public func writeAudio(to url: URL, format: AudioFileFormat? = nil, options: AudioFileWriteOptions = .init()) throws
    {
        if let pending = prewrittenAudio, pending.isPending, pending.url.standardizedFileURL == url.standardizedFileURL,
            pending.options == options, pending.format == (try format ?? AudioFileFormat.forPath(url.path))
        {
            try pending.publish()
            return
        }
        let writer = try AudioFileWriter(
            url: url, channelCount: mastered.channelCount, sampleRate: mastered.sampleRate,
            format: format, options: options)
        do {
            try mastered.forEachBlock { try writer.write($0) }
            try writer.finish()
        } catch {
            writer.cancel()
            throw error
        }
    }

    /// The waveform overview at `columnCount` columns: the one measured while mastering when the count matches,
    /// else measured from the spool block by block.
    /// - Throws: `AudioFileError` when the spool cannot be read back.
    public func waveform(columnCount: Int) throws -> WaveformOverview {
        if columnCount == waveform.columnCount { return waveform }
        var builder = WaveformOverview.Builder(
            frameCount: mastered.frameCount, columnCount: columnCount,
            channelCount: mastered.channelCount, sampleRate: mastered.sampleRate)
        try mastered.forEachBlock { builder.append($0) }
        return builder.overview()
    }
}
