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
    /// Log envelope of the frame per bin, then the gain per bin (scratch of `binCount`).
    private let envelope: SampleBuffer
    private let gains: SampleBuffer

    init(fftSize: Int, sampleRate: Double, pitchRatio: Double) {
        self.fftSize = fftSize
        binCount = fftSize / 2 + 1
        self.pitchRatio = Float(pitchRatio)
        lifterLength = max(8, min(fftSize / 8, Int(sampleRate / 450)))
        cepstrum = RealFFT(size: fftSize, tuned: true)
        envelope = SampleBuffer(count: binCount)
        gains = SampleBuffer(count: binCount)
    }

    /// Multiplies every channel's spectrum by the envelope ratio E(p·f)/E(f); `power` is scratch (binCount).
    func apply(_ ffts: [RealFFT], power: SampleBuffer) {
        let bins = binCount
        let largest = power.withMutableSpan { power in
            VectorOps.fill(&power, with: 0)
            for fft in ffts {
                fft.withSpectrumValues { re, im in
                    for k in 0..<bins { power[k] += re[k] * re[k] + im[k] * im[k] }
                }
            }
            var largest: Float = 0
            for k in 0..<bins { largest = max(largest, power[k]) }
            return largest
        }
        guard largest > 0 else { return }
        let floorPower = largest * 1e-9
        // Log magnitude (natural log of amplitude) as a real, even spectrum -> real cepstrum.
        power.withSpan { power in
            cepstrum.withSpectrum { re, im in
                for k in 0..<bins {
                    re[k] = 0.5 * logf(max(power[k], floorPower))
                    im[k] = 0
                }
            }
        }
        cepstrum.inverse()
        let n = fftSize
        let scale = 1 / Float(n)
        let lifter = lifterLength
        // Lifter: keep low quefrencies (both ends of the symmetric cepstrum), with a short taper.
        cepstrum.withOutput { c in
            cepstrum.withInput { input in
                for i in 0..<n {
                    let q = min(i, n - i)
                    let weight: Float = q < lifter ? 1 : (q < lifter + 8 ? Float(lifter + 8 - q) / 8 : 0)
                    input[i] = c[i] * scale * weight
                }
            }
        }
        cepstrum.forward()
        envelope.withMutableSpan { logEnvelope in
            cepstrum.withSpectrumValues { re, _ in
                for k in 0..<bins { logEnvelope[k] = re[k] }
            }
        }
        // Gain E(p·k)/E(k), with E(p·k) interpolated and held at Nyquist.
        let last = Float(bins - 1)
        let ratio = pitchRatio
        envelope.withSpan { logEnvelope in
            gains.withMutableSpan { gains in
                for k in 0..<bins {
                    let position = min(Float(k) * ratio, last)
                    let i0 = Int(position)
                    let i1 = min(i0 + 1, bins - 1)
                    let t = position - Float(i0)
                    let shifted = logEnvelope[i0] + t * (logEnvelope[i1] - logEnvelope[i0])
                    gains[k] = expf(shifted - logEnvelope[k])
                }
            }
        }
        gains.withSpan { gains in
            for fft in ffts {
                fft.withSpectrum { re, im in
                    for k in 0..<bins {
                        re[k] *= gains[k]
                        im[k] *= gains[k]
                    }
                }
            }
        }
    }
}
