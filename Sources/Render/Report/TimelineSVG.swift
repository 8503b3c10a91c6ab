import DSP
import Foundation

/// Draws a render as one SVG picture: header, waveform overview with a time and bar axis, the timeline of sections
/// and layers, transitions across the boundaries, and the short-term loudness.
///
/// Design note: one pass that appends to a reserved `String`; no XML library. Coordinates are written with at most
/// one decimal by `ReportFormatting.coordinate`, so the same input always gives the same bytes. Every text from the
/// plan goes through `ReportFormatting.escape`. Light-mode colours are presentation attributes (readable by any
/// SVG viewer); an embedded style sheet overrides them under `prefers-color-scheme: dark`, scoped to the root class
/// `mashup-timeline` so the picture can be inlined into the HTML report. Stem colours never change.
///
/// Structure (what the tests and any script can rely on):
/// - the root `<svg>` carries `data-plot-left`, `data-plot-width` (pixels) and `data-duration-seconds`: a time t is at
///   x = plotLeft + t / duration · plotWidth (for a playhead drawn over the picture).
/// - `<path class="waveform" data-channel="c" data-columns="n">`: a closed outline through the maximum of each
///   column (left to right) and back through the minimum (right to left): `2·n` points.
/// - `<g class="tick" data-seconds="t">`: a time-axis tick labelled m:ss; `<g class="bar-tick" data-bar="b">`.
/// - `<g class="section" data-index="i" ...>` per section, holding `<rect class="section-block">` that starts at the
///   section's start on the axis, and one `<rect class="layer" data-stem="..." fill="#rrggbb">` per layer.
/// - `<g class="transition" data-index="i" data-kind="..." data-seconds="...">` per boundary.
/// - `<polyline class="loudness">`, `<line class="integrated">`, `<line class="target">`.
public struct TimelineSVG: Sendable {
    /// Width of the picture in pixels (user units), at least 480.
    public var widthPixels: Int
    /// Columns of the waveform overview; nil draws one per pixel of the plot width.
    public var waveformColumnCount: Int?

    /// - Parameters:
    ///   - widthPixels: picture width, 480 or more (1200 by default).
    ///   - waveformColumnCount: waveform columns, 1 or more; nil for one per plot pixel.
    public init(widthPixels: Int = 1200, waveformColumnCount: Int? = nil) {
        precondition(widthPixels >= 480, "the timeline needs at least 480 pixels")
        precondition(waveformColumnCount.map { $0 >= 1 } ?? true, "the waveform needs at least one column")
        self.widthPixels = widthPixels
        self.waveformColumnCount = waveformColumnCount
    }

    /// Left edge of the plots (the time origin), in pixels.
    public var plotLeft: Double { Layout.marginLeft }
    /// Width of the plots (the whole duration), in pixels.
    public var plotWidth: Double { Double(widthPixels) - Layout.marginLeft - Layout.marginRight }
    /// Columns the waveform overview gets.
    public var columnCount: Int { waveformColumnCount ?? Int(plotWidth) }

    /// The picture of `report`, with the waveform of `audio` (the rendered output).
    public func render(report: RenderReport, audio: AudioBuffer) -> String {
        render(report: report, waveform: WaveformOverview(buffer: audio, columnCount: columnCount))
    }

    /// The picture as a standalone SVG document (XML declaration first), for `NAME.svg`.
    public func document(report: RenderReport, waveform: WaveformOverview?) -> String {
        TimelineSVG.xmlDeclaration + render(report: report, waveform: waveform)
    }

    /// The first line of a standalone SVG file.
    public static let xmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

    /// The `<svg>` element of `report` with a precomputed waveform (nil: the waveform panel says there is no audio).
    public func render(report: RenderReport, waveform: WaveformOverview?) -> String {
        var drawing = Drawing(width: Double(widthPixels), report: report)
        return drawing.draw(waveform: waveform)
    }

    /// Fixed sizes of the layout, in pixels.
    enum Layout {
        static let marginLeft = 64.0
        static let marginRight = 24.0
        static let headerHeight = 68.0
        static let waveformHeight = 120.0
        static let channelGap = 6.0
        static let axisHeight = 44.0
        static let sectionHeaderHeight = 40.0
        static let bandHeight = 30.0
        static let bandGap = 4.0
        static let transitionLabelHeight = 34.0
        static let loudnessHeadingHeight = 24.0
        static let loudnessHeight = 100.0
        static let legendHeight = 36.0
        /// Loudness plot range in LUFS (short-term values outside are drawn at the edge).
        static let loudnessTopLUFS = 0.0
        static let loudnessBottomLUFS = -36.0
        static let loudnessGridStepLU = 6.0
        /// Time-axis tick intervals to choose from, seconds, and the least spacing between labels, pixels.
        static let tickIntervalsSeconds: [Double] = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600]
        static let minimumTickSpacing = 64.0
        static let barSteps = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
        static let minimumBarSpacing = 30.0
        static let fontStack =
            "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', sans-serif"
    }

    /// Colours in light mode (dark mode overrides them in the style sheet).
    enum Colour {
        static let background = "#ffffff"
        static let panel = "#f5f6f8"
        static let block = "#eef0f4"
        static let blockStroke = "#d5dae1"
        static let text = "#1f2328"
        static let muted = "#5f6b7a"
        static let wave = "#475467"
        static let axis = "#98a2b3"
        static let grid = "#e4e7ec"
        static let boundary = "#b8c0cc"
        static let energy = "#f59e0b"
        static let energyTrack = "#d5dae1"
        static let loudness = "#7c3aed"
        static let target = "#10b981"
        static let hatch = "#1f2328"
    }

    static let styleSheet = """
        .mashup-timeline text{font-family:\(Layout.fontStack)}
        @media (prefers-color-scheme: dark){
        .mashup-timeline .mt-bg{fill:#111318}
        .mashup-timeline .mt-panel{fill:#1a1d24}
        .mashup-timeline .section-block{fill:#1c2029;stroke:#313846}
        .mashup-timeline .mt-text{fill:#e6e8eb}
        .mashup-timeline .mt-muted{fill:#9aa4b2}
        .mashup-timeline .waveform{fill:#aab4c3}
        .mashup-timeline .mt-axis{stroke:#4b5563}
        .mashup-timeline .mt-grid{stroke:#262b34}
        .mashup-timeline .mt-boundary{stroke:#3f4753}
        .mashup-timeline .mt-track{fill:#313846}
        .mashup-timeline .mt-hatch-line{stroke:#ffffff}
        .mashup-timeline .mt-cut{stroke:#e6e8eb}
        .mashup-timeline .loudness{stroke:#a78bfa}
        .mashup-timeline .integrated{stroke:#a78bfa}
        .mashup-timeline .mt-legend-loudness{stroke:#a78bfa}
        }
        """

    /// The drawing in progress: output text, the time mapping and the report.
    private struct Drawing {
        let width: Double
        let report: RenderReport
        let durationSeconds: Double
        var out = ""
        var definitions = ""

        init(width: Double, report: RenderReport) {
            self.width = width
            self.report = report
            let sectionEnd = report.sections.map(\.endSeconds).max() ?? 0
            let duration =
                report.durationSeconds.isFinite && report.durationSeconds > 0 ? report.durationSeconds : sectionEnd
            self.durationSeconds = duration > 0 ? duration : 1
            out.reserveCapacity(96 * 1024)
        }

        var plotLeft: Double { Layout.marginLeft }
        var plotWidth: Double { width - Layout.marginLeft - Layout.marginRight }

        /// Horizontal position of a time in seconds (clamped to the plot).
        func x(_ seconds: Double) -> Double {
            let t = seconds.isFinite ? min(max(seconds, 0), durationSeconds) : 0
            return plotLeft + t / durationSeconds * plotWidth
        }

        mutating func draw(waveform: WaveformOverview?) -> String {
            let maxLayers = max(1, report.sections.map(\.layers.count).max() ?? 1)
            let blockHeight = Layout.sectionHeaderHeight + Double(maxLayers) * (Layout.bandHeight + Layout.bandGap) + 2
            let waveformTop = Layout.headerHeight + 8
            let axisTop = waveformTop + Layout.waveformHeight
            let timelineTop = axisTop + Layout.axisHeight
            let loudnessTop = timelineTop + blockHeight + Layout.transitionLabelHeight
            let plotTop = loudnessTop + Layout.loudnessHeadingHeight
            let legendTop = plotTop + Layout.loudnessHeight + 14
            let height = legendTop + Layout.legendHeight

            // The drawing goes to `out` first; the clip paths it collects in `definitions` must precede it.
            drawHeader()
            drawBoundaries(from: waveformTop, to: axisTop)
            drawBoundaries(from: plotTop, to: plotTop + Layout.loudnessHeight)
            drawWaveform(waveform, top: waveformTop)
            drawTimeAxis(top: axisTop)
            drawSections(top: timelineTop, blockHeight: blockHeight)
            drawTransitions(top: timelineTop, blockHeight: blockHeight)
            drawLoudness(headingTop: loudnessTop, plotTop: plotTop)
            drawLegend(top: legendTop)
            let body = out

            let w = ReportFormatting.coordinate(width), h = ReportFormatting.coordinate(height)
            out = ""
            out.reserveCapacity(body.utf8.count + definitions.utf8.count + 4096)
            out += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"mashup-timeline\" width=\"\(w)\" height=\"\(h)\" "
            out += "viewBox=\"0 0 \(w) \(h)\" font-family=\"\(Layout.fontStack)\" role=\"img\" "
            out +=
                "data-plot-left=\"\(ReportFormatting.coordinate(plotLeft))\" data-plot-width=\"\(ReportFormatting.coordinate(plotWidth))\" "
            out += "data-duration-seconds=\"\(ReportFormatting.coordinate(durationSeconds, decimals: 3))\">\n"
            out += "<title>" + ReportFormatting.escape(report.title) + "</title>\n"
            out += "<style>\n" + TimelineSVG.styleSheet + "\n</style>\n<defs>\n"
            out +=
                "<pattern id=\"mt-hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">"
            out +=
                "<line class=\"mt-hatch-line\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"\(Colour.hatch)\" stroke-width=\"2.2\"/></pattern>\n"
            out += definitions
            out += "</defs>\n"
            out +=
                "<rect class=\"mt-bg\" x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"\(Colour.background)\"/>\n"
            out += body
            out += "</svg>\n"
            return out
        }

        // MARK: - Header

        mutating func drawHeader() {
            let right = width - 24
            let title = report.title.isEmpty ? "Untitled mashup" : report.title
            text(title, x: 24, y: 32, size: 20, className: "mt-text", weight: 650, maxWidth: width * 0.58)
            text(report.artistCredits, x: 24, y: 54, size: 13, className: "mt-muted", maxWidth: width * 0.58)
            var facts = [ReportFormatting.coordinate(report.targetBPM, decimals: 1) + " BPM"]
            if let key = report.targetKey, !key.isEmpty { facts.append(key) }
            facts.append("\(report.beatsPerBar)/4")
            facts.append(ReportFormatting.clock(report.durationSeconds))
            text(
                facts.joined(separator: "  ·  "), x: right, y: 32, size: 13, className: "mt-text", anchor: "end",
                weight: 600, maxWidth: width * 0.38)
            let loudness = report.loudness
            let levels =
                ReportFormatting.number(loudness.integratedLUFS, decimals: 1) + " LUFS  ·  "
                + ReportFormatting.number(loudness.truePeakDecibels, decimals: 1) + " dBTP  ·  "
                + "\(report.sections.count) sections"
            text(levels, x: right, y: 54, size: 13, className: "mt-muted", anchor: "end", maxWidth: width * 0.38)
        }

        // MARK: - Waveform and axis

        mutating func drawBoundaries(from top: Double, to bottom: Double) {
            for section in report.sections where section.startSeconds > 1e-9 {
                let bx = ReportFormatting.coordinate(x(section.startSeconds))
                out +=
                    "<line class=\"mt-boundary\" x1=\"\(bx)\" y1=\"\(ReportFormatting.coordinate(top))\" x2=\"\(bx)\" "
                out +=
                    "y2=\"\(ReportFormatting.coordinate(bottom))\" stroke=\"\(Colour.boundary)\" stroke-dasharray=\"3 3\"/>\n"
            }
        }

        mutating func drawWaveform(_ waveform: WaveformOverview?, top: Double) {
            guard let waveform, waveform.channelCount > 0 else {
                panel(x: plotLeft, y: top, width: plotWidth, height: Layout.waveformHeight - Layout.channelGap)
                text(
                    "no audio", x: plotLeft + plotWidth / 2, y: top + Layout.waveformHeight / 2, size: 12,
                    className: "mt-muted", anchor: "middle")
                return
            }
            let channels = waveform.channelCount
            let channelHeight = (Layout.waveformHeight - Layout.channelGap * Double(channels)) / Double(channels)
            let span = waveform.durationSeconds > 0 ? min(1, waveform.durationSeconds / durationSeconds) : 1
            let columnWidth = plotWidth * span / Double(waveform.columnCount)
            let names = channels == 1 ? ["M"] : channels == 2 ? ["L", "R"] : (1...channels).map(String.init)
            for channel in 0..<channels {
                let channelTop = top + Double(channel) * (channelHeight + Layout.channelGap)
                let middle = channelTop + channelHeight / 2
                let half = channelHeight / 2 - 2
                panel(x: plotLeft, y: channelTop, width: plotWidth, height: channelHeight)
                line(
                    x1: plotLeft, y1: middle, x2: plotLeft + plotWidth, y2: middle, className: "mt-grid",
                    colour: Colour.grid)
                text(
                    names[channel], x: plotLeft - 10, y: middle + 4, size: 11, className: "mt-muted", anchor: "end",
                    weight: 600)
                appendWaveformPath(waveform, channel: channel, middle: middle, half: half, columnWidth: columnWidth)
            }
        }

        /// The outline through each column's maximum, then back through the minimum; at least 1 px thick.
        mutating func appendWaveformPath(
            _ waveform: WaveformOverview, channel: Int, middle: Double, half: Double,
            columnWidth: Double
        ) {
            let count = waveform.columnCount
            out +=
                "<path class=\"waveform\" data-channel=\"\(channel)\" data-columns=\"\(count)\" fill=\"\(Colour.wave)\" d=\""
            var tops = [Double](repeating: 0, count: count)
            var bottoms = [Double](repeating: 0, count: count)
            let maximums = waveform.maximums[channel], minimums = waveform.minimums[channel]
            for column in 0..<count {
                let high = Double(min(max(maximums[column], -1), 1))
                let low = Double(min(max(minimums[column], -1), 1))
                var yTop = middle - high * half
                var yBottom = middle - low * half
                if yBottom - yTop < 1 {
                    let centre = (yTop + yBottom) / 2
                    yTop = centre - 0.5
                    yBottom = centre + 0.5
                }
                tops[column] = yTop
                bottoms[column] = yBottom
            }
            for column in 0..<count {
                let cx = plotLeft + (Double(column) + 0.5) * columnWidth
                out += column == 0 ? "M" : "L"
                out += ReportFormatting.coordinate(cx) + " " + ReportFormatting.coordinate(tops[column])
            }
            for column in stride(from: count - 1, through: 0, by: -1) {
                let cx = plotLeft + (Double(column) + 0.5) * columnWidth
                out += "L" + ReportFormatting.coordinate(cx) + " " + ReportFormatting.coordinate(bottoms[column])
            }
            out += "Z\"/>\n"
        }

        mutating func drawTimeAxis(top: Double) {
            line(x1: plotLeft, y1: top, x2: plotLeft + plotWidth, y2: top, className: "mt-axis", colour: Colour.axis)
            text("time", x: plotLeft - 10, y: top + 16, size: 10, className: "mt-muted", anchor: "end")
            let interval =
                Layout.tickIntervalsSeconds.first { $0 / durationSeconds * plotWidth >= Layout.minimumTickSpacing }
                ?? Layout.tickIntervalsSeconds.last!
            var tick = 0
            while Double(tick) * interval <= durationSeconds + 1e-9 {
                let seconds = Double(tick) * interval
                let tx = x(seconds)
                out += "<g class=\"tick\" data-seconds=\"\(ReportFormatting.coordinate(seconds, decimals: 3))\">"
                line(x1: tx, y1: top, x2: tx, y2: top + 5, className: "mt-axis", colour: Colour.axis, newline: false)
                text(
                    ReportFormatting.clock(seconds), x: tx, y: top + 17, size: 11, className: "mt-muted",
                    anchor: tick == 0 ? "start" : "middle", newline: false)
                out += "</g>\n"
                tick += 1
            }
            drawBarAxis(top: top + 22)
        }

        mutating func drawBarAxis(top: Double) {
            guard report.targetBPM.isFinite, report.targetBPM > 0, report.beatsPerBar > 0 else { return }
            let barSeconds = Double(report.beatsPerBar) * 60 / report.targetBPM
            let anchor = report.sections.first.map { ($0.startSeconds, $0.startBar) } ?? (0, 1)
            let step =
                Layout.barSteps.first {
                    Double($0) * barSeconds / durationSeconds * plotWidth >= Layout.minimumBarSpacing
                }
                ?? Layout.barSteps.last!
            text("bar", x: plotLeft - 10, y: top + 12, size: 10, className: "mt-muted", anchor: "end")
            var bar = 1
            while true {
                let seconds = anchor.0 + (Double(bar) - anchor.1) * barSeconds
                if seconds > durationSeconds + 1e-6 { break }
                if seconds >= -1e-6 {
                    let bx = x(seconds)
                    out += "<g class=\"bar-tick\" data-bar=\"\(bar)\">"
                    line(
                        x1: bx, y1: top, x2: bx, y2: top + 3, className: "mt-axis", colour: Colour.axis, newline: false)
                    text(
                        String(bar), x: bx, y: top + 13, size: 10, className: "mt-muted",
                        anchor: bx - plotLeft < 4 ? "start" : "middle", newline: false)
                    out += "</g>\n"
                }
                bar += step
            }
        }

        // MARK: - Sections and layers

        mutating func drawSections(top: Double, blockHeight: Double) {
            for (position, section) in report.sections.enumerated() {
                let left = x(section.startSeconds)
                let blockWidth = max(1, x(section.endSeconds) - left - 2)
                let clipID = "mt-clip-\(position)"
                definitions += "<clipPath id=\"\(clipID)\"><rect x=\"\(ReportFormatting.coordinate(left))\" "
                definitions +=
                    "y=\"\(ReportFormatting.coordinate(top))\" width=\"\(ReportFormatting.coordinate(blockWidth))\" "
                definitions += "height=\"\(ReportFormatting.coordinate(blockHeight))\"/></clipPath>\n"

                out += "<g class=\"section\" data-index=\"\(section.index)\" "
                out += "data-start-seconds=\"\(ReportFormatting.coordinate(section.startSeconds, decimals: 3))\" "
                out += "data-end-seconds=\"\(ReportFormatting.coordinate(section.endSeconds, decimals: 3))\" "
                out +=
                    "data-energy=\"\(ReportFormatting.coordinate(section.energyLevel, decimals: 2))\" clip-path=\"url(#\(clipID))\">\n"
                out += "<title>" + ReportFormatting.escape(sectionTooltip(section)) + "</title>\n"
                out +=
                    "<rect class=\"section-block\" x=\"\(ReportFormatting.coordinate(left))\" y=\"\(ReportFormatting.coordinate(top))\" "
                out +=
                    "width=\"\(ReportFormatting.coordinate(blockWidth))\" height=\"\(ReportFormatting.coordinate(blockHeight))\" "
                out += "rx=\"5\" fill=\"\(Colour.block)\" stroke=\"\(Colour.blockStroke)\"/>\n"
                drawSectionHeader(section, number: position + 1, left: left, top: top, width: blockWidth)
                for (row, layer) in section.layers.enumerated() {
                    let bandTop = top + Layout.sectionHeaderHeight + Double(row) * (Layout.bandHeight + Layout.bandGap)
                    drawLayer(layer, left: left + 4, top: bandTop, width: max(1, blockWidth - 8))
                }
                out += "</g>\n"
            }
        }

        mutating func drawSectionHeader(
            _ section: RenderReport.Section, number: Int, left: Double, top: Double, width: Double
        ) {
            let inner = width - 12
            let meterWidth = 34.0
            let showMeter = width >= 70
            text(
                "\(number)  " + section.description, x: left + 6, y: top + 16, size: 12, className: "mt-text",
                weight: 600,
                maxWidth: inner)
            let clock = ReportFormatting.clock(section.startSeconds)
            let when = clock + " · bar " + ReportFormatting.coordinate(section.startBar, decimals: 1)
            let whenWidth = showMeter ? inner - meterWidth - 6 : inner
            // In a narrow block the time alone reads better than a truncated "time · bar".
            text(
                Drawing.estimatedWidth(when, size: 10.5) <= whenWidth ? when : clock, x: left + 6, y: top + 32,
                size: 10.5,
                className: "mt-muted", maxWidth: whenWidth)
            guard showMeter else { return }
            let energy = section.energyLevel.isFinite ? min(max(section.energyLevel, 0), 1) : 0
            let meterLeft = left + width - 6 - meterWidth
            out +=
                "<rect class=\"mt-track\" x=\"\(ReportFormatting.coordinate(meterLeft))\" y=\"\(ReportFormatting.coordinate(top + 26))\" "
            out +=
                "width=\"\(ReportFormatting.coordinate(meterWidth))\" height=\"5\" rx=\"2.5\" fill=\"\(Colour.energyTrack)\"/>"
            out +=
                "<rect class=\"energy\" x=\"\(ReportFormatting.coordinate(meterLeft))\" y=\"\(ReportFormatting.coordinate(top + 26))\" "
            out +=
                "width=\"\(ReportFormatting.coordinate(max(2, meterWidth * energy)))\" height=\"5\" rx=\"2.5\" fill=\"\(Colour.energy)\"/>\n"
        }

        mutating func drawLayer(_ layer: RenderReport.Layer, left: Double, top: Double, width: Double) {
            let fill = StemPalette.fill(forStem: layer.stem)
            let ink = StemPalette.label(forStem: layer.stem)
            out += "<g class=\"layer-group\"><title>" + ReportFormatting.escape(layerTooltip(layer)) + "</title>"
            out += "<rect class=\"layer\" data-stem=\"" + ReportFormatting.escape(layer.stem) + "\" data-song=\""
            out += ReportFormatting.escape(layer.songID) + "\" x=\"\(ReportFormatting.coordinate(left))\" "
            out += "y=\"\(ReportFormatting.coordinate(top))\" width=\"\(ReportFormatting.coordinate(width))\" "
            out += "height=\"\(ReportFormatting.coordinate(Layout.bandHeight))\" rx=\"3\" fill=\"\(fill)\"/>\n"
            let songName = displayName(songID: layer.songID)
            text(
                songName, x: left + 6, y: top + 12.5, size: 11, colour: ink, weight: 600,
                maxWidth: width - 10)
            var details = [ReportFormatting.decibels(layer.gainDecibels)]
            if layer.pan.isFinite, abs(layer.pan) >= 0.05 {
                details.append(
                    (layer.pan < 0 ? "L" : "R") + ReportFormatting.coordinate(abs(layer.pan) * 100, decimals: 0))
            }
            details.append(contentsOf: layer.effectsApplied.map(EffectTag.short))
            if !layer.effectsIgnored.isEmpty { details.append("!\(layer.effectsIgnored.count)") }
            text(
                details.joined(separator: " · "), x: left + 6, y: top + 25, size: 10, colour: ink, maxWidth: width - 10)
            out += "</g>\n"
        }

        func displayName(songID: String) -> String {
            guard let song = report.songs.first(where: { $0.songID == songID }) else { return songID }
            if let name = song.name, !name.isEmpty { return name }
            return songID
        }

        func sectionTooltip(_ section: RenderReport.Section) -> String {
            "\(section.description)\n" + ReportFormatting.preciseClock(section.startSeconds) + "–"
                + ReportFormatting.preciseClock(section.endSeconds) + ", bars "
                + ReportFormatting.coordinate(section.startBar, decimals: 2) + "–"
                + ReportFormatting.coordinate(section.endBar, decimals: 2)
                + ", energy " + ReportFormatting.coordinate(section.energyLevel, decimals: 2)
        }

        func layerTooltip(_ layer: RenderReport.Layer) -> String {
            var lines = [
                displayName(songID: layer.songID) + " · " + layer.stem + " · "
                    + ReportFormatting.decibels(layer.gainDecibels)
            ]
            if !layer.effectsApplied.isEmpty {
                lines.append("effects: " + layer.effectsApplied.joined(separator: ", "))
            }
            if !layer.effectsIgnored.isEmpty {
                lines.append("ignored: " + layer.effectsIgnored.joined(separator: ", "))
            }
            return lines.joined(separator: "\n")
        }

        // MARK: - Transitions

        mutating func drawTransitions(top: Double, blockHeight: Double) {
            var rowEnds = [-Double.infinity, -Double.infinity]
            for (position, section) in report.sections.enumerated() where position > 0 {
                let boundary = section.startSeconds
                let length = section.transitionSeconds.isFinite ? max(0, section.transitionSeconds) : 0
                let kind = section.transitionIn.isEmpty ? (length > 0 ? "crossfade" : "cut") : section.transitionIn
                let bx = x(boundary)
                out +=
                    "<g class=\"transition\" data-index=\"\(section.index)\" data-kind=\""
                    + ReportFormatting.escape(kind) + "\" "
                out += "data-seconds=\"\(ReportFormatting.coordinate(length, decimals: 3))\">"
                if length > 0 {
                    let left = x(boundary - length / 2)
                    let right = x(boundary + length / 2)
                    let regionWidth = max(3, right - left)
                    let regionLeft = right - left < 3 ? bx - 1.5 : left
                    out += "<rect class=\"mt-transition\" x=\"\(ReportFormatting.coordinate(regionLeft))\" "
                    out +=
                        "y=\"\(ReportFormatting.coordinate(top - 3))\" width=\"\(ReportFormatting.coordinate(regionWidth))\" "
                    out +=
                        "height=\"\(ReportFormatting.coordinate(blockHeight + 6))\" fill=\"url(#mt-hatch)\" opacity=\"0.45\"/>"
                } else {
                    line(
                        x1: bx - 1, y1: top - 3, x2: bx - 1, y2: top + blockHeight + 3, className: "mt-cut",
                        colour: Colour.text, width: 2, newline: false)
                }
                let label = length > 0 ? kind + " " + ReportFormatting.coordinate(length, decimals: 1) + " s" : kind
                let labelWidth = Drawing.estimatedWidth(label, size: 10)
                let labelLeft = bx - labelWidth / 2
                let row = labelLeft > rowEnds[0] + 6 ? 0 : (labelLeft > rowEnds[1] + 6 ? 1 : 0)
                rowEnds[row] = bx + labelWidth / 2
                text(
                    label, x: bx, y: top + blockHeight + 15 + Double(row) * 13, size: 10, className: "mt-muted",
                    anchor: "middle", newline: false)
                out += "</g>\n"
            }
        }

        // MARK: - Loudness

        func loudnessY(_ lufs: Double, plotTop: Double) -> Double {
            let clamped = min(
                max(lufs.isFinite ? lufs : Layout.loudnessBottomLUFS, Layout.loudnessBottomLUFS), Layout.loudnessTopLUFS
            )
            return plotTop + (Layout.loudnessTopLUFS - clamped) / (Layout.loudnessTopLUFS - Layout.loudnessBottomLUFS)
                * Layout.loudnessHeight
        }

        mutating func drawLoudness(headingTop: Double, plotTop: Double) {
            let loudness = report.loudness
            text(
                "Short-term loudness (LUFS)", x: plotLeft, y: headingTop + 12, size: 12, className: "mt-text",
                weight: 600)
            let summary =
                "integrated " + ReportFormatting.number(loudness.integratedLUFS, decimals: 1) + " LUFS (target "
                + ReportFormatting.number(loudness.targetLUFS, decimals: 1) + ")  ·  range "
                + ReportFormatting.number(loudness.loudnessRangeLU, decimals: 1) + " LU  ·  true peak "
                + ReportFormatting.number(loudness.truePeakDecibels, decimals: 1) + " dBTP  ·  sample peak "
                + ReportFormatting.number(loudness.samplePeakDecibels, decimals: 1) + " dBFS"
            out += "<g class=\"loudness-summary\">"
            text(
                summary, x: plotLeft + plotWidth, y: headingTop + 12, size: 11, className: "mt-muted", anchor: "end",
                newline: false)
            out += "</g>\n"
            panel(x: plotLeft, y: plotTop, width: plotWidth, height: Layout.loudnessHeight)
            var level = Layout.loudnessTopLUFS - Layout.loudnessGridStepLU
            while level > Layout.loudnessBottomLUFS + 1e-9 {
                let gy = loudnessY(level, plotTop: plotTop)
                line(x1: plotLeft, y1: gy, x2: plotLeft + plotWidth, y2: gy, className: "mt-grid", colour: Colour.grid)
                text(
                    ReportFormatting.number(level, decimals: 0), x: plotLeft - 10, y: gy + 3.5, size: 10,
                    className: "mt-muted", anchor: "end")
                level -= Layout.loudnessGridStepLU
            }
            let targetY = loudnessY(loudness.targetLUFS, plotTop: plotTop)
            out +=
                "<line class=\"target\" x1=\"\(ReportFormatting.coordinate(plotLeft))\" y1=\"\(ReportFormatting.coordinate(targetY))\" "
            out +=
                "x2=\"\(ReportFormatting.coordinate(plotLeft + plotWidth))\" y2=\"\(ReportFormatting.coordinate(targetY))\" "
            out += "stroke=\"\(Colour.target)\" stroke-width=\"1\" stroke-dasharray=\"2 3\"/>\n"
            let integratedY = loudnessY(loudness.integratedLUFS, plotTop: plotTop)
            out +=
                "<line class=\"integrated\" x1=\"\(ReportFormatting.coordinate(plotLeft))\" y1=\"\(ReportFormatting.coordinate(integratedY))\" "
            out +=
                "x2=\"\(ReportFormatting.coordinate(plotLeft + plotWidth))\" y2=\"\(ReportFormatting.coordinate(integratedY))\" "
            out += "stroke=\"\(Colour.loudness)\" stroke-width=\"1\" stroke-dasharray=\"6 4\" opacity=\"0.8\"/>\n"
            drawShortTermLine(plotTop: plotTop)
        }

        /// The short-term values as a polyline; point `k` is drawn at `first + k·hop` seconds. More values than two per
        /// pixel are reduced to the loudest of each half-pixel bucket, so peaks stay visible.
        mutating func drawShortTermLine(plotTop: Double) {
            let values = report.loudness.shortTermLUFS
            let hop = report.loudness.shortTermHopSeconds
            let first = report.loudness.shortTermFirstSeconds.flatMap { $0.isFinite ? $0 : nil } ?? 0
            guard !values.isEmpty, hop.isFinite, hop > 0 else {
                text(
                    "no short-term loudness measured", x: plotLeft + plotWidth / 2,
                    y: plotTop + Layout.loudnessHeight / 2,
                    size: 12, className: "mt-muted", anchor: "middle")
                return
            }
            let bucketCount = max(1, Int(plotWidth * 2))
            out += "<polyline class=\"loudness\" fill=\"none\" stroke=\"\(Colour.loudness)\" stroke-width=\"1.6\" "
            out += "stroke-linejoin=\"round\" points=\""
            var points = ""
            points.reserveCapacity(bucketCount * 12)
            func point(_ seconds: Double, _ lufs: Double, into points: inout String) {
                if !points.isEmpty { points += " " }
                points +=
                    ReportFormatting.coordinate(x(seconds)) + ","
                    + ReportFormatting.coordinate(loudnessY(lufs, plotTop: plotTop))
            }
            if values.count <= bucketCount {
                for (k, value) in values.enumerated() { point(first + Double(k) * hop, value, into: &points) }
            } else {
                var start = 0
                for bucket in 0..<bucketCount {
                    let end = (bucket + 1) * values.count / bucketCount
                    guard end > start else { continue }
                    var loudest = -Double.infinity
                    for k in start..<end where values[k] > loudest { loudest = values[k] }
                    point(first + Double(start + end - 1) / 2 * hop, loudest, into: &points)
                    start = end
                }
            }
            out += points + "\"/>\n"
        }

        // MARK: - Legend

        mutating func drawLegend(top: Double) {
            var left = plotLeft
            for stem in StemPalette.stems {
                out +=
                    "<rect x=\"\(ReportFormatting.coordinate(left))\" y=\"\(ReportFormatting.coordinate(top))\" width=\"12\" "
                out += "height=\"12\" rx=\"2\" fill=\"\(StemPalette.fill(forStem: stem))\"/>"
                text(stem, x: left + 17, y: top + 10, size: 11, className: "mt-muted", newline: false)
                left += 26 + Drawing.estimatedWidth(stem, size: 11)
            }
            out +=
                "\n<rect x=\"\(ReportFormatting.coordinate(left))\" y=\"\(ReportFormatting.coordinate(top))\" width=\"12\" "
            out += "height=\"12\" fill=\"url(#mt-hatch)\" opacity=\"0.45\"/>"
            text("transition", x: left + 17, y: top + 10, size: 11, className: "mt-muted", newline: false)
            left += 26 + Drawing.estimatedWidth("transition", size: 11)
            out += "<line x1=\"\(ReportFormatting.coordinate(left))\" y1=\"\(ReportFormatting.coordinate(top + 6))\" "
            out += "x2=\"\(ReportFormatting.coordinate(left + 14))\" y2=\"\(ReportFormatting.coordinate(top + 6))\" "
            out += "class=\"mt-legend-loudness\" stroke=\"\(Colour.loudness)\" stroke-width=\"1.6\"/>"
            text("short-term", x: left + 19, y: top + 10, size: 11, className: "mt-muted", newline: false)
            left += 28 + Drawing.estimatedWidth("short-term", size: 11)
            out += "<line x1=\"\(ReportFormatting.coordinate(left))\" y1=\"\(ReportFormatting.coordinate(top + 6))\" "
            out += "x2=\"\(ReportFormatting.coordinate(left + 14))\" y2=\"\(ReportFormatting.coordinate(top + 6))\" "
            out += "stroke=\"\(Colour.target)\" stroke-dasharray=\"2 3\"/>"
            text("target", x: left + 19, y: top + 10, size: 11, className: "mt-muted", newline: false)
            text(
                "mashup " + report.engineVersion, x: plotLeft + plotWidth, y: top + 10, size: 10, className: "mt-muted",
                anchor: "end")
        }

        // MARK: - Primitives

        mutating func panel(x: Double, y: Double, width: Double, height: Double) {
            out +=
                "<rect class=\"mt-panel\" x=\"\(ReportFormatting.coordinate(x))\" y=\"\(ReportFormatting.coordinate(y))\" "
            out +=
                "width=\"\(ReportFormatting.coordinate(width))\" height=\"\(ReportFormatting.coordinate(height))\" rx=\"3\" "
            out += "fill=\"\(Colour.panel)\"/>\n"
        }

        mutating func line(
            x1: Double, y1: Double, x2: Double, y2: Double, className: String, colour: String,
            width: Double = 1, newline: Bool = true
        ) {
            out +=
                "<line class=\"\(className)\" x1=\"\(ReportFormatting.coordinate(x1))\" y1=\"\(ReportFormatting.coordinate(y1))\" "
            out +=
                "x2=\"\(ReportFormatting.coordinate(x2))\" y2=\"\(ReportFormatting.coordinate(y2))\" stroke=\"\(colour)\""
            if width != 1 { out += " stroke-width=\"\(ReportFormatting.coordinate(width))\"" }
            out += newline ? "/>\n" : "/>"
        }

        /// A text element; `maxWidth` truncates with an ellipsis (by estimated glyph widths), 0 or less draws nothing.
        mutating func text(
            _ content: String, x: Double, y: Double, size: Double, className: String? = nil,
            colour: String? = nil, anchor: String = "start", weight: Int = 400,
            maxWidth: Double = .infinity, newline: Bool = true
        ) {
            // Bold glyphs are about 7 % wider.
            guard let fitted = Drawing.fit(content, size: size * (weight >= 600 ? 1.07 : 1), maxWidth: maxWidth) else {
                return
            }
            out += "<text"
            if let className { out += " class=\"\(className)\"" }
            out += " x=\"\(ReportFormatting.coordinate(x))\" y=\"\(ReportFormatting.coordinate(y))\" font-size=\""
            out += ReportFormatting.coordinate(size) + "\""
            out += " fill=\"" + (colour ?? (className == "mt-muted" ? Colour.muted : Colour.text)) + "\""
            if anchor != "start" { out += " text-anchor=\"\(anchor)\"" }
            if weight != 400 { out += " font-weight=\"\(weight)\"" }
            out += ">" + ReportFormatting.escape(fitted) + (newline ? "</text>\n" : "</text>")
        }

        /// Estimated advance of `text` at `size` px in a proportional sans-serif (within about 10 % for Latin text).
        static func estimatedWidth(_ text: String, size: Double) -> Double {
            var units = 0.0
            for scalar in text.unicodeScalars { units += glyphUnits(scalar) }
            return units * size
        }

        static func glyphUnits(_ scalar: Unicode.Scalar) -> Double {
            switch scalar {
            case "i", "l", "j", "'", ".", ",", ":", ";", "|", "!", "I": 0.28
            case " ", "f", "t", "r", "(", ")", "[", "]", "-", "·": 0.36
            case "m", "w", "M", "W", "@", "%": 0.86
            case "A"..."Z": 0.68
            case "0"..."9": 0.58
            default: scalar.value > 0x2E80 ? 1.0 : 0.56
            }
        }

        /// `text` cut to fit `maxWidth` with a trailing ellipsis; nil when not even one character fits.
        static func fit(_ text: String, size: Double, maxWidth: Double) -> String? {
            guard maxWidth > 0 else { return nil }
            let flat = text.replacingOccurrences(of: "\n", with: " ")
            if maxWidth == .infinity || estimatedWidth(flat, size: size) <= maxWidth { return flat }
            let ellipsis = 0.9 * size
            var used = 0.0
            var kept = String.UnicodeScalarView()
            for scalar in flat.unicodeScalars {
                let advance = glyphUnits(scalar) * size
                if used + advance + ellipsis > maxWidth { break }
                used += advance
                kept.append(scalar)
            }
            guard !kept.isEmpty else { return nil }
            return String(kept).trimmingCharacters(in: .whitespaces) + "…"
        }
    }
}
