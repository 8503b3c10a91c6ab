import DSP
import Foundation
import Render
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite("Report: timeline SVG")
struct ReportSVGTests {
    /// Coordinates are written with one decimal, so two of them differ from the exact values by at most 0.1 px.
    static let coordinateTolerancePixels = 0.11
    /// Waveform heights compared as amplitude ratios: 0.1 px rounding over a 50 px half-height, plus margin.
    static let amplitudeRatioTolerance = 0.01
    /// The colours the issue names, written out here independently of `StemPalette`.
    static let expectedStemColours = [
        "vocals": "#3b82f6", "drums": "#ef4444", "bass": "#eab308", "other": "#22c55e",
        "full": "#9ca3af",
    ]

    func parse(_ svg: String) throws -> XMLNode {
        try #require(XMLTreeBuilder.parse(svg), "the SVG must be well-formed XML")
    }

    /// The time → x mapping implied by the axis ticks (first and last tick).
    func axisMapping(_ root: XMLNode) throws -> (Double) -> Double {
        let ticks = root.find("g", className: "tick")
        try #require(ticks.count >= 2)
        func point(_ tick: XMLNode) throws -> (Double, Double) {
            let line = try #require(tick.find("line").first)
            return (try #require(tick.number("data-seconds")), try #require(line.number("x1")))
        }
        let (t0, x0) = try point(ticks.first!)
        let (t1, x1) = try point(ticks.last!)
        let slope = (x1 - x0) / (t1 - t0)
        return { x0 + ($0 - t0) * slope }
    }

    func points(_ pathData: String) -> [(Double, Double)] {
        let numbers = pathData.map { "MLZ".contains($0) ? " " : $0 }
        let values = String(numbers).split(separator: " ").compactMap { Double($0) }
        return stride(from: 0, to: values.count - 1, by: 2).map { (values[$0], values[$0 + 1]) }
    }

    @Test("the SVG is well-formed XML with one section group per section and one coloured band per layer")
    func sectionsAndLayers() throws {
        let report = ReportFixtures.report(sectionCount: 7)
        let root = try parse(TimelineSVG().render(report: report, audio: ReportFixtures.audio()))
        #expect(root.name == "svg")
        let groups = root.find("g", className: "section")
        #expect(groups.count == report.sections.count)
        for (group, section) in zip(groups, report.sections) {
            #expect(group.attributes["data-index"] == String(section.index))
            let bands = group.find("rect", className: "layer")
            #expect(bands.count == section.layers.count)
            for (band, layer) in zip(bands, section.layers) {
                #expect(band.attributes["data-stem"] == layer.stem)
                #expect(band.attributes["fill"] == Self.expectedStemColours[layer.stem])
            }
            // The section's description is written inside its block (possibly shortened with an ellipsis).
            let texts = group.find("text").map(\.allText)
            #expect(texts.contains { $0.hasPrefix("\(section.index + 1)  Section") })
        }
        #expect(root.find("rect", className: "layer").count == report.sections.reduce(0) { $0 + $1.layers.count })
    }

    @Test("axis ticks read m:ss and the section blocks start where the axis puts their start times")
    func axisMatchesSections() throws {
        let report = ReportFixtures.report(sectionCount: 6, durationSeconds: 75)
        let root = try parse(TimelineSVG().render(report: report, audio: ReportFixtures.audio(durationSeconds: 75)))
        let ticks = root.find("g", className: "tick")
        for tick in ticks {
            let seconds = try #require(tick.number("data-seconds"))
            let whole = Int(seconds)
            #expect(tick.find("text").first?.allText == String(format: "%d:%02d", whole / 60, whole % 60))
        }
        #expect(ticks.first?.number("data-seconds") == 0)
        let x = try axisMapping(root)
        for (group, section) in zip(root.find("g", className: "section"), report.sections) {
            let block = try #require(group.find("rect", className: "section-block").first)
            #expect(abs(try #require(block.number("x")) - x(section.startSeconds)) <= Self.coordinateTolerancePixels)
            // Blocks end 2 px before the next section's start (the gap between blocks).
            let right = try #require(block.number("x")) + (try #require(block.number("width")))
            #expect(abs(right + 2 - x(section.endSeconds)) <= Self.coordinateTolerancePixels)
        }
        // Bar numbers at the target tempo: bar b starts at (b - 1) · 2 s at 120 BPM in 4/4.
        for barTick in root.find("g", className: "bar-tick") {
            let bar = try #require(barTick.number("data-bar"))
            let line = try #require(barTick.find("line").first)
            #expect(abs(try #require(line.number("x1")) - x((bar - 1) * 2)) <= Self.coordinateTolerancePixels)
            #expect(barTick.find("text").first?.allText == String(Int(bar)))
        }
        #expect(root.find("g", className: "bar-tick").count >= 4)
    }

    @Test(
        "the waveform path has the requested columns and its heights follow the amplitude", arguments: [37, 300, 1112])
    func waveformColumns(columns: Int) throws {
        let amplitudes: [Float] = [0.8, 0.2, 0.5, 0.05, 1.0]
        let audio = ReportFixtures.audio(amplitudes: amplitudes)
        let root = try parse(
            TimelineSVG(waveformColumnCount: columns).render(report: ReportFixtures.report(), audio: audio))
        let paths = root.find("path", className: "waveform")
        #expect(paths.count == 2)
        for (channel, path) in paths.enumerated() {
            #expect(path.attributes["data-columns"] == String(columns))
            let outline = points(path.attributes["d"] ?? "")
            #expect(outline.count == 2 * columns)
            let tops = Array(outline[0..<columns])
            let bottoms = Array(outline[columns...].reversed())
            #expect(zip(tops, tops.dropFirst()).allSatisfy { $0.0 < $1.0 })
            guard columns >= 100 else { continue }
            func height(_ part: Int) -> Double {
                let column = (2 * part + 1) * columns / (2 * amplitudes.count)
                return bottoms[column].1 - tops[column].1
            }
            let full = height(amplitudes.count - 1)
            #expect(full > 40 / Double(channel + 1), "the loudest part fills most of its channel")
            for part in 0..<amplitudes.count - 1 {
                #expect(
                    abs(height(part) / full - Double(amplitudes[part])) <= Self.amplitudeRatioTolerance,
                    "channel \(channel) part \(part)")
            }
        }
    }

    @Test("transitions are drawn centred on their boundary with their length; cuts as lines")
    func transitions() throws {
        let report = ReportFixtures.report(sectionCount: 6, durationSeconds: 30)
        let root = try parse(TimelineSVG().render(report: report, audio: ReportFixtures.audio(durationSeconds: 30)))
        let x = try axisMapping(root)
        let pixelsPerSecond = x(1) - x(0)
        let groups = root.find("g", className: "transition")
        #expect(groups.count == report.sections.count - 1)
        for (group, section) in zip(groups, report.sections.dropFirst()) {
            #expect(group.attributes["data-kind"] == section.transitionIn)
            if section.transitionSeconds > 0 {
                let region = try #require(group.find("rect").first)
                let left = try #require(region.number("x")), width = try #require(region.number("width"))
                #expect(abs(left + width / 2 - x(section.startSeconds)) <= Self.coordinateTolerancePixels)
                #expect(abs(width - section.transitionSeconds * pixelsPerSecond) <= Self.coordinateTolerancePixels)
                #expect(region.attributes["fill"] == "url(#mt-hatch)")
            } else {
                let line = try #require(group.find("line").first)
                #expect(
                    abs(try #require(line.number("x1")) + 1 - x(section.startSeconds)) <= Self.coordinateTolerancePixels
                )
            }
        }
    }

    @Test("the short-term loudness is a polyline at the right times and levels; the figures are written out")
    func loudnessLine() throws {
        var report = ReportFixtures.report(durationSeconds: 20)
        report.loudness.targetLUFS = -6
        report.loudness.integratedLUFS = -30
        report.loudness.shortTermFirstSeconds = 1.5
        let root = try parse(TimelineSVG().render(report: report, audio: ReportFixtures.audio()))
        let x = try axisMapping(root)
        let target = try #require(root.find("line", className: "target").first?.number("y1"))
        let integrated = try #require(root.find("line", className: "integrated").first?.number("y1"))
        let y = { (lufs: Double) in target + (lufs + 6) / (-30 + 6) * (integrated - target) }
        let polyline = try #require(root.find("polyline", className: "loudness").first)
        let pairs = (polyline.attributes["points"] ?? "").split(separator: " ").map {
            $0.split(separator: ",").compactMap { Double($0) }
        }
        let values = report.loudness.shortTermLUFS
        #expect(pairs.count == values.count)
        for (k, pair) in pairs.enumerated() {
            let seconds = min(1.5 + Double(k) * 0.1, report.durationSeconds)
            #expect(abs(pair[0] - x(seconds)) <= Self.coordinateTolerancePixels)
            #expect(abs(pair[1] - y(values[k])) <= Self.coordinateTolerancePixels)
        }
        let summary = root.find("g", className: "loudness-summary").first?.allText ?? ""
        #expect(summary.contains("integrated \u{2212}30.0 LUFS"))
        #expect(summary.contains("true peak \u{2212}1.1 dBTP"))
    }

    @Test("long loudness curves are reduced to two points per pixel keeping the loudest value")
    func loudnessDecimation() throws {
        var report = ReportFixtures.report(durationSeconds: 600, shortTermCount: 6000)
        report.loudness.shortTermLUFS = [Double](repeating: -30, count: 6000)
        report.loudness.shortTermLUFS[3001] = -3
        let svg = TimelineSVG(widthPixels: 1200)
        let root = try parse(svg.render(report: report, waveform: nil))
        let polyline = try #require(root.find("polyline", className: "loudness").first)
        let ys = (polyline.attributes["points"] ?? "").split(separator: " ").compactMap {
            $0.split(separator: ",").last.flatMap { Double($0) }
        }
        #expect(ys.count == Int(svg.plotWidth * 2))
        // Exactly one point carries the spike: the loudest value of its bucket survives.
        let lowest = try #require(ys.min())
        #expect(ys.filter { $0 == lowest }.count == 1)
        #expect(Set(ys).count == 2)
    }

    @Test("output is deterministic and hostile text is escaped everywhere")
    func deterministicAndEscaped() throws {
        let hostile = "<script>alert(1)</script>&\"'\u{0}\u{1B}"
        let report = ReportFixtures.report(text: { hostile + $0 })
        let audio = ReportFixtures.audio()
        let first = TimelineSVG().render(report: report, audio: audio)
        #expect(first == TimelineSVG().render(report: report, audio: audio))
        let root = try parse(first)
        #expect(root.find("script").isEmpty)
        #expect(!first.contains("<script"))
        // The parser gives the original text back (minus the control characters XML cannot carry).
        let cleaned = "<script>alert(1)</script>&\"'"
        #expect(root.find("title").first?.allText == cleaned + "Test Mashup")
        #expect(
            root.find("rect", className: "layer").allSatisfy { ($0.attributes["data-stem"] ?? "").hasPrefix(cleaned) })
        #expect(
            root.find("g", className: "transition").contains { $0.attributes["data-kind"] == cleaned + "crossfade" })
    }

    @Test("a report without audio, sections or loudness still draws a valid picture")
    func emptyReport() throws {
        var report = ReportFixtures.report(sectionCount: 1)
        report.sections = []
        report.loudness.shortTermLUFS = []
        report.durationSeconds = 0
        let root = try parse(TimelineSVG().render(report: report, waveform: nil))
        #expect(root.find("g", className: "section").isEmpty)
        #expect(root.find("path", className: "waveform").isEmpty)
        #expect(root.find("text").contains { $0.allText == "no audio" })
    }
}
