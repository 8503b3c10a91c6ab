// Design: weighted overlap-add. Each frame is windowed by `window`, transformed, handed to the caller,
// inverse-transformed, windowed again and added; the sum is divided by the per-sample sum of squared windows,
// so any window with enough overlap reconstructs its input (Hann at 75%: sum of squares = 1.5 everywhere).
// The signal is conceptually padded with `frameSize - hopSize` zeros in front and enough behind, so that every
// input sample is covered by the same number of frames and the edges reconstruct as well as the middle.
// Sizes: any even frame size; hop at most frameSize / 2 for a faithful reconstruction.

/// A short-time Fourier transform with overlap-add resynthesis.
public struct STFT: Sendable {
    /// Frame length in samples (even).
    public let frameSize: Int
    /// Hop between frames in samples (1...frameSize).
    public let hopSize: Int
    /// Analysis and synthesis window, `frameSize` samples.
    public let window: [Float]

    /// - Parameters:
    ///   - frameSize: even, 2 or more.
    ///   - hopSize: 1...frameSize.
    ///   - window: defaults to a periodic Hann window of `frameSize`.
    public init(frameSize: Int, hopSize: Int, window: [Float]? = nil) {
        precondition(frameSize >= 2 && frameSize % 2 == 0, "STFT frame size must be even")
        precondition(hopSize >= 1 && hopSize <= frameSize, "STFT hop must be in 1...frameSize")
        self.frameSize = frameSize
        self.hopSize = hopSize
        self.window = window ?? Window.hann(frameSize)
        precondition(self.window.count == frameSize, "window length must equal the frame size")
    }

    /// Samples of zero padding before the first input sample.
    public var leadingPadding: Int { frameSize - hopSize }

    /// Number of frames that cover `sampleCount` input samples.
    public func frameCount(sampleCount: Int) -> Int {
        guard sampleCount > 0 else { return 0 }
        return (sampleCount + leadingPadding + hopSize - 1) / hopSize
    }

    /// First input sample (possibly negative) of frame `index`.
    public func frameStart(_ index: Int) -> Int { index * hopSize - leadingPadding }

    /// Analyses `signal`, lets `transform` modify each frame's spectrum in place, and resynthesises.
    ///
    /// `transform(frameIndex, real, imag, binCount)` receives the unnormalised spectrum of the windowed frame.
    /// With an identity transform the output equals the input to within float rounding.
    /// - Returns: exactly `signal.count` samples.
    public func process(
        _ signal: [Float],
        transform: (
            _ frameIndex: Int, _ real: UnsafeMutablePointer<Float>,
            _ imag: UnsafeMutablePointer<Float>, _ binCount: Int
        ) -> Void
    ) -> [Float] {
        let n = signal.count
        guard n > 0 else { return [] }
        let fft = RealFFT(size: frameSize)
        let frames = frameCount(sampleCount: n)
        let outputLength = frameStart(frames - 1) + frameSize + leadingPadding
        var accumulator = [Float](repeating: 0, count: outputLength)
        var weight = [Float](repeating: 0, count: outputLength)
        let scale = 1 / Float(frameSize)
        signal.withUnsafeBufferPointer { x in
            window.withUnsafeBufferPointer { w in
                accumulator.withUnsafeMutableBufferPointer { acc in
                    weight.withUnsafeMutableBufferPointer { wsum in
                        for f in 0..<frames {
                            let start = frameStart(f)
                            for i in 0..<frameSize {
                                let s = start + i
                                fft.input[i] = (s >= 0 && s < n) ? x[s] * w[i] : 0
                            }
                            fft.forward()
                            transform(f, fft.real, fft.imag, fft.binCount)
                            fft.inverse()
                            // Accumulator index = input index + leadingPadding.
                            let base = start + leadingPadding
                            for i in 0..<frameSize {
                                acc[base + i] += fft.output[i] * scale * w[i]
                                wsum[base + i] += w[i] * w[i]
                            }
                        }
                    }
                }
            }
        }
        var result = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let wsum = weight[i + leadingPadding]
            result[i] = wsum > 1e-8 ? accumulator[i + leadingPadding] / wsum : 0
        }
        return result
    }

    /// Analysis only: calls `body(frameIndex, real, imag, binCount)` with each windowed frame's spectrum.
    public func forEachFrame(
        _ signal: [Float],
        _ body: (
            _ frameIndex: Int, _ real: UnsafePointer<Float>,
            _ imag: UnsafePointer<Float>, _ binCount: Int
        ) -> Void
    ) {
        let n = signal.count
        guard n > 0 else { return }
        let fft = RealFFT(size: frameSize)
        signal.withUnsafeBufferPointer { x in
            window.withUnsafeBufferPointer { w in
                for f in 0..<frameCount(sampleCount: n) {
                    let start = frameStart(f)
                    for i in 0..<frameSize {
                        let s = start + i
                        fft.input[i] = (s >= 0 && s < n) ? x[s] * w[i] : 0
                    }
                    fft.forward()
                    body(f, fft.real, fft.imag, fft.binCount)
                }
            }
        }
    }

    /// The magnitude spectrogram of `signal`: `frameCount` rows of `frameSize/2 + 1` magnitudes.
    public func magnitudes(_ signal: [Float]) -> [[Float]] {
        var rows: [[Float]] = []
        rows.reserveCapacity(frameCount(sampleCount: signal.count))
        forEachFrame(signal) { _, re, im, bins in
            var row = [Float](repeating: 0, count: bins)
            for k in 0..<bins { row[k] = (re[k] * re[k] + im[k] * im[k]).squareRoot() }
            rows.append(row)
        }
        return rows
    }
}
