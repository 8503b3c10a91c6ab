import DSP
import Foundation
import Render
import TestSupport
import Testing

@Suite("Report: waveform overview, formatting, effect tags, writer")
struct ReportWaveformTests {
    /// The naive reference: min and max over each column's frame range, straight from the definition.
    func reference(_ samples: [Float], columns: Int) -> (min: [Float], max: [Float]) {
        let n = samples.count
        var low = [Float](repeating: 0, count: columns), high = [Float](repeating: 0, count: columns)
        for column in 0..<columns {
            var start = column * n / columns, end = (column + 1) * n / columns
            if end <= start { start = min(start, n - 1); end = start + 1 }
            low[column] = samples[start..<end].min()!
            high[column] = samples[start..<end].max()!
        }
        return (low, high)
    }

    @Test("min/max per column equal the naive reference", arguments: [1, 3, 7, 640, 1000, 4099])
    func matchesReference(columns: Int) {
        var left = Signals.noise(frameCount: 4097, amplitude: 0.3, seed: 11)
        left[17] = 0.95
        left[4000] = -0.99
        let right = Signals.sine(frequencyHz: 440, sampleRate: 8000, frameCount: 4097, amplitude: 0.6)
        let buffer = AudioBuffer(channels: [left, right], sampleRate: 8000)
        let overview = WaveformOverview(buffer: buffer, columnCount: columns)
        #expect(overview.columnCount == columns)
        #expect(overview.channelCount == 2)
        #expect(abs(overview.durationSeconds - 4097.0 / 8000) < 1e-12)
        for (channel, samples) in [left, right].enumerated() {
            let expected = reference(samples, columns: columns)
            #expect(overview.minimums[channel] == expected.min)
            #expect(overview.maximums[channel] == expected.max)
        }
        #expect(overview.maximums[0].max() == 0.95)
        #expect(overview.minimums[0].min() == -0.99)
    }

    @Test("empty buffers draw silence and NaN samples are skipped")
    func edgeCases() {
        let empty = WaveformOverview(
            buffer: AudioBuffer(channelCount: 1, frameCount: 0, sampleRate: 8000), columnCount: 5)
        #expect(empty.minimums == [[0, 0, 0, 0, 0]] && empty.maximums == [[0, 0, 0, 0, 0]])
        var samples: [Float] = [0.5, .nan, -0.25, .nan, .nan, .nan, 0.1, 0.2]
        samples[1] = .nan
        let overview = WaveformOverview(buffer: AudioBuffer(channels: [samples], sampleRate: 8000), columnCount: 4)
        #expect(overview.maximums[0] == [0.5, -0.25, 0, 0.2])
        #expect(overview.minimums[0] == [0.5, -0.25, 0, 0.1])
    }

    @Test("escaping covers markup characters and drops characters XML forbids")
    func escaping() {
        #expect(ReportFormatting.escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;")
        #expect(ReportFormatting.escape("tab\tnew\nline\u{0}\u{7}\u{FFFE}é♫") == "tab\tnew\nlineé♫")
        #expect(ReportFormatting.escape("plain text") == "plain text")
    }

    @Test("numbers and times format deterministically")
    func numbers() {
        #expect(ReportFormatting.coordinate(12.34) == "12.3")
        #expect(ReportFormatting.coordinate(12.0) == "12")
        #expect(ReportFormatting.coordinate(-0.04) == "0")
        #expect(ReportFormatting.coordinate(-3.25, decimals: 2) == "-3.25")
        #expect(ReportFormatting.coordinate(.nan) == "0")
        #expect(ReportFormatting.number(-6, decimals: 1) == "\u{2212}6.0")
        #expect(ReportFormatting.number(.infinity, decimals: 1) == "–")
        #expect(ReportFormatting.signedNumber(2, decimals: 0) == "+2")
        #expect(ReportFormatting.signedNumber(0, decimals: 1) == "0.0")
        #expect(ReportFormatting.clock(0) == "0:00")
        #expect(ReportFormatting.clock(59.99) == "0:59")
        #expect(ReportFormatting.clock(185) == "3:05")
        #expect(ReportFormatting.clock(3725) == "1:02:05")
        #expect(ReportFormatting.preciseClock(15.48) == "0:15.5")
        #expect(ReportFormatting.preciseClock(59.96) == "1:00.0")
    }

    @Test("effects get short tags from plan strings and canonical JSON objects")
    func effectTags() {
        #expect(EffectTag.short("reverb") == "REV")
        #expect(EffectTag.short("Ping Pong Delay") == "PP·DLY")
        #expect(EffectTag.short("delay") == "DLY")
        #expect(EffectTag.short("high-pass-filter-800hz") == "HPF 800")
        #expect(EffectTag.short("low_pass_filter_2khz") == "LPF 2k")
        #expect(EffectTag.short("{\"type\":\"high-pass-filter\",\"cutoff_hz\":1200}") == "HPF 1.2k")
        #expect(EffectTag.short("{\"type\":\"echo-out\",\"feedback\":0.5}") == "ECHO")
        #expect(EffectTag.short("sidechain") == "SC")
        #expect(EffectTag.short("EQ") == "EQ")
        #expect(EffectTag.short("granular-freeze") == "GRANUL")
        #expect(EffectTag.short("  ") == "FX")
    }

    @Test("the writer puts NAME.html and NAME.svg beside the audio, atomically")
    func writer() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = ReportFixtures.report()
        let audio = ReportFixtures.audio()
        let audioURL = folder.appendingPathComponent("mashup.wav")
        try Data("stale".utf8).write(to: folder.appendingPathComponent("mashup.html"))
        let files = try ReportWriter.write(report: report, audio: audio, besideAudioAt: audioURL)
        #expect(files.htmlURL.lastPathComponent == "mashup.html")
        #expect(files.svgURL.lastPathComponent == "mashup.svg")
        let svg = try String(contentsOf: files.svgURL, encoding: .utf8)
        let html = try String(contentsOf: files.htmlURL, encoding: .utf8)
        let drawing = TimelineSVG().render(report: report, audio: audio)
        #expect(svg == TimelineSVG.xmlDeclaration + drawing)
        #expect(html == HTMLReport.render(report: report, svg: drawing))
        #expect(XMLTreeBuilder.parse(svg) != nil)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["mashup.html", "mashup.svg"], "no temporary files left behind")

        let missing = folder.appendingPathComponent("no-such-folder/mashup.wav")
        #expect(throws: ReportWriterError.self) {
            try ReportWriter.write(report: report, audio: audio, besideAudioAt: missing)
        }
    }
}
