import DSP

/// How file channels are mapped onto the engine's stereo.
///
/// The rule (documented in the README):
/// - 1 channel: copied to left and right (no level change).
/// - 2 channels: kept.
/// - 3 to 8 channels, in the WAV/SMPTE order L, R, C, LFE, Ls, Rs, (Lb, Rb): front left/right at 0 dB, centre at
///   -3 dB into both sides, surrounds and backs at -3 dB into their side, LFE dropped (ITU-R BS.775 downmix).
///   For 3 channels the third is the centre; for 4, the third and fourth are Ls and Rs (quad).
/// - More than 8 channels: even-numbered channels (0, 2, ...) to the left, odd to the right, each side scaled by
///   1/sqrt(number of channels on that side), so uncorrelated channels keep their power.
/// The downmix does not normalise: sums may exceed full scale and are left to the render's headroom.
public enum ChannelMapping {
    /// -3 dB as a linear gain.
    static let minus3Decibels: Float = 0.70710677

    /// The stereo gains (left, right) of each of `channelCount` input channels.
    public static func stereoGains(channelCount: Int) -> [(left: Float, right: Float)] {
        let h = minus3Decibels
        switch channelCount {
        case 1: return [(1, 1)]
        case 2: return [(1, 0), (0, 1)]
        case 3: return [(1, 0), (0, 1), (h, h)]
        case 4: return [(1, 0), (0, 1), (h, 0), (0, h)]
        case 5: return [(1, 0), (0, 1), (h, h), (h, 0), (0, h)]
        case 6: return [(1, 0), (0, 1), (h, h), (0, 0), (h, 0), (0, h)]
        case 7: return [(1, 0), (0, 1), (h, h), (0, 0), (h, 0), (0, h), (h, h)]
        case 8: return [(1, 0), (0, 1), (h, h), (0, 0), (h, 0), (0, h), (h, 0), (0, h)]
        default:
            let leftCount = (channelCount + 1) / 2, rightCount = channelCount / 2
            let lg = 1 / Float(leftCount).squareRoot(), rg = 1 / Float(rightCount).squareRoot()
            return (0..<channelCount).map { $0 % 2 == 0 ? (lg, 0) : (0, rg) }
        }
    }

    /// Maps `frameCount` interleaved frames of `channelCount` channels onto planar stereo `destination`
    /// (left from index 0, right from index `stride`).
    static func mapToStereo(
        _ interleaved: Span<Float>, channelCount: Int, frameCount: Int,
        gains: [(left: Float, right: Float)],
        into destination: inout MutableSpan<Float>, stride: Int
    ) {
        if channelCount == 2 {
            VectorOps.deinterleave(
                interleaved, channelCount: 2, frameCount: frameCount,
                into: &destination, destinationStride: stride)
            return
        }
        if channelCount == 1 {
            for i in 0..<frameCount {
                destination[i] = interleaved[i]
                destination[stride + i] = interleaved[i]
            }
            return
        }
        for i in 0..<frameCount {
            destination[i] = 0
            destination[stride + i] = 0
        }
        for c in 0..<channelCount {
            let (gl, gr) = gains[c]
            if gl == 0 && gr == 0 { continue }
            for i in 0..<frameCount {
                let x = interleaved[i * channelCount + c]
                destination[i] += x * gl
                destination[stride + i] += x * gr
            }
        }
    }

    /// Replaces NaN/Inf in the first `frameCount` interleaved frames of `interleaved` by 0, then maps them onto
    /// the planar stereo `block` (which has `frameCount` frames). Returns how many samples were replaced.
    static func mapReadFrames(
        _ interleaved: inout [Float], channelCount: Int, frameCount: Int, gains: [(left: Float, right: Float)],
        into block: inout AudioBuffer
    ) -> Int {
        var source = interleaved.mutableSpan
        var read = source._mutatingExtracting(0..<frameCount * channelCount)
        let replaced = VectorOps.replaceNonFinite(&read)
        let values = source.span
        block.withMutablePlanarSamples { out in
            mapToStereo(
                values, channelCount: channelCount, frameCount: frameCount, gains: gains, into: &out,
                stride: frameCount)
        }
        return replaced
    }
}
