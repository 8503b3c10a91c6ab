import Analysis
import Foundation
import Testing

/// `BeatPhaseEstimator.alignedToOnsets`: a beat grid moved by whole quarters of a period goes onto the attacks
/// within its reach, as a whole, and stays put when nothing in reach is stronger.
@Suite struct BeatGridAlignmentTests {
    /// An onset envelope of `count` frames with a spike of 1 every `period` frames from `phase` on, and a floor of
    /// 0.01 elsewhere.
    static func spikes(count: Int, period: Int, phase: Int) -> [Float] {
        (0..<count).map { ($0 - phase) % period == 0 && $0 >= phase ? 1 : 0.01 }
    }

    @Test("a grid 3 frames before the attacks moves onto every one of them")
    func gridBeforeTheAttacksMovesOntoThem() {
        let envelope = Self.spikes(count: 400, period: 20, phase: 5)
        let grid = Array(stride(from: 2, to: 400, by: 20))
        let aligned = BeatPhaseEstimator.alignedToOnsets(grid, envelope: envelope, reachFrames: 3)
        #expect(aligned == grid.map { $0 + 3 })
        #expect(aligned.allSatisfy { envelope[$0] == 1 })
    }

    @Test("a grid on the attacks, or with none in reach, is not moved")
    func gridWithNothingStrongerInReachStays() {
        let envelope = Self.spikes(count: 400, period: 20, phase: 5)
        let onTheAttacks = Array(stride(from: 5, to: 400, by: 20))
        #expect(BeatPhaseEstimator.alignedToOnsets(onTheAttacks, envelope: envelope, reachFrames: 3) == onTheAttacks)
        // The attacks are 5 frames away, the reach 2: every offset sums the floor alike, so the grid stays.
        let farFromThem = Array(stride(from: 0, to: 400, by: 20))
        #expect(BeatPhaseEstimator.alignedToOnsets(farFromThem, envelope: envelope, reachFrames: 2) == farFromThem)
    }

    @Test("beats moved outside the envelope are dropped, not clamped onto its edge")
    func beatsMovedOutsideAreDropped() {
        let envelope = Self.spikes(count: 100, period: 20, phase: 17)
        // Beats at 1, 21, ..., 81 move by -4 onto 17, 37, ...: the first would land at -3.
        let grid = Array(stride(from: 1, to: 100, by: 20))
        let aligned = BeatPhaseEstimator.alignedToOnsets(grid, envelope: envelope, reachFrames: 4)
        #expect(aligned == [17, 37, 57, 77])
    }
}
