import DSP
import Foundation
import Render

/// `mashup report-demo`: renders the demo mashup and writes its audio, JSON report, HTML report and timeline SVG.
enum ReportDemoCommand: CLICommand {
    static let name = "report-demo"
    static let summary = "write a demo mashup with its HTML report and timeline picture (what `make report-screenshot` shows)"
    static let usage = """
        mashup report-demo [--output-directory DIR] [--sections N] [--bars-per-section N]
          Writes DIR/demo-mashup.wav, .json, .html and .svg; prints the HTML path.
        """

    static func run(_ arguments: inout Arguments) async throws {
        let folder = try arguments.option("--output-directory", "-o") ?? "out"
        let sections = try arguments.doubleOption("--sections") ?? 8
        let bars = try arguments.doubleOption("--bars-per-section") ?? 8
        try arguments.finish()
        guard sections >= 1, sections <= 64, sections == sections.rounded() else {
            throw CLIError.usage("--sections must be a whole number in 1...64")
        }
        guard bars >= 1, bars <= 64, bars == bars.rounded() else {
            throw CLIError.usage("--bars-per-section must be a whole number in 1...64")
        }
        let directory = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let audioURL = directory.appendingPathComponent("demo-mashup.wav")
        let start = Date()
        var (audio, report) = try DemoMashup(sectionCount: Int(sections), barsPerSection: Int(bars))
            .render(audioFileName: audioURL.lastPathComponent)
        let encodeStart = Date()
        try AudioFile.write(audio, to: audioURL, options: .init(sampleFormat: .pcm24, title: report.title, artist: report.artistCredits))
        report.stageSeconds["encode"] = Date().timeIntervalSince(encodeStart)
        let json = try RenderReport.encoder().encode(report)
        try json.write(to: audioURL.deletingPathExtension().appendingPathExtension("json"), options: .atomic)
        let reportStart = Date()
        let files = try ReportWriter.write(report: report, audio: audio, besideAudioAt: audioURL)
        printError(String(format: "demo mashup: %d sections, %.1f s; report in %.0f ms; total %.2f s", report.sections.count,
                          report.durationSeconds, Date().timeIntervalSince(reportStart) * 1000, Date().timeIntervalSince(start)))
        print(files.htmlURL.path)
    }
}
