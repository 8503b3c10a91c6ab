import Foundation

/// Text and number formatting shared by the SVG timeline and the HTML report.
///
/// Everything here is deterministic (no locale, no dates) so that the same report always gives the same bytes, and
/// fast enough to format thousands of coordinates per report without `String(format:)`.
public enum ReportFormatting {
    /// Escapes text for XML and HTML (element content and quoted attribute values): `& < > " '` become entities,
    /// and characters XML 1.0 forbids (C0 controls other than tab, newline and carriage return; U+FFFE, U+FFFF)
    /// are dropped, so that hostile plan text can neither inject markup nor make the SVG unparsable.
    public static func escape(_ text: String) -> String {
        var needsWork = false
        for unit in text.utf8
        where unit == 38 || unit == 60 || unit == 62 || unit == 34 || unit == 39 || unit < 32 || unit == 0xEF {
            needsWork = true
            break
        }
        guard needsWork else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            case "\t", "\n", "\r": out.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// A plain decimal with at most `decimals` digits after the point (trailing zeros removed), for coordinates.
    /// Non-finite values give "0" (a coordinate must always parse); -0 gives "0".
    public static func coordinate(_ value: Double, decimals: Int = 1) -> String {
        guard value.isFinite else { return "0" }
        return fixed(value, decimals: decimals, trimZeros: true, minusSign: "-")
    }

    /// A display number with exactly `decimals` digits and a typographic minus sign (U+2212); "–" when not finite.
    public static func number(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "–" }
        return fixed(value, decimals: decimals, trimZeros: false, minusSign: "\u{2212}")
    }

    /// A signed display number ("+3.0", "−6.0", "0.0").
    public static func signedNumber(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "–" }
        let text = fixed(value, decimals: decimals, trimZeros: false, minusSign: "\u{2212}")
        if text.hasPrefix("\u{2212}") || text.allSatisfy({ $0 == "0" || $0 == "." }) { return text }
        return "+" + text
    }

    /// Time as m:ss (or h:mm:ss from one hour), rounded down to the second; negative times clamp to 0.
    public static func clock(_ seconds: Double) -> String {
        let total = seconds.isFinite ? max(0, Int((seconds + 1e-6).rounded(.down))) : 0
        let hours = total / 3600, minutes = (total / 60) % 60, secs = total % 60
        let ss = secs < 10 ? "0\(secs)" : "\(secs)"
        if hours > 0 { return "\(hours):" + (minutes < 10 ? "0\(minutes)" : "\(minutes)") + ":" + ss }
        return "\(minutes):" + ss
    }

    /// Time as m:ss.t (tenths), for section bounds in tables.
    public static func preciseClock(_ seconds: Double) -> String {
        let clamped = seconds.isFinite ? max(0, seconds) : 0
        let tenths = Int((clamped * 10).rounded())
        return clock(Double(tenths / 10)) + "." + String(tenths % 10)
    }

    /// Decibels for display: "−6.0 dB".
    public static func decibels(_ value: Double, unit: String = "dB") -> String {
        number(value, decimals: 1) + "\u{2009}" + unit
    }

    private static func fixed(_ value: Double, decimals: Int, trimZeros: Bool, minusSign: String) -> String {
        precondition(decimals >= 0 && decimals <= 6, "decimals must lie in 0...6")
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return (value < 0 ? minusSign : "") + String(Int64(abs(value))) }
        let units = Int64(scaled)
        let divisor = Int64(scale)
        let whole = units / divisor
        var fraction = units % divisor
        var text = (value < 0 && units != 0) ? minusSign : ""
        text += String(whole)
        guard decimals > 0 else { return text }
        var digits = decimals
        if trimZeros {
            while digits > 0 && fraction % 10 == 0 { fraction /= 10; digits -= 1 }
            if digits == 0 { return text }
        }
        var fractionText = String(fraction)
        while fractionText.count < digits { fractionText = "0" + fractionText }
        return text + "." + fractionText
    }
}
