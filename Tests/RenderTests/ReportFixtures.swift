import DSP
import Foundation
import Render

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reports and audio for the report tests, and a small XML tree built with `XMLParser`.
enum ReportFixtures {
    static let stems = ["vocals", "drums", "bass", "other", "full"]

    /// A report of `sectionCount` equal sections over `durationSeconds`, with 1...4 layers per section cycling
    /// through the stems, transitions alternating cut and crossfade, and a short-term loudness curve.
    static func report(
        sectionCount: Int = 5, durationSeconds: Double = 20, text: ((String) -> String)? = nil,
        shortTermCount: Int? = nil
    ) -> RenderReport {
        let t = text ?? { $0 }
        let sectionSeconds = durationSeconds / Double(sectionCount)
        let bpm = 120.0
        let barSeconds = 4 * 60 / bpm
        var sections: [RenderReport.Section] = []
        for index in 0..<sectionCount {
            let layerCount = index % 4 + 1
            var layers: [RenderReport.Layer] = []
            for row in 0..<layerCount {
                let songID: String = t(row % 2 == 0 ? "song-a" : "song-b")
                let stem: String = t(stems[(index + row) % stems.count])
                let gain: Double = -3 - Double(row) * 2.5
                let sourceStart: Double = Double(index) * 2
                let effects: [String] = [t("reverb"), t("{\"type\":\"high-pass-filter\",\"cutoff_hz\":800}")]
                let ignored: [String] = row == 0 ? [t("tape-stop: unknown effect")] : []
                layers.append(
                    RenderReport.Layer(
                        songID: songID, stem: stem, gainDecibels: gain, pan: row == 2 ? -0.4 : 0,
                        sourceStartSeconds: sourceStart, sourceEndSeconds: sourceStart + sectionSeconds,
                        stretchRatio: 1.02, semitones: row == 1 ? -2 : 0, effectsApplied: effects,
                        effectsIgnored: ignored, measuredLoudnessLUFS: -18.5))
            }
            let start = Double(index) * sectionSeconds
            sections.append(
                RenderReport.Section(
                    index: index,
                    description: t(
                        "Section \(index + 1): a description long enough to need truncating in a narrow block"),
                    energyLevel: Double(index + 1) / Double(sectionCount), startSeconds: start,
                    endSeconds: start + sectionSeconds,
                    startBar: start / barSeconds + 1, endBar: (start + sectionSeconds) / barSeconds + 1,
                    transitionIn: index == 0 ? "cut" : (index % 2 == 0 ? t("crossfade") : "cut"),
                    transitionSeconds: index > 0 && index % 2 == 0 ? 1.0 : 0, layers: layers))
        }
        let hop = 0.1
        let count = shortTermCount ?? Int(durationSeconds / hop)
        let shortTerm = (0..<count).map { k in -14 + 6 * sin(Double(k) * 0.05) }
        return RenderReport(
            engineVersion: t("0.1.0"), title: t("Test Mashup"), artistCredits: t("Artist A vs. Artist B"),
            creativeVision: t("Two songs meet in the night."), audioFile: t("mashup.wav"), targetBPM: bpm,
            targetKey: t("A minor"), beatsPerBar: 4, sampleRate: 8000, durationSeconds: durationSeconds,
            songs: [
                RenderReport.Song(
                    songID: t("song-a"), name: t("Song A"), artist: t("Artist A"), tempoBPM: 118, key: t("A minor"),
                    analysisSource: t("plan"), stemSource: t("supplied"), stretchRatio: 0.983, semitones: 0),
                RenderReport.Song(
                    songID: t("song-b"), name: t("Song B"), artist: t("Artist B"), tempoBPM: 124, key: t("C major"),
                    analysisSource: t("embedded"), stemSource: t("approximated"), stretchRatio: 1.033, semitones: -2),
            ],
            sections: sections,
            problemsAndSolutions: [.init(problem: t("Keys clash"), solution: t("Shift song B down two semitones"))],
            loudness: RenderReport.Loudness(
                targetLUFS: -14, integratedLUFS: -14.2, loudnessRangeLU: 5.5, truePeakDecibels: -1.1,
                samplePeakDecibels: -1.4, shortTermLUFS: shortTerm, shortTermHopSeconds: hop),
            warnings: [t("Effect 'tape-stop' is unknown and was ignored")],
            stageSeconds: [t("decode"): 0.5, "master": 0.25, "layers": 1.5])
    }

    /// Stereo audio at 8 kHz: a 200 Hz sine whose amplitude steps through `amplitudes` in equal parts (left), and
    /// half of it (right).
    static func audio(
        durationSeconds: Double = 20, amplitudes: [Float] = [0.8, 0.2, 0.5, 0.05, 1.0], sampleRate: Double = 8000
    ) -> AudioBuffer {
        let frames = Int(durationSeconds * sampleRate)
        var left = [Float](repeating: 0, count: frames)
        for i in 0..<frames {
            let part = min(amplitudes.count - 1, i * amplitudes.count / frames)
            left[i] = amplitudes[part] * Float(sin(2 * Double.pi * 200 * Double(i) / sampleRate))
        }
        return AudioBuffer(channels: [left, left.map { $0 * 0.5 }], sampleRate: sampleRate)
    }
}

/// An element of a parsed XML document.
final class XMLNode {
    let name: String
    let attributes: [String: String]
    var children: [XMLNode] = []
    var text = ""
    weak var parent: XMLNode?

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    /// Every descendant (depth first, document order) including self.
    var all: [XMLNode] { [self] + children.flatMap(\.all) }

    /// Descendants with `name` and, when given, a `class` attribute containing `className`.
    func find(_ name: String, className: String? = nil) -> [XMLNode] {
        all.filter { node in
            node.name == name
                && (className.map { (node.attributes["class"] ?? "").split(separator: " ").contains(Substring($0)) }
                    ?? true)
        }
    }

    /// The text of this element and its descendants.
    var allText: String { text + children.map(\.allText).joined() }

    func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
}

/// Parses XML into an `XMLNode` tree; nil when the text is not well-formed.
final class XMLTreeBuilder: NSObject, XMLParserDelegate {
    private var stack: [XMLNode] = []
    private(set) var root: XMLNode?

    static func parse(_ text: String) -> XMLNode? {
        let builder = XMLTreeBuilder()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = builder
        guard parser.parse() else { return nil }
        return builder.root
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        let node = XMLNode(name: elementName, attributes: attributes)
        node.parent = stack.last
        stack.last?.children.append(node)
        if root == nil { root = node }
        stack.append(node)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }
}
