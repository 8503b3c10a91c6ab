/// Fades and crossfades on whole buffers (offline, for the render's transitions and layer edges).
///
/// Positions are in frames; gains follow a `CrossfadeCurve` sampled at the centre of each frame's step,
/// so a fade of n frames starts just above 0 and ends just below 1 and chaining a fade-out and a fade-in
/// over the same frames gives a seamless crossfade.
public enum Fades {
    /// Multiplies `frames` of every channel by a rising curve (silence to full level) and leaves the rest.
    public static func applyFadeIn(to buffer: inout AudioBuffer, frames: Range<Int>, curve: CrossfadeCurve = .sCurve) {
        apply(to: &buffer, frames: frames) { curve.fadeInGain($0) }
    }

    /// Multiplies `frames` by a falling curve and silences everything after them.
    public static func applyFadeOut(to buffer: inout AudioBuffer, frames: Range<Int>, curve: CrossfadeCurve = .sCurve) {
        apply(to: &buffer, frames: frames) { curve.fadeOutGain($0) }
        let tail = frames.upperBound..<buffer.frameCount
        if !tail.isEmpty {
            buffer.withMutableBlock(frames: tail) { $0.clear() }
        }
    }

    /// Crossfades from `outgoing` to `incoming` (same channels, rate and length): the result starts as
    /// `outgoing` and ends as `incoming`.
    public static func crossfade(
        from outgoing: AudioBuffer, to incoming: AudioBuffer,
        curve: CrossfadeCurve = .equalPower
    ) -> AudioBuffer {
        precondition(
            outgoing.frameCount == incoming.frameCount && outgoing.channelCount == incoming.channelCount,
            "Fades.crossfade: buffers must match")
        var a = outgoing
        var b = incoming
        let all = 0..<outgoing.frameCount
        apply(to: &a, frames: all) { curve.fadeOutGain($0) }
        apply(to: &b, frames: all) { curve.fadeInGain($0) }
        for c in 0..<a.channelCount {
            b.withSamples(ofChannel: c) { source in
                a.withMutableSamples(ofChannel: c) { VectorOps.add(source, into: &$0) }
            }
        }
        return a
    }

    private static func apply(to buffer: inout AudioBuffer, frames: Range<Int>, gain: (Double) -> Float) {
        let range = max(frames.lowerBound, 0)..<min(frames.upperBound, buffer.frameCount)
        guard !range.isEmpty else { return }
        let count = Double(frames.count)
        var gains = [Float](repeating: 0, count: range.count)
        for i in range { gains[i - range.lowerBound] = gain((Double(i - frames.lowerBound) + 0.5) / count) }
        buffer.withMutableBlock(frames: range) { block in
            for c in 0..<block.channelCount {
                block.withMutableSamples(ofChannel: c) { p in
                    for i in p.indices { p[i] *= gains[i] }
                }
            }
        }
    }
}
