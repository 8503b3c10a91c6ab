import Foundation

// Design note: 4x oversampling with one linear-phase FIR prototype (Kaiser-windowed sinc, β = 8, length
// L = 4T + 1) used both ways. Upsampling runs it as 4 polyphase branches of T + 1 taps on the input (no
// zero-stuffed multiplies); downsampling runs it as a decimating FIR that computes only every 4th output.
// With the cutoff at the original Nyquist (0.125 of the oversampled rate) and T even, branch 0 is a pure
// delay: the original samples reappear exactly among the oversampled ones, so an oversampled peak is never
// below the sample peak. Delay: T/2 original frames each way, T frames for a round trip (up + down).
// Per channel state: T input frames and L - 1 oversampled frames of history; scratch sized at prepare.

/// A 4x polyphase upsampler/downsampler pair for true-peak metering and oversampled nonlinearities.
final class PolyphaseOversampler {
    /// Oversampling factor.
    static let factor = 4
    /// Taps per polyphase branch minus one (T); the prototype has 4T + 1 taps.
    let halfOrderFrames: Int
    /// Prototype taps, padded with zeros to 4 (T + 1).
    private let prototype: [Float]
    /// Branch taps: `branches[p * (T + 1) + k] = 4 h[p + 4k]` (gain 4 restores the level after stuffing).
    private let branches: SampleStorage
    private let branchLength: Int
    private let channelCount: Int
    private let maximumFrames: Int
    private let inputHistory: SampleStorage    // per channel: T + maximumFrames (history, then the block)
    private let outputHistory: SampleStorage   // per channel: L - 1 + 4 maximumFrames
    private let prototypeLength: Int

    /// - Parameters:
    ///   - halfOrderFrames: T, even, 8...64 (round-trip delay in original frames).
    ///   - cutoff: -6 dB point as a fraction of the oversampled rate (0.125 = original Nyquist).
    ///   - channelCount, maximumFrameCount: what `upsample`/`downsample` will see.
    init(halfOrderFrames: Int, cutoff: Double, channelCount: Int, maximumFrameCount: Int) {
        precondition(halfOrderFrames % 2 == 0 && halfOrderFrames >= 2, "T must be even")
        self.halfOrderFrames = halfOrderFrames
        self.channelCount = channelCount
        self.maximumFrames = maximumFrameCount
        let length = 4 * halfOrderFrames + 1
        prototypeLength = length
        let center = Double(length - 1) / 2
        var h = [Double](repeating: 0, count: 4 * (halfOrderFrames + 1))
        let beta = 8.0
        func besselI0(_ x: Double) -> Double {
            var sum = 1.0, term = 1.0, k = 1.0
            while term > 1e-12 * sum {
                term *= (x / (2 * k)) * (x / (2 * k))
                sum += term
                k += 1
            }
            return sum
        }
        for n in 0..<length {
            let t = Double(n) - center
            let sinc = t == 0 ? 2 * cutoff : sin(2 * Double.pi * cutoff * t) / (Double.pi * t)
            let r = t / center
            h[n] = sinc * besselI0(beta * (1 - r * r).squareRoot()) / besselI0(beta)
        }
        let sum = h.reduce(0, +)
        prototype = h.map { Float($0 / sum) }
        branchLength = halfOrderFrames + 1
        branches = SampleStorage(count: 4 * branchLength)
        for p in 0..<4 {
            for k in 0..<branchLength { branches[p * branchLength + k] = 4 * prototype[p + 4 * k] }
        }
        inputHistory = SampleStorage(count: channelCount * (halfOrderFrames + maximumFrameCount))
        outputHistory = SampleStorage(count: channelCount * (length - 1 + 4 * maximumFrameCount))
    }

    /// Clears the histories.
    func reset() {
        inputHistory.clear()
        outputHistory.clear()
    }

    /// Writes `4 n` oversampled samples of channel `channel` into `output`, from `n` input samples.
    /// Oversampled sample `4i + p` lies at input time `i - T/2 + p/4`.
    func upsample(_ input: UnsafePointer<Float>, frameCount n: Int, channel: Int, into output: UnsafeMutablePointer<Float>) {
        precondition(n <= maximumFrames, "PolyphaseOversampler: block larger than prepared")
        let t = halfOrderFrames
        let history = inputHistory.pointer + channel * (t + maximumFrames)
        (history + t).update(from: input, count: n)
        let taps = branches.pointer
        let m = branchLength
        for i in 0..<n {
            // Newest sample is history[t + i]; branch tap k multiplies x[i - k].
            let newest = history + t + i
            for p in 0..<4 {
                let b = taps + p * m
                var acc: Float = 0
                for k in 0..<m { acc += b[k] * newest[-k] }
                output[4 * i + p] = acc
            }
        }
        // Keep the last T inputs as history.
        for k in 0..<t { history[k] = history[n + k] }
    }

    /// Writes `n` output samples of channel `channel` from `4 n` oversampled samples in `input`
    /// (output `i` is the low-passed oversampled signal at index `4i`, so a round trip delays by exactly T frames).
    func downsample(_ input: UnsafePointer<Float>, frameCount n: Int, channel: Int, into output: UnsafeMutablePointer<Float>) {
        precondition(n <= maximumFrames, "PolyphaseOversampler: block larger than prepared")
        let keep = prototypeLength - 1
        let history = outputHistory.pointer + channel * (keep + 4 * maximumFrames)
        (history + keep).update(from: input, count: 4 * n)
        prototype.withUnsafeBufferPointer { h in
            let hp = h.baseAddress!
            for i in 0..<n {
                let newest = history + keep + 4 * i
                var acc: Float = 0
                for j in 0..<prototypeLength { acc += hp[j] * newest[-j] }
                output[i] = acc
            }
        }
        for k in 0..<keep { history[k] = history[4 * n + k] }
    }
}
