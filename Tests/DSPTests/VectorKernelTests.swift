import DSP
import Foundation
import TestSupport
import Testing

/// The vector forms of the hot loops against their scalar definitions, bit for bit: the render's output must not
/// depend on which form ran (or on where a block boundary fell).
@Suite("Vector kernels: the same values as the scalar loops")
struct VectorKernelTests {
    /// Phases over several turns, the quadrant edges, zeros of both signs and values past the vector wrap's range.
    static let phases: [Float] = {
        var values: [Float] = [0, -0, .pi, -.pi, .pi / 2, -.pi / 2, 2 * .pi, -2 * .pi, 3 * .pi, 1e-30, -1e-30]
        values += [FastMath.halfPi.nextUp, FastMath.halfPi.nextDown, (-FastMath.halfPi).nextUp, 0.5 * FastMath.twoPi]
        values += Signals.noise(frameCount: 997, seed: 7).map { $0 * 40 }
        return values
    }()

    @Test("atan2, sin/cos and the phase wrap: every lane equals the scalar function")
    func phaseArithmetic() {
        let ys = Self.phases, xs = Array(Self.phases.reversed())
        var i = 0
        while i + 8 <= ys.count {
            let y = SIMD8<Float>(ys[i..<(i + 8)]), x = SIMD8<Float>(xs[i..<(i + 8)])
            let angle = FastMath.atan2(y, x)
            for lane in 0..<8 {
                #expect(angle[lane].bitPattern == FastMath.atan2(y[lane], x[lane]).bitPattern)
            }
            let wrapped = FastMath.wrapPhase(y)
            #expect(wrapped != nil)
            for lane in 0..<8 {
                #expect(wrapped?[lane].bitPattern == FastMath.wrapPhase(y[lane]).bitPattern)
            }
            let inRange = y.replacing(with: 0, where: (y .> .pi) .| (y .< -.pi))
            let (sine, cosine) = FastMath.sinCos(inRange)
            for lane in 0..<8 {
                let scalar = FastMath.sinCos(inRange[lane])
                #expect(sine[lane].bitPattern == scalar.sin.bitPattern)
                #expect(cosine[lane].bitPattern == scalar.cos.bitPattern)
            }
            i += 8
        }
        // A turn count of 2^22 or more (or NaN) leaves the vector range: the caller takes the scalar path.
        var large = SIMD8<Float>(repeating: 1)
        large[1] = 3e7
        #expect(FastMath.wrapPhase(large) == nil)
        #expect(FastMath.wrapPhase(SIMD8<Float>(repeating: .nan)) == nil)
    }

    /// Relative tolerance of the true peak against the direct-form reference in Double (Float sums of 25 taps).
    static let truePeakRelativeTolerance: Float = 1e-5

    @Test("true peak: the same figure at any block size, and the 4x direct-form reference's")
    func truePeakAnyBlockSize() {
        let frames = 5000
        let left = Signals.noise(frameCount: frames, seed: 3), right = Signals.noise(frameCount: frames, seed: 4)
        let buffer = AudioBuffer(channels: [left, right], sampleRate: 44100)
        let whole = TruePeakMeter(channelCount: 2, maximumBlockFrameCount: 4096)
        whole.append(buffer)
        whole.finish()
        // Uneven blocks: shorter than a vector group, odd, and the largest allowed.
        let pieces = TruePeakMeter(channelCount: 2, maximumBlockFrameCount: 4096)
        let sizes = [1, 7, 8, 9, 4096, 333, 15, 600]
        var start = 0, round = 0
        while start < frames {
            let n = min(sizes[round % sizes.count], frames - start)
            pieces.append(buffer.slice(frames: start..<(start + n)))
            start += n
            round += 1
        }
        pieces.finish()
        #expect(pieces.truePeaks == whole.truePeaks)
        #expect(pieces.samplePeaks == whole.samplePeaks)
        for (c, samples) in [left, right].enumerated() {
            let reference = Self.directTruePeak(samples)
            #expect(abs(whole.truePeaks[c] - reference) <= Self.truePeakRelativeTolerance * reference)
        }
    }

    /// The meter's documented interpolator: 4T + 1 taps of a Kaiser-windowed sinc (β = 8, cutoff at the original
    /// Nyquist), normalised to unity DC gain, in Double.
    static func kaiserInterpolatorTaps(halfLength t: Int) -> [Double] {
        let length = 4 * t + 1, centre = Double(length - 1) / 2, cutoff = 0.125
        func besselI0(_ v: Double) -> Double {
            var sum = 1.0, term = 1.0, k = 1.0
            while term > 1e-12 * sum {
                term *= (v / (2 * k)) * (v / (2 * k))
                sum += term
                k += 1
            }
            return sum
        }
        let h = (0..<length).map { n -> Double in
            let d = Double(n) - centre, r = d / centre
            let sinc = d == 0 ? 2 * cutoff : sin(2 * Double.pi * cutoff * d) / (Double.pi * d)
            return sinc * besselI0(8 * (1 - r * r).squareRoot()) / besselI0(8)
        }
        let sum = h.reduce(0, +)
        return h.map { $0 / sum }
    }

    /// The largest |y| of the 4x oversampled signal by the meter's documented interpolator (Kaiser-windowed sinc,
    /// β = 8, 4T + 1 = 97 taps, cutoff at the original Nyquist, unity DC gain), summed directly in Double over the
    /// signal padded with T/2 + 1 zeros at the end, as the meter's `finish` pads it.
    static func directTruePeak(_ x: [Float]) -> Float {
        let t = 24, length = 4 * t + 1
        let h = kaiserInterpolatorTaps(halfLength: t)
        let padded = x.map(Double.init) + [Double](repeating: 0, count: t / 2 + 1)
        var peak = 0.0
        for i in padded.indices {
            for p in 0..<4 {
                var y = 0.0
                for k in 0...t where 4 * k + p < length && i - k >= 0 { y += 4 * h[4 * k + p] * padded[i - k] }
                peak = max(peak, abs(y))
            }
        }
        return Float(peak)
    }

    /// The 4x oversampled peak as the polyphase sums in Float, every branch over all its T + 1 taps in tap order
    /// (the taps built as the oversampler builds them): the plain form of the meter's interpolation, whose branch 0
    /// the meter takes as its delay tap alone.
    static func floatPolyphasePeak(_ x: [Float]) -> Float {
        let t = 24
        let taps = kaiserInterpolatorTaps(halfLength: t).map { 4 * Float($0) } + [Float](repeating: 0, count: 3)
        let padded = x + [Float](repeating: 0, count: t) // as the meter's `finish` pads it
        var peak: Float = 0
        for i in padded.indices {
            for p in 0..<4 {
                var y: Float = 0
                for k in 0...t { y += taps[4 * k + p] * (i - k >= 0 ? padded[i - k] : 0) }
                peak = max(peak, abs(y))
            }
        }
        return peak
    }

    @Test("true peak: branch 0 as its delay tap gives the figure of the full polyphase sums in Float, bit for bit")
    func truePeakDelayTap() {
        // Noise, a tone near the original Nyquist (inter-sample peaks above the samples), a quiet tone and silence.
        let noise = Signals.noise(frameCount: 3000, amplitude: 0.9, seed: 11)
        let tone = Signals.sine(frequencyHz: 19_000, sampleRate: 44100, frameCount: 3000, amplitude: 0.8)
        let quiet = Signals.sine(frequencyHz: 1000, sampleRate: 44100, frameCount: 2000, amplitude: 1e-6)
        for signal in [noise, tone, quiet, noise + [Float](repeating: 0, count: 300) + quiet] {
            let meter = TruePeakMeter(channelCount: 1, maximumBlockFrameCount: 4096)
            meter.append(AudioBuffer(channels: [signal], sampleRate: 44100))
            meter.finish()
            #expect(meter.truePeaks[0].bitPattern == Self.floatPolyphasePeak(signal).bitPattern)
        }
    }

    @Test("reverb: taps carried over within a modulation run equal taps read afresh (one-frame blocks), bit for bit")
    func reverbCarriedTaps() throws {
        // In one-frame blocks every frame starts a run of its own, so each reads both its taps from the lines.
        let frames = 20_000
        let input = AudioBuffer(
            channels: [
                Signals.noise(frameCount: frames, amplitude: 0.6, seed: 21),
                Signals.sine(frequencyHz: 440, sampleRate: 44100, frameCount: frames, amplitude: 0.4),
            ],
            sampleRate: 44100)
        func reverb() -> Reverb { Reverb(decaySeconds: 1.5, size: 0.7, wetLevel: 0.5) }
        let whole = try EffectsMeasurements.run(reverb(), on: input, blockFrameCount: 4096)
        let single = try EffectsMeasurements.run(reverb(), on: input, blockFrameCount: 1)
        for c in 0..<2 { #expect(whole.channel(c).map(\.bitPattern) == single.channel(c).map(\.bitPattern)) }
    }

    @Test(
        "biquad: a stereo block's channels equal each channel filtered alone, bit for bit",
        arguments: [FilterSlope.twelveDecibelsPerOctave, .twentyFourDecibelsPerOctave])
    func stereoBiquad(slope: FilterSlope) throws {
        let frames = 9000
        let left = Signals.noise(frameCount: frames, amplitude: 0.6, seed: 23)
        let right = Signals.sines(
            frequenciesHz: [60, 440, 5000], sampleRate: 44100, frameCount: frames, amplitude: 0.3)
        func filter() -> BiquadFilter { BiquadFilter(type: .highPass, cutoffHz: 300, slope: slope) }
        let stereo = try EffectsMeasurements.run(
            filter(), on: AudioBuffer(channels: [left, right], sampleRate: 44100), blockFrameCount: 512)
        for (c, x) in [left, right].enumerated() {
            let mono = try EffectsMeasurements.run(
                filter(), on: AudioBuffer(channels: [x], sampleRate: 44100), blockFrameCount: 512)
            #expect(stereo.channel(c).map(\.bitPattern) == mono.channel(0).map(\.bitPattern))
        }
    }

    @Test("RealFFT: the rotated inverse and the forward with power equal the separate passes, bit for bit")
    func fusedTransformPasses() {
        let n = 2048
        let fft = RealFFT(size: n, tuned: true)
        let bins = fft.binCount
        let frame = Signals.noise(frameCount: n, amplitude: 0.7, seed: 29)
        var rng = SeededGenerator(seed: 31)
        let angles = (0..<bins).map { _ in Double(rng.nextBipolar()) * Double.pi }
        let rotationReal = angles.map { Float(cos($0)) }, rotationImag = angles.map { Float(sin($0)) }
        // Forward with power (first channel, then a second onto it) against forward() and the plain power sums.
        var power = [Float](repeating: 0, count: bins)
        fft.withInput { input in for i in 0..<n { input[i] = frame[i] } }
        var powerSpan = power.mutableSpan
        fft.forward(addingPowerTo: &powerSpan, first: true)
        fft.forward(addingPowerTo: &powerSpan, first: false)
        fft.forward()
        var expected = [Float](repeating: 0, count: bins)
        fft.withSpectrumValues { re, im in
            for _ in 0..<2 {
                for k in 0..<bins { expected[k] += re[k] * re[k] + im[k] * im[k] }
            }
        }
        #expect(power.map(\.bitPattern) == expected.map(\.bitPattern))
        // The rotated inverse against rotating the spectrum and the plain inverse; the spectrum stays unrotated.
        let (re0, im0) = fft.withSpectrumValues { re, im in
            (Array(0..<bins).map { re[$0] }, Array(0..<bins).map { im[$0] })
        }
        fft.inverse(rotatedBy: rotationReal.span, rotationImag.span)
        let fused = fft.withOutput { y in (0..<n).map { y[$0] } }
        fft.withSpectrumValues { re, im in
            #expect(
                (0..<bins).allSatisfy {
                    re[$0].bitPattern == re0[$0].bitPattern && im[$0].bitPattern == im0[$0].bitPattern
                })
        }
        fft.withSpectrum { re, im in
            for k in 0..<bins {
                let x = re[k], y = im[k]
                re[k] = x * rotationReal[k] - y * rotationImag[k]
                im[k] = x * rotationImag[k] + y * rotationReal[k]
            }
        }
        fft.inverse()
        let plain = fft.withOutput { y in (0..<n).map { y[$0] } }
        #expect(fused.map(\.bitPattern) == plain.map(\.bitPattern))
    }

    @Test("FastMath.sums: each lane is its vector's sum(), bit for bit")
    func transposedSums() {
        var rng = SeededGenerator(seed: 5)
        // Magnitudes from 1e-30 to 1e30 (so the order of the additions shows in the rounding), zeros of both signs.
        func value() -> Float {
            switch rng.next() % 8 {
            case 0: return 0
            case 1: return -0.0
            default: return rng.nextBipolar() * Float(pow(10, Double(Int(rng.next() % 61) - 30)))
            }
        }
        for _ in 0..<2000 {
            var vectors = [SIMD8<Float>](repeating: SIMD8(), count: 4)
            for v in 0..<4 {
                for lane in 0..<8 { vectors[v][lane] = value() }
            }
            let sums = FastMath.sums(vectors[0], vectors[1], vectors[2], vectors[3])
            for v in 0..<4 { #expect(sums[v].bitPattern == vectors[v].sum().bitPattern) }
        }
    }

    @Test("peak magnitude ignores NaN as the scalar max does; non-finite samples are found wherever they fall")
    func peaksAndNonFinite() {
        var samples = Signals.noise(frameCount: 203, seed: 9)
        samples[17] = .nan
        samples[100] = -3
        samples[202] = .nan
        var scalar: Float = 0
        for x in samples { scalar = max(scalar, abs(x)) }
        #expect(VectorOps.peakMagnitude(samples.span) == scalar)
        #expect(VectorOps.peakMagnitude(samples.span) == 3)

        samples[5] = .infinity
        samples[64] = -.infinity
        var repaired = samples
        let count = repaired.withUnsafeMutableBufferPointer { pointer in
            var span = pointer.mutableSpan
            return VectorOps.replaceNonFinite(&span)
        }
        #expect(count == 4)
        for i in samples.indices {
            #expect(repaired[i] == (samples[i].isFinite ? samples[i] : 0))
        }
    }

    @Test("stereo interleave of two views equals the frame-by-frame loop")
    func stereoInterleave() {
        for frames in [0, 1, 7, 8, 9, 100] {
            let left = Signals.noise(frameCount: frames, seed: 11), right = Signals.noise(frameCount: frames, seed: 12)
            var out = [Float](repeating: -1, count: 2 * frames + 3)
            do {
                var span = out.mutableSpan
                VectorOps.interleave(left.span, right.span, into: &span)
            }
            for i in 0..<frames {
                #expect(out[2 * i] == left[i] && out[2 * i + 1] == right[i])
            }
            #expect(out[(2 * frames)...].allSatisfy { $0 == -1 })
        }
    }
}
