import DSP
import Foundation

/// Where and how one layer is rendered: its span on the output timeline, its fades, the warp from its song onto
/// the target beat grid, its key shift and its effects. Frames are output frames at the engine rate.
struct LayerPlacement: Sendable {
    /// Index of the section and of the layer within it (for paths, progress and the report).
    var sectionIndex: Int
    var layerIndex: Int
    var layer: RenderScript.Layer
    /// First output frame the rendered buffer covers (may be before the section for a transition pre-roll).
    var outputStartFrame: Int
    /// Output frames covered, from `outputStartFrame` (includes transition rolls; echo tails come on top).
    var frameCount: Int
    /// Fades relative to `outputStartFrame`: gain curves of the transitions and of the layer's own fades.
    var fadeIn: Fade
    var fadeOut: Fade
    /// Warp anchors: source time in the song's seconds and output frame (absolute), one per beat, covering
    /// the whole span with a beat to spare on each side.
    var anchors: [(sourceSeconds: Double, outputFrame: Double)]
    /// Source position at the section start (snapped to a downbeat), seconds.
    var sourceStartSeconds: Double
    /// Key shift in semitones.
    var semitones: Double
    /// Effects to run, in order (the plan's plus the transition's, e.g. a filter sweep into the next section).
    var effects: [EffectSpec]
    /// Echo-out on leaving: the tail rendered after `echoStopFrame` (relative), nil for none.
    var echoOut: EffectSpec.EchoOut?
    /// Where the layer stops for an echo-out, relative to `outputStartFrame`.
    var echoStopFrame: Int
    /// The song's gain staging, dB, applied with the layer's own gain.
    var songGainDecibels: Double

    /// A fade: `frameCount` frames starting at `startFrame` (relative to the layer), with a curve.
    struct Fade: Sendable {
        var startFrame: Int
        var frameCount: Int
        var curve: CrossfadeCurve
        static let none = Fade(startFrame: 0, frameCount: 0, curve: .linear)
    }

    /// JSON path of the layer in the plan.
    var path: String { "masterplan.timeline[\(sectionIndex)].layers[\(layerIndex)]" }

    /// Output duration / source duration over the anchors.
    var stretchRatio: Double {
        guard let first = anchors.first, let last = anchors.last, last.sourceSeconds > first.sourceSeconds else {
            return 1
        }
        return (last.outputFrame - first.outputFrame) / ((last.sourceSeconds - first.sourceSeconds) * outputSampleRate)
    }

    /// The source time (song seconds) played at an absolute output frame, interpolated between the anchors.
    func sourceSeconds(atOutputFrame frame: Double) -> Double {
        guard let first = anchors.first else { return sourceStartSeconds }
        var previous = first
        for anchor in anchors.dropFirst() {
            if anchor.outputFrame >= frame {
                let span = anchor.outputFrame - previous.outputFrame
                let t = span > 0 ? (frame - previous.outputFrame) / span : 0
                return previous.sourceSeconds + t * (anchor.sourceSeconds - previous.sourceSeconds)
            }
            previous = anchor
        }
        return previous.sourceSeconds
    }

    /// The engine rate, set by the planner (needed for `stretchRatio`).
    var outputSampleRate: Double
}
