import Foundation

/// The mashup's time grid: a constant target tempo and time signature at the render's sample rate.
///
/// Converts between beats, bars, seconds and frames. Beat 0 (the first downbeat) is at `originSeconds`,
/// 0 by default (the mashup starts on a downbeat). Beats count the time signature's beat unit. Positions in frames
/// are always computed from the absolute position (never by accumulating rounded lengths), so there is no drift:
/// `frame(atBeat: b)` is `round(originFrames + b · 60 · sampleRate / tempoBPM)` for any `b`, exact to the frame.
/// Rounding is to the nearest frame, halves away from zero.
public struct TempoMap: Sendable, Hashable {
    /// Target tempo in beats per minute, > 0.
    public let tempoBPM: Double
    /// Bars and beat unit.
    public let timeSignature: TimeSignature
    /// Frames per second, > 0.
    public let sampleRate: Double
    /// Time of beat 0 in seconds (a downbeat).
    public let originSeconds: Double

    /// Creates a tempo map. Preconditions: tempo and sample rate finite and positive, origin finite.
    public init(tempoBPM: Double, timeSignature: TimeSignature = .common, sampleRate: Double, originSeconds: Double = 0)
    {
        precondition(tempoBPM.isFinite && tempoBPM > 0, "tempo must be positive")
        precondition(sampleRate.isFinite && sampleRate > 0, "sample rate must be positive")
        precondition(originSeconds.isFinite, "origin must be finite")
        self.tempoBPM = tempoBPM
        self.timeSignature = timeSignature
        self.sampleRate = sampleRate
        self.originSeconds = originSeconds
    }

    // MARK: Lengths

    /// Seconds per beat: 60 / tempo.
    public var secondsPerBeat: Double { 60 / tempoBPM }
    /// Seconds per bar.
    public var secondsPerBar: Double { Double(timeSignature.beatsPerBar) * 60 / tempoBPM }
    /// Frames per beat, fractional.
    public var framesPerBeat: Double { 60 * sampleRate / tempoBPM }
    /// Beats per bar.
    public var beatsPerBar: Int { timeSignature.beatsPerBar }

    /// Length in seconds of a note value at this tempo (a whole note is `beatUnit` beats).
    /// Example: 1/8 at 124 BPM in 4/4 = 0.241935... s.
    public func seconds(of note: NoteValue) -> Double {
        note.wholeNotes * Double(timeSignature.beatUnit) * 60 / tempoBPM
    }

    /// Length in seconds of `beats` beats (any sign).
    public func seconds(beats: Double) -> Double { beats * 60 / tempoBPM }
    /// Length in seconds of `bars` bars (any sign).
    public func seconds(bars: Double) -> Double { bars * Double(timeSignature.beatsPerBar) * 60 / tempoBPM }

    /// Length in frames, rounded to the nearest frame, of a crossfade of `bars` bars at the target tempo;
    /// 0 for a non-positive or non-finite length. Example: 1 bar of 4/4 at 120 BPM and 44.1 kHz = 88200 frames.
    public func crossfadeFrameCount(bars: Double) -> Int {
        guard bars.isFinite, bars > 0 else { return 0 }
        return Self.roundToFrame(bars * Double(timeSignature.beatsPerBar) * 60 * sampleRate / tempoBPM)
    }

    /// Length in frames of a duration in seconds, rounded to the nearest frame (never negative).
    public func frameCount(seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return Self.roundToFrame(seconds * sampleRate)
    }

    // MARK: Positions

    /// The position in beats (fractional, from beat 0) of a time in seconds.
    public func beat(atSeconds seconds: Double) -> Double { (seconds - originSeconds) * tempoBPM / 60 }
    /// The time in seconds of a beat position.
    public func seconds(atBeat beat: Double) -> Double { originSeconds + beat * 60 / tempoBPM }
    /// The position in bars (fractional, bar 0 starts at beat 0) of a time in seconds.
    public func bar(atSeconds seconds: Double) -> Double {
        beat(atSeconds: seconds) / Double(timeSignature.beatsPerBar)
    }
    /// The time in seconds of the start of bar `bar` (fractional bars allowed).
    public func seconds(atBar bar: Double) -> Double { seconds(atBeat: bar * Double(timeSignature.beatsPerBar)) }

    /// The frame nearest to a time in seconds.
    public func frame(atSeconds seconds: Double) -> Int { Self.roundToFrame(seconds * sampleRate) }
    /// The time in seconds of a frame.
    public func seconds(atFrame frame: Int) -> Double { Double(frame) / sampleRate }

    /// The frame nearest to a beat position: `round(origin · rate + beat · 60 · rate / tempo)`.
    public func frame(atBeat beat: Double) -> Int {
        Self.roundToFrame(originSeconds * sampleRate + beat * 60 * sampleRate / tempoBPM)
    }
    /// The frame nearest to the start of a bar.
    public func frame(atBar bar: Double) -> Int { frame(atBeat: bar * Double(timeSignature.beatsPerBar)) }
    /// The beat position (fractional) of a frame.
    public func beat(atFrame frame: Int) -> Double { beat(atSeconds: Double(frame) / sampleRate) }

    /// The start frames of every bar that begins in `0 ..< endFrame` (bars before the origin included when the
    /// origin is positive), in increasing order.
    public func barStartFrames(before endFrame: Int) -> [Int] {
        guard endFrame > 0 else { return [] }
        let firstBar = Int(saturating: bar(atSeconds: 0), rounding: .up)
        var frames: [Int] = []
        var index = firstBar
        while true {
            let f = frame(atBar: Double(index))
            if f >= endFrame { break }
            if f >= 0 { frames.append(f) }
            index += 1
        }
        return frames
    }

    // MARK: Snapping

    /// A grid to snap to.
    public enum Grid: Sendable, Hashable {
        case beat
        case bar
        /// A note value, e.g. `.note(.sixteenth)`.
        case note(NoteValue)
    }

    /// How to snap: to the nearest grid line, the one at or before, or the one at or after.
    public enum SnapRule: Sendable, Hashable {
        case nearest
        case floor
        case ceiling
    }

    /// The grid step in beats.
    public func beats(in grid: Grid) -> Double {
        switch grid {
        case .beat: return 1
        case .bar: return Double(timeSignature.beatsPerBar)
        case .note(let note): return note.wholeNotes * Double(timeSignature.beatUnit)
        }
    }

    /// A time in seconds moved onto the grid (beat/bar positions measured from the origin).
    public func snap(seconds: Double, to grid: Grid, rule: SnapRule = .nearest) -> Double {
        let step = beats(in: grid)
        let position = beat(atSeconds: seconds) / step
        // Guard against a position a hair below an integer from floating error (e.g. 3.9999999999).
        let tolerance = 1e-9
        let snapped: Double
        switch rule {
        case .nearest: snapped = position.rounded(.toNearestOrAwayFromZero)
        case .floor: snapped = (position + tolerance).rounded(.down)
        case .ceiling: snapped = (position - tolerance).rounded(.up)
        }
        return self.seconds(atBeat: snapped * step)
    }

    /// The frame of the grid line nearest (or at/before, at/after) a frame.
    public func snap(frame: Int, to grid: Grid, rule: SnapRule = .nearest) -> Int {
        let step = beats(in: grid)
        let position = beat(atFrame: frame) / step
        let tolerance = 1e-9
        let snapped: Double
        switch rule {
        case .nearest: snapped = position.rounded(.toNearestOrAwayFromZero)
        case .floor: snapped = (position + tolerance).rounded(.down)
        case .ceiling: snapped = (position - tolerance).rounded(.up)
        }
        var result = self.frame(atBeat: snapped * step)
        // Frame rounding can put the line one frame on the wrong side of `frame`: step to the neighbour line.
        if rule == .floor && result > frame { result = self.frame(atBeat: (snapped - 1) * step) }
        if rule == .ceiling && result < frame { result = self.frame(atBeat: (snapped + 1) * step) }
        return result
    }

    /// Rounds a frame position to the nearest integer, halves away from zero; saturates at ±2^53 (NaN gives 0)
    /// rather than trapping, for positions computed from plan values that escaped their range checks.
    @inlinable
    public static func roundToFrame(_ value: Double) -> Int {
        Int(saturating: value, rounding: .toNearestOrAwayFromZero)
    }
}
