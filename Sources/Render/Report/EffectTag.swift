import Foundation
import MashupModel

/// Short tags for effects in the timeline bands ("REV", "DLY", "HPF 800").
///
/// The render reports applied effects as canonical effect objects written as JSON text (`{"type": "reverb", ...}`);
/// the plan's free strings (`high-pass-filter-800hz`) are accepted too. Both are read by `EffectParser`, the one
/// place that knows effect names; the tag names the parsed effect and, for filters and EQ, its frequency. The full
/// text stays available as a tooltip.
public enum EffectTag {
    /// The short tag of one effect description (JSON object text or a plan string). Effects the parser does not
    /// understand give their first word in capitals, at most 6 letters; an empty description gives "FX".
    public static func short(_ effect: String) -> String {
        let trimmed = effect.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return "FX" }
        let parsed: ParsedEffect
        if trimmed.hasPrefix("{"), let value = try? JSONReader.read(trimmed) {
            parsed = EffectParser.parse(value)
        } else {
            parsed = EffectParser.parse(trimmed)
        }
        if let spec = parsed.spec { return short(spec) }
        return fallback(parsed.source)
    }

    /// The short tag of a parsed effect.
    public static func short(_ spec: EffectSpec) -> String {
        switch spec {
        case .highPass(let hz, _): return "HPF " + frequencyText(hz)
        case .lowPass(let hz, _): return "LPF " + frequencyText(hz)
        case .bandPass(let hz, _): return "BPF " + frequencyText(hz)
        case .lowShelf(let hz, _): return "LSH " + frequencyText(hz)
        case .highShelf(let hz, _): return "HSH " + frequencyText(hz)
        case .peaking(let hz, _, _): return "EQ " + frequencyText(hz)
        case .filterSweep: return "SWEEP"
        case .delay(let delay): return delay.pingPong ? "PP·DLY" : "DLY"
        case .echoOut: return "ECHO"
        case .reverb: return "REV"
        case .compressor: return "COMP"
        case .sidechain: return "SC"
        case .saturation: return "SAT"
        case .gain: return "GAIN"
        case .pan: return "PAN"
        case .fadeIn: return "FADE▲"
        case .fadeOut: return "FADE▼"
        }
    }

    /// The first word of an effect not understood, in capitals, at most 6 letters (the type of an object).
    private static func fallback(_ source: String) -> String {
        var text = source
        if source.hasPrefix("{"), case .object(let members)? = try? JSONReader.read(source) {
            text = ["type", "name", "effect", "kind"].lazy.compactMap { members[$0]?.stringValue }.first ?? ""
        }
        let words = text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        guard let first = words.first else { return "FX" }
        return String(first.prefix(6)).uppercased()
    }

    private static func frequencyText(_ hz: Double) -> String {
        hz >= 1000
            ? ReportFormatting.coordinate(hz / 1000, decimals: 1) + "k" : ReportFormatting.coordinate(hz, decimals: 0)
    }
}
