import Foundation

// Design note: the ITU-R BS.1770-4 K-weighting pre-filter for any sample rate. BS.1770 lists coefficients at
// 48 kHz only; here the two stages are derived from their analog prototypes and mapped with the prewarped
// bilinear transform, which reproduces the published 48 kHz coefficients to about 1e-8:
// stage 1, a high shelf (+4.0 dB above ~1.7 kHz: the head's acoustic effect), f0 = 1681.97 Hz, Q = 0.70718;
// stage 2, the RLB high-pass, f0 = 38.135 Hz, Q = 0.50033. State is kept in Double (the meter integrates over
// minutes, and a 38 Hz high-pass in Float at 48 kHz loses low-frequency accuracy).

/// The two biquads of BS.1770 K-weighting, as coefficients for a sample rate.
public struct KWeighting: Sendable, Equatable {
    /// Stage 1: the high-frequency shelf.
    public let shelf: BiquadCoefficients
    /// Stage 2: the revised low-frequency B-curve high-pass.
    public let highPass: BiquadCoefficients

    /// Coefficients for `sampleRate` Hz (8 kHz ... 384 kHz).
    public init(sampleRate: Double) {
        let shelfHz = 1681.974_450_955_533
        let shelfGainDecibels = 3.999_843_853_973_347
        let shelfQ = 0.707_175_236_955_419_6
        var k = tan(Double.pi * shelfHz / sampleRate)
        let vh = pow(10, shelfGainDecibels / 20)
        let vb = pow(vh, 0.499_666_774_154_541_6)
        var a0 = 1 + k / shelfQ + k * k
        shelf = BiquadCoefficients(
            b0: (vh + vb * k / shelfQ + k * k) / a0, b1: 2 * (k * k - vh) / a0,
            b2: (vh - vb * k / shelfQ + k * k) / a0,
            a1: 2 * (k * k - 1) / a0, a2: (1 - k / shelfQ + k * k) / a0)
        let highPassHz = 38.135_470_876_024_44
        let highPassQ = 0.500_327_037_323_877_3
        k = tan(Double.pi * highPassHz / sampleRate)
        a0 = 1 + k / highPassQ + k * k
        highPass = BiquadCoefficients(
            b0: 1, b1: -2, b2: 1,
            a1: 2 * (k * k - 1) / a0, a2: (1 - k / highPassQ + k * k) / a0)
    }

    /// Combined magnitude (linear) at `frequencyHz`.
    public func magnitude(atHz frequencyHz: Double, sampleRate: Double) -> Double {
        shelf.magnitude(atHz: frequencyHz, sampleRate: sampleRate)
            * highPass.magnitude(atHz: frequencyHz, sampleRate: sampleRate)
    }
}
