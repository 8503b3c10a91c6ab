// The one write-out of a render, for every face (`mashup render`, `mashup create`, `mashup serve`): the audio in the
// format its extension names, the JSON report, the HTML report and the SVG timeline, each written to a temporary
// file in its folder and renamed into place, so no reader ever sees a half-written file. The same script and result
// give the same bytes whichever face asked (`RenderOutputWriterTests` compares the CLI's and the server's files).
import Foundation
import Render

/// Writes a render's files.
public enum RenderOutputWriter {
    /// Where the files went.
    public struct Files: Sendable, Equatable {
        public var audioURL: URL
        public var reportURL: URL
        public var htmlURL: URL
        public var svgURL: URL
    }

    /// Longest creative vision kept in the audio file's comment tag, characters.
    public static let maximumCommentCharacters = 500

    /// The audio file's encoding and tags for a script: 24-bit PCM (where the format has a bit depth), the title,
    /// the artist credits and the creative vision (first `maximumCommentCharacters` characters).
    public static func audioOptions(for script: RenderScript) -> AudioFileWriteOptions {
        AudioFileWriteOptions(
            sampleFormat: .pcm24, title: script.title, artist: script.artistCredits,
            comment: String(script.creativeVision.prefix(maximumCommentCharacters)))
    }

    /// The master file for a render whose audio `write` will put at `audioURL` (`RenderOptions.masterFile`): the
    /// same URL and options `write` uses, so the master's file is renamed into place instead of encoded again.
    public static func masterFile(for script: RenderScript, audioURL: URL) -> RenderOptions.MasterFile {
        RenderOptions.MasterFile(url: audioURL, options: audioOptions(for: script))
    }

    /// Writes `result`'s audio to `audioURL`, `report` to `reportURL` (default: beside the audio, `.json`), and the
    /// HTML report and SVG timeline beside the audio (`.html`, `.svg`). `report.audioFile` is set to the audio's
    /// file name.
    /// - Parameters:
    ///   - report: the report to write: the result's, completed by the caller (analysis sources).
    ///   - register: called with each file's URL before it is written (a job registers its outputs, so that a
    ///     failure or cancellation removes them).
    /// - Returns: the files and the report as written.
    /// - Throws: `AudioFileError` (extension, encoder, disk), `ReportWriterError`, file-system errors, and what
    ///   `register` throws.
    public static func write(
        _ result: RenderResult, report: RenderReport, script: RenderScript, audioURL: URL,
        reportURL: URL? = nil,
        register: @Sendable (URL) async throws -> Void = { _ in }
    ) async throws -> (files: Files, report: RenderReport) {
        var report = report
        report.audioFile = audioURL.lastPathComponent
        let stem = audioURL.deletingPathExtension()
        let files = Files(
            audioURL: audioURL, reportURL: reportURL ?? stem.appendingPathExtension("json"),
            htmlURL: stem.appendingPathExtension("html"), svgURL: stem.appendingPathExtension("svg"))
        try await register(files.audioURL)
        try result.writeAudio(to: files.audioURL, options: audioOptions(for: script))
        try await register(files.reportURL)
        if let refusal = OutputPath.refusal(files.reportURL.path) {
            throw ReportWriterError.writeFailed(path: files.reportURL.path, reason: refusal)
        }
        try RenderReport.encoder().encode(report).write(to: files.reportURL, options: .atomic)
        try await register(files.htmlURL)
        try await register(files.svgURL)
        let timeline = TimelineSVG()
        try ReportWriter.write(
            report: report, waveform: try result.waveform(columnCount: timeline.columnCount),
            htmlURL: files.htmlURL, svgURL: files.svgURL, timeline: timeline)
        return (files, report)
    }
}
