import DSP
import Foundation
import MashupModel

/// Why a report file could not be written; no partial file is left at the path.
public enum ReportWriterError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The folder is missing or not writable, the disk is full, or the rename failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .writeFailed(let path, let reason): "\(path): could not be written: \(reason)"
        }
    }

    public var errorDescription: String? { description }
}

/// Writes the timeline picture (`NAME.svg`) and the HTML report (`NAME.html`) beside the rendered audio.
///
/// Each file is written to a hidden temporary file in its destination folder and renamed into place, so a reader
/// never sees a half-written report. The HTML embeds the same SVG drawing that goes to the `.svg` file.
public enum ReportWriter {
    /// Where `write(report:audio:besideAudioAt:)` put the files.
    public struct Files: Sendable, Equatable {
        public var htmlURL: URL
        public var svgURL: URL
    }

    /// Draws the timeline of `report` over `audio` (the rendered output) and writes both files.
    /// - Parameters:
    ///   - timeline: picture options (width, waveform columns).
    /// - Throws: `ReportWriterError.writeFailed` naming the file.
    public static func write(
        report: RenderReport, audio: AudioBuffer, htmlURL: URL, svgURL: URL,
        timeline: TimelineSVG = TimelineSVG()
    ) throws {
        try write(
            report: report, waveform: WaveformOverview(buffer: audio, columnCount: timeline.columnCount),
            htmlURL: htmlURL, svgURL: svgURL, timeline: timeline)
    }

    /// Draws the timeline of `report` over a precomputed waveform overview (e.g. `RenderResult.waveform`, measured
    /// while mastering, so the audio need not be in memory) and writes both files.
    /// - Throws: `ReportWriterError.writeFailed` naming the file.
    public static func write(
        report: RenderReport, waveform: WaveformOverview, htmlURL: URL, svgURL: URL,
        timeline: TimelineSVG = TimelineSVG()
    ) throws {
        let svg = timeline.render(report: report, waveform: waveform)
        try writeAtomically(Data((TimelineSVG.xmlDeclaration + svg).utf8), to: svgURL)
        try writeAtomically(Data(HTMLReport.render(report: report, svg: svg).utf8), to: htmlURL)
    }

    /// Writes `NAME.html` and `NAME.svg` beside `audioURL` (`NAME.wav`) over a precomputed waveform overview.
    @discardableResult
    public static func write(
        report: RenderReport, waveform: WaveformOverview, besideAudioAt audioURL: URL,
        timeline: TimelineSVG = TimelineSVG()
    ) throws -> Files {
        let stem = audioURL.deletingPathExtension()
        let files = Files(htmlURL: stem.appendingPathExtension("html"), svgURL: stem.appendingPathExtension("svg"))
        try write(report: report, waveform: waveform, htmlURL: files.htmlURL, svgURL: files.svgURL, timeline: timeline)
        return files
    }

    /// Writes `NAME.html` and `NAME.svg` beside `audioURL` (`NAME.wav`) and returns their locations.
    @discardableResult
    public static func write(
        report: RenderReport, audio: AudioBuffer, besideAudioAt audioURL: URL,
        timeline: TimelineSVG = TimelineSVG()
    ) throws -> Files {
        try write(
            report: report, waveform: WaveformOverview(buffer: audio, columnCount: timeline.columnCount),
            besideAudioAt: audioURL, timeline: timeline)
    }

    /// Writes `data` to a temporary file beside `url`, then renames it into place.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let path = url.path
        let folder = url.deletingLastPathComponent()
        guard SystemCalls.isDirectory(folder.path) == true else {
            throw ReportWriterError.writeFailed(path: path, reason: "the folder \(folder.path) does not exist")
        }
        if let refusal = OutputPath.refusal(path) { throw ReportWriterError.writeFailed(path: path, reason: refusal) }
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try TemporaryFiles.create(temporary.path) { try data.write(to: temporary) }
        } catch {
            TemporaryFiles.remove(temporary.path)
            throw ReportWriterError.writeFailed(path: path, reason: "\(error.localizedDescription)")
        }
        if let code = SystemCalls.rename(temporary.path, over: path) {
            let reason = SystemCalls.errorText(code)
            TemporaryFiles.remove(temporary.path)
            throw ReportWriterError.writeFailed(path: path, reason: "rename failed: " + reason)
        }
        TemporaryFiles.forget(temporary.path)
    }
}
