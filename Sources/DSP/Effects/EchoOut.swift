import Foundation

// Design note: a DJ "echo out". The layer plays dry up to its last frame; its last bars are fed through a
// wet-only feedback delay (DelayEffect) and what the delay emits after the layer's end is returned as a tail
// buffer, which the render mixes in starting at the layer's end frame. Repeats fall by `feedback` each time
// and darken through the damping filter. `suggestedTailFrameCount` gives the length at which the repeats
// have fallen below a floor. Cost: one delay pass over the source bars plus the tail.

/// Renders the echo tail of a layer that stops: repeats of its last bars that decay after its end.
public struct EchoOut: Sendable {
    /// Time between repeats.
    public var time: DelayTime
    /// Level of each repeat relative to the previous one, linear 0...0.98 (default 0.55 ≈ -5.2 dB).
    public var feedback: Float
    /// Cutoff of the feedback low-pass in Hz, nil for none (default 5 kHz).
    public var dampingHz: Double?
    /// Routing of the repeats (default ping-pong, as DJs like it).
    public var style: DelayStyle

    public init(time: DelayTime, feedback: Float = 0.55, dampingHz: Double? = 5000, style: DelayStyle = .pingPong) {
        self.time = time
        self.feedback = feedback
        self.dampingHz = dampingHz
        self.style = style
    }

    /// Frames after the layer's end until the repeats have fallen by `floorDecibels` (negative, default -60 dB)
    /// relative to the first repeat.
    public func suggestedTailFrameCount(sampleRate: Double, floorDecibels: Double = -60) -> Int {
        let perRepeat = 20 * log10(Double(max(min(feedback, 0.98), 1e-4)))
        let repeats = Int((floorDecibels / perRepeat).rounded(.up)) + 1
        return repeats * time.frameCount(sampleRate: sampleRate)
    }

    /// The echo tail that follows `source` (the layer's last bars, ending where the layer stops).
    /// - Parameters:
    ///   - source: the end of the layer, at least one delay time long for a full first repeat.
    ///   - frameCount: length of the tail to render (e.g. `suggestedTailFrameCount`).
    /// - Returns: `frameCount` frames, same channels and rate as `source`, to be mixed from the layer's end.
    /// - Throws: `EffectError` when the delay time is not usable.
    public func tail(after source: AudioBuffer, frameCount: Int) throws -> AudioBuffer {
        precondition(frameCount >= 0, "EchoOut: negative tail length")
        let delay = DelayEffect(
            time: time, style: style, feedback: feedback, dampingHz: dampingHz,
            wetLevel: 1, dryLevel: 0, maximumDelaySeconds: max(time.seconds, 0.001))
        let block = 4096
        try delay.prepare(
            ProcessSpec(
                sampleRate: source.sampleRate, maximumBlockFrameCount: block,
                channelCount: source.channelCount))
        var feed = source
        delay.process(buffer: &feed, blockFrameCount: block)
        var out = AudioBuffer(channelCount: source.channelCount, frameCount: frameCount, sampleRate: source.sampleRate)
        delay.process(buffer: &out, blockFrameCount: block)
        return out
    }
}
