// Design: an intro's beats on the song's grid. In a drum-less intro the tracker follows what is there, and in house,
// techno and funk that is often off the beat (chord stabs and bass on the off-beats); when the drums enter it slides
// onto the beats over a few beats. The intro's beats then sit a fraction of a period off the song's grid (about 0.6
// of a period on two house songs of the evaluation set: beat F 0.72 and 0.75, their first bars' downbeats lost), and
// the render warps that intro onto the wrong grid. Songs keep one grid, so the beats before the song's longest steady
// stretch are checked against that stretch's grid extrapolated back, and replaced by it when they sit off it:
// 1. Steady stretches: runs of at least `minimumStretchBeats` beats whose intervals stay within `slipRatio` of the
//    median interval of the `medianHalfWindowBeats` intervals either side (a slide of half a period over a few beats
//    moves each interval by 10-15 %; tempo drift and humanised timing, after the refiner's grid smoothing, by 1-2 %).
// 2. The longest stretch is the anchor; its grid is the least-squares line through its beats 5-20 (its first beats
//    may still end the slide), extended back to where the song becomes audible (less a quarter period, as the
//    tracked beats are trimmed).
// 3. When the median distance of the earlier beats from that grid is above `phaseThreshold` periods, they are
//    replaced by the grid; otherwise they stay (pickups and intros on the grid keep their own, refined beats).
// Only beats before the anchor move: a breakdown or outro after it that slides off the grid was measured to lose
// more than it gained (swing breakdowns with drift, where the extrapolation itself drifts). Chosen on the tune
// halves (slip 0.06-0.1, stretch 8-16 beats, phase 0.2-0.3 periods): generated beat F 0.937 -> 0.940, real 0.861 ->
// 0.871 in a model of the estimator on the analyser's beats; 0.2 periods and 8 beats kept.
import DSP
import Foundation

/// Puts the beats of an intro on the grid of the song's longest steady stretch when they sit off it. A step of
/// `SongAnalyzer` after the beat refiner; public so that its tests can give it beat sequences directly.
public struct IntroGridAligner: Sendable {
    public init() {}

    /// Largest relative deviation of a beat interval from its neighbourhood's median within a steady stretch.
    static let slipRatio = 0.06
    /// Fewest beats in a steady stretch.
    static let minimumStretchBeats = 8
    /// Intervals either side in the median an interval is compared with.
    static let medianHalfWindowBeats = 8
    /// Median distance from the grid, in periods, above which the beats before the anchor are replaced.
    static let phaseThreshold = 0.2
    /// Beats of the anchor the grid's line is fitted to.
    static let periodBeats = 16
    /// Shortest beat period the grid is extended with, seconds (600 BPM).
    static let minimumPeriodSeconds = 0.1
    /// Beats at the anchor's start left out of the fit (the end of a slide onto the beats).
    static let settleBeats = 4

    /// `beats` (seconds, ascending) with the beats before the longest steady stretch replaced by its grid when they
    /// sit off it; `beats` unchanged otherwise. The grid starts at `earliestSeconds` (where the song becomes
    /// audible, less a quarter of a period) or later.
    public func align(_ beats: [Double], earliestSeconds: Double) -> [Double] {
        let n = beats.count
        guard n >= 3 * IntroGridAligner.minimumStretchBeats else { return beats }
        let intervals = (1..<n).map { beats[$0] - beats[$0 - 1] }
        let h = IntroGridAligner.medianHalfWindowBeats
        var slips = [Bool](repeating: false, count: intervals.count)
        for k in intervals.indices {
            let local = Statistics.median(Array(intervals[max(0, k - h)...min(intervals.count - 1, k + h)]))
            slips[k] = local <= 0 || abs(intervals[k] / local - 1) > IntroGridAligner.slipRatio
        }
        // Steady stretches as beat ranges first...last; the longest (the earliest of equals) is the anchor.
        var anchor: (first: Int, last: Int)?
        var start = 0
        for k in 0...intervals.count {
            guard k == intervals.count || slips[k] else { continue }
            let last = k // beat k ends the stretch that intervals start..<k join
            if last - start + 1 >= IntroGridAligner.minimumStretchBeats,
                anchor.map({ last - start > $0.last - $0.first }) ?? true
            {
                anchor = (start, last)
            }
            start = k + 1
        }
        guard let anchor, anchor.first > 0 else { return beats }
        // The line through the anchor's beats after its first few (which may still end the slide onto the beats).
        let fitFirst = min(
            anchor.first + IntroGridAligner.settleBeats, anchor.last - IntroGridAligner.minimumStretchBeats + 1)
        let fitLast = min(anchor.last, fitFirst + IntroGridAligner.periodBeats - 1)
        // A period under `minimumPeriodSeconds` (over 600 BPM) is no beat: such input is left as it is.
        guard let (origin, period) = Statistics.line(beats, over: fitFirst...fitLast),
            period >= IntroGridAligner.minimumPeriodSeconds, period.isFinite, origin.isFinite
        else { return beats }
        // origin is the line's time at beat index fitFirst; the grid goes back from the anchor's first index.
        var grid = [Double]()
        var t = origin - Double(fitFirst - anchor.first + 1) * period
        while t >= max(0, earliestSeconds) {
            grid.append(t)
            t -= period
        }
        grid.reverse()
        guard !grid.isEmpty else { return beats }
        guard
            IntroGridAligner.medianDistance(beats[0..<anchor.first], from: grid) > IntroGridAligner.phaseThreshold
                * period
        else { return beats }
        return grid + beats[anchor.first...]
    }

    /// Median over `beats` of each one's distance to the nearest time of `grid` (seconds; 0 without beats).
    static func medianDistance(_ beats: ArraySlice<Double>, from grid: [Double]) -> Double {
        Statistics.median(beats.map { beat in grid.reduce(Double.infinity) { min($0, abs(beat - $1)) } })
    }

}
