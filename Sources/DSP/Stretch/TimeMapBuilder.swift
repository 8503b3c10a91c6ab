// Design: the stretcher's actual time map, built as the input streams in. It starts from the requested base
// map (a warp map, or a constant ratio) and adds a *transient lock* around each accepted onset: a stretch of
// input `lockHalfWidth` frames either side of the onset that maps to the output with ratio exactly 1, passing
// through the base map at the onset (or through a base anchor lying inside the lock, so anchors stay exact).
// Synthesis frames centred in a lock copy the input unchanged, so attacks keep their shape and land at their
// mapped position; the free segments between locks absorb the stretch. A lock is refused when it would crowd a
// base anchor or bend a neighbouring segment's ratio by more than `slopeTolerance` from the base map's.
// Knots are permanent once emitted; a knot is added at most `horizonFrames` after the previous one even
// without onsets, which bounds how far the synthesis waits behind the detector (and so the memory in streaming).

/// A point of the time map: input frame -> output frame (fractional).
struct MapKnot: Equatable {
    var input: Double
    var output: Double
}

/// One transient lock: the output range whose synthesis frames are copies, and the onset it protects.
struct TransientLock: Equatable {
    var outputStart: Double
    var outputEnd: Double
    /// Input offset: input frame = output frame - `outputMinusInput` inside the lock.
    var outputMinusInput: Double
    /// The detected onset, in input frames.
    var onsetFrame: Int
}

/// Builds the piecewise-linear time map (knots) and the transient locks from a base map and onsets.
final class TimeMapBuilder {
    /// Input frames locked at ratio 1 on each side of an onset.
    let lockHalfWidth: Double
    /// Least input distance between a lock and the neighbouring knot.
    let minimumGap: Double
    /// Largest input distance between knots (bounds the look-ahead).
    let horizonFrames: Double
    /// Largest factor by which a free segment's ratio may differ from the base map's.
    let slopeTolerance = 1.5

    /// Base anchors (input, output), increasing from (0, 0).
    private var base: [MapKnot]
    /// While the input's end is unknown: the ratio beyond the last base anchor.
    private var openEndedSlope: Double?
    private var nextBase = 0 // first base anchor not yet emitted or consumed
    private(set) var knots: [MapKnot] = []
    private(set) var locks: [TransientLock] = []
    private(set) var isFinished = false

    /// - Parameters:
    ///   - base: anchors from (0, 0), at least two unless `openEndedSlope` is given.
    ///   - openEndedSlope: for a stream of unknown length, the ratio after the last anchor until `finish`.
    init(base: [MapKnot], openEndedSlope: Double?, lockHalfWidth: Double, minimumGap: Double, horizonFrames: Double) {
        precondition(base.count >= 2 || (base.count == 1 && openEndedSlope != nil), "base map needs two anchors")
        self.base = base
        self.openEndedSlope = openEndedSlope
        self.lockHalfWidth = lockHalfWidth
        self.minimumGap = minimumGap
        self.horizonFrames = horizonFrames
    }

    /// The base map's output for `input` (linear between anchors, extended at both ends).
    func baseOutput(_ input: Double) -> Double {
        if let slope = openEndedSlope, input >= base[base.count - 1].input || base.count == 1 {
            let last = base[base.count - 1]
            return last.output + (input - last.input) * slope
        }
        var i = 1
        while i < base.count - 1 && base[i].input < input { i += 1 }
        let a = base[i - 1], b = base[i]
        return a.output + (input - a.input) * (b.output - a.output) / (b.input - a.input)
    }

    /// Adds the onsets (increasing input frames) and the knots that are final once every onset before
    /// `decidedFrame` is known.
    func advance(onsets: [Int], decidedFrame: Int) {
        for onset in onsets { considerLock(at: onset) }
        let decided = Double(decidedFrame)
        // Base anchors that no future lock can reach.
        while nextBase < base.count, base[nextBase].input + 2 * lockHalfWidth + minimumGap < decided {
            emitBase()
        }
        // A knot on the base map when the last one falls too far behind.
        while let last = knots.last, decided - last.input > horizonFrames + 2 * lockHalfWidth + minimumGap {
            let input = last.input + horizonFrames
            if nextBase < base.count, base[nextBase].input <= input { emitBase(); continue }
            knots.append(MapKnot(input: input, output: baseOutput(input)))
        }
    }

    /// Closes the map: `inputFrameCount` is the total input, `outputFrameCount` the exact output length.
    func finish(inputFrameCount: Int, outputFrameCount: Int) {
        if openEndedSlope != nil {
            if Double(inputFrameCount) > base[base.count - 1].input {
                base.append(MapKnot(input: Double(inputFrameCount), output: Double(outputFrameCount)))
            }
            openEndedSlope = nil
        }
        while nextBase < base.count { emitBase() }
        isFinished = true
    }

    private func emitBase() {
        let anchor = base[nextBase]
        nextBase += 1
        if let last = knots.last, anchor.input <= last.input || anchor.output <= last.output { return }
        knots.append(anchor)
    }

    private func considerLock(at onset: Int) {
        let t = Double(onset)
        // Centre on a base anchor inside the lock's reach, else on the onset itself.
        var center = MapKnot(input: t, output: baseOutput(t))
        var inside: Int?
        for i in nextBase..<base.count {
            if base[i].input > t + lockHalfWidth { break }
            if base[i].input >= t - lockHalfWidth,
                inside.map({ abs(base[i].input - t) < abs(base[$0].input - t) }) ?? true
            {
                inside = i
            }
        }
        if let i = inside { center = base[i] }
        let start = MapKnot(input: center.input - lockHalfWidth, output: center.output - lockHalfWidth)
        let end = MapKnot(input: center.input + lockHalfWidth, output: center.output + lockHalfWidth)
        // No other base anchor may fall inside the lock or within `minimumGap` of it, except the centre.
        for i in nextBase..<base.count where i != inside {
            if base[i].input > end.input + minimumGap { break }
            if base[i].input > start.input - minimumGap {
                if i == 0 && start.input < 0 { continue } // a lock over the origin replaces it
                return
            }
        }
        // Emit the anchors before the lock, then check the segment into it and the one out of it.
        while nextBase < base.count, base[nextBase].input < start.input { emitBase() }
        if let last = knots.last {
            guard start.input - last.input >= minimumGap, slopeIsAcceptable(from: last, to: start) else { return }
        }
        let afterIndex = inside.map { $0 + 1 } ?? nextBase
        if afterIndex < base.count, !slopeIsAcceptable(from: end, to: base[afterIndex]) { return }
        knots.append(start)
        knots.append(end)
        nextBase = max(nextBase, afterIndex)
        locks.append(
            TransientLock(
                outputStart: start.output, outputEnd: end.output,
                outputMinusInput: center.output - center.input, onsetFrame: onset))
    }

    private func slopeIsAcceptable(from a: MapKnot, to b: MapKnot) -> Bool {
        let dx = b.input - a.input, dy = b.output - a.output
        guard dx > 0, dy > 0 else { return false }
        let baseSlope = (baseOutput(b.input) - baseOutput(a.input)) / dx
        let factor = (dy / dx) / baseSlope
        return factor <= slopeTolerance && factor >= 1 / slopeTolerance
    }
}
