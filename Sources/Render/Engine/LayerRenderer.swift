import DSP
import Foundation

// Design note: one layer, start to finish, as a pure function of its placement and its stem.
// 1. Read the stem's slice around the warp anchors from its source (a beat of slack each side; outside the song
//    is silence): only that range is read, and only when the stretch cache does not already hold the result.
// 2. Warp it onto the target grid and shift its key in one stretcher pass (cached by content, slice, anchors
//    and shift, so a repeated section is stretched once).
// 3. Cut the layer's span out of the warped audio, run its effects (latency compensated), apply gain and a
//    constant-power pan normalised to unity at the centre, then the fades.
// 4. For an echo-out, render the echo tail of the layer's last beats after its stop frame.
// The result is deterministic: no shared state, no randomness, the same bits whatever the thread.

/// A rendered layer, ready to be added to the bus at `outputStartFrame`.
struct RenderedLayer: Sendable {
    var placementIndex: Int
    var outputStartFrame: Int
    var audio: AudioBuffer
    var report: RenderReport.Layer
    /// A sidechain still to apply (keyed by the section's stem) before mixing.
    var pendingSidechain: EffectSpec.Sidechain?
}

struct LayerRenderer {
    let tempoMap: TempoMap
    let stretchOptions: StretchOptions
    let formantThresholdSemitones: Double
    let cache: StretchCache
    /// When set, material is cached only while another layer of this render still needs it (`StretchReuse`).
    var reuse: StretchReuse? = nil
    /// Processing block size, frames.
    static let blockFrameCount = 4096
    /// The slice and the output start this many frames before the first anchor, so that the warp map's implicit
    /// (0, 0) start joins the first anchor at a ratio within a thousandth of 1.
    static let leadFrameCount = 1000

    /// The source frames (song frames at `sampleRate`) that rendering `placement` reads; nil without anchors.
    static func sourceFrames(of placement: LayerPlacement, sampleRate: Double) -> Range<Int>? {
        guard let first = placement.anchors.first, let last = placement.anchors.last else { return nil }
        let start = Int((first.sourceSeconds * sampleRate).rounded(.down)) - leadFrameCount
        return start..<max(start, Int((last.sourceSeconds * sampleRate).rounded(.up)) + 1)
    }

    /// How a layer's slice is warped: the source frames read, the warp anchors relative to the slice and to the
    /// output frame `outputBaseFrame`, and the stretch cache's key for the result.
    struct Warp {
        var sliceFrames: Range<Int>
        var outputBaseFrame: Int
        var anchors: [WarpMap.Anchor]
        var key: StretchCache.Key
    }

    /// The warp of `placement` read from a stem with content `fingerprint`; nil without anchors.
    static func warp(
        of placement: LayerPlacement, fingerprint: UInt64, tempoMap: TempoMap, formantThresholdSemitones: Double
    ) -> Warp? {
        let rate = tempoMap.sampleRate
        guard let slice = sourceFrames(of: placement, sampleRate: rate), let first = placement.anchors.first else {
            return nil
        }
        let outputBase = Int(first.outputFrame.rounded(.down)) - leadFrameCount
        let anchors = placement.anchors.map {
            WarpMap.Anchor(
                sourceFrame: $0.sourceSeconds * rate - Double(slice.lowerBound),
                targetFrame: $0.outputFrame - Double(outputBase))
        }
        let stem = placement.layer.stem
        let key = StretchCache.Key(
            sourceFingerprint: fingerprint, stem: stem, sliceStartFrame: slice.lowerBound,
            sliceFrameCount: slice.count,
            anchorMillis: anchors.flatMap {
                [Int64(($0.sourceFrame * 1000).rounded()), Int64(($0.targetFrame * 1000).rounded())]
            },
            semitones: placement.semitones,
            preserveFormants: stem == .vocals && abs(placement.semitones) >= formantThresholdSemitones)
        return Warp(sliceFrames: slice, outputBaseFrame: outputBase, anchors: anchors, key: key)
    }

    /// Renders `placement` from its stem, of which `read` returns any frame range at the engine rate (silence
    /// outside the song); `fingerprint` identifies the stem's content for the stretch cache.
    func render(
        _ placement: LayerPlacement, index: Int, fingerprint: UInt64,
        read: (Range<Int>) async throws -> AudioBuffer
    ) async throws -> RenderedLayer {
        let layer = placement.layer
        // 1. The source slice and the warp map relative to it.
        guard
            let warp = Self.warp(
                of: placement, fingerprint: fingerprint, tempoMap: tempoMap,
                formantThresholdSemitones: formantThresholdSemitones)
        else {
            throw RenderError.layerFailed(path: placement.path, message: "no beats to warp")
        }
        let key = warp.key
        let warped: AudioBuffer
        if let cached = cache.buffer(for: key) {
            warped = cached
            RenderCacheCounter.current?.hit("stretch")
            // The last layer of this render that needs it has it: the memory goes back.
            if let reuse, reuse.use(key) == 0 { cache.remove(key) }
        } else {
            let slice = try await read(warp.sliceFrames)
            var options = stretchOptions
            options.preserveFormants = key.preserveFormants
            do {
                let map = try WarpMap(anchors: warp.anchors)
                warped = try TimeStretcher(options: options).process(
                    slice, warpMap: map, semitones: placement.semitones)
            } catch {
                throw RenderError.layerFailed(path: placement.path, message: "stretch failed: \(error)")
            }
            // Kept for later renders (a shared cache), or, under a per-render reuse plan, only when another layer
            // of this render still needs it.
            if reuse.map({ $0.use(key) > 0 }) ?? true { cache.store(warped, for: key) }
        }
        let outputBase = warp.outputBaseFrame

        // 2. Effects, run over the span plus the effects' latency, which is then skipped.
        var chain: EffectChain
        do {
            chain = try EffectChain(
                effects: placement.effects, tempoMap: tempoMap, layerFrameCount: placement.frameCount,
                bodyEndFrame: placement.echoStopFrame, blockFrameCount: Self.blockFrameCount,
                channelCount: warped.channelCount)
        } catch {
            throw RenderError.layerFailed(path: placement.path, message: "effect refused its settings: \(error)")
        }
        let latency = chain.latencyFrameCount
        let spanOffset = placement.outputStartFrame - outputBase
        var audio = warped.slice(frames: spanOffset..<spanOffset + placement.frameCount + latency)
        chain.process(&audio, blockFrameCount: Self.blockFrameCount)
        if latency > 0 { audio = audio.slice(frames: latency..<latency + placement.frameCount) }

        // 3. Gain and pan, then fades.
        let gainDecibels = layer.gainDecibels + chain.extraGainDecibels
        let pan = min(max(chain.panOverride ?? layer.pan, -1), 1)
        Self.applyGainAndPan(&audio, gainDecibels: gainDecibels + placement.songGainDecibels, pan: pan)
        let echo = chain.echoOut ?? placement.echoOut
        let stopFrame = chain.echoOut != nil ? placement.frameCount : placement.echoStopFrame
        let echoSource = echo.map { _ in
            audio.slice(frames: max(0, stopFrame - tempoMap.frameCount(seconds: tempoMap.secondsPerBar))..<stopFrame)
        }
        Self.applyFade(&audio, placement.fadeIn, fadingIn: true)
        Self.applyFade(&audio, placement.fadeOut, fadingIn: false)

        // 4. Echo tail after the stop.
        if let echo, let echoSource {
            let tailFrames = min(
                tempoMap.frameCount(seconds: echo.tail.seconds(in: tempoMap)), tempoMap.frameCount(seconds: 16))
            let effect = EchoOut(
                time: .milliseconds(echo.time.seconds(in: tempoMap) * 1000), feedback: Float(echo.feedback))
            var tail = try effect.tail(after: echoSource, frameCount: tailFrames)
            // The last repeats fade away over the final quarter of the tail.
            Self.applyFade(
                &tail,
                LayerPlacement.Fade(
                    startFrame: tailFrames - tailFrames / 4, frameCount: tailFrames / 4,
                    curve: .sCurve), fadingIn: false)
            let total = max(audio.frameCount, stopFrame + tailFrames)
            audio.resize(frameCount: total)
            for c in 0..<audio.channelCount {
                tail.withSamples(ofChannel: c) { t in
                    audio.withMutableSamples(ofChannel: c) { a in
                        var part = a.extracting(stopFrame..<stopFrame + tailFrames)
                        VectorOps.add(t, into: &part)
                    }
                }
            }
        }

        let report = RenderReport.Layer(
            songID: layer.songID, stem: layer.stem.rawValue, gainDecibels: gainDecibels, pan: pan,
            sourceStartSeconds: placement.sourceStartSeconds,
            sourceEndSeconds: placement.sourceSeconds(
                atOutputFrame: Double(placement.outputStartFrame + placement.echoStopFrame)),
            stretchRatio: placement.stretchRatio, semitones: placement.semitones,
            effectsApplied: chain.applied, effectsIgnored: layer.ignoredEffects, measuredLoudnessLUFS: nil)
        return RenderedLayer(
            placementIndex: index, outputStartFrame: placement.outputStartFrame, audio: audio,
            report: report, pendingSidechain: chain.sidechain)
    }

    /// Gain in dB and a constant-power pan (-1...1) normalised so that the centre is unity.
    static func applyGainAndPan(_ audio: inout AudioBuffer, gainDecibels: Double, pan: Double) {
        let gain = Float(Decibels.gain(gainDecibels))
        let angle = (pan + 1) * Double.pi / 4
        let sides =
            audio.channelCount == 2
            ? [Float(cos(angle) * 2.0.squareRoot()), Float(sin(angle) * 2.0.squareRoot())]
            : [Float](repeating: 1, count: audio.channelCount)
        for c in 0..<audio.channelCount {
            let g = gain * sides[c]
            if g != 1 { audio.withMutableSamples(ofChannel: c) { VectorOps.scale(&$0, by: g) } }
        }
    }

    /// Applies a fade curve over `fade`'s frames; outside it the gain is 1 (before a fade-in: 0, after a fade-out: 0).
    static func applyFade(_ audio: inout AudioBuffer, _ fade: LayerPlacement.Fade, fadingIn: Bool) {
        guard fade.frameCount > 0 else { return }
        let start = max(0, fade.startFrame), end = min(audio.frameCount, fade.startFrame + fade.frameCount)
        guard end > start else { return }
        var curve = [Float](repeating: 0, count: end - start)
        for i in 0..<curve.count {
            let position = (Double(start + i - fade.startFrame) + 0.5) / Double(fade.frameCount)
            curve[i] = fadingIn ? fade.curve.fadeInGain(position) : fade.curve.fadeOutGain(position)
        }
        for c in 0..<audio.channelCount {
            audio.withMutableSamples(ofChannel: c) { channel in
                let g = curve.span
                for i in 0..<g.count { channel[start + i] *= g[i] }
                if fadingIn {
                    for i in 0..<start { channel[i] = 0 }
                } else {
                    for i in end..<channel.count { channel[i] = 0 }
                }
            }
        }
    }
}
