// Why this file uses unsafe pointers: FFTW works on C arrays with its own SIMD alignment (`fftwf_alloc_real`),
// and its plans are opaque C pointers. Both stay inside this file; the rest of the engine reaches the work
// arrays through the bounds-checked span views below (`withInput`, `withSpectrum`, `withOutput`, ...).
//
// C library rules relied on here (FFTW 3.3, single precision):
// - Only `fftwf_execute*` is thread-safe; planning and destroying plans are not. Every plan is made under
//   `FFTPlanCache`'s lock, kept for the life of the process and never destroyed, and
//   `fftwf_make_planner_thread_safe` (libfftw3f_threads) is also called once as a second guard.
// - The new-array execute functions need arrays with the same alignment as the planning arrays; every array
//   handed to FFTW here comes from `fftwf_alloc_real` or `fftwf_alloc_complex`, which give FFTW's SIMD alignment.
// - Plans use FFTW_ESTIMATE: planning is cheap and the chosen algorithm is the same on every run, so renders
//   are bit-for-bit reproducible across processes (FFTW_MEASURE may pick differently per run). The stretcher's
//   transforms (`RealFFT(size:tuned: true)`) take measured plans from wisdom shipped with the engine
//   (`FFTWisdom.stretch`), planned with FFTW_WISDOM_ONLY, which are as fixed; FFTW_ESTIMATE where it does not apply.
//   Every plan is made with only the wisdom it is meant to use (the planner's wisdom is forgotten before each, and
//   the shipped wisdom imported for a tuned one only), so no plan depends on which plans were made before it.
// - The plans are FFTW's interleaved r2c/c2r ones; the split spectrum the engine works on is copied out of and
//   into an interleaved work array around them. With FFTW_ESTIMATE the split-format guru plans took 2-2.9x as
//   long at 2048 and 4096 points (FFTW 3.3.10, a C loop of each plan kind); with the copies, `mashup stems` and
//   `mashup stretch` of a 3-minute song took 11-12 % less time than with the split plans.
// - The transforms are unnormalised: inverse(forward(x)) = size · x. c2r overwrites its input (the interleaved
//   work array, refilled from the split spectrum on every inverse).
import CFFTW
import Synchronization

/// A real-input FFT of one fixed size over FFTW, with the spectrum in split form (real and imaginary arrays).
///
/// Each instance owns aligned work arrays; one instance must not be used from two threads at once, but any
/// number of instances (of any sizes) may run in parallel. Plans are shared per size across instances.
///
/// Spectrum layout: `binCount = size / 2 + 1` bins from 0 Hz to Nyquist, `real[k] + i·imag[k]`.
public final class RealFFT: @unchecked Sendable {
    /// Transform length in samples (at least 2, even).
    public let size: Int
    /// Number of spectrum bins, `size / 2 + 1`.
    public let binCount: Int
    /// Time-domain input of `size` samples, read by `forward()`.
    private let input: UnsafeMutablePointer<Float>
    /// Real parts of the spectrum, `binCount` values: written by `forward()`, read by `inverse()`.
    private let real: UnsafeMutablePointer<Float>
    /// Imaginary parts of the spectrum, `binCount` values.
    private let imag: UnsafeMutablePointer<Float>
    /// Time-domain output of `size` samples, written by `inverse()` (unnormalised: scaled by `size`).
    private let output: UnsafeMutablePointer<Float>
    /// The spectrum interleaved (`binCount` real, imaginary pairs), as FFTW's plans read and write it.
    private let interleaved: UnsafeMutablePointer<fftwf_complex>
    private let plans: FFTPlanCache.PlanPair

    /// Makes (or reuses) the plans for `size` and allocates aligned work arrays.
    /// - Parameters:
    ///   - size: even, 2 or more; any even size works, products of small primes are fastest.
    ///   - tuned: plan from the engine's shipped wisdom (`FFTWisdom.stretch`: measured plans, fixed from run to run)
    ///     where it holds this size, else as untuned. Tuned and untuned transforms differ in the last bits only.
    public init(size: Int, tuned: Bool = false) {
        precondition(size >= 2 && size % 2 == 0, "RealFFT size must be even and at least 2")
        let bins = size / 2 + 1
        let newInput = fftwf_alloc_real(size)!
        let newReal = fftwf_alloc_real(bins)!
        let newImag = fftwf_alloc_real(bins)!
        let newOutput = fftwf_alloc_real(size)!
        let newInterleaved = fftwf_alloc_complex(bins)!
        newInterleaved.initialize(repeating: (0, 0), count: bins)
        newInput.initialize(repeating: 0, count: size)
        newReal.initialize(repeating: 0, count: bins)
        newImag.initialize(repeating: 0, count: bins)
        newOutput.initialize(repeating: 0, count: size)
        self.size = size
        self.binCount = bins
        self.input = newInput
        self.real = newReal
        self.imag = newImag
        self.output = newOutput
        self.interleaved = newInterleaved
        self.plans = FFTPlanCache.shared.plans(size: size, tuned: tuned)
    }

    deinit {
        fftwf_free(input)
        fftwf_free(real)
        fftwf_free(imag)
        fftwf_free(output)
        fftwf_free(interleaved)
    }

    /// Transforms `input` into `real`/`imag`.
    @inline(__always)
    public func forward() {
        fftwf_execute_dft_r2c(plans.forward, input, interleaved)
        for k in 0..<binCount {
            real[k] = interleaved[k].0
            imag[k] = interleaved[k].1
        }
    }

    /// `forward()`, adding each bin's power re·re + im·im to `power[k]` as the spectrum is copied out of FFTW's
    /// interleaved array (`power` zeroed first when `first`): summed over channels in channel order, the same values
    /// as a pass over each spectrum after its transform.
    /// `power` must have at least `binCount` entries.
    @inline(__always)
    public func forward(addingPowerTo power: inout MutableSpan<Float>, first: Bool) {
        precondition(power.count >= binCount, "RealFFT.forward(addingPowerTo:): power shorter than the spectrum")
        fftwf_execute_dft_r2c(plans.forward, input, interleaved)
        var sums = power.extracting(0..<binCount)
        if first { for k in 0..<binCount { sums[k] = 0 } }
        for k in 0..<binCount {
            let (x, y) = interleaved[k]
            real[k] = x
            imag[k] = y
            sums[k] += x * x + y * y
        }
    }

    /// Transforms `real`/`imag` into `output` (scaled by `size`); `real` and `imag` are left intact.
    @inline(__always)
    public func inverse() {
        for k in 0..<binCount { interleaved[k] = (real[k], imag[k]) }
        fftwf_execute_dft_c2r(plans.inverse, interleaved, output)
    }

    /// `inverse()` of the spectrum multiplied bin by bin by the phasor `rotationReal[k] + i·rotationImag[k]`
    /// (re·rr - im·ri, re·ri + im·rr, the products and sums a separate pass over the spectrum would form), formed as
    /// the spectrum is copied into FFTW's interleaved array: one pass instead of two. `real` and `imag` are left
    /// unrotated. The rotation must have at least `binCount` entries.
    @inline(__always)
    public func inverse(rotatedBy rotationReal: Span<Float>, _ rotationImag: Span<Float>) {
        precondition(
            rotationReal.count >= binCount && rotationImag.count >= binCount,
            "RealFFT.inverse(rotatedBy:): rotation shorter than the spectrum")
        let rr = rotationReal.extracting(0..<binCount), ri = rotationImag.extracting(0..<binCount)
        for k in 0..<binCount {
            let x = real[k], y = imag[k]
            interleaved[k] = (x * rr[k] - y * ri[k], x * ri[k] + y * rr[k])
        }
        fftwf_execute_dft_c2r(plans.inverse, interleaved, output)
    }

    /// Calls `body` with the time-domain input (`size` samples) as a mutable view.
    @inline(__always)
    public func withInput<R>(_ body: (inout MutableSpan<Float>) throws -> R) rethrows -> R {
        var span = UnsafeMutableBufferPointer(start: input, count: size).mutableSpan
        return try body(&span)
    }

    /// Calls `body` with the spectrum (`binCount` real and imaginary parts) as mutable views.
    @inline(__always)
    public func withSpectrum<R>(_ body: (inout MutableSpan<Float>, inout MutableSpan<Float>) throws -> R) rethrows
        -> R
    {
        var realSpan = UnsafeMutableBufferPointer(start: real, count: binCount).mutableSpan
        var imagSpan = UnsafeMutableBufferPointer(start: imag, count: binCount).mutableSpan
        return try body(&realSpan, &imagSpan)
    }

    /// Calls `body` with the spectrum (`binCount` real and imaginary parts) as read-only views.
    @inline(__always)
    public func withSpectrumValues<R>(_ body: (Span<Float>, Span<Float>) throws -> R) rethrows -> R {
        try body(
            UnsafeBufferPointer(start: real, count: binCount).span,
            UnsafeBufferPointer(start: imag, count: binCount).span)
    }

    /// Calls `body` with the time-domain output of `inverse()` (`size` samples, scaled by `size`).
    @inline(__always)
    public func withOutput<R>(_ body: (Span<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: output, count: size).span)
    }

    /// Copies `source` (at least `size` samples) to `input` and transforms it.
    public func forward(_ source: Span<Float>) {
        precondition(source.count >= size, "RealFFT.forward: source shorter than the transform")
        withInput { VectorOps.copy(source, into: &$0) }
        forward()
    }

    /// Transforms the split spectrum `sourceReal`/`sourceImag` (`binCount` values each, left intact) and
    /// writes `size` samples scaled by `scale` into `destination`.
    private func inverse(
        real sourceReal: UnsafePointer<Float>, imag sourceImag: UnsafePointer<Float>,
        into destination: UnsafeMutablePointer<Float>, scale: Float
    ) {
        real.update(from: sourceReal, count: binCount)
        imag.update(from: sourceImag, count: binCount)
        inverse()
        for i in 0..<size { destination[i] = output[i] * scale }
    }

    /// Array convenience: the spectrum of `samples` (padded with zeros or truncated to `size`).
    public func spectrum(of samples: [Float]) -> (real: [Float], imag: [Float]) {
        input.update(repeating: 0, count: size)
        samples.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { input.update(from: base, count: min(size, source.count)) }
        }
        forward()
        return (
            Array(UnsafeBufferPointer(start: real, count: binCount)),
            Array(UnsafeBufferPointer(start: imag, count: binCount))
        )
    }

    /// Array convenience: the normalised inverse (`1/size` applied) of a split spectrum.
    public func signal(real sourceReal: [Float], imag sourceImag: [Float]) -> [Float] {
        precondition(sourceReal.count == binCount && sourceImag.count == binCount, "spectrum must have binCount bins")
        var result = [Float](repeating: 0, count: size)
        sourceReal.withUnsafeBufferPointer { r in
            sourceImag.withUnsafeBufferPointer { i in
                result.withUnsafeMutableBufferPointer { out in
                    inverse(real: r.baseAddress!, imag: i.baseAddress!, into: out.baseAddress!, scale: 1 / Float(size))
                }
            }
        }
        return result
    }
}

/// Process-wide FFTW plans, one forward/inverse pair per size (and tuning), made under one lock and never destroyed.
final class FFTPlanCache: Sendable {
    struct PlanPair: @unchecked Sendable {
        let forward: OpaquePointer
        let inverse: OpaquePointer
    }

    private struct Key: Hashable {
        var size: Int
        var tuned: Bool
    }

    static let shared = FFTPlanCache()
    private let plansByKey = Mutex<[Key: PlanPair]>([:])

    private init() {
        fftwf_make_planner_thread_safe()
    }

    /// The plans for `size`: from the shipped wisdom when `tuned` and it holds that size, else FFTW_ESTIMATE's.
    func plans(size: Int, tuned: Bool = false) -> PlanPair {
        plansByKey.withLock { cache in
            let key = Key(size: size, tuned: tuned)
            if let found = cache[key] { return found }
            let bins = size / 2 + 1
            let scratchIn = fftwf_alloc_real(size)!
            let scratchSpectrum = fftwf_alloc_complex(bins)!
            defer {
                fftwf_free(scratchIn)
                fftwf_free(scratchSpectrum)
            }
            func plan(_ flags: UInt32) -> PlanPair? {
                guard let forward = fftwf_plan_dft_r2c_1d(Int32(size), scratchIn, scratchSpectrum, flags) else {
                    return nil
                }
                guard let inverse = fftwf_plan_dft_c2r_1d(Int32(size), scratchSpectrum, scratchIn, flags) else {
                    fftwf_destroy_plan(forward)
                    return nil
                }
                return PlanPair(forward: forward, inverse: inverse)
            }
            // Each plan sees only the wisdom meant for it (FFTW also gathers wisdom from every plan it makes).
            fftwf_forget_wisdom()
            var pair: PlanPair?
            if tuned, fftwf_import_wisdom_from_string(FFTWisdom.stretch) != 0 {
                pair = plan(UInt32(FFTW_PATIENT) | UInt32(FFTW_WISDOM_ONLY))
                fftwf_forget_wisdom()
            }
            guard let made = pair ?? plan(UInt32(FFTW_ESTIMATE)) else {
                preconditionFailure("FFTW could not plan a real FFT of size \(size)")
            }
            cache[key] = made
            return made
        }
    }
}
