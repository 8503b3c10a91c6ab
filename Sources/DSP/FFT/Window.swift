import Foundation

/// Analysis and synthesis windows.
public enum Window {
    /// Hann window of `length` samples. `periodic` (the default) gives the DFT-even form used for
    /// overlap-add, whose shifted copies at hop `length/4` sum (squared) to the constant 1.5.
    public static func hann(_ length: Int, periodic: Bool = true) -> [Float] {
        cosineSum(length, periodic: periodic, coefficients: [0.5, 0.5])
    }

    /// Hamming window (0.54 / 0.46).
    public static func hamming(_ length: Int, periodic: Bool = true) -> [Float] {
        cosineSum(length, periodic: periodic, coefficients: [0.54, 0.46])
    }

    /// Blackman window (0.42 / 0.5 / 0.08).
    public static func blackman(_ length: Int, periodic: Bool = true) -> [Float] {
        cosineSum(length, periodic: periodic, coefficients: [0.42, 0.5, 0.08])
    }

    /// Square root of the periodic Hann window (a power-complementary pair for analysis and synthesis at 50%).
    public static func sqrtHann(_ length: Int) -> [Float] {
        hann(length).map { $0.squareRoot() }
    }

    /// `sum_k (-1)^k a_k cos(2π k n / N)`, N = length (periodic) or length - 1 (symmetric).
    private static func cosineSum(_ length: Int, periodic: Bool, coefficients: [Double]) -> [Float] {
        precondition(length >= 1, "window length must be positive")
        if length == 1 { return [1] }
        let denominator = Double(periodic ? length : length - 1)
        return (0..<length).map { n in
            var value = 0.0
            for (k, a) in coefficients.enumerated() {
                let sign = k % 2 == 0 ? 1.0 : -1.0
                value += sign * a * cos(2 * Double.pi * Double(k) * Double(n) / denominator)
            }
            return Float(value)
        }
    }
}
