// Design: an offline-quality phase vocoder that streams.
// - Synthesis frames sit on a fixed grid (hop Hs = N/4, or N/8 when the map compresses below 0.75); frame k's
//   centre in the output maps back through the time map (TimeMapBuilder) to its analysis position, so the
//   analysis hop Ha varies freely (constant ratios, warp maps and transient locks are one mechanism).
//   Hann analysis and synthesis windows; the overlap-add gain is constant, so no per-sample normalisation.
// - Phase: identity phase locking (Laroche & Dolson 1999). Peaks of the power summed over channels are
//   found; each peak's phase advance comes from the cross-spectrum of this and the previous analysis frame
//   summed over channels (one atan2 per peak), and the bins of its region of influence (down to the
//   spectral minimum between peaks) are rotated by the same unit phasor. The rotation is shared by all
//   channels, so inter-channel phase differences, the stereo image and the mono sum are preserved exactly.
//   The per-peak arithmetic (atan2, wraps, sin/cos, renormalisation) runs eight peaks at a time (FastMath's SIMD8
//   forms, each lane the scalar value bit for bit).
// - Transients: inside a transient lock the map has ratio 1 and Ha = Hs, so a frame is the input spectrum
//   times a constant rotation. At lock entry the bins where the onset raises the power by 6 dB (measured on
//   frames just before and across the onset) get rotation 1 (phase reset): the attack is an exact copy of the
//   input, while steady partials keep their rotation and continue without a glitch.
// - Memory: input is kept from one window before the current analysis frame; output only until emitted.
//   Work per frame: 2 FFTs per channel, O(N) loops over bounds-checked spans, no allocation.
// Latency (streaming): the detector's look-ahead plus the map horizon (about 1.2 s); offline it is invisible.
import Foundation

/// The streaming phase-vocoder core shared by `TimeStretcher` and `StreamingTimeStretcher`.
final class PhaseVocoderEngine {
    let channelCount: Int
    let fftSize: Int
    let hopSize: Int
    let binCount: Int

    private let ffts: [RealFFT]
    private let window: SampleBuffer
    private let synthesisScale: Float
    // Previous analysis spectra, channel c at c * binCount.
    private let previousReal: SampleBuffer
    private let previousImag: SampleBuffer
    // Current per-bin rotation (unit phasor), carried to the next frame; binCount + 8 entries, so the region fill can
    // write whole vectors (the 8 past the last bin are scratch).
    private let rotationReal: SampleBuffer
    private let rotationImag: SampleBuffer
    private let power: SampleBuffer
    private let scratchPower: SampleBuffer
    private let transientMask: SampleBuffer
    // Peak bins and region boundaries of the last phase-locked frame (binCount + 1 entries each).
    private var peakBins: [Int]
    private var regionStarts: [Int]
    // Per peak of the frame being locked (binCount + 8 entries, so the vector pass can run whole groups of eight):
    // the cross-spectrum with the previous frame, the expected advance and the bin advance as phases, and the
    // rotation (the current one at the peak bin, replaced by the new one).
    private let peakCrossReal: SampleBuffer
    private let peakCrossImag: SampleBuffer
    private let peakExpected: SampleBuffer
    private let peakAdvance: SampleBuffer
    private let peakRotationReal: SampleBuffer
    private let peakRotationImag: SampleBuffer
    private let formants: FormantCorrector?

    private let input: PlanarFIFO
    private let output: PlanarFIFO
    private let detector: TransientDetector?
    private let map: TimeMapBuilder
    private let openEndedSlope: Double?

    private var receivedFrames = 0
    private var inputFinished = false
    /// Exact output length: known from the start for a closed map, at `finish` for a stream.
    private(set) var totalOutputFrames: Int?
    private var frameIndex = 0
    private var previousAnalysisStart: Int?
    private var knotCursor = 0
    private var lockCursor = 0
    private var activeLock = -1
    /// Peak regions of the last phase-locked frame (`regionStarts[0...regionCount]`); 0 before the first.
    private var regionCount = 0
    private(set) var emittedFrames = 0

    /// - Parameters:
    ///   - base: the requested map from (0, 0), as knots.
    ///   - openEndedSlope: for a stream of unknown length, the constant ratio (output length set at `finish`).
    ///   - totalOutputFrames: the exact output length for a closed map.
    ///   - pitchRatio: the resampling that will follow (for formant preservation); 1 when none.
    init(
        channelCount: Int, sampleRate: Double, base: [MapKnot], openEndedSlope: Double?, totalOutputFrames: Int?,
        pitchRatio: Double, options: StretchOptions
    ) {
        precondition(channelCount >= 1, "at least one channel")
        self.channelCount = channelCount
        let n = options.resolvedFFTSize(sampleRate: sampleRate)
        precondition(n >= 4 && n & (n - 1) == 0, "the phase arithmetic needs a power-of-two FFT size")
        fftSize = n
        var minimumSlope = openEndedSlope ?? .infinity
        for i in 1..<max(base.count, 1) {
            minimumSlope = min(
                minimumSlope, (base[i].output - base[i - 1].output) / (base[i].input - base[i - 1].input))
        }
        hopSize = minimumSlope >= 0.75 ? n / 4 : n / 8
        binCount = n / 2 + 1
        ffts = (0..<channelCount).map { _ in RealFFT(size: n, tuned: true) }
        window = SampleBuffer(count: n)
        let hann = Window.hann(n)
        for i in 0..<n { window[i] = hann[i] }
        var overlapGain: Float = 0 // sum of squared windows at one point (constant for Hann at these hops)
        var i = 0
        while i < n { overlapGain += hann[i] * hann[i]; i += hopSize }
        synthesisScale = 1 / (Float(n) * overlapGain)
        previousReal = SampleBuffer(count: channelCount * binCount)
        previousImag = SampleBuffer(count: channelCount * binCount)
        rotationReal = SampleBuffer(count: binCount + 8)
        rotationReal.withMutableSpan { VectorOps.fill(&$0, with: 1) }
        rotationImag = SampleBuffer(count: binCount + 8)
        power = SampleBuffer(count: binCount)
        scratchPower = SampleBuffer(count: binCount)
        transientMask = SampleBuffer(count: binCount)
        peakBins = [Int](repeating: 0, count: binCount + 1)
        regionStarts = [Int](repeating: 0, count: binCount + 1)
        peakCrossReal = SampleBuffer(count: binCount + 8)
        peakCrossImag = SampleBuffer(count: binCount + 8)
        peakExpected = SampleBuffer(count: binCount + 8)
        peakAdvance = SampleBuffer(count: binCount + 8)
        peakRotationReal = SampleBuffer(count: binCount + 8)
        peakRotationImag = SampleBuffer(count: binCount + 8)
        formants =
            options.preserveFormants && pitchRatio != 1
            ? FormantCorrector(fftSize: n, sampleRate: sampleRate, pitchRatio: pitchRatio) : nil

        input = PlanarFIFO(channelCount: channelCount, initialCapacity: 1 << 16)
        output = PlanarFIFO(channelCount: channelCount, initialCapacity: 1 << 15)
        output.reset(startFrame: -(n - hopSize))
        detector =
            options.transientLocking ? TransientDetector(channelCount: channelCount, sampleRate: sampleRate) : nil
        self.openEndedSlope = openEndedSlope
        self.totalOutputFrames = totalOutputFrames
        map = TimeMapBuilder(
            base: base, openEndedSlope: openEndedSlope,
            lockHalfWidth: Double(n / 2 + 16), minimumGap: Double(n),
            horizonFrames: sampleRate)
    }

    /// Emits finished output: `emit(fifo, firstFrame, frameCount)` reads frames from `fifo` (valid during the call).
    typealias Emit = (PlanarFIFO, Int, Int) -> Void

    /// Feeds frames `range` of `buffer` and emits whatever output is complete.
    func push(_ buffer: AudioBuffer, frames range: Range<Int>, emit: Emit) {
        precondition(!inputFinished, "push after finish")
        guard !range.isEmpty else { return }
        input.append(buffer, frames: range)
        detector?.process(buffer, frames: range)
        receivedFrames += range.count
        advanceMap()
        synthesize(emit: emit)
    }

    /// Ends the input and emits the rest of the output (exactly `totalOutputFrames` frames in all).
    func finish(emit: Emit) {
        precondition(!inputFinished, "finish called twice")
        inputFinished = true
        detector?.finish()
        advanceMap()
        if totalOutputFrames == nil {
            totalOutputFrames = Int((Double(receivedFrames) * (openEndedSlope ?? 1)).rounded())
        }
        if receivedFrames > 0 { map.finish(inputFrameCount: receivedFrames, outputFrameCount: totalOutputFrames!) }
        input.extendWithSilence(to: input.endFrame + fftSize)
        synthesize(emit: emit)
        let total = totalOutputFrames!
        if emittedFrames < total { // only for an empty input: silence of the exact length
            output.drop(before: emittedFrames)
            output.extendWithSilence(to: total)
            emit(output, emittedFrames, total - emittedFrames)
            emittedFrames = total
        }
    }

    private func advanceMap() {
        let onsets = detector?.drainOnsets() ?? []
        map.advance(
            onsets: onsets, decidedFrame: detector.map { min($0.decidedFrame, receivedFrames) } ?? receivedFrames)
    }

    /// Input position of output position `output`, or nil while the map is not final there.
    private func inputPosition(forOutput position: Double) -> Double? {
        let knots = map.knots
        guard knots.count >= 2 else { return nil }
        guard map.isFinished || position <= knots[knots.count - 1].output else { return nil }
        while knotCursor + 2 < knots.count && knots[knotCursor + 1].output < position { knotCursor += 1 }
        let a = knots[knotCursor], b = knots[knotCursor + 1]
        return a.input + (position - a.output) * (b.input - a.input) / (b.output - a.output)
    }

    /// The lock whose output range holds `position`, if any.
    private func lock(at position: Double) -> Int? {
        let locks = map.locks
        while lockCursor < locks.count && locks[lockCursor].outputEnd < position { lockCursor += 1 }
        guard lockCursor < locks.count, locks[lockCursor].outputStart <= position else { return nil }
        return lockCursor
    }

    private func synthesize(emit: Emit) {
        let half = fftSize / 2
        while true {
            let start = frameIndex * hopSize - (fftSize - hopSize)
            if let total = totalOutputFrames, start >= total { break }
            let center = Double(start + half)
            guard let position = inputPosition(forOutput: center) else { break }
            let analysisStart = Int((position - Double(half)).rounded())
            let lockIndex = lock(at: center)
            var needed = analysisStart + fftSize
            if let l = lockIndex, l != activeLock { needed = max(needed, map.locks[l].onsetFrame + fftSize) }
            if !inputFinished && needed > receivedFrames { break }
            processFrame(analysisStart: analysisStart, outputStart: start, lockIndex: lockIndex)
            frameIndex += 1
            input.drop(before: analysisStart - fftSize)
            // Output before the next frame's start is final.
            let complete = start + hopSize
            let limit = totalOutputFrames ?? Int((Double(receivedFrames) * (openEndedSlope ?? 1)).rounded())
            let end = min(complete, limit)
            if end > emittedFrames {
                emit(output, emittedFrames, end - emittedFrames)
                emittedFrames = end
            }
            output.drop(before: min(complete, emittedFrames))
        }
    }

    /// Windows input frames `start ..< start + N` of every channel into the FFT inputs (zeros outside the input).
    private func loadFrame(at start: Int) {
        let n = fftSize
        let available = inputFinished ? receivedFrames : input.endFrame
        let lo = max(start, input.startFrame, 0), hi = min(start + n, available)
        for c in 0..<channelCount {
            ffts[c].withInput { destination in
                if lo >= hi {
                    VectorOps.fill(&destination, with: 0)
                    return
                }
                for i in 0..<(lo - start) { destination[i] = 0 }
                for i in (hi - start)..<n { destination[i] = 0 }
                let loaded = (lo - start)..<(hi - start)
                var part = destination.extracting(loaded)
                input.withSamples(ofChannel: c, frames: lo..<hi) { source in
                    window.withSpan { VectorOps.multiply(source, $0.extracting(loaded), into: &part) }
                }
            }
        }
    }

    private func processFrame(analysisStart: Int, outputStart: Int, lockIndex: Int?) {
        let bins = binCount
        var entering = false
        if let l = lockIndex, l != activeLock {
            activeLock = l
            entering = true
            markTransientBins(onset: map.locks[l].onsetFrame)
        }
        // Inside a lock Ha = Hs and every rotation stays as it is (and the reset bins stay reset).
        let ha = previousAnalysisStart.map { max(1, analysisStart - $0) }
        let locksPhases = ha.map { lockIndex == nil || entering || $0 != hopSize } ?? false
        loadFrame(at: analysisStart)
        if locksPhases {
            // The power summed over the channels, formed as each spectrum comes out of its transform.
            power.withMutableSpan { power in
                for (c, fft) in ffts.enumerated() { fft.forward(addingPowerTo: &power, first: c == 0) }
            }
        } else {
            for fft in ffts { fft.forward() }
        }
        if locksPhases, let ha { lockPhases(analysisHop: ha) }
        if entering {
            transientMask.withSpan { mask in
                rotationReal.withMutableSpan { rr in
                    rotationImag.withMutableSpan { ri in
                        for k in 0..<bins where mask[k] != 0 {
                            rr[k] = 1
                            ri[k] = 0
                        }
                    }
                }
            }
        }
        previousAnalysisStart = analysisStart
        for c in 0..<channelCount {
            let channelBins = (c * bins)..<((c + 1) * bins)
            ffts[c].withSpectrumValues { re, im in
                previousReal.withMutableSpan { all in
                    var previous = all.extracting(channelBins)
                    VectorOps.copy(re, into: &previous)
                }
                previousImag.withMutableSpan { all in
                    var previous = all.extracting(channelBins)
                    VectorOps.copy(im, into: &previous)
                }
            }
        }
        if let formants { formants.apply(ffts, power: scratchPower) }
        rotationReal.withSpan { rr in
            rotationImag.withSpan { ri in
                // Each channel's spectrum is rotated as it goes into the inverse transform.
                for fft in ffts { fft.inverse(rotatedBy: rr, ri) }
            }
        }
        output.extendWithSilence(to: outputStart + fftSize)
        let scale = synthesisScale
        let n = fftSize
        for c in 0..<channelCount {
            ffts[c].withOutput { y in
                window.withSpan { w in
                    output.withMutableSamples(ofChannel: c, frames: outputStart..<(outputStart + n)) { destination in
                        let count = min(n, y.count, w.count, destination.count)
                        for i in 0..<count { destination[i] += y[i] * w[i] * scale }
                    }
                }
            }
        }
    }

    /// At a lock's entry: marks (in `transientMask`) the bins the onset dominates, where the power rises by
    /// 6 dB across it, decided per peak region of the last phase-locked frame so a steady partial stays whole.
    private func markTransientBins(onset: Int) {
        let bins = binCount
        let margin = 64
        loadFrame(at: onset - fftSize - margin)
        for fft in ffts { fft.forward() }
        accumulatePower(into: scratchPower)
        loadFrame(at: onset - fftSize / 4)
        for fft in ffts { fft.forward() }
        accumulatePower(into: power)
        let riseFactor: Float = 4
        guard regionCount > 0 else {
            transientMask.withMutableSpan { VectorOps.fill(&$0, with: 1) }
            return
        }
        // Bins decide one by one, except each peak's main lobe (±3 bins), which decides as a whole.
        let lobe = 3
        power.withSpan { power in
            scratchPower.withSpan { scratchPower in
                transientMask.withMutableSpan { transientMask in
                    for k in 0..<bins { transientMask[k] = power[k] > riseFactor * scratchPower[k] ? 1 : 0 }
                    for i in 0..<regionCount {
                        let range =
                            max(regionStarts[i], peakBins[i] - lobe)..<min(regionStarts[i + 1], peakBins[i] + lobe + 1)
                        var before: Float = 0, after: Float = 0
                        for k in range {
                            before += scratchPower[k]
                            after += power[k]
                        }
                        let mark: Float = after > riseFactor * before ? 1 : 0
                        for k in range { transientMask[k] = mark }
                    }
                }
            }
        }
    }

    private func accumulatePower(into destination: SampleBuffer) {
        let bins = binCount
        destination.withMutableSpan { destination in
            VectorOps.fill(&destination, with: 0)
            for fft in ffts {
                fft.withSpectrumValues { re, im in
                    let count = min(bins, re.count, im.count, destination.count)
                    for k in 0..<count { destination[k] += re[k] * re[k] + im[k] * im[k] }
                }
            }
        }
    }

    /// `FastMath.wrapPhase` bit for bit, with the rounding done inline: `Float.rounded()` is a libm call
    /// (`roundf`) on the baseline x86-64 target. For |v| < 2^22 the truncation through `Int` is exact and one
    /// step away from zero when the remainder reaches a half reproduces `.toNearestOrAwayFromZero`, sign of zero
    /// included; anything else (large, infinite or NaN) takes the library path.
    @inline(__always)
    private static func wrapPhase(_ x: Float) -> Float {
        let v = x / FastMath.twoPi
        var r: Float
        if abs(v) < 4_194_304 {
            let truncated = Float(Int32(v))
            let step: Float = abs(v - truncated) >= 0.5 ? 1 : 0
            r = Float(signOf: v, magnitudeOf: truncated.magnitude + step)
        } else {
            r = v.rounded()
        }
        return x - FastMath.twoPi * r
    }

    /// Identity phase locking: per-peak phase advance, one rotation per region of influence. `power` holds the
    /// frame's power summed over the channels (`processFrame` forms it with the transforms).
    private func lockPhases(analysisHop ha: Int) {
        let bins = binCount
        let n = fftSize
        // The peak tables are moved into locals for the frame (no copy), so the loops below index plain arrays
        // rather than a class's stored properties (each access to those is checked for exclusivity at run time).
        var peaks: [Int] = [], starts: [Int] = []
        swap(&peaks, &peakBins)
        swap(&starts, &regionStarts)
        defer {
            swap(&peaks, &peakBins)
            swap(&starts, &regionStarts)
        }
        let peakCount = power.withSpan { power in Self.findPeaks(power, peaks: &peaks, regionStarts: &starts) }
        guard peakCount > 0 else { return }
        regionCount = peakCount
        // Read-only copies (sharing the storage) for the closures below: a `var` captured by a closure is
        // checked for exclusivity on every access, a `let` is not.
        let peakList = peaks, regionList = starts
        let twoPiOverN = Float(2 * Double.pi / Double(n))
        let mask = n - 1
        let hs = hopSize
        let stretchFactor = Float(hs) / Float(ha) - 1
        let channels = channelCount
        let ffts = self.ffts
        // Whole groups of eight peaks for the vector pass; the lanes past the last peak compute unused values.
        let groupedCount = (peakCount + 7) / 8 * 8
        peakCrossReal.withMutableSpan { crossReal in
            peakCrossImag.withMutableSpan { crossImag in
                peakExpected.withMutableSpan { expected in
                    peakAdvance.withMutableSpan { advance in
                        peakRotationReal.withMutableSpan { peakReal in
                            peakRotationImag.withMutableSpan { peakImag in
                                // 1. Per peak: the cross-spectrum summed over the channels (in channel order, as
                                // one peak at a time would), the phases of the expected and the bin advance, and
                                // the rotation at the peak bin.
                                if channels == 2 {
                                    // Stereo: one pass over the peaks for both channels; each cross-spectrum sum
                                    // is (0 + left) + right, what the channel passes form.
                                    ffts[0].withSpectrumValues { re0, im0 in
                                        ffts[1].withSpectrumValues { re1, im1 in
                                            previousReal.withSpan { previousReal in
                                                previousImag.withSpan { previousImag in
                                                    let zero: Float = 0
                                                    for i in 0..<peakCount {
                                                        let p = peakList[i]
                                                        let x0 = re0[p], y0 = im0[p]
                                                        let px0 = previousReal[p], py0 = previousImag[p]
                                                        let x1 = re1[p], y1 = im1[p]
                                                        let px1 = previousReal[bins + p]
                                                        let py1 = previousImag[bins + p]
                                                        crossReal[i] =
                                                            (zero + (x0 * px0 + y0 * py0)) + (x1 * px1 + y1 * py1)
                                                        crossImag[i] =
                                                            (zero + (y0 * px0 - x0 * py0)) + (y1 * px1 - x1 * py1)
                                                    }
                                                }
                                            }
                                        }
                                    }
                                    for i in peakCount..<groupedCount {
                                        crossReal[i] = 0
                                        crossImag[i] = 0
                                    }
                                } else {
                                    for i in 0..<groupedCount {
                                        crossReal[i] = 0
                                        crossImag[i] = 0
                                    }
                                    for c in 0..<channels {
                                        let channelStart = c * bins
                                        ffts[c].withSpectrumValues { re, im in
                                            previousReal.withSpan { previousReal in
                                                previousImag.withSpan { previousImag in
                                                    for i in 0..<peakCount {
                                                        let p = peakList[i]
                                                        let x = re[p], y = im[p]
                                                        let px = previousReal[channelStart + p]
                                                        let py = previousImag[channelStart + p]
                                                        crossReal[i] += x * px + y * py
                                                        crossImag[i] += y * px - x * py
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                                rotationReal.withSpan { rotationReal in
                                    rotationImag.withSpan { rotationImag in
                                        for i in 0..<peakCount {
                                            let p = peakList[i]
                                            // n is a power of two: `& mask` is the non-negative remainder.
                                            expected[i] = twoPiOverN * Float((p * ha) & mask)
                                            advance[i] = twoPiOverN * Float((p * (hs - ha)) & mask)
                                            peakReal[i] = rotationReal[p]
                                            peakImag[i] = rotationImag[p]
                                        }
                                    }
                                }
                                for i in peakCount..<groupedCount {
                                    expected[i] = 0
                                    advance[i] = 0
                                    peakReal[i] = 1
                                    peakImag[i] = 0
                                }
                                // 2. The new rotations, eight peaks at a time.
                                Self.advanceRotations(
                                    count: groupedCount, stretchFactor: stretchFactor, crossReal: crossReal.span,
                                    crossImag: crossImag.span, expected: expected.span, advance: advance.span,
                                    rotationReal: &peakReal, rotationImag: &peakImag)
                                // 3. Each peak's rotation over its region of influence.
                                rotationReal.withMutableSpan { rotationReal in
                                    rotationImag.withMutableSpan { rotationImag in
                                        // The regions tile the bins from regionList[0] on, in order (mostly a
                                        // few bins each: one pass over them, not a fill per region). Each region is
                                        // written eight bins at a time from its start; the bins a last vector writes
                                        // past the region's end are the next region's (which writes them next) or,
                                        // after the last region, the 8 scratch entries past the bins.
                                        var k = regionList[0]
                                        for i in 0..<peakCount {
                                            let end = regionList[i + 1]
                                            let rr = SIMD8<Float>(repeating: peakReal[i])
                                            let ri = SIMD8<Float>(repeating: peakImag[i])
                                            while k < end {
                                                rotationReal.setSIMD8(rr, at: k)
                                                rotationImag.setSIMD8(ri, at: k)
                                                k += 8
                                            }
                                            k = end
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The phase locking's per-peak arithmetic for `count` peaks (a multiple of 8), eight at a time: the measured
    /// advance from the cross-spectrum, its deviation from the expected one, the stretched increment, and the
    /// rotation turned by it and renormalised (written over `rotationReal`/`rotationImag`). Each lane is what the
    /// scalar `peakRotation` gives, bit for bit; a group with a turn count past the vector wrap's range is done
    /// by the scalar form.
    @inline(never)
    private static func advanceRotations(
        count: Int, stretchFactor: Float, crossReal: Span<Float>, crossImag: Span<Float>, expected: Span<Float>,
        advance: Span<Float>, rotationReal: inout MutableSpan<Float>, rotationImag: inout MutableSpan<Float>
    ) {
        var i = 0
        while i + 8 <= count {
            let measured = FastMath.atan2(crossImag.simd8(at: i), crossReal.simd8(at: i))
            let ar = rotationReal.span.simd8(at: i), ai = rotationImag.span.simd8(at: i)
            if let deviation = FastMath.wrapPhase(measured - expected.simd8(at: i)),
                let increment = FastMath.wrapPhase(advance.simd8(at: i) + deviation * stretchFactor)
            {
                let (s, c) = FastMath.sinCos(increment)
                var rr = ar * c - ai * s, ri = ar * s + ai * c
                let norm = 1 / (rr * rr + ri * ri).squareRoot()
                rr *= norm
                ri *= norm
                rotationReal.setSIMD8(rr, at: i)
                rotationImag.setSIMD8(ri, at: i)
            } else {
                for k in i..<(i + 8) {
                    (rotationReal[k], rotationImag[k]) = peakRotation(
                        crossReal: crossReal[k], crossImag: crossImag[k], expected: expected[k],
                        advance: advance[k], stretchFactor: stretchFactor,
                        rotation: (rotationReal[k], rotationImag[k]))
                }
            }
            i += 8
        }
    }

    /// One peak's new rotation (the scalar form of `advanceRotations`).
    @inline(__always)
    private static func peakRotation(
        crossReal: Float, crossImag: Float, expected: Float, advance: Float, stretchFactor: Float,
        rotation: (real: Float, imag: Float)
    ) -> (Float, Float) {
        let measured = FastMath.atan2(crossImag, crossReal)
        let deviation = wrapPhase(measured - expected)
        let increment = wrapPhase(advance + deviation * stretchFactor)
        let (s, c) = FastMath.sinCos(increment)
        let ar = rotation.real, ai = rotation.imag
        var rr = ar * c - ai * s, ri = ar * s + ai * c
        let norm = 1 / (rr * rr + ri * ri).squareRoot()
        rr *= norm
        ri *= norm
        return (rr, ri)
    }

    /// Finds the peaks of `power` (into `peakBins`) and the boundaries of their regions of influence (into
    /// `regionStarts`, one more entry); returns the peak count, 0 for a silent frame (the tables are then untouched).
    private static func findPeaks(_ power: Span<Float>, peaks peakBins: inout [Int], regionStarts: inout [Int]) -> Int {
        let bins = power.count
        // Peaks: local maxima over ±1 bin, above -100 dB of the frame's largest. (±1, not ±2: partials 2-3 bins
        // apart, e.g. the harmonics of a low note, must each keep their own phase advance.)
        // The largest power, eight lanes at a time with the comparison `max` makes (power is never NaN or -0,
        // so the lane order cannot change the result).
        // Four running maxima (bins 32q + 8r in accumulator r), so that the comparisons do not wait on each other.
        var largest: Float = 0
        var lanes = SIMD8<Float>(), lanes1 = lanes, lanes2 = lanes, lanes3 = lanes
        var k = 0
        while k + 32 <= bins {
            let v = power.simd8(at: k), v1 = power.simd8(at: k + 8)
            let v2 = power.simd8(at: k + 16), v3 = power.simd8(at: k + 24)
            lanes.replace(with: v, where: v .>= lanes)
            lanes1.replace(with: v1, where: v1 .>= lanes1)
            lanes2.replace(with: v2, where: v2 .>= lanes2)
            lanes3.replace(with: v3, where: v3 .>= lanes3)
            k += 32
        }
        while k + 8 <= bins {
            let v = power.simd8(at: k)
            lanes.replace(with: v, where: v .>= lanes)
            k += 8
        }
        lanes.replace(with: lanes1, where: lanes1 .>= lanes)
        lanes.replace(with: lanes2, where: lanes2 .>= lanes)
        lanes.replace(with: lanes3, where: lanes3 .>= lanes)
        for lane in 0..<8 { largest = max(largest, lanes[lane]) }
        while k < bins {
            largest = max(largest, power[k])
            k += 1
        }
        guard largest > 0 else { return 0 }
        let floorPower = largest * 1e-10
        // Every bin 1 ..< bins - 1 is tested (two neighbouring bins cannot both be peaks: p[k] >= p[k + 1]
        // excludes k + 1), eight at a time; lanes are visited only in groups that hold a peak.
        var peakCount = 0
        let floorLanes = SIMD8<Float>(repeating: floorPower)
        let laneBits = SIMD8<Int32>(1, 2, 4, 8, 16, 32, 64, 128)
        k = 1
        while k + 9 <= bins {
            let left = power.simd8(at: k - 1)
            let centre = power.simd8(at: k)
            let right = power.simd8(at: k + 1)
            let isPeak = (centre .> floorLanes) .& (centre .> left) .& (centre .>= right)
            if any(isPeak) {
                // The peak lanes as the bits of an integer, visited lowest first (no branch per lane).
                var lanes = laneBits.replacing(with: 0, where: .!isPeak).wrappedSum()
                while lanes != 0 {
                    peakBins[peakCount] = k + lanes.trailingZeroBitCount
                    peakCount += 1
                    lanes &= lanes &- 1
                }
            }
            k += 8
        }
        while k < bins - 1 {
            let p = power[k]
            if p > floorPower && p > power[k - 1] && p >= power[k + 1] {
                peakBins[peakCount] = k
                peakCount += 1
            }
            k += 1
        }
        if peakCount == 0 {
            var best = 0
            for k in 0..<bins where power[k] > power[best] { best = k }
            peakBins[0] = best
            peakCount = 1
        }
        // Region boundaries at the power minimum between neighbouring peaks (the first bin of the lowest power):
        // one walk over the bins from the first peak to the last, the running minimum restarting after each peak.
        // Most gaps between neighbouring peaks are one or two bins (dense spectra): those are decided directly.
        regionStarts[0] = 0
        var next = peakBins[0] + 1
        for i in 1..<peakCount {
            let end = peakBins[i]
            if end - next <= 2 {
                regionStarts[i] = end - next == 2 && power[next + 1] < power[next] ? next + 1 : next
                next = end + 1
                continue
            }
            var lowest = next
            var lowestPower = power[next]
            var k = next + 1
            while k < end {
                let p = power[k]
                let lower = p < lowestPower
                lowest = lower ? k : lowest
                lowestPower = lower ? p : lowestPower
                k += 1
            }
            regionStarts[i] = lowest
            next = end + 1
        }
        regionStarts[peakCount] = bins
        return peakCount
    }
}
