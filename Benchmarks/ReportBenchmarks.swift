import DSP
import Foundation
import Render

/// Report cases: the waveform overview of a 3-minute stereo mashup, the SVG and HTML of a 12-section report, and
/// the whole generation (overview + SVG + HTML) with and without writing the two files.
func runReportBenchmarks(_ runner: BenchmarkRunner) {
    let cases = [
        "report.waveform.3min", "report.svg.12sections", "report.html.12sections", "report.generate.3min-12sections",
        "report.write.3min-12sections",
    ]
    guard cases.contains(where: runner.wants) else { return }
    // The demo mashup with 12 sections of 8 bars at 124 BPM rendered by the engine: 185.8 s of stereo 44.1 kHz audio.
    let demo = DemoRender(sectionCount: 12, barsPerSection: 8)
    let songs = demo.songs
    guard let script = try? demo.script(for: songs),
        let result = try? blockingRender(script: script, songs: songs, options: RenderOptions())
    else {
        runner.report(["name": "report.setup", "error": "demo mashup failed"])
        return
    }
    guard let audio = try? result.loadAudio() else {
        runner.report(["name": "report.setup", "error": "the demo mashup could not be read back"])
        return
    }
    var report = result.report
    report.audioFile = "bench.wav"
    let timeline = TimelineSVG()
    let extra: [String: Any] = [
        "audio_seconds": audio.durationSeconds, "sections": report.sections.count,
        "columns": timeline.columnCount,
    ]
    runner.measure("report.waveform.3min", audioSeconds: audio.durationSeconds, runs: 11, extra: extra) {
        _ = WaveformOverview(buffer: audio, columnCount: timeline.columnCount)
    }
    let waveform = WaveformOverview(buffer: audio, columnCount: timeline.columnCount)
    var svgBytes = 0
    runner.measure("report.svg.12sections", runs: 11, extra: extra) {
        svgBytes = timeline.render(report: report, waveform: waveform).utf8.count
    }
    let svg = timeline.render(report: report, waveform: waveform)
    var htmlBytes = 0
    runner.measure("report.html.12sections", runs: 11, extra: extra) {
        htmlBytes = HTMLReport.render(report: report, svg: svg).utf8.count
    }
    runner.measure(
        "report.generate.3min-12sections", runs: 11,
        extra: extra.merging(["svg_bytes": svgBytes, "html_bytes": htmlBytes]) { _, new in new }
    ) {
        let overview = WaveformOverview(buffer: audio, columnCount: timeline.columnCount)
        let drawing = timeline.render(report: report, waveform: overview)
        _ = HTMLReport.render(report: report, svg: drawing)
    }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-report-bench-\(getpid())")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    runner.measure("report.write.3min-12sections", runs: 11, extra: extra) {
        _ = try? ReportWriter.write(
            report: report, audio: audio, besideAudioAt: folder.appendingPathComponent("bench.wav"))
    }
}
