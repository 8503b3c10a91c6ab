import DSP
import Foundation

/// The render report as one self-contained HTML page (`NAME.html` beside `NAME.wav`).
///
/// Design note: the page carries everything inline (style sheet, the timeline SVG) and loads nothing but the
/// rendered audio, by a relative path; there is no script at all, and a Content-Security-Policy forbids any other
/// request, so it opens from disk in any browser and is safe to serve. Every string that came from the plan or the
/// render goes through `ReportFormatting.escape`. Light and dark colours follow `prefers-color-scheme`; the font is
/// the system stack. Same input, same bytes.
public enum HTMLReport {
    /// The page for `report`, with the timeline drawn from `audio` (the rendered output).
    public static func render(report: RenderReport, audio: AudioBuffer, timeline: TimelineSVG = TimelineSVG()) -> String
    {
        render(report: report, svg: timeline.render(report: report, audio: audio))
    }

    /// The page for `report` around an already drawn timeline (`svg` is inlined as is: pass `TimelineSVG` output,
    /// never untrusted markup).
    public static func render(report: RenderReport, svg: String) -> String {
        var page = Page(report: report)
        return page.build(svg: svg)
    }

    /// The relative URL the `<audio>` element uses for `audioFile`: each path component percent-encoded, `..`,
    /// `.` and empty components dropped, a scheme or absolute path impossible (always starts with `./`).
    public static func relativeAudioURL(_ audioFile: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~!$&'()*+,;=@")
        let components = audioFile.split(whereSeparator: { $0 == "/" || $0 == "\\" })
            .map(String.init)
            .filter { !$0.isEmpty && $0 != "." && $0 != ".." }
        let encoded = components.map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return "./" + encoded.joined(separator: "/")
    }

    /// Stage order for the timings table; stages not listed follow alphabetically.
    static let stageOrder = ["decode", "analysis", "stems", "layers", "master", "encode", "report"]

    static let styleSheet = """
        :root{color-scheme:light dark;--bg:#f4f5f7;--card:#ffffff;--text:#1f2328;--muted:#5f6b7a;--border:#e3e6eb;
        --soft:#f5f6f8;--accent:#7c3aed;--warn-bg:#fff8e6;--warn-border:#f5d48a;--warn:#8a5a00;--ok:#0f7b5f;
        --vocals:#3b82f6;--drums:#ef4444;--bass:#eab308;--other:#22c55e;--full:#9ca3af}
        @media (prefers-color-scheme: dark){:root{--bg:#0b0d11;--card:#111318;--text:#e6e8eb;--muted:#9aa4b2;
        --border:#262b34;--soft:#1a1d24;--accent:#a78bfa;--warn-bg:#2a2110;--warn-border:#5c4715;--warn:#f3c969;--ok:#5fd4b0}}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%}
        body{margin:0;background:var(--bg);color:var(--text);
        font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans",sans-serif;
        font-variant-numeric:tabular-nums}
        main{max-width:1280px;margin:0 auto;padding:28px 24px 40px}
        .card{background:var(--card);border:1px solid var(--border);border-radius:12px;padding:20px 24px;margin:0 0 18px}
        .eyebrow{margin:0 0 4px;font-size:12px;letter-spacing:.08em;text-transform:uppercase;color:var(--accent);font-weight:650}
        h1{margin:0;font-size:30px;line-height:1.2;letter-spacing:-.01em;overflow-wrap:anywhere}
        h2{margin:0 0 12px;font-size:17px;letter-spacing:-.005em}
        .credits{margin:4px 0 0;color:var(--muted);font-size:16px;overflow-wrap:anywhere}
        .vision{margin:14px 0 0;padding:2px 0 2px 14px;border-left:3px solid var(--accent);font-style:italic;
        white-space:pre-line;max-width:78ch;overflow-wrap:anywhere}
        .hero{display:grid;grid-template-columns:minmax(0,1fr) auto;gap:18px 32px;align-items:start}
        .facts{display:grid;grid-template-columns:repeat(3,auto);gap:10px 22px;margin:0}
        .facts div{min-width:0}
        .facts dt,.stat dt{font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.06em}
        .facts dd,.stat dd{margin:0;font-weight:650;font-size:16px}
        audio{width:100%;margin-top:16px;grid-column:1/-1}
        .figure{padding:10px;overflow-x:auto}
        .figure svg{display:block;width:100%;height:auto;min-width:720px}
        .stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin:0}
        .stat{background:var(--soft);border-radius:10px;padding:10px 14px}
        .stat dd small{font-weight:400;color:var(--muted);font-size:12px}
        table{width:100%;border-collapse:collapse;font-size:14px}
        th{text-align:left;font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em;font-weight:600;
        padding:6px 10px;border-bottom:1px solid var(--border)}
        td{padding:8px 10px;border-bottom:1px solid var(--border);vertical-align:top;overflow-wrap:anywhere}
        tr:last-child td{border-bottom:0}
        td.num,th.num{text-align:right;white-space:nowrap}
        .sub{color:var(--muted);font-size:12.5px}
        .layers{list-style:none;margin:0;padding:0;display:grid;gap:4px}
        tr.section-row td{border-bottom:0;padding-bottom:4px}
        tr.layers-row td{padding-top:0}
        .layers li{display:grid;grid-template-columns:82px minmax(100px,170px) 64px minmax(0,1fr);gap:2px 12px;align-items:baseline}
        .layers .gain{text-align:right;white-space:nowrap}
        .layers .detail{display:flex;flex-wrap:wrap;gap:3px 6px;align-items:baseline}
        .stem{display:inline-flex;align-items:center;gap:6px;font-weight:600;min-width:72px}
        .stem::before{content:"";width:10px;height:10px;border-radius:3px;background:var(--full)}
        .stem-vocals::before{background:var(--vocals)}.stem-drums::before{background:var(--drums)}
        .stem-bass::before{background:var(--bass)}.stem-other::before{background:var(--other)}
        .tag{display:inline-block;font-size:11px;font-weight:600;padding:0 6px;border-radius:4px;background:var(--soft);
        border:1px solid var(--border)}
        .tag.ignored{color:var(--warn);background:var(--warn-bg);border-color:var(--warn-border);text-decoration:line-through}
        .meter{display:inline-block;width:48px;height:6px;border-radius:3px;background:var(--border);vertical-align:middle;
        margin-right:6px;overflow:hidden}
        .meter span{display:block;height:100%;background:#f59e0b}
        .problems{display:grid;gap:10px;margin:0;padding:0;list-style:none}
        .problems li{display:grid;grid-template-columns:1fr 1fr;gap:16px;background:var(--soft);border-radius:10px;padding:10px 14px}
        .problems b{display:block;font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
        .warnings{margin:0;padding:0;list-style:none;display:grid;gap:6px}
        .warnings li{background:var(--warn-bg);border:1px solid var(--warn-border);color:var(--warn);border-radius:8px;
        padding:6px 12px;overflow-wrap:anywhere}
        .none{color:var(--muted);margin:0}
        .bar{display:inline-block;height:8px;border-radius:4px;background:var(--accent);opacity:.75;vertical-align:middle}
        .grid2{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:18px}
        .grid2 .card{margin:0}
        footer{color:var(--muted);font-size:12.5px;text-align:center;margin-top:22px}
        @media (max-width:800px){.hero,.grid2,.problems li{grid-template-columns:1fr}.facts{grid-template-columns:repeat(2,auto)}}
        """

    /// The page in progress.
    private struct Page {
        let report: RenderReport
        var out = ""

        init(report: RenderReport) {
            self.report = report
            out.reserveCapacity(160 * 1024)
        }

        func e(_ text: String) -> String { ReportFormatting.escape(text) }

        mutating func build(svg: String) -> String {
            let title = report.title.isEmpty ? "Untitled mashup" : report.title
            out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            out +=
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            out += "img-src data:; media-src 'self' file: *\">\n"
            out += "<meta name=\"color-scheme\" content=\"light dark\">\n"
            out += "<meta name=\"generator\" content=\"mashup " + e(report.engineVersion) + "\">\n"
            out += "<title>" + e(title) + " · mashup report</title>\n"
            out += "<style>\n" + HTMLReport.styleSheet + "\n</style>\n</head>\n<body>\n<main>\n"
            header(title: title)
            out += "<section class=\"card figure\" aria-label=\"Timeline\">\n" + svg + "</section>\n"
            loudness()
            songs()
            sections()
            out += "<div class=\"grid2\">\n"
            problems()
            warningsAndTimings()
            out += "</div>\n"
            out += "<footer>Rendered by mashup " + e(report.engineVersion) + " · " + e(report.audioFile) + " · "
            out += ReportFormatting.coordinate(report.sampleRate / 1000, decimals: 1) + " kHz</footer>\n"
            out += "</main>\n</body>\n</html>\n"
            return out
        }

        mutating func header(title: String) {
            out += "<section class=\"card hero\">\n<div>\n<p class=\"eyebrow\">Mashup report</p>\n"
            out += "<h1>" + e(title) + "</h1>\n"
            if !report.artistCredits.isEmpty { out += "<p class=\"credits\">" + e(report.artistCredits) + "</p>\n" }
            if !report.creativeVision.isEmpty {
                out += "<blockquote class=\"vision\">" + e(report.creativeVision) + "</blockquote>\n"
            }
            out += "</div>\n<dl class=\"facts\">\n"
            fact("Target tempo", ReportFormatting.coordinate(report.targetBPM, decimals: 2) + " BPM")
            fact("Target key", report.targetKey.flatMap { $0.isEmpty ? nil : $0 } ?? "as recorded")
            fact("Metre", "\(report.beatsPerBar)/4")
            fact("Duration", ReportFormatting.preciseClock(report.durationSeconds))
            fact("Sections", "\(report.sections.count)")
            fact("Songs", "\(report.songs.count)")
            out += "</dl>\n"
            out +=
                "<audio controls preload=\"metadata\" src=\"" + e(HTMLReport.relativeAudioURL(report.audioFile)) + "\">"
            out += "The mashup is the file " + e(report.audioFile) + " beside this page.</audio>\n</section>\n"
        }

        mutating func fact(_ name: String, _ value: String) {
            out += "<div><dt>" + e(name) + "</dt><dd>" + e(value) + "</dd></div>\n"
        }

        mutating func loudness() {
            let l = report.loudness
            out += "<section class=\"card\">\n<h2>Loudness</h2>\n<dl class=\"stats\">\n"
            stat("Integrated", ReportFormatting.number(l.integratedLUFS, decimals: 1), "LUFS")
            stat("Target", ReportFormatting.number(l.targetLUFS, decimals: 1), "LUFS")
            stat("Loudness range", ReportFormatting.number(l.loudnessRangeLU, decimals: 1), "LU")
            stat("True peak", ReportFormatting.number(l.truePeakDecibels, decimals: 1), "dBTP")
            stat("Sample peak", ReportFormatting.number(l.samplePeakDecibels, decimals: 1), "dBFS")
            let finite = l.shortTermLUFS.filter { $0.isFinite && $0 > -70 }
            stat("Short-term max", finite.max().map { ReportFormatting.number($0, decimals: 1) } ?? "–", "LUFS")
            out += "</dl>\n</section>\n"
        }

        mutating func stat(_ name: String, _ value: String, _ unit: String) {
            out +=
                "<div class=\"stat\"><dt>" + e(name) + "</dt><dd>" + e(value) + " <small>" + e(unit)
                + "</small></dd></div>\n"
        }

        mutating func songs() {
            out +=
                "<section class=\"card\">\n<h2>Songs</h2>\n<table>\n<thead><tr><th>Song</th><th class=\"num\">Tempo</th>"
            out +=
                "<th>Key</th><th class=\"num\">Stretch</th><th class=\"num\">Shift</th><th>Analysis</th><th>Stems</th></tr></thead>\n<tbody>\n"
            for song in report.songs {
                out += "<tr><td><b>" + e(song.name.flatMap { $0.isEmpty ? nil : $0 } ?? song.songID) + "</b>"
                var sub: [String] = []
                if let artist = song.artist, !artist.isEmpty { sub.append(artist) }
                sub.append(song.songID)
                out += "<br><span class=\"sub\">" + e(sub.joined(separator: " · ")) + "</span></td>"
                out +=
                    song.hasPulse == false
                    ? "<td class=\"num\" title=\"played at its own speed\">no pulse</td>"
                    : "<td class=\"num\">" + ReportFormatting.coordinate(song.tempoBPM, decimals: 2) + " BPM</td>"
                out += "<td>" + e(song.key ?? "unknown") + "</td>"
                out += "<td class=\"num\">" + stretchText(song.stretchRatio) + "</td>"
                out += "<td class=\"num\">" + e(semitoneText(song.semitones)) + "</td>"
                out += "<td>" + e(song.analysisSource) + "</td><td>" + e(song.stemSource) + "</td></tr>\n"
            }
            if report.songs.isEmpty { out += "<tr><td colspan=\"7\" class=\"sub\">No songs.</td></tr>\n" }
            out += "</tbody>\n</table>\n</section>\n"
        }

        func stretchText(_ ratio: Double) -> String {
            guard ratio.isFinite, ratio > 0 else { return "–" }
            let percent = (ratio - 1) * 100
            guard abs(ratio - 1) >= 0.0005 else { return "×1.000<br><span class=\"sub\">unchanged</span>" }
            return "×" + ReportFormatting.number(ratio, decimals: 3)
                + "<br><span class=\"sub\">" + ReportFormatting.signedNumber(percent, decimals: 1) + " % length</span>"
        }

        func semitoneText(_ semitones: Double) -> String {
            guard semitones.isFinite else { return "–" }
            return ReportFormatting.signedNumber(
                semitones, decimals: abs(semitones - semitones.rounded()) < 0.005 ? 0 : 2) + " st"
        }

        mutating func sections() {
            out +=
                "<section class=\"card\">\n<h2>Sections</h2>\n<table class=\"sections\">\n<thead><tr><th class=\"num\">#</th>"
            out +=
                "<th>Time</th><th>Bars</th><th>Description</th><th>Energy</th><th>Enters by</th></tr></thead>\n<tbody>\n"
            for (position, section) in report.sections.enumerated() {
                let energy = section.energyLevel.isFinite ? min(max(section.energyLevel, 0), 1) : 0
                out += "<tr class=\"section-row\"><td class=\"num\">\(position + 1)</td>"
                out += "<td style=\"white-space:nowrap\">" + ReportFormatting.preciseClock(section.startSeconds) + "–"
                out += ReportFormatting.preciseClock(section.endSeconds) + "<br><span class=\"sub\">"
                out +=
                    ReportFormatting.coordinate(section.endSeconds - section.startSeconds, decimals: 1)
                    + " s</span></td>"
                out +=
                    "<td style=\"white-space:nowrap\">" + ReportFormatting.coordinate(section.startBar, decimals: 2)
                    + "–"
                out += ReportFormatting.coordinate(section.endBar, decimals: 2) + "</td>"
                out += "<td>" + e(section.description) + "</td>"
                out += "<td style=\"white-space:nowrap\"><span class=\"meter\"><span style=\"width:"
                out += ReportFormatting.coordinate(energy * 100, decimals: 0) + "%\"></span></span>"
                out += ReportFormatting.coordinate(energy, decimals: 2) + "</td>"
                out += "<td>" + e(section.transitionIn.isEmpty ? "cut" : section.transitionIn)
                if section.transitionSeconds > 0 {
                    out +=
                        "<br><span class=\"sub\">" + ReportFormatting.coordinate(section.transitionSeconds, decimals: 2)
                        + " s</span>"
                }
                out += "</td></tr>\n<tr class=\"layers-row\"><td></td><td colspan=\"5\"><ul class=\"layers\">\n"
                for layer in section.layers { layerItem(layer) }
                if section.layers.isEmpty { out += "<li class=\"sub\">silence</li>\n" }
                out += "</ul></td></tr>\n"
            }
            if report.sections.isEmpty { out += "<tr><td colspan=\"6\" class=\"sub\">No sections.</td></tr>\n" }
            out += "</tbody>\n</table>\n</section>\n"
        }

        mutating func layerItem(_ layer: RenderReport.Layer) {
            let stemClass = StemPalette.stems.contains(layer.stem.lowercased()) ? layer.stem.lowercased() : "full"
            out += "<li><span class=\"stem stem-" + stemClass + "\">" + e(layer.stem) + "</span>"
            out += "<span>" + e(songName(layer.songID)) + "</span>"
            out +=
                "<span class=\"gain\">" + ReportFormatting.decibels(layer.gainDecibels)
                + "</span><span class=\"detail\">"
            out += "<span class=\"sub\">"
            if layer.pan.isFinite, abs(layer.pan) >= 0.005 {
                out +=
                    "pan " + (layer.pan < 0 ? "L" : "R")
                    + ReportFormatting.coordinate(abs(layer.pan) * 100, decimals: 0) + " · "
            }
            out += "from " + ReportFormatting.preciseClock(layer.sourceStartSeconds) + "–"
            out += ReportFormatting.preciseClock(layer.sourceEndSeconds)
            if layer.stretchRatio.isFinite, abs(layer.stretchRatio - 1) > 0.0005 {
                out += " · ×" + ReportFormatting.coordinate(layer.stretchRatio, decimals: 3)
            }
            if layer.semitones.isFinite, abs(layer.semitones) > 0.005 {
                out += " · " + e(semitoneText(layer.semitones))
            }
            if let lufs = layer.measuredLoudnessLUFS, lufs.isFinite {
                out += " · " + ReportFormatting.number(lufs, decimals: 1) + " LUFS"
            }
            out += "</span>"
            for effect in layer.effectsApplied {
                out += "<span class=\"tag\" title=\"" + e(effect) + "\">" + e(EffectTag.short(effect)) + "</span>"
            }
            for effect in layer.effectsIgnored {
                out +=
                    "<span class=\"tag ignored\" title=\"" + e("not applied: " + effect) + "\">"
                    + e(EffectTag.short(effect)) + "</span>"
            }
            out += "</span></li>\n"
        }

        func songName(_ songID: String) -> String {
            guard let song = report.songs.first(where: { $0.songID == songID }) else { return songID }
            return song.name.flatMap { $0.isEmpty ? nil : $0 } ?? songID
        }

        mutating func problems() {
            out += "<section class=\"card\">\n<h2>Problems and solutions</h2>\n"
            if report.problemsAndSolutions.isEmpty {
                out += "<p class=\"none\">The plan named no problems.</p>\n"
            } else {
                out += "<ul class=\"problems\">\n"
                for item in report.problemsAndSolutions {
                    out +=
                        "<li><div><b>Problem</b>" + e(item.problem) + "</div><div><b>Solution</b>" + e(item.solution)
                        + "</div></li>\n"
                }
                out += "</ul>\n"
            }
            out += "</section>\n"
        }

        mutating func warningsAndTimings() {
            out +=
                "<div style=\"display:grid;gap:18px;align-content:start\">\n<section class=\"card\">\n<h2>Warnings</h2>\n"
            if report.warnings.isEmpty {
                out += "<p class=\"none\">No warnings.</p>\n"
            } else {
                out += "<ul class=\"warnings\">\n"
                for warning in report.warnings { out += "<li>" + e(warning) + "</li>\n" }
                out += "</ul>\n"
            }
            out += "</section>\n<section class=\"card\">\n<h2>Stage timings</h2>\n<table>\n<tbody>\n"
            let stages = report.stageSeconds.keys.sorted { a, b in
                let ia = HTMLReport.stageOrder.firstIndex(of: a) ?? Int.max
                let ib = HTMLReport.stageOrder.firstIndex(of: b) ?? Int.max
                return ia != ib ? ia < ib : a < b
            }
            let total = stages.reduce(0.0) { $0 + max(0, report.stageSeconds[$1] ?? 0) }
            let longest = stages.map { report.stageSeconds[$0] ?? 0 }.max() ?? 0
            for stage in stages {
                let seconds = report.stageSeconds[stage] ?? 0
                let barWidth = longest > 0 && seconds.isFinite ? max(2, 160 * seconds / longest) : 2
                out += "<tr><td>" + e(stage) + "</td><td><span class=\"bar\" style=\"width:"
                out += ReportFormatting.coordinate(barWidth, decimals: 0) + "px\"></span></td>"
                out += "<td class=\"num\">" + secondsText(seconds) + "</td></tr>\n"
            }
            if stages.isEmpty {
                out += "<tr><td class=\"sub\">No timings recorded.</td></tr>\n"
            } else {
                out +=
                    "<tr><td><b>total</b></td><td></td><td class=\"num\"><b>" + secondsText(total) + "</b></td></tr>\n"
            }
            out += "</tbody>\n</table>\n</section>\n</div>\n"
        }

        func secondsText(_ seconds: Double) -> String {
            guard seconds.isFinite else { return "–" }
            return seconds < 10
                ? ReportFormatting.number(seconds, decimals: 2) + " s"
                : ReportFormatting.number(seconds, decimals: 1) + " s"
        }
    }
}
