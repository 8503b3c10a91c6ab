import Analysis
import Foundation
import Testing

/// `BreakdownGridAligner`: beats that slide off the grid between two steady stretches (a breakdown tracked on its
/// off-beat chords) go back onto the grid the stretches agree on; beats on the grid, drift, jitter and a real
/// change of tempo are left alone.
@Suite struct BreakdownGridAlignerTests {
    /// The replaced beats must lie on the true grid within this (the grid is interpolated between two stretches'
    /// lines; over a 6 % drift their ends are 0.7 ms off the curved truth).
    static let gridToleranceSeconds = 0.001
    static let periodSeconds = 60.0 / 156

    /// `count` beats from 0.5 s whose tempo moves linearly by `driftRatio` over the song.
    static func grid(count: Int, driftRatio: Double = 0) -> [Double] {
        var times = [0.5]
        for k in 1..<count {
            times.append(times[k - 1] + periodSeconds / (1 + driftRatio * Double(k) / Double(count)))
        }
        return times
    }

    /// `truth` with beats `first ..< first + length` moved by `phase` periods, reached and left by slides of
    /// `slideBeats` beats (the tracker following a breakdown's off-beat chords).
    static func excursion(_ truth: [Double], first: Int, length: Int, phase: Double, slideBeats: Int) -> [Double] {
        truth.enumerated().map { k, t in
            let ramp = Double(slideBeats + 1)
            let weight: Double
            if k < first - slideBeats || k >= first + length + slideBeats {
                weight = 0
            } else if k < first {
                weight = Double(k - (first - slideBeats) + 1) / ramp
            } else if k < first + length {
                weight = 1
            } else {
                weight = 1 - Double(k - (first + length) + 1) / ramp
            }
            return t + weight * phase * periodSeconds
        }
    }

    @Test(arguments: [-0.35, 0.45, -0.5])
    func aBreakdownOffTheBeatGoesBackOntoTheGrid(phase: Double) {
        for drift in [0.0, 0.06] {
            let truth = Self.grid(count: 120, driftRatio: drift)
            let aligned = BreakdownGridAligner().align(
                Self.excursion(truth, first: 56, length: 14, phase: phase, slideBeats: 4))
            #expect(aligned.count == truth.count)
            let worst = zip(aligned, truth).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= Self.gridToleranceSeconds, "drift \(drift): largest distance from the grid \(worst) s")
        }
    }

    /// A slide through a whole period loses a beat; the bridge puts it back.
    @Test func aBeatLostInTheSlideIsPutBack() {
        let truth = Self.grid(count: 120, driftRatio: 0.04)
        var tracked = Self.excursion(truth, first: 60, length: 1, phase: -0.9, slideBeats: 6)
        tracked.remove(at: 60)
        let aligned = BreakdownGridAligner().align(tracked)
        #expect(aligned.count == truth.count)
        let worst = zip(aligned, truth).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= Self.gridToleranceSeconds, "largest distance from the grid \(worst) s")
    }

    @Test func beatsOnTheGridJitterAndDriftAreLeftAlone() {
        var jittered = Self.grid(count: 120)
        var state: UInt64 = 7
        for k in jittered.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            jittered[k] += 0.004 * (Double(state >> 11) / Double(1 << 53) * 2 - 1) // ±4 ms, humanised playing
        }
        for beats in [Self.grid(count: 120), Self.grid(count: 120, driftRatio: 0.08), jittered, Self.grid(count: 12)] {
            #expect(BreakdownGridAligner().align(beats) == beats)
        }
    }

    /// A song that changes tempo (156 to 117 BPM after 60 beats) keeps its beats: the stretches either side do not
    /// share a grid.
    @Test func aRealTempoChangeIsLeftAlone() {
        var beats = Self.grid(count: 60)
        for _ in 0..<60 { beats.append(beats[beats.count - 1] + Self.periodSeconds * 4 / 3) }
        #expect(BreakdownGridAligner().align(beats) == beats)
    }

    /// A small offset (a tenth of a period: a section played ahead) keeps its own, refined beats.
    @Test func aSmallOffsetIsLeftAlone() {
        let beats = Self.excursion(Self.grid(count: 120), first: 56, length: 14, phase: 0.1, slideBeats: 2)
        #expect(BreakdownGridAligner().align(beats) == beats)
    }

    /// Input that is no beat sequence (unsorted, non-finite, far too fast) comes back unchanged.
    @Test func inputThatIsNoBeatSequenceIsLeftAlone() {
        let slid = Self.excursion(Self.grid(count: 120), first: 56, length: 14, phase: -0.4, slideBeats: 4)
        let fast = slid.map { 5 + $0 / 1000 }
        let unsorted = Array(slid.reversed())
        var broken = slid
        broken[40] = .nan
        broken[90] = .infinity
        for beats in [fast, unsorted] {
            #expect(BreakdownGridAligner().align(beats) == beats)
        }
        #expect(BreakdownGridAligner().align(broken).count == broken.count)
    }
}
