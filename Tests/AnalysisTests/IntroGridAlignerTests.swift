import Analysis
import Foundation
import Testing

/// `IntroGridAligner`: beats tracked off the beat in an intro go onto the grid of the song's longest steady
/// stretch; beats already on it, drift and small offsets are left alone.
@Suite struct IntroGridAlignerTests {
    /// The replaced intro beats must lie on the true grid within this.
    static let gridToleranceSeconds = 0.002
    static let periodSeconds = 60.0 / 124
    /// Where the songs below become audible (their first beat, 0.5 s), less a quarter of a period.
    static let earliestSeconds = 0.5 - 0.25 * periodSeconds

    /// Beat `k` of a song starting at `startSeconds` whose tempo moves linearly by `driftRatio` over `count` beats.
    static func grid(count: Int, startSeconds: Double = 0.5, driftRatio: Double = 0) -> [Double] {
        var times = [startSeconds]
        for k in 1..<count {
            let period = periodSeconds / (1 + driftRatio * Double(k) / Double(count))
            times.append(times[k - 1] + period)
        }
        return times
    }

    /// The first `introBeats` beats moved by `phase` of a period, then sliding back onto the grid over
    /// `slideBeats` beats (as the tracker does when the drums enter).
    static func slid(_ truth: [Double], introBeats: Int, slideBeats: Int, phase: Double) -> [Double] {
        truth.enumerated().map { k, t in
            let offset: Double
            if k < introBeats {
                offset = phase
            } else if k < introBeats + slideBeats {
                offset = phase * (1 - Double(k - introBeats + 1) / Double(slideBeats + 1))
            } else {
                offset = 0
            }
            return t + offset * periodSeconds
        }
    }

    @Test(arguments: [0.5, 0.6, -0.35])
    func anOffBeatIntroGoesOntoTheGrid(phase: Double) {
        let truth = Self.grid(count: 96)
        let aligned = IntroGridAligner().align(
            Self.slid(truth, introBeats: 16, slideBeats: 4, phase: phase), earliestSeconds: Self.earliestSeconds)
        #expect(aligned.count == truth.count)
        let worst = zip(aligned, truth).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= Self.gridToleranceSeconds, "largest distance from the grid \(worst) s")
    }

    @Test func beatsOnTheGridAndDriftAreLeftAlone() {
        for beats in [Self.grid(count: 96), Self.grid(count: 96, driftRatio: 0.08), Self.grid(count: 20)] {
            #expect(IntroGridAligner().align(beats, earliestSeconds: Self.earliestSeconds) == beats)
        }
    }

    /// An intro a tenth of a period off (under the threshold) keeps its own beats: they may be a pickup played
    /// ahead, and the refiner put them on their attacks.
    @Test func aSmallOffsetIsLeftAlone() {
        let beats = Self.slid(Self.grid(count: 96), introBeats: 16, slideBeats: 2, phase: 0.1)
        #expect(IntroGridAligner().align(beats, earliestSeconds: Self.earliestSeconds) == beats)
    }

    /// Input that is no beat sequence (unsorted, non-finite, or far too fast) comes back unchanged, at once.
    @Test func inputThatIsNoBeatSequenceIsLeftAlone() {
        // An off-beat intro at a thousandth of the period: extended back to 0 s its grid would have 5,000 beats.
        let fast = Self.slid(Self.grid(count: 96), introBeats: 16, slideBeats: 4, phase: 0.5).map { 5 + $0 / 1000 }
        let unsorted = Array(Self.grid(count: 96).reversed())
        var broken = Self.grid(count: 96)
        broken[40] = .nan
        for beats in [fast, unsorted] {
            #expect(IntroGridAligner().align(beats, earliestSeconds: 0) == beats)
        }
        #expect(IntroGridAligner().align(broken, earliestSeconds: 0).count == broken.count)
    }
}
