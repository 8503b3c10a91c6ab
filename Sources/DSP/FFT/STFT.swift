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
    /// `transform(frameIndex, real, imag)` receives the unnormalised spectrum of the windowed frame
    /// (`frameSize / 2 + 1` bins each). With an identity transform the output equals the input to within float
    /// rounding.
    /// - Returns: exactly `signal.count` samples.
    public func process(
        _ signal: [Float],
        transformSpectrum transform: (
            _ frameIndex: Int, _ real: inout MutableSpan<Float>, _ imag: inout MutableSpan<Float>
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
        let x = signal.span
        let w = window.span
        var acc = accumulator.mutableSpan
        var wsum = weight.mutableSpan
        for f in 0..<frames {
            let start = frameStart(f)
            loadWindowedFrame(into: fft, from: x, window: w, start: start)
            fft.forward()
            fft.withSpectrum { real, imag in transform(f, &real, &imag) }
            fft.inverse()
            // Accumulator index = input index + leadingPadding.
            let base = start + leadingPadding
            fft.withOutput { output in
                for i in 0..<frameSize {
                    acc[base + i] += output[i] * scale * w[i]
                    wsum[base + i] += w[i] * w[i]
                }
            }
        }
        var result = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let sum = wsum[i + leadingPadding]
            result[i] = sum > 1e-8 ? acc[i + leadingPadding] / sum : 0
        }
        return result
    }

    /// Writes the windowed frame starting at input sample `start` (zeros outside the signal) into `fft`'s input.
    private func loadWindowedFrame(into fft: RealFFT, from x: Span<Float>, window w: Span<Float>, start: Int) {
        let n = x.count
        fft.withInput { input in
            for i in 0..<frameSize {
                let s = start + i
                input[i] = (s >= 0 && s < n) ? x[s] * w[i] : 0
            }
        }
    }

    /// Analysis only: calls `body(frameIndex, real, imag)` with each windowed frame's spectrum
    /// (`frameSize / 2 + 1` bins each).
    public func forEachSpectrum(
        _ signal: [Float], _ body: (_ frameIndex: Int, _ real: Span<Float>, _ imag: Span<Float>) -> Void
    ) {
        let n = signal.count
        guard n > 0 else { return }
        let fft = RealFFT(size: frameSize)
        let x = signal.span
        let w = window.span
        for f in 0..<frameCount(sampleCount: n) {
            let start = frameStart(f)
            loadWindowedFrame(into: fft, from: x, window: w, start: start)
            fft.forward()
            fft.withSpectrumValues { real, imag in body(f, real, imag) }
        }
    }

    /// The magnitude spectrogram of `signal`: `frameCount` rows of `frameSize/2 + 1` magnitudes.
    public func magnitudes(_ signal: [Float]) -> [[Float]] {
        var rows: [[Float]] = []
        rows.reserveCapacity(frameCount(sampleCount: signal.count))
        forEachSpectrum(signal) { _, re, im in
            var row = [Float](repeating: 0, count: re.count)
            for k in 0..<re.count { row[k] = (re[k] * re[k] + im[k] * im[k]).squareRoot() }
            rows.append(row)
        }
        return rows
    }
}
