import Foundation

/// Small statistics on Double series shared by the analysis and the renderer.
public enum Statistics {
    /// The median of `values` (the mean of the two middle values for an even count); 0 when empty.
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The least-squares line of `values[i]` against the index over `range` (index 0 at `range.lowerBound`): its
    /// value at index 0 and its slope per index; nil for fewer than 2 values.
    public static func line(_ values: [Double], over range: ClosedRange<Int>) -> (origin: Double, slope: Double)? {
        let m = range.count
        guard m >= 2 else { return nil }
        let meanIndex = Double(m - 1) / 2
        var meanValue = 0.0
        for i in range { meanValue += values[i] }
        meanValue /= Double(m)
        var num = 0.0, den = 0.0
        for (k, i) in range.enumerated() {
            num += (Double(k) - meanIndex) * (values[i] - meanValue)
            den += (Double(k) - meanIndex) * (Double(k) - meanIndex)
        }
        let slope = num / den
        return (meanValue - meanIndex * slope, slope)
    }
}
