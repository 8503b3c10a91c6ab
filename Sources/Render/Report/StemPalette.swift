/// The colours of the stems in the timeline and the report: vocals blue, drums red, bass yellow, other green,
/// the full song grey (the convention of the original front end). Colours are the same in light and dark mode.
public enum StemPalette {
    /// The stem names in display order (Demucs names, then `full`).
    public static let stems = ["vocals", "drums", "bass", "other", "full"]

    /// Fill colour of a stem's band, `#rrggbb`; unknown stems get the `full` grey.
    public static func fill(forStem stem: String) -> String {
        switch stem.lowercased() {
        case "vocals": "#3b82f6"
        case "drums": "#ef4444"
        case "bass": "#eab308"
        case "other": "#22c55e"
        default: "#9ca3af"
        }
    }

    /// A text colour readable on the stem's fill (white on blue and red, near-black on yellow, green and grey).
    public static func label(forStem stem: String) -> String {
        switch stem.lowercased() {
        case "vocals", "drums": "#ffffff"
        default: "#1a1d21"
        }
    }
}
