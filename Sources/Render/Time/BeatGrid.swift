import DSP
import Foundation

/// The beat grid of a source song, from analysed beat and downbeat times (seconds in the song's own time).
///
/// Design: beats are kept sorted; the fractional beat index of a time is interpolated linearly between the two
/// surrounding beats (tempo is locally constant between beats) and extrapolated outside the analysed range with
/// the median beat period of the first or last `edgeIntervalCount` intervals, which ignores a single mistracked beat at
/// the edge. Downbeats, when given, are snapped to their nearest beat and define the bar phase; when absent,
/// every `beatsPerBar`-th beat from the first one is a downbeat. All queries are O(log n).
public struct BeatGrid: Sendable, Hashable {
    /// Beat times in seconds, strictly increasing, at least two.
    public let beatTimes: [Double]
    /// Indices into `beatTimes` of the downbeats, increasing, at least one.
    public let downbeatIndices: [Int]
    /// Beats per bar used to extend downbeats beyond the analysed ones.
    public let beatsPerBar: Int
    /// Median beat period at the start and at the end, in seconds, used for extrapolation.
    public let leadingBeatPeriodSeconds: Double
    public let trailingBeatPeriodSeconds: Double

    /// Intervals used for the median period at each edge.
    static let edgeIntervalCount = 8
    /// Tempi accepted for a uniform grid, BPM (an analysis service's `bpm` outside it is refused).
    public static let uniformTempoRangeBPM: ClosedRange<Double> = 1...1_000
    /// Longest span a uniform grid covers, seconds (a day; songs are limited far below it).
    public static let maximumUniformSeconds = 86_400.0
    /// Two beats closer than this (seconds) are one beat: analysers sometimes emit near-duplicates.
    static let minimumBeatSpacingSeconds = 0.05

    /// Why a grid could not be built.
    public enum GridError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Fewer than two usable (finite, distinct, non-negative) beat times.
        case tooFewBeats(count: Int)
        /// A tempo that is not finite and positive.
        case invalidTempo(Double)

        public var description: String {
            switch self {
            case .tooFewBeats(let n): return "a beat grid needs at least 2 beats (got \(n) usable)"
            case .invalidTempo(let t): return "invalid tempo \(t) BPM"
            }
        }
    }

    /// Builds a grid from analysed beats and optional downbeats (seconds). Non-finite and negative times are
    /// dropped, the rest sorted and de-duplicated (closer than 50 ms). Throws `GridError.tooFewBeats` when fewer
    /// than two beats remain.
    public init(beatTimes rawBeats: [Double], downbeatTimes rawDownbeats: [Double] = [], beatsPerBar: Int = 4) throws {
        precondition(beatsPerBar > 0, "beatsPerBar must be positive")
        var beats: [Double] = []
        beats.reserveCapacity(rawBeats.count)
        for t in rawBeats.filter({ $0.isFinite && $0 >= 0 }).sorted() {
            if let last = beats.last, t - last < Self.minimumBeatSpacingSeconds { continue }
            beats.append(t)
        }
        guard beats.count >= 2 else { throw GridError.tooFewBeats(count: beats.count) }
        self.beatTimes = beats
        self.beatsPerBar = beatsPerBar

        var intervals: [Double] = []
        intervals.reserveCapacity(beats.count - 1)
        for i in 1..<beats.count { intervals.append(beats[i] - beats[i - 1]) }
        let n = min(Self.edgeIntervalCount, intervals.count)
        leadingBeatPeriodSeconds = Statistics.median(Array(intervals.prefix(n)))
        trailingBeatPeriodSeconds = Statistics.median(Array(intervals.suffix(n)))

        var downbeats: [Int] = []
        for t in rawDownbeats where t.isFinite {
            let index = Self.nearestIndex(in: beats, to: t)
            // Only accept a downbeat that really is near a beat (within half the local period).
            let period = index + 1 < beats.count ? beats[index + 1] - beats[index] : beats[index] - beats[index - 1]
            if abs(beats[index] - t) <= period / 2, downbeats.last.map({ $0 < index }) ?? true {
                downbeats.append(index)
            }
        }
        if downbeats.isEmpty {
            downbeats = Array(stride(from: 0, to: beats.count, by: beatsPerBar))
        }
        self.downbeatIndices = downbeats
    }

    /// A uniform grid: constant tempo, first beat (a downbeat) at `firstBeatSeconds`, covering `durationSeconds`.
    /// Tempo must be in `uniformTempoRangeBPM` (an analysis answer outside it is refused, not trusted); the grid
    /// covers at most `maximumUniformSeconds`.
    public init(tempoBPM: Double, firstBeatSeconds: Double = 0, durationSeconds: Double, beatsPerBar: Int = 4) throws {
        guard tempoBPM.isFinite, Self.uniformTempoRangeBPM.contains(tempoBPM) else {
            throw GridError.invalidTempo(tempoBPM)
        }
        guard firstBeatSeconds.isFinite, firstBeatSeconds >= 0 else { throw GridError.tooFewBeats(count: 0) }
        let period = 60 / tempoBPM
        let covered =
            durationSeconds.isFinite ? min(max(durationSeconds - firstBeatSeconds, 0), Self.maximumUniformSeconds) : 0
        let count = max(2, Int(saturating: covered / period, rounding: .up) + 1)
        try self.init(beatTimes: (0..<count).map { firstBeatSeconds + Double($0) * period }, beatsPerBar: beatsPerBar)
    }

    /// A grid from an analysis object of the contract (`rhythmic.beats`, `rhythmic.downbeats` in seconds), else
    /// a uniform grid at `rhythmic.bpm` from 0 over `durationSeconds`. Nil when the analysis has neither.
    public init?(analysis: JSONValue, durationSeconds: Double, beatsPerBar: Int = 4) {
        let rhythmic = analysis["rhythmic"] ?? analysis
        let beats = rhythmic["beats"]?.arrayValue?.compactMap(\.doubleValue) ?? []
        let downbeats = rhythmic["downbeats"]?.arrayValue?.compactMap(\.doubleValue) ?? []
        if let grid = try? BeatGrid(beatTimes: beats, downbeatTimes: downbeats, beatsPerBar: beatsPerBar) {
            self = grid
        } else if let bpm = rhythmic["bpm"]?.doubleValue,
            let grid = try? BeatGrid(tempoBPM: bpm, durationSeconds: durationSeconds, beatsPerBar: beatsPerBar)
        {
            self = grid
        } else {
            return nil
        }
    }

    // MARK: Queries

    /// Time of the first analysed beat.
    public var firstBeatSeconds: Double { beatTimes[0] }
    /// Time of the last analysed beat.
    public var lastBeatSeconds: Double { beatTimes[beatTimes.count - 1] }

    /// Mean tempo over the analysed range, in BPM.
    public var averageTempoBPM: Double {
        60 * Double(beatTimes.count - 1) / (lastBeatSeconds - firstBeatSeconds)
    }

    /// The fractional beat index of a time: 0 at the first beat, 1 at the second; interpolated between beats,
    /// extrapolated at the edge periods outside (negative before the first beat).
    public func beatIndex(atSeconds seconds: Double) -> Double {
        if seconds <= firstBeatSeconds {
            return (seconds - firstBeatSeconds) / leadingBeatPeriodSeconds
        }
        let last = beatTimes.count - 1
        if seconds >= lastBeatSeconds {
            return Double(last) + (seconds - lastBeatSeconds) / trailingBeatPeriodSeconds
        }
        // Largest i with beatTimes[i] <= seconds.
        let i = Self.lastIndex(in: beatTimes, notAfter: seconds)
        let t0 = beatTimes[i], t1 = beatTimes[i + 1]
        return Double(i) + (seconds - t0) / (t1 - t0)
    }

    /// The time in seconds of a fractional beat index (the inverse of `beatIndex(atSeconds:)`).
    public func seconds(atBeatIndex index: Double) -> Double {
        let last = beatTimes.count - 1
        if index <= 0 { return firstBeatSeconds + index * leadingBeatPeriodSeconds }
        if index >= Double(last) { return lastBeatSeconds + (index - Double(last)) * trailingBeatPeriodSeconds }
        let i = min(max(Int(saturating: index, rounding: .down), 0), last - 1)
        let fraction = index - Double(i)
        return beatTimes[i] + fraction * (beatTimes[i + 1] - beatTimes[i])
    }

    /// The beat index of the downbeat nearest to a beat index; downbeats continue by whole bars before the first
    /// and after the last analysed one.
    func downbeatBeatIndex(nearestTo beatIndex: Double) -> Double {
        let first = downbeatIndices[0], lastDownbeat = downbeatIndices[downbeatIndices.count - 1]
        let bar = Double(beatsPerBar)
        if beatIndex <= Double(first) {
            let bars = ((Double(first) - beatIndex) / bar).rounded(.toNearestOrAwayFromZero)
            return Double(first) - bars * bar
        }
        if beatIndex >= Double(lastDownbeat) {
            let bars = ((beatIndex - Double(lastDownbeat)) / bar).rounded(.toNearestOrAwayFromZero)
            return Double(lastDownbeat) + bars * bar
        }
        // Between analysed downbeats: the nearer of the two around it, in beats.
        var lo = 0, hi = downbeatIndices.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if Double(downbeatIndices[mid]) <= beatIndex { lo = mid } else { hi = mid }
        }
        let a = Double(downbeatIndices[lo]), b = Double(downbeatIndices[hi])
        return beatIndex - a <= b - beatIndex ? a : b
    }

    /// The time of the downbeat nearest to `seconds` (measured in beats, so a bar that slows down counts the same),
    /// extrapolating whole bars beyond the analysed downbeats.
    public func nearestDownbeatSeconds(to seconds: Double) -> Double {
        self.seconds(atBeatIndex: downbeatBeatIndex(nearestTo: beatIndex(atSeconds: seconds)))
    }

    /// The time of the beat nearest to `seconds` (extrapolated outside the analysed range).
    public func nearestBeatSeconds(to seconds: Double) -> Double {
        self.seconds(atBeatIndex: beatIndex(atSeconds: seconds).rounded(.toNearestOrAwayFromZero))
    }

    /// The times of all downbeats in `range` (seconds), extrapolated by whole bars outside the analysed range.
    public func downbeatTimes(in range: ClosedRange<Double>) -> [Double] {
        let startIndex = beatIndex(atSeconds: range.lowerBound)
        let endIndex = beatIndex(atSeconds: range.upperBound)
        var index = downbeatBeatIndex(nearestTo: startIndex)
        while index > startIndex + 1e-9 { index = previousDownbeat(before: index) }
        var times: [Double] = []
        while index <= endIndex + 1e-9 {
            if index >= startIndex - 1e-9 { times.append(seconds(atBeatIndex: index)) }
            index = nextDownbeat(after: index)
        }
        return times
    }

    /// The local tempo in BPM at a time (from the beat interval around it; the edge period outside).
    public func localTempoBPM(atSeconds seconds: Double) -> Double {
        if seconds < firstBeatSeconds { return 60 / leadingBeatPeriodSeconds }
        if seconds >= lastBeatSeconds { return 60 / trailingBeatPeriodSeconds }
        let i = Self.lastIndex(in: beatTimes, notAfter: seconds)
        return 60 / (beatTimes[i + 1] - beatTimes[i])
    }

    // MARK: Helpers

    private func nextDownbeat(after index: Double) -> Double {
        let first = Double(downbeatIndices[0])
        if index < first - 1e-9 { return min(index + Double(beatsPerBar), first) }
        if let next = downbeatIndices.first(where: { Double($0) > index + 1e-9 }) { return Double(next) }
        return index + Double(beatsPerBar)
    }

    private func previousDownbeat(before index: Double) -> Double {
        let last = Double(downbeatIndices[downbeatIndices.count - 1])
        if index > last + 1e-9 { return max(index - Double(beatsPerBar), last) }
        if let previous = downbeatIndices.last(where: { Double($0) < index - 1e-9 }) { return Double(previous) }
        return index - Double(beatsPerBar)
    }

    /// Largest index i in a sorted array with values[i] <= x (0 when x is below all values).
    static func lastIndex(in values: [Double], notAfter x: Double) -> Int {
        var lo = 0, hi = values.count - 1
        if x >= values[hi] { return hi }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if values[mid] <= x { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// Index of the value nearest to x in a sorted, non-empty array.
    static func nearestIndex(in values: [Double], to x: Double) -> Int {
        let i = lastIndex(in: values, notAfter: x)
        if i + 1 < values.count, values[i + 1] - x < x - values[i] { return i + 1 }
        return i
    }
}
