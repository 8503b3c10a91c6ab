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
    /// Branch taps interleaved by tap: `branches[k] = 4 (h[4k], h[4k + 1], h[4k + 2], h[4k + 3])`, so one
    /// SIMD multiply-add per input sample advances all four phases (gain 4 restores the level after stuffing).
    private let branches: UnsafeMutablePointer<SIMD4<Float>>
    /// The prototype padded with zeros to a multiple of 8 taps, for the SIMD decimator.
    private let paddedPrototype: SampleStorage
    private let paddedLength: Int
    private let branchLength: Int
    private let channelCount: Int
    private let maximumFrames: Int
    private let inputHistory: SampleStorage // per channel: T + maximumFrames (history, then the block)
    private let outputHistory: SampleStorage // per channel: L - 1 + 4 maximumFrames
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
        branches = .allocate(capacity: branchLength)
        for k in 0..<branchLength {
            branches[k] = 4 * SIMD4(prototype[4 * k], prototype[4 * k + 1], prototype[4 * k + 2], prototype[4 * k + 3])
        }
        paddedLength = (length + 7) / 8 * 8
        paddedPrototype = SampleStorage(count: paddedLength)
        for j in 0..<length { paddedPrototype[j] = prototype[j] }
        inputHistory = SampleStorage(count: channelCount * (halfOrderFrames + maximumFrameCount))
        // Each channel's history has 8 spare samples after it: the padded taps (zero) read a little past the end.
        outputHistory = SampleStorage(count: channelCount * (length - 1 + 4 * maximumFrameCount + 8))
    }

    deinit { branches.deallocate() }

    /// Clears the histories.
    func reset() {
        inputHistory.clear()
        outputHistory.clear()
    }

    /// Writes `4 n` oversampled samples of channel `channel` into `output`, from `n` input samples.
    /// Oversampled sample `4i + p` lies at input time `i - T/2 + p/4`.
    func upsample(
        _ input: UnsafePointer<Float>, frameCount n: Int, channel: Int, into output: UnsafeMutablePointer<Float>
    ) {
        precondition(n <= maximumFrames, "PolyphaseOversampler: block larger than prepared")
        let t = halfOrderFrames
        let history = inputHistory.pointer + channel * (t + maximumFrames)
        (history + t).update(from: input, count: n)
        let taps = branches
        let m = branchLength
        let out4 = UnsafeMutableRawPointer(output)
        // Four input samples at a time: four independent accumulations the processor overlaps, each summed in
        // the same order as the one-sample loop after it (so the output does not depend on the grouping).
        var i = 0
        while i + 4 <= n {
            let newest = history + t + i
            var acc0 = SIMD4<Float>(repeating: 0), acc1 = acc0, acc2 = acc0, acc3 = acc0
            for k in 0..<m {
                let tap = taps[k]
                acc0 += tap * newest[-k]
                acc1 += tap * newest[1 - k]
                acc2 += tap * newest[2 - k]
                acc3 += tap * newest[3 - k]
            }
            out4.storeBytes(of: acc0, toByteOffset: 16 * i, as: SIMD4<Float>.self)
            out4.storeBytes(of: acc1, toByteOffset: 16 * (i + 1), as: SIMD4<Float>.self)
            out4.storeBytes(of: acc2, toByteOffset: 16 * (i + 2), as: SIMD4<Float>.self)
            out4.storeBytes(of: acc3, toByteOffset: 16 * (i + 3), as: SIMD4<Float>.self)
            i += 4
        }
        while i < n {
            // Newest sample is history[t + i]; tap k multiplies x[i - k] for all four phases at once.
            let newest = history + t + i
            var acc = SIMD4<Float>(repeating: 0)
            for k in 0..<m { acc += taps[k] * newest[-k] }
            out4.storeBytes(of: acc, toByteOffset: 16 * i, as: SIMD4<Float>.self)
            i += 1
        }
        // Keep the last T inputs as history.
        for k in 0..<t { history[k] = history[n + k] }
    }

    /// Writes `n` output samples of channel `channel` from `4 n` oversampled samples in `input`
    /// (output `i` is the low-passed oversampled signal at index `4i`, so a round trip delays by exactly T frames).
    func downsample(
        _ input: UnsafePointer<Float>, frameCount n: Int, channel: Int, into output: UnsafeMutablePointer<Float>
    ) {
        precondition(n <= maximumFrames, "PolyphaseOversampler: block larger than prepared")
        let keep = prototypeLength - 1
        let history = outputHistory.pointer + channel * (keep + 4 * maximumFrames + 8)
        (history + keep).update(from: input, count: 4 * n)
        // The prototype is symmetric, so Σ_j h[j] u[4i - j] = Σ_j h[j] u[4i - (L - 1) + j]: a forward dot product.
        let h = UnsafeRawPointer(paddedPrototype.pointer)
        let chunks = paddedLength / 8
        // Two outputs at a time (independent accumulations, each in the one-output loop's order).
        var i = 0
        while i + 2 <= n {
            let start0 = UnsafeRawPointer(history + 4 * i), start1 = UnsafeRawPointer(history + 4 * i + 4)
            var acc0 = SIMD8<Float>(repeating: 0), acc1 = acc0
            for q in 0..<chunks {
                let tap = h.loadUnaligned(fromByteOffset: 32 * q, as: SIMD8<Float>.self)
                acc0 += tap * start0.loadUnaligned(fromByteOffset: 32 * q, as: SIMD8<Float>.self)
                acc1 += tap * start1.loadUnaligned(fromByteOffset: 32 * q, as: SIMD8<Float>.self)
            }
            output[i] = acc0.sum()
            output[i + 1] = acc1.sum()
            i += 2
        }
        while i < n {
            let start = UnsafeRawPointer(history + 4 * i)
            var acc = SIMD8<Float>(repeating: 0)
            for q in 0..<chunks {
                acc +=
                    h.loadUnaligned(fromByteOffset: 32 * q, as: SIMD8<Float>.self)
                    * start.loadUnaligned(fromByteOffset: 32 * q, as: SIMD8<Float>.self)
            }
            output[i] = acc.sum()
            i += 1
        }
        for k in 0..<keep { history[k] = history[4 * n + k] }
    }
}
