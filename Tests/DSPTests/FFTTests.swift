import DSP
import Foundation
import TestSupport
import Testing

@Suite("Real FFT and STFT")
struct FFTTests {
    /// Relative error allowed against a double-precision naive DFT (float FFT rounding grows like log n).
    static let dftRelativeTolerance = 1e-5
    /// The STFT round trip must null to at least this level (issue 2).
    static let stftNullToleranceDecibels = -100.0

    /// The DFT of real `x` by its definition, in Double: bins 0...n/2, real and imaginary parts.
    static func naiveDFT(_ x: [Float]) -> (real: [Double], imag: [Double]) {
        let n = x.count
        var real = [Double](repeating: 0, count: n / 2 + 1), imag = real
        for k in real.indices {
            for t in 0..<n {
                let phase = -2 * Double.pi * Double(k) * Double(t) / Double(n)
                real[k] += Double(x[t]) * cos(phase)
                imag[k] += Double(x[t]) * sin(phase)
            }
        }
        return (real, imag)
    }

    @Test("forward FFT matches a naive DFT", arguments: [8, 64, 1024, 2048, 4096, 1000])
    func matchesNaiveDFT(size: Int) {
        let x = Signals.noise(frameCount: size, amplitude: 1, seed: UInt64(size))
        let fft = RealFFT(size: size)
        let (re, im) = fft.spectrum(of: x)
        let (sr, si) = Self.naiveDFT(x)
        var maxError = 0.0, maxMagnitude = 0.0
        for k in sr.indices {
            maxError = max(maxError, hypot(sr[k] - Double(re[k]), si[k] - Double(im[k])))
            maxMagnitude = max(maxMagnitude, hypot(sr[k], si[k]))
        }
        #expect(maxError / maxMagnitude < Self.dftRelativeTolerance)
    }

    @Test("a tuned transform (shipped wisdom) matches the naive DFT and the untuned one; every instance the same")
    func tunedTransforms() {
        for size in [2048, 4096, 1024] {
            let x = Signals.noise(frameCount: size, amplitude: 1, seed: UInt64(size) + 5)
            let tuned = RealFFT(size: size, tuned: true), plain = RealFFT(size: size)
            let (re, im) = tuned.spectrum(of: x)
            let (plainRe, plainIm) = plain.spectrum(of: x)
            let (sr, si) = Self.naiveDFT(x)
            var maxError = 0.0, maxDifference = 0.0, maxMagnitude = 0.0
            for k in sr.indices {
                maxError = max(maxError, hypot(sr[k] - Double(re[k]), si[k] - Double(im[k])))
                maxDifference = max(maxDifference, hypot(Double(plainRe[k] - re[k]), Double(plainIm[k] - im[k])))
                maxMagnitude = max(maxMagnitude, hypot(sr[k], si[k]))
            }
            #expect(maxError / maxMagnitude < Self.dftRelativeTolerance)
            #expect(maxDifference / maxMagnitude < Self.dftRelativeTolerance)
            // Fixed plans: another instance gives the same bits, forward and back.
            let again = RealFFT(size: size, tuned: true)
            let (againRe, againIm) = again.spectrum(of: x)
            #expect(againRe == re && againIm == im)
            #expect(again.signal(real: re, imag: im) == tuned.signal(real: re, imag: im))
            #expect(Measurements.residualDecibels(tuned.signal(real: re, imag: im), x) < -120)
        }
    }

    @Test("inverse of forward returns the input", arguments: [256, 2048])
    func roundTrip(size: Int) {
        let x = Signals.noise(frameCount: size, seed: 7)
        let fft = RealFFT(size: size)
        let (re, im) = fft.spectrum(of: x)
        let y = fft.signal(real: re, imag: im)
        #expect(Measurements.residualDecibels(y, x) < -120)
    }

    @Test("STFT with Hann at 75% overlap reconstructs its input", arguments: [(1024, 256), (2048, 512), (512, 128)])
    func stftRoundTrip(frame: Int, hop: Int) {
        let x = Signals.noise(frameCount: 44100 + 123, seed: 3)
        let stft = STFT(frameSize: frame, hopSize: hop)
        let y = stft.process(x) { (_: Int, _: inout MutableSpan<Float>, _: inout MutableSpan<Float>) in }
        #expect(y.count == x.count)
        #expect(Measurements.residualDecibels(y, x) <= Self.stftNullToleranceDecibels)
    }

    @Test("many tasks planning and running FFTs at once give identical results")
    func concurrentUse() async {
        let x = Signals.noise(frameCount: 4096, seed: 11)
        let reference = RealFFT(size: 4096).spectrum(of: x)
        let sizes = [512, 1024, 2048, 4096, 3000, 1536, 640, 4096]
        let allMatch = await withTaskGroup(of: Bool.self) { group in
            for task in 0..<16 {
                group.addTask {
                    var ok = true
                    for round in 0..<40 {
                        let size = sizes[(task + round) % sizes.count]
                        let fft = RealFFT(size: size)
                        _ = fft.spectrum(of: x)
                        if size == 4096 {
                            let (re, im) = fft.spectrum(of: x)
                            ok = ok && re == reference.real && im == reference.imag
                        }
                    }
                    return ok
                }
            }
            var all = true
            for await ok in group { all = all && ok }
            return all
        }
        #expect(allMatch)
    }
}
