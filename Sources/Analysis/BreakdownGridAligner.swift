// Design: a breakdown's beats on the grid of the music either side. Where the drums stop (a breakdown, a drum-less
// bridge) the tracker follows what is left, and when that is off the beat (swing comping on the "and" of 2, chord
// stabs between the beats) it slides a third to half a period off the grid over a few beats, stays there, and slides
// back when the drums return; or it loses a beat on the way. A listener keeps the grid through the gap, and so must
// the render. The steady music either side tells where the grid runs:
// 1. Chunks: every `chunkBeats` consecutive beats (in steps of `chunkStepBeats`) whose least-squares line leaves no
//    beat more than `maximumChunkResidual` periods (RMS) off: a local grid (time and period).
// 2. For each chunk A, the first later chunk B that starts at least `minimumGapBeats` beats after A ends and at most
//    `maximumGapBeats`, has a period within `maximumPeriodMismatch` of A's, and lies a whole number k ≥ 2 of periods
//    after A's end (within `fitTolerance` periods), is on A's grid. Between them the grid is interpolated: k
//    intervals whose length moves linearly from A's period (at A's middle) to B's (at B's middle), scaled to fill
//    the gap (so a tempo that drifts is followed: within 0.7 ms over 31 beats of a 6 % ramp).
// 3. The beats between A and B are replaced by that grid when they sit more than `phaseThreshold` periods off it
//    (median) or are not k − 1 in number (a beat lost or gained in the slide); otherwise they stay, with their
//    refined positions. Bridges are taken earliest first and do not overlap.
// Unlike the intro (`IntroGridAligner`), a gap has the grid on both sides, so interpolation does not drift: the
// intro aligner's one-sided extrapolation was measured to lose on swing breakdowns with drift. Chosen on the tune
// halves in a model of the analyser's beats (chunks of 6-10 beats, steps 1-4, residual 0.02-0.05, phase 0.15-0.3,
// gaps up to 20-32 beats, fit 0.05-0.1, period mismatch 0.02-0.03): 5 generated tune songs (swing and techno
// breakdowns) from beat F 0.80-0.88 to 0.92-0.98, none worse, no real excerpt changed.
import DSP
import Foundation

/// Puts the beats between two steady stretches that agree on one grid onto that grid when they sit off it. A step
/// of `SongAnalyzer` after the beat refiner; public so that its tests can give it beat sequences directly.
public struct BreakdownGridAligner: Sendable {
    public init() {}

    /// Beats in a chunk (a local grid).
    static let chunkBeats = 8
    /// Beats between the starts of consecutive chunks.
    static let chunkStepBeats = 2
    /// Largest RMS distance of a chunk's beats from its line, in periods.
    static let maximumChunkResidual = 0.03
    /// Fewest beats between two chunks for a bridge.
    static let minimumGapBeats = 2
    /// Most beats between two chunks for a bridge.
    static let maximumGapBeats = 32
    /// Largest relative difference of the two chunks' periods.
    static let maximumPeriodMismatch = 0.02
    /// Largest distance of the gap from a whole number of periods, in periods.
    static let fitTolerance = 0.05
    /// Median distance from the bridged grid, in periods, above which the beats between are replaced.
    static let phaseThreshold = 0.2
    /// Shortest beat period considered, seconds (600 BPM).
    static let minimumPeriodSeconds = 0.1

    /// A local grid: `chunkBeats` beats from index `first`, the line's time at `first` and its period (seconds).
    struct Chunk: Equatable {
        var first: Int
        var last: Int
        var startSeconds: Double
        var periodSeconds: Double
        var endSeconds: Double { startSeconds + periodSeconds * Double(last - first) }
    }

    /// A stretch of beats (indices `after + 1 ..< before`) to be replaced by `grid`.
    struct Bridge: Equatable {
        var after: Int
        var before: Int
        var grid: [Double]
    }

    /// `beats` (seconds, ascending) with every off-grid gap between two steady stretches that agree replaced by their
    /// common grid; `beats` unchanged when there is none.
    public func align(_ beats: [Double]) -> [Double] {
        let bridges = BreakdownGridAligner.bridges(beats)
        guard !bridges.isEmpty else { return beats }
        var out = [Double]()
        out.reserveCapacity(beats.count)
        var cursor = 0
        for bridge in bridges {
            out += beats[cursor...bridge.after]
            out += bridge.grid
            cursor = bridge.before
        }
        out += beats[cursor...]
        // The grid lies between its two chunks' lines; a result that is not rising is left alone.
        for i in 1..<out.count where !(out[i] > out[i - 1]) { return beats }
        return out
    }

    /// The chunks of `beats` whose line fits (step 1 of the design note).
    static func chunks(_ beats: [Double]) -> [Chunk] {
        var out = [Chunk]()
        var first = 0
        while first + chunkBeats <= beats.count {
            let last = first + chunkBeats - 1
            if let (start, period) = Statistics.line(beats, over: first...last), period >= minimumPeriodSeconds,
                start.isFinite, period.isFinite
            {
                var squares = 0.0
                for i in first...last {
                    let d = beats[i] - (start + period * Double(i - first))
                    squares += d * d
                }
                if (squares / Double(chunkBeats)).squareRoot() <= maximumChunkResidual * period {
                    out.append(Chunk(first: first, last: last, startSeconds: start, periodSeconds: period))
                }
            }
            first += chunkStepBeats
        }
        return out
    }

    /// The bridges to make, earliest first, not overlapping (steps 2 and 3 of the design note).
    static func bridges(_ beats: [Double]) -> [Bridge] {
        guard beats.count >= 2 * chunkBeats + minimumGapBeats else { return [] }
        let chunks = chunks(beats)
        var found = [Bridge]()
        for a in chunks {
            for b in chunks where b.first > a.last + minimumGapBeats {
                if b.first - a.last > maximumGapBeats { break }
                guard abs(a.periodSeconds / b.periodSeconds - 1) <= maximumPeriodMismatch else { continue }
                let meanPeriod = (a.periodSeconds + b.periodSeconds) / 2
                let gap = b.startSeconds - a.endSeconds
                let periods = (gap / meanPeriod).rounded()
                guard periods >= 2, abs(gap / meanPeriod - periods) <= fitTolerance else { continue }
                let grid = interpolated(from: a, to: b, intervals: Int(periods))
                let between = beats[(a.last + 1)..<b.first]
                if between.count != grid.count
                    || IntroGridAligner.medianDistance(between, from: grid) > phaseThreshold * meanPeriod
                {
                    found.append(Bridge(after: a.last, before: b.first, grid: grid))
                }
                break // the first chunk on A's grid decides
            }
        }
        var taken = [Bridge]()
        for bridge in found where bridge.after >= (taken.last?.before ?? 0) { taken.append(bridge) }
        return taken
    }

    /// The `intervals` − 1 grid times strictly between the end of `a` and the start of `b`: intervals moving
    /// linearly from `a`'s period to `b`'s (each chunk's period is that of its middle), scaled to fill the gap.
    static func interpolated(from a: Chunk, to b: Chunk, intervals: Int) -> [Double] {
        let half = Double(chunkBeats - 1) / 2
        let span = Double(intervals) + 2 * half
        let lengths = (0..<intervals).map {
            a.periodSeconds + (b.periodSeconds - a.periodSeconds) * (Double($0) + 0.5 + half) / span
        }
        let scale = (b.startSeconds - a.endSeconds) / lengths.reduce(0, +)
        var t = a.endSeconds
        var grid = [Double]()
        for length in lengths.dropLast() {
            t += length * scale
            grid.append(t)
        }
        return grid
    }
}
