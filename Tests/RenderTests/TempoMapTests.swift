import Foundation
import Render
import Testing

@Suite("Time: tempo map")
struct TempoMapTests {
    /// Conversions that are exact in real arithmetic may differ by float rounding only, in seconds.
    static let roundingToleranceSeconds = 1e-9

    @Test("beats, bars, seconds and frames at 120 BPM, 44.1 kHz are exact")
    func exactGrid() {
        let map = TempoMap(tempoBPM: 120, sampleRate: 44_100)
        #expect(map.framesPerBeat == 22_050)
        #expect(map.frame(atBeat: 1) == 22_050)
        #expect(map.frame(atBar: 1) == 88_200)
        #expect(map.frame(atBar: 100) == 8_820_000)
        #expect(map.crossfadeFrameCount(bars: 1) == 88_200)
        #expect(map.crossfadeFrameCount(bars: 0.5) == 44_100)
        #expect(map.crossfadeFrameCount(bars: -1) == 0)
        #expect(map.crossfadeFrameCount(bars: .nan) == 0)
        #expect(map.seconds(bars: 2) == 4)
        #expect(map.frame(atSeconds: 1.5) == 66_150)
    }

    @Test("positions at a non-integer frames-per-beat tempo are rounded from the absolute position, without drift")
    func noDrift() {
        let map = TempoMap(tempoBPM: 124, sampleRate: 44_100)
        for beat in [0, 1, 3, 7, 100, 1_000, 12_345] {
            // Reference in exact integer arithmetic: round(beat * 60 * 44100 / 124).
            let numerator = beat * 60 * 44_100
            let expected = (2 * numerator + 124) / (2 * 124) // round half up for positive values
            #expect(map.frame(atBeat: Double(beat)) == expected, "beat \(beat)")
        }
        // 1/8 at 124 BPM = 241.935... ms = 10669.35 frames.
        #expect(abs(map.seconds(of: .eighth) - 0.24193548387096775) < Self.roundingToleranceSeconds)
        #expect(map.crossfadeFrameCount(bars: 2) == Int((2.0 * 4 * 60 * 44_100 / 124).rounded()))
        // Bar starts from the absolute formula, strictly increasing, each within one frame of k * bar length.
        let bars = map.barStartFrames(before: map.frame(atBar: 64) + 1)
        #expect(bars.count == 65)
        for (k, f) in bars.enumerated() {
            #expect(abs(Double(f) - Double(k) * 4 * 60 * 44_100 / 124) <= 0.5)
        }
    }

    @Test("round trips between beats, seconds and frames")
    func roundTrips() {
        let map = TempoMap(
            tempoBPM: 97.3, timeSignature: TimeSignature(beatsPerBar: 3, beatUnit: 4)!, sampleRate: 48_000,
            originSeconds: 0.25)
        for beat in stride(from: -4.0, through: 400, by: 3.7) {
            let seconds = map.seconds(atBeat: beat)
            #expect(abs(map.beat(atSeconds: seconds) - beat) < 1e-9)
            let frame = map.frame(atBeat: beat)
            // The frame of a beat is within half a frame of its exact time.
            #expect(abs(Double(frame) - seconds * 48_000) <= 0.5 + 1e-6)
        }
        #expect(map.seconds(atBar: 1) - map.seconds(atBar: 0) == map.secondsPerBar)
        #expect(abs(map.secondsPerBar - 3 * 60 / 97.3) < Self.roundingToleranceSeconds)
    }

    @Test("note values follow the beat unit")
    func notes() {
        let common = TempoMap(tempoBPM: 120, sampleRate: 44_100)
        #expect(common.seconds(of: .quarter) == 0.5)
        #expect(common.seconds(of: .dottedEighth) == 0.375)
        #expect(abs(common.seconds(of: NoteValue(1, 8, triplet: true)) - 0.5 / 3) < Self.roundingToleranceSeconds)
        let sixEight = TempoMap(
            tempoBPM: 120, timeSignature: TimeSignature(beatsPerBar: 6, beatUnit: 8)!, sampleRate: 44_100)
        #expect(sixEight.seconds(of: .eighth) == 0.5)
        #expect(sixEight.secondsPerBar == 3)
    }

    @Test("snapping to beats and bars")
    func snapping() {
        let map = TempoMap(tempoBPM: 120, sampleRate: 44_100)
        #expect(map.snap(seconds: 1.9, to: .bar) == 2)
        #expect(map.snap(seconds: 0.9, to: .bar) == 0)
        #expect(map.snap(seconds: 1.1, to: .bar, rule: .ceiling) == 2)
        #expect(map.snap(seconds: 3.99, to: .bar, rule: .floor) == 2)
        #expect(map.snap(seconds: 4.0, to: .bar, rule: .floor) == 4)
        #expect(map.snap(seconds: 0.74, to: .beat) == 0.5)
        #expect(map.snap(seconds: 0.3, to: .note(.sixteenth)) == 0.25)
        // Frame snapping at an awkward tempo: the result is a grid frame on the requested side.
        let odd = TempoMap(tempoBPM: 124, sampleRate: 44_100)
        for frame in stride(from: 0, to: 2_000_000, by: 77_777) {
            let floor = odd.snap(frame: frame, to: .beat, rule: .floor)
            let ceiling = odd.snap(frame: frame, to: .beat, rule: .ceiling)
            #expect(floor <= frame && ceiling >= frame)
            #expect(Double(ceiling - floor) <= odd.framesPerBeat + 1)
            let beat = (odd.beat(atFrame: floor)).rounded()
            #expect(odd.frame(atBeat: beat) == floor)
        }
    }

    @Test("time signatures parse and validate")
    func timeSignatures() {
        #expect(TimeSignature(parsing: "4/4") == .common)
        #expect(TimeSignature(parsing: "6/8") == TimeSignature(beatsPerBar: 6, beatUnit: 8))
        #expect(TimeSignature(parsing: "4/3") == nil)
        #expect(TimeSignature(beatsPerBar: 0, beatUnit: 4) == nil)
        #expect(TimeSignature(beatsPerBar: 33, beatUnit: 4) == nil)
    }
}

@Suite("Time: beat grid")
struct TempoMapBeatGridTests {
    /// Interpolated positions are exact up to float rounding.
    static let toleranceSeconds = 1e-9

    @Test("beat index interpolates between beats and extrapolates with the edge periods")
    func interpolation() throws {
        // Beats speeding up: eight 0.5 s periods, then eight 0.4 s periods.
        var beats = (0...8).map { 1.0 + Double($0) * 0.5 }
        for k in 1...8 { beats.append(5.0 + Double(k) * 0.4) }
        let grid = try BeatGrid(beatTimes: beats)
        #expect(grid.beatIndex(atSeconds: 1.0) == 0)
        #expect(abs(grid.beatIndex(atSeconds: 1.25) - 0.5) < 1e-12)
        #expect(abs(grid.beatIndex(atSeconds: 5.2) - 8.5) < 1e-12)
        // Before the first beat: the leading median period (0.5 s).
        #expect(abs(grid.leadingBeatPeriodSeconds - 0.5) < 1e-12)
        #expect(abs(grid.beatIndex(atSeconds: 0.0) - -2) < 1e-12)
        // After the last beat (8.2 s): the trailing median period (0.4 s).
        #expect(abs(grid.trailingBeatPeriodSeconds - 0.4) < 1e-12)
        #expect(abs(grid.beatIndex(atSeconds: 8.2 + 0.8) - 18) < 1e-9)
        for index in stride(from: -3.0, through: 10, by: 0.37) {
            #expect(abs(grid.beatIndex(atSeconds: grid.seconds(atBeatIndex: index)) - index) < 1e-9)
        }
    }

    @Test("nearest downbeat uses the analysed downbeats and continues by whole bars outside them")
    func downbeats() throws {
        let period = 0.5
        let beats = (0..<32).map { 0.2 + Double($0) * period }
        // Downbeats on beats 3, 7, 11... (phase 3), given slightly off the beats as analysers do.
        let downbeats = stride(from: 3, to: 32, by: 4).map { beats[$0] + 0.01 }
        let grid = try BeatGrid(beatTimes: beats, downbeatTimes: downbeats)
        #expect(grid.downbeatIndices.first == 3)
        #expect(abs(grid.nearestDownbeatSeconds(to: beats[4]) - beats[3]) < Self.toleranceSeconds)
        #expect(abs(grid.nearestDownbeatSeconds(to: beats[6]) - beats[7]) < Self.toleranceSeconds)
        // Beyond the analysed range: bars continue at the edge period (beat 51 = 31 + 20 is a downbeat).
        let expected = beats[31] + 20 * period
        #expect(abs(grid.nearestDownbeatSeconds(to: expected + 0.3) - expected) < Self.toleranceSeconds)
        // Before the first analysed downbeat: beat -1 is the bar before beat 3.
        #expect(abs(grid.nearestDownbeatSeconds(to: beats[0]) - (beats[3] - 4 * period)) < Self.toleranceSeconds)
        let inRange = grid.downbeatTimes(in: 0...6)
        #expect(inRange.count == 3)
        for (k, t) in inRange.enumerated() {
            #expect(abs(t - (beats[3] + Double(k) * 4 * period)) < Self.toleranceSeconds)
        }
    }

    @Test("grids from analyses, uniform tempo, and rejected input")
    func construction() throws {
        let uniform = try BeatGrid(tempoBPM: 120, firstBeatSeconds: 0.1, durationSeconds: 10)
        #expect(abs(uniform.averageTempoBPM - 120) < 1e-9)
        #expect(abs(uniform.localTempoBPM(atSeconds: 5) - 120) < 1e-9)
        let analysis: JSONValue = [
            "rhythmic": ["bpm": 124, "beats": [0.5, 0.98, 1.47, 1.95, 2.44], "downbeats": [0.5]]
        ]
        let fromAnalysis = try #require(BeatGrid(analysis: analysis, durationSeconds: 30))
        #expect(fromAnalysis.beatTimes.count == 5)
        let bpmOnly: JSONValue = ["rhythmic": ["bpm": 124]]
        let fromTempo = try #require(BeatGrid(analysis: bpmOnly, durationSeconds: 30))
        #expect(abs(fromTempo.averageTempoBPM - 124) < 1e-9)
        #expect(BeatGrid(analysis: ["rhythmic": ["bpm": 0]], durationSeconds: 30) == nil)
        #expect(throws: BeatGrid.GridError.self) { try BeatGrid(beatTimes: [1, .nan, -3]) }
        // Near-duplicate and unsorted beats are cleaned.
        let messy = try BeatGrid(beatTimes: [2, 1, 1.01, 3, .infinity])
        #expect(messy.beatTimes == [1, 2, 3])
    }
}
