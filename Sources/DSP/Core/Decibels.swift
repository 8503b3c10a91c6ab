import Foundation

/// Conversions between linear amplitude and decibels (20·log10).
public enum Decibels {
    /// The floor used when converting silence to decibels.
    public static let silenceFloorDecibels: Double = -200

    /// Linear amplitude gain for a level in dB (`0 dB -> 1`, `-6.02 dB -> 0.5`).
    @inlinable
    public static func gain(_ decibels: Double) -> Double { pow(10, decibels / 20) }

    /// Linear amplitude gain as Float.
    @inlinable
    public static func gain(_ decibels: Float) -> Float { powf(10, decibels / 20) }

    /// Level in dB of a linear amplitude; values at or below zero give `silenceFloorDecibels`.
    @inlinable
    public static func decibels(_ gain: Double) -> Double {
        gain > 0 ? max(20 * log10(gain), silenceFloorDecibels) : silenceFloorDecibels
    }

    /// Level in dB of a power ratio (10·log10).
    @inlinable
    public static func decibels(power: Double) -> Double {
        power > 0 ? max(10 * log10(power), silenceFloorDecibels) : silenceFloorDecibels
    }
}
