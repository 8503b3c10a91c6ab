import DSP
import Foundation
import Render
import Testing

@Suite("Report: HTML page")
struct ReportHTMLTests {
    static let hostile = "<script>alert(1)</script>"
    static let escapedHostile = "&lt;script&gt;alert(1)&lt;/script&gt;"
    /// Breaks out of a quoted attribute if quotes are not escaped.
    static let attributeBreaker = "\" onmouseover=\"alert(2)\" x=\"'><img src=x onerror=alert(3)>"

    /// Every value of `attribute=...` inside a tag of `html` (case-insensitive name); text between tags is
    /// skipped, so escaped text that merely mentions `src=` does not count. Unquoted values are returned as is.
    func attributeValues(_ attribute: String, in html: String) -> [String] {
        var values: [String] = []
        let characters = Array(html)
        var index = 0
        while index < characters.count {
            guard characters[index] == "<" else { index += 1; continue }
            // Read one tag up to its closing '>' outside quotes.
            var tag: [Character] = []
            var quote: Character?
            index += 1
            while index < characters.count {
                let c = characters[index]
                if let q = quote {
                    if c == q { quote = nil }
                } else if c == "\"" || c == "'" {
                    quote = c
                } else if c == ">" {
                    break
                }
                tag.append(c)
                index += 1
            }
            // Scan the tag's attributes.
            var position = 0
            while position < tag.count {
                guard tag[position] == " " || tag[position] == "\n" || tag[position] == "\t" else {
                    position += 1; continue
                }
                position += 1
                var name = ""
                while position < tag.count, tag[position] != "=", tag[position] != " ", tag[position] != ">" {
                    name.append(tag[position]); position += 1
                }
                guard position < tag.count, tag[position] == "=" else { continue }
                position += 1
                var value = ""
                if position < tag.count, tag[position] == "\"" || tag[position] == "'" {
                    let q = tag[position]
                    position += 1
                    while position < tag.count, tag[position] != q { value.append(tag[position]); position += 1 }
                    position += 1
                } else {
                    while position < tag.count, tag[position] != " " { value.append(tag[position]); position += 1 }
                }
                if name.lowercased() == attribute { values.append(value) }
            }
        }
        return values
    }

    func page(_ report: RenderReport) -> String {
        HTMLReport.render(report: report, audio: ReportFixtures.audio(durationSeconds: report.durationSeconds))
    }

    @Test("the page references nothing outside itself but the audio file")
    func selfContained() {
        let html = page(ReportFixtures.report())
        let lower = html.lowercased()
        #expect(attributeValues("src", in: html) == ["./mashup.wav"])
        #expect(attributeValues("href", in: html).isEmpty)
        #expect(attributeValues("xlink:href", in: html).isEmpty)
        #expect(!lower.contains("<script"))
        #expect(!lower.contains("<link"))
        #expect(!lower.contains("<img"))
        #expect(!lower.contains("<iframe"))
        #expect(!lower.contains("@import"))
        #expect(!lower.contains("@font-face"))
        // Every url(...) is a reference inside the document (the SVG's hatch pattern and clip paths).
        var rest = Substring(lower)
        while let range = rest.range(of: "url(") {
            #expect(rest[range.upperBound...].hasPrefix("#"))
            rest = rest[range.upperBound...]
        }
        // The only absolute URL is the SVG namespace name, which is not fetched.
        let absolute = lower.components(separatedBy: "://").count - 1
        #expect(absolute == lower.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1)
        #expect(lower.contains("<audio controls"))
        #expect(lower.contains("content-security-policy"))
    }

    @Test("the page holds the timeline SVG, one row per section and per song, the figures and the timings")
    func content() {
        let report = ReportFixtures.report(sectionCount: 6)
        let audio = ReportFixtures.audio()
        let svg = TimelineSVG().render(report: report, audio: audio)
        let html = HTMLReport.render(report: report, svg: svg)
        #expect(html == HTMLReport.render(report: report, audio: audio), "same input, same bytes")
        #expect(html.contains(svg))
        let sectionTable = html.components(separatedBy: "<table class=\"sections\">")[1].components(
            separatedBy: "</table>")[0]
        #expect(sectionTable.components(separatedBy: "<tr class=\"section-row\">").count - 1 == report.sections.count)
        #expect(sectionTable.components(separatedBy: "<tr class=\"layers-row\">").count - 1 == report.sections.count)
        #expect(
            sectionTable.components(separatedBy: "<li>").count - 1 == report.sections.reduce(0) { $0 + $1.layers.count }
        )
        for song in report.songs { #expect(html.contains("<b>" + song.name! + "</b>")) }
        #expect(html.contains("118 BPM") && html.contains("124 BPM") && !html.contains("no pulse"))
        // A song that had no pulse shows so, not the tracker's guess at a tempo.
        var pulseless = report
        pulseless.songs[1].hasPulse = false
        let page = HTMLReport.render(report: pulseless, svg: svg)
        #expect(page.contains("no pulse") && !page.contains("124 BPM"))
        #expect(html.contains("×1.033") && html.contains("\u{2212}2 st"))
        #expect(html.contains("\u{2212}14.2 <small>LUFS</small>"))
        #expect(html.contains("\u{2212}1.1 <small>dBTP</small>"))
        #expect(html.contains("Keys clash") && html.contains("Shift song B down two semitones"))
        #expect(html.contains("Effect &#39;tape-stop&#39; is unknown and was ignored"))
        // Timings in pipeline order, then the total.
        let decode = html.range(of: "<td>decode</td>")!.lowerBound
        let layers = html.range(of: "<td>layers</td>")!.lowerBound
        let master = html.range(of: "<td>master</td>")!.lowerBound
        #expect(decode < layers && layers < master)
        #expect(html.contains("<b>2.25 s</b>"))
    }

    @Test("hostile text in every field of the plan shows as text")
    func escaping() {
        for payload in [Self.hostile, Self.attributeBreaker] {
            let report = ReportFixtures.report(text: { payload + $0 })
            let html = page(report)
            let lower = html.lowercased()
            #expect(!lower.contains("<script"))
            #expect(!lower.contains("<img"))
            #expect(attributeValues("onmouseover", in: html).isEmpty)
            #expect(attributeValues("onerror", in: html).isEmpty)
            // The only src stays the relative audio file, whatever the file name holds.
            let sources = attributeValues("src", in: html)
            #expect(sources.count == 1)
            #expect(sources.allSatisfy { $0.hasPrefix("./") && !$0.contains("\"") && !$0.contains("<") })
            if payload == Self.hostile {
                #expect(html.contains("<h1>" + Self.escapedHostile + "Test Mashup</h1>"))
                // Title, credits, vision, songs, sections, layers, effects, problems, warnings, stages: all escaped.
                #expect(html.components(separatedBy: Self.escapedHostile).count - 1 >= 30)
            }
        }
    }

    @Test("the audio element points at the rendered file by a relative path")
    func audioPath() {
        #expect(HTMLReport.relativeAudioURL("mashup.wav") == "./mashup.wav")
        #expect(HTMLReport.relativeAudioURL("my mix #1.wav") == "./my%20mix%20%231.wav")
        #expect(HTMLReport.relativeAudioURL("/etc/passwd") == "./etc/passwd")
        #expect(HTMLReport.relativeAudioURL("../../secret.wav") == "./secret.wav")
        #expect(HTMLReport.relativeAudioURL("javascript:alert(1)") == "./javascript%3Aalert(1)")
        #expect(HTMLReport.relativeAudioURL("https://example.com/x.wav") == "./https%3A/example.com/x.wav")
    }
}
