import Foundation

/// Short tags for effects in the timeline bands ("REV", "DLY", "HPF 800Hz").
///
/// The render reports applied effects as canonical effect objects written as JSON text (`{"type": "reverb", ...}`);
/// the plan's free strings (`high-pass-filter-800hz`) are accepted too. The tag names the effect family and, for
/// filters, the cutoff; the full text stays available as a tooltip.
public enum EffectTag {
    /// Families in match order (more specific names first), with their tags.
    private static let families: [(match: [String], tag: String)] = [
        (["ping-pong", "pingpong"], "PP·DLY"),
        (["echo-out", "echoout", "echo"], "ECHO"),
        (["filter-sweep", "filtersweep", "sweep"], "SWEEP"),
        (["high-pass", "highpass", "hpf", "hi-pass"], "HPF"),
        (["low-pass", "lowpass", "lpf", "lo-pass"], "LPF"),
        (["band-pass", "bandpass", "bpf"], "BPF"),
        (["reverb", "room", "hall", "plate"], "REV"),
        (["delay"], "DLY"),
        (["sidechain", "side-chain", "duck"], "SC"),
        (["compress"], "COMP"),
        (["limit"], "LIM"),
        (["distort", "overdrive"], "DIST"),
        (["saturat"], "SAT"),
        (["chorus"], "CHO"),
        (["flang"], "FLG"),
        (["phaser"], "PHS"),
        (["bitcrush", "bit-crush"], "CRUSH"),
        (["fade-in", "fadein"], "FADE▲"),
        (["fade-out", "fadeout"], "FADE▼"),
        (["stutter"], "STUT"),
        (["reverse"], "REVRS"),
        (["gate"], "GATE"),
        (["equaliz", "parametric-eq"], "EQ"),
        (["auto-pan", "autopan", "panning"], "PAN"),
        (["gain", "volume"], "GAIN"),
    ]

    /// The short tag of one effect description (JSON object text or a plan string). Unknown effects give their
    /// first word in capitals, at most 6 letters; an empty description gives "FX".
    public static func short(_ effect: String) -> String {
        let (name, parameters) = nameAndParameters(effect)
        let normalized = normalize(name)
        guard !normalized.isEmpty else { return "FX" }
        if normalized == "eq" || normalized.hasPrefix("eq-") { return "EQ" }
        for family in families where family.match.contains(where: { normalized.contains($0) }) {
            if family.tag == "HPF" || family.tag == "LPF" || family.tag == "BPF",
                let cutoff = cutoffHz(parameters: parameters, text: normalized)
            {
                return family.tag + " " + frequencyText(cutoff)
            }
            return family.tag
        }
        let firstWord = normalized.split(separator: "-").first.map(String.init) ?? normalized
        return String(firstWord.prefix(6)).uppercased()
    }

    /// The effect's name and its numeric parameters when it is a JSON object; otherwise the text itself.
    private static func nameAndParameters(_ effect: String) -> (String, [String: Double]) {
        let trimmed = effect.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("{"), let data = trimmed.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            return (trimmed, [:])
        }
        var parameters: [String: Double] = [:]
        for (key, value) in object {
            if let number = value as? NSNumber, !(value is Bool) { parameters[key.lowercased()] = number.doubleValue }
        }
        for key in ["type", "name", "effect", "kind"] {
            if let name = object[key] as? String { return (name, parameters) }
        }
        return (object.keys.sorted().first ?? "", parameters)
    }

    /// Lower case with spaces and underscores as hyphens.
    private static func normalize(_ text: String) -> String {
        var out = ""
        for character in text.lowercased() {
            out.append(character == " " || character == "_" ? "-" : character)
        }
        return out.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }

    /// A cutoff from a parameter named like `cutoff_hz`/`frequency_hz`, or a number followed by hz/khz in the text.
    private static func cutoffHz(parameters: [String: Double], text: String) -> Double? {
        for key in parameters.keys.sorted() where key.contains("hz") || key.contains("cutoff") || key.contains("freq") {
            if let value = parameters[key], value > 0 { return key.contains("khz") ? value * 1000 : value }
        }
        // Scan for "<number>hz" or "<number>khz".
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            guard CharacterSet.decimalDigits.contains(scalars[index]) else { index += 1; continue }
            var end = index
            while end < scalars.count, CharacterSet.decimalDigits.contains(scalars[end]) || scalars[end] == "." {
                end += 1
            }
            let number = Double(String(String.UnicodeScalarView(scalars[index..<end])))
            let rest = String(String.UnicodeScalarView(scalars[end..<min(end + 3, scalars.count)]))
            if let number, rest.hasPrefix("khz") || rest.hasPrefix("k") { return number * 1000 }
            if let number, rest.hasPrefix("hz") { return number }
            index = end
        }
        return nil
    }

    private static func frequencyText(_ hz: Double) -> String {
        hz >= 1000
            ? ReportFormatting.coordinate(hz / 1000, decimals: 1) + "k" : ReportFormatting.coordinate(hz, decimals: 0)
    }
}
