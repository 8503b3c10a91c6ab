// Design: formant preservation for the pitch shift (stretch by the pitch ratio p, then resample by 1/p).
// The resampling moves every frequency f to p·f, spectral envelope included. Before that, each synthesis
// frame is multiplied by E(p·f) / E(f), where E is the spectral envelope of the frame (power summed over
// channels, so all channels get the same real gain): the log magnitude's real cepstrum, liftered to quefrencies
// below `sampleRate / 450` samples (shorter than the period of a 450 Hz voice), transformed back. After the
// resampling the envelope is then E(f) again while the partials moved. Cost: two extra FFTs and a log and an
// exp per bin per frame, only when enabled.
import Foundation

/// Per-frame spectral-envelope correction by the pitch ratio (cepstral envelope).
final class FormantCorrector {
    private let fftSize: Int
    private let binCount: Int
    private let pitchRatio: Float
    private let lifterLength: Int
    private let cepstrum: RealFFT
    private let logEnvelope: UnsafeMutablePointer<Float>

    init(fftSize: Int, sampleRate: Double, pitchRatio: Double) {
        self.fftSize = fftSize
        binCount = fftSize / 2 + 1
        self.pitchRatio = Float(pitchRatio)
        lifterLength = max(8, min(fftSize / 8, Int(sampleRate / 450)))
        cepstrum = RealFFT(size: fftSize)
        logEnvelope = .allocate(capacity: binCount)
        logEnvelope.initialize(repeating: 0, count: binCount)
    }

    deinit { logEnvelope.deallocate() }

    /// Multiplies every channel's spectrum by the envelope ratio E(p·f)/E(f); `power` is scratch (binCount).
    func apply(_ ffts: [RealFFT], power: UnsafeMutablePointer<Float>) {
        let bins = binCount
        power.update(repeating: 0, count: bins)
        for fft in ffts {
            for k in 0..<bins { power[k] += fft.real[k] * fft.real[k] + fft.imag[k] * fft.imag[k] }
        }
        var largest: Float = 0
        for k in 0..<bins { largest = max(largest, power[k]) }
        guard largest > 0 else { return }
        let floorPower = largest * 1e-9
        // Log magnitude (natural log of amplitude) as a real, even spectrum -> real cepstrum.
        for k in 0..<bins {
            cepstrum.real[k] = 0.5 * logf(max(power[k], floorPower))
            cepstrum.imag[k] = 0
        }
        cepstrum.inverse()
        let n = fftSize
        let c = cepstrum.output
        let scale = 1 / Float(n)
        // Lifter: keep low quefrencies (both ends of the symmetric cepstrum), with a short taper.
        for i in 0..<n {
            let q = min(i, n - i)
            let weight: Float = q < lifterLength ? 1 : (q < lifterLength + 8 ? Float(lifterLength + 8 - q) / 8 : 0)
            cepstrum.input[i] = c[i] * scale * weight
        }
        cepstrum.forward()
        for k in 0..<bins { logEnvelope[k] = cepstrum.real[k] }
        // Gain E(p·k)/E(k), with E(p·k) interpolated and held at Nyquist.
        let last = Float(bins - 1)
        for k in 0..<bins {
            let position = min(Float(k) * pitchRatio, last)
            let i0 = Int(position)
            let i1 = min(i0 + 1, bins - 1)
            let t = position - Float(i0)
            let shifted = logEnvelope[i0] + t * (logEnvelope[i1] - logEnvelope[i0])
            let gain = expf(shifted - logEnvelope[k])
            for fft in ffts {
                fft.real[k] *= gain
                fft.imag[k] *= gain
            }
        }
    }
}
