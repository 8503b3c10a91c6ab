/// A monotone, piecewise-linear map from source frames to output frames, for time-stretching by a
/// changing ratio (e.g. locking a drifting beat grid onto an exact target tempo).
///
/// Between two anchors the time ratio is constant: `(target₁ - target₀) / (source₁ - source₀)`; every
/// anchor's source frame lands exactly on its target frame. The map implicitly starts at (0, 0) when the
/// first anchor is later, and continues past the last anchor with the last segment's ratio, so the output
/// length of an input of `L` frames is `round(outputFrame(L))`.
public struct WarpMap: Sendable, Equatable {
    /// One correspondence: source frame (fractional allowed) -> output frame.
    public struct Anchor: Sendable, Equatable {
        /// Position in the input, in frames (0 or more).
        public var sourceFrame: Double
        /// Position in the output, in frames (0 or more).
        public var targetFrame: Double
        public init(sourceFrame: Double, targetFrame: Double) {
            self.sourceFrame = sourceFrame
            self.targetFrame = targetFrame
        }
    }

    /// The anchors, starting with (0, 0), strictly increasing in both coordinates.
    public let anchors: [Anchor]

    /// A map through `anchors` (in increasing source order).
    /// - Throws: `StretchError.invalidWarpMap` when positions are negative, not increasing, or when a
    ///   segment's ratio lies outside `TimeStretcher.timeRatioRange`.
    public init(anchors: [Anchor]) throws {
        guard !anchors.isEmpty else { throw StretchError.invalidWarpMap(reason: "no anchors") }
        var all = anchors
        if let first = all.first, first.sourceFrame != 0 || first.targetFrame != 0 {
            guard first.sourceFrame > 0, first.targetFrame > 0 else {
                throw StretchError.invalidWarpMap(
                    reason: "anchor 0 (\(first.sourceFrame) -> \(first.targetFrame)) must be (0, 0) or after it")
            }
            all.insert(Anchor(sourceFrame: 0, targetFrame: 0), at: 0)
        }
        guard all.count >= 2 else {
            throw StretchError.invalidWarpMap(reason: "needs at least one anchor after (0, 0)")
        }
        for i in 1..<all.count {
            let ds = all[i].sourceFrame - all[i - 1].sourceFrame
            let dt = all[i].targetFrame - all[i - 1].targetFrame
            guard ds.isFinite, dt.isFinite, ds > 0, dt > 0 else {
                throw StretchError.invalidWarpMap(
                    reason: "anchor \(i) (\(all[i].sourceFrame) -> \(all[i].targetFrame)) does not increase")
            }
            let ratio = dt / ds
            guard TimeStretcher.timeRatioRange.contains(ratio) else {
                throw StretchError.invalidWarpMap(
                    reason:
                        "segment ending at anchor \(i) has time ratio \(ratio), outside \(TimeStretcher.timeRatioRange)"
                )
            }
        }
        self.anchors = all
    }

    /// A constant ratio: output frame = `timeRatio` × source frame.
    public init(timeRatio: Double) throws {
        guard timeRatio.isFinite, TimeStretcher.timeRatioRange.contains(timeRatio) else {
            throw StretchError.timeRatioOutOfRange(timeRatio)
        }
        self.anchors = [Anchor(sourceFrame: 0, targetFrame: 0), Anchor(sourceFrame: 1, targetFrame: timeRatio)]
    }

    /// A map that moves each `sourceFrames[i]` onto `targetFrames[i]` (e.g. detected beats onto a grid).
    public init(sourceFrames: [Double], targetFrames: [Double]) throws {
        guard sourceFrames.count == targetFrames.count else {
            throw StretchError.invalidWarpMap(
                reason: "\(sourceFrames.count) source frames but \(targetFrames.count) targets")
        }
        try self.init(anchors: zip(sourceFrames, targetFrames).map { Anchor(sourceFrame: $0, targetFrame: $1) })
    }

    /// The output position of source frame `source` (extrapolated past the last anchor).
    public func outputFrame(_ source: Double) -> Double {
        var i = 1
        while i < anchors.count - 1 && anchors[i].sourceFrame < source { i += 1 }
        let a = anchors[i - 1], b = anchors[i]
        return a.targetFrame + (source - a.sourceFrame) * (b.targetFrame - a.targetFrame)
            / (b.sourceFrame - a.sourceFrame)
    }

    /// Output length in frames for an input of `inputFrameCount` frames: `round(outputFrame(L))`.
    public func outputFrameCount(inputFrameCount: Int) -> Int {
        inputFrameCount == 0 ? 0 : Int(outputFrame(Double(inputFrameCount)).rounded())
    }

    /// True when the map is the identity (every segment has ratio 1).
    public var isIdentity: Bool { anchors.allSatisfy { $0.sourceFrame == $0.targetFrame } }

    /// The same map with every target frame multiplied by `factor` (used to fold a pitch ratio into the stretch).
    func scaled(by factor: Double) -> [Anchor] {
        anchors.map { Anchor(sourceFrame: $0.sourceFrame, targetFrame: $0.targetFrame * factor) }
    }
}
