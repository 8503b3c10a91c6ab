import Foundation

// Design note: second-order sections after R. Bristow-Johnson's "Audio EQ Cookbook". The analog prototypes are
// mapped with the bilinear transform, prewarped so that the cutoff/centre frequency lands exactly where asked
// (a Butterworth low-pass reads -3.01 dB at its cutoff at any sample rate). Coefficients are normalised (a0 = 1)
// and computed in Double, then rounded to Float for the Float-state filters.

/// The response shapes of `BiquadFilter`.
public enum BiquadFilterType: String, Sendable, CaseIterable, Codable {
    case lowPass, highPass, bandPass, lowShelf, highShelf, peaking
}

/// Normalised coefficients of one second-order section: `y = b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2`.
public struct BiquadCoefficients: Sendable, Equatable {
    public var b0: Double, b1: Double, b2: Double, a1: Double, a2: Double

    public init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        self.b0 = b0; self.b1 = b1; self.b2 = b2; self.a1 = a1; self.a2 = a2
    }

    /// The identity section (passes its input unchanged).
    public static let identity = BiquadCoefficients(b0: 1, b1: 0, b2: 0, a1: 0, a2: 0)

    /// The Q of a second-order Butterworth section (1/√2): maximally flat, -3.01 dB at the cutoff.
    public static let butterworthQ = 1 / 2.0.squareRoot()

    /// Designs one RBJ cookbook section.
    /// - Parameters:
    ///   - type: the response shape.
    ///   - frequencyHz: cutoff (low/high-pass), centre (band-pass, peaking) or corner (shelves); clamped to
    ///     1 Hz ... 0.49 × sample rate.
    ///   - q: quality factor, 0.1...40 (for shelves it is the shelf slope S's Q equivalent).
    ///   - gainDecibels: boost/cut of shelves and peaking, -48...48 dB; ignored by the other shapes.
    ///   - sampleRate: in Hz.
    public static func design(
        _ type: BiquadFilterType, frequencyHz: Double, q: Double = butterworthQ,
        gainDecibels: Double = 0, sampleRate: Double
    ) -> BiquadCoefficients {
        let f = min(max(frequencyHz, 1), 0.49 * sampleRate)
        let q = min(max(q, 0.1), 40)
        let w0 = 2 * Double.pi * f / sampleRate
        let cosW = cos(w0), sinW = sin(w0)
        let alpha = sinW / (2 * q)
        let a = pow(10, gainDecibels / 40)
        var b0 = 1.0, b1 = 0.0, b2 = 0.0, a0 = 1.0, a1 = 0.0, a2 = 0.0
        switch type {
        case .lowPass:
            b0 = (1 - cosW) / 2; b1 = 1 - cosW; b2 = b0
            a0 = 1 + alpha; a1 = -2 * cosW; a2 = 1 - alpha
        case .highPass:
            b0 = (1 + cosW) / 2; b1 = -(1 + cosW); b2 = b0
            a0 = 1 + alpha; a1 = -2 * cosW; a2 = 1 - alpha
        case .bandPass:
            b0 = alpha; b1 = 0; b2 = -alpha
            a0 = 1 + alpha; a1 = -2 * cosW; a2 = 1 - alpha
        case .peaking:
            b0 = 1 + alpha * a; b1 = -2 * cosW; b2 = 1 - alpha * a
            a0 = 1 + alpha / a; a1 = -2 * cosW; a2 = 1 - alpha / a
        case .lowShelf:
            let s = 2 * a.squareRoot() * alpha
            b0 = a * ((a + 1) - (a - 1) * cosW + s)
            b1 = 2 * a * ((a - 1) - (a + 1) * cosW)
            b2 = a * ((a + 1) - (a - 1) * cosW - s)
            a0 = (a + 1) + (a - 1) * cosW + s
            a1 = -2 * ((a - 1) + (a + 1) * cosW)
            a2 = (a + 1) + (a - 1) * cosW - s
        case .highShelf:
            let s = 2 * a.squareRoot() * alpha
            b0 = a * ((a + 1) + (a - 1) * cosW + s)
            b1 = -2 * a * ((a - 1) + (a + 1) * cosW)
            b2 = a * ((a + 1) + (a - 1) * cosW - s)
            a0 = (a + 1) - (a - 1) * cosW + s
            a1 = 2 * ((a - 1) - (a + 1) * cosW)
            a2 = (a + 1) - (a - 1) * cosW - s
        }
        return BiquadCoefficients(b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: a1 / a0, a2: a2 / a0)
    }

    /// Magnitude response at `frequencyHz` (linear), evaluated from the coefficients on the unit circle.
    public func magnitude(atHz frequencyHz: Double, sampleRate: Double) -> Double {
        let w = 2 * Double.pi * frequencyHz / sampleRate
        let c1 = cos(w), s1 = sin(w), c2 = cos(2 * w), s2 = sin(2 * w)
        let nr = b0 + b1 * c1 + b2 * c2, ni = -(b1 * s1 + b2 * s2)
        let dr = 1 + a1 * c1 + a2 * c2, di = -(a1 * s1 + a2 * s2)
        return ((nr * nr + ni * ni) / (dr * dr + di * di)).squareRoot()
    }
}
