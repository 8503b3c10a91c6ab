import Foundation

extension Int {
    /// The largest magnitude `init(saturating:)` returns: 2^53 (every integer up to it is exact in a Double, and
    /// sums of a few such values cannot overflow `Int`).
    public static let saturationLimit = 1 << 53

    /// `value` rounded by `rule` and clamped to ±2^53; NaN gives 0. For frame positions and counts computed from
    /// outside values (plans, headers, effect strings) after they were range-checked: a value that escaped its
    /// check becomes a huge but harmless number instead of a trap ("Double value cannot be converted to Int").
    @inlinable
    public init(saturating value: Double, rounding rule: FloatingPointRoundingRule = .towardZero) {
        guard !value.isNaN else { self = 0; return }
        let limit = Double(Int.saturationLimit)
        self = Int(Swift.min(Swift.max(value.rounded(rule), -limit), limit))
    }
}
