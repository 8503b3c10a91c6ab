import DSP
import Foundation
import TestSupport
import Testing

/// Acceptance tests of issue 3 (time-stretch and pitch-shift), on signals generated here.
@Suite("Time stretch and pitch shift")
struct StretchTests {
    static let sampleRate = 44100.0
    /// Frequency error allowed for stretched or shifted partials, in cents (issue 3).
    static let frequencyToleranceCents = 1.0
    /// Energy outside ±1 semitone of a stretched sine must be at least this far down, in dB (issue 3).
    static let outOfBandFloorDecibels = -60.0
    /// Clicks must land within this distance of their mapped position, in ms (issue 3).
    static let clickPositionToleranceMs = 1.0
    /// Share of a click's energy (within ±50 ms) that must lie within ±2.5 ms of it (issue 3).
    static let clickEnergyConcentration = 0.7
    /// Drum-burst onsets must land within this distance, in ms (issue 3).
    static let burstOnsetToleranceMs = 2.0
    /// Inter-channel phase drift allowed, in degrees (issue 3).
    static let stereoPhaseToleranceDegrees = 3.0
    /// Mono-sum level change allowed, in dB (issue 3).
    static let monoSumToleranceDecibels = 0.5
    /// Edges excluded from spectral measurements (window start-up and tail), in seconds.
    static let edgeSeconds = 0.1

    static func frames(_ seconds: Double) -> Int { Int(seconds * sampleRate) }
    static func body(_ x: [Float]) -> [Float] { Array(x[frames(edgeSeconds)..<(x.count - frames(edgeSeconds))]) }

    @Test("a 440 Hz sine keeps its pitch, stays clean and gets the exact length", arguments: [1.25, 0.8])
    func sineStretch(ratio: Double) throws {
        let count = Self.frames(2) + 13
        let tone = Signals.sine(frequencyHz: 440, sampleRate: Self.sampleRate, frameCount: count, amplitude: 0.5)
        let input = AudioBuffer(channels: [tone], sampleRate: Self.sampleRate)
        let output = try TimeStretcher().stretch(input, timeRatio: ratio)
        #expect(output.frameCount == Int((Double(count) * ratio).rounded()))
        let body = Self.body(output.channel(0))
        let f = Measurements.peakFrequency(body, sampleRate: Self.sampleRate)
        #expect(abs(Measurements.cents(f, relativeTo: 440)) < Self.frequencyToleranceCents)
        let spectrum = Measurements.powerSpectrum(body, fftSize: 1 << 17)
        let outside = Measurements.energyOutside(
            centerHz: f, excludeCents: 100, spectrum: spectrum, sampleRate: Self.sampleRate)
        #expect(outside < Self.outOfBandFloorDecibels, "out-of-band energy \(outside) dB")
        // The level is kept too (within 0.5 dB).
        #expect(abs(Measurements.rmsDecibels(body) - Measurements.rmsDecibels(tone)) < 0.5)
    }

    @Test("a click train stays sharp and lands on the stretched grid")
    func clickTrain() throws {
        let ratio = 1.25
        let count = Self.frames(3.2)
        let clicks = Signals.clickTrain(
            periodSeconds: 0.5, sampleRate: Self.sampleRate, frameCount: count, offsetSeconds: 0.25)
        let input = AudioBuffer(channels: [clicks], sampleRate: Self.sampleRate)
        let output = try TimeStretcher().stretch(input, timeRatio: ratio).channel(0)
        let tolerance = Int(Self.clickPositionToleranceMs * Self.sampleRate / 1000)
        var checked = 0
        for (frame, value) in clicks.enumerated() where value != 0 {
            let expected = Int((Double(frame) * ratio).rounded())
            guard expected < output.count - Self.frames(0.05) else { continue }
            let found = StretchMeasurements.peakFrame(output, near: expected, radius: Self.frames(0.05))
            #expect(abs(found - expected) <= tolerance, "click at \(frame) -> \(found), expected \(expected)")
            let share = StretchMeasurements.energyConcentration(
                output, center: found, innerRadius: Self.frames(0.0025),
                outerRadius: Self.frames(0.05))
            #expect(share >= Self.clickEnergyConcentration, "click at \(frame): \(share) of its energy within ±2.5 ms")
            checked += 1
        }
        #expect(checked >= 5)
    }

    @Test("a chord with drum bursts: partials keep their pitch, bursts their onsets")
    func chordWithBursts() throws {
        let ratio = 1.1
        let count = Self.frames(3)
        let chord = [261.63, 329.63, 392.0]
        let tones = Signals.sines(frequenciesHz: chord, sampleRate: Self.sampleRate, frameCount: count, amplitude: 0.15)
        let starts = stride(from: 0.3, to: 2.9, by: 0.5).map { Int($0 * Self.sampleRate) + 7 }
        let bursts = StretchMeasurements.noiseBursts(
            startFrames: starts, frameCount: count, amplitude: 0.6,
            decaySeconds: 0.02, sampleRate: Self.sampleRate, seed: 3)
        let mix = zip(tones, bursts).map { $0 + $1 }
        let input = AudioBuffer(channels: [mix, mix], sampleRate: Self.sampleRate)
        let output = try TimeStretcher().stretch(input, timeRatio: ratio)
        let left = output.channel(0)
        let body = Self.body(left)
        for f in chord {
            let found = Measurements.peakFrequency(
                body, sampleRate: Self.sampleRate,
                rangeHz: (f * 0.97)...(f * 1.03))
            #expect(
                abs(Measurements.cents(found, relativeTo: f)) < Self.frequencyToleranceCents, "\(f) Hz -> \(found) Hz")
        }
        let tolerance = Int(Self.burstOnsetToleranceMs * Self.sampleRate / 1000)
        let threshold: Float = 0.1
        for start in starts {
            let inputAttack = try #require(
                StretchMeasurements.firstAttack(mix, in: (start - 100)..<(start + 500), threshold: threshold))
            let expected = Int((Double(inputAttack) * ratio).rounded())
            let found = StretchMeasurements.firstAttack(
                left, in: (expected - Self.frames(0.02))..<(expected + Self.frames(0.02)),
                threshold: threshold)
            #expect(
                found.map { abs($0 - expected) <= tolerance } ?? false,
                "burst at \(start): \(String(describing: found)) vs \(expected)")
        }
    }

    @Test(
        "pitch shift of a sine: exact interval, clean spectrum, unchanged length",
        arguments: [(3.0, nil), (-5.0, nil), (3.0, ResampleQuality.best), (0.37, nil)])
    func pitchShiftSine(semitones: Double, quality: ResampleQuality?) throws {
        let count = Self.frames(2) + 5
        let tone = Signals.sine(frequencyHz: 440, sampleRate: Self.sampleRate, frameCount: count, amplitude: 0.5)
        let input = AudioBuffer(channels: [tone], sampleRate: Self.sampleRate)
        let output = try TimeStretcher(options: StretchOptions(resampleQuality: quality)).pitchShift(
            input, semitones: semitones)
        #expect(output.frameCount == count)
        #expect(output.sampleRate == Self.sampleRate)
        let target = 440 * pow(2, semitones / 12)
        let body = Self.body(output.channel(0))
        let f = Measurements.peakFrequency(body, sampleRate: Self.sampleRate)
        #expect(
            abs(Measurements.cents(f, relativeTo: target)) < Self.frequencyToleranceCents, "\(f) Hz vs \(target) Hz")
        let spectrum = Measurements.powerSpectrum(body, fftSize: 1 << 17)
        let outside = Measurements.energyOutside(
            centerHz: f, excludeCents: 100, spectrum: spectrum, sampleRate: Self.sampleRate)
        #expect(outside < Self.outOfBandFloorDecibels, "out-of-band energy \(outside) dB")
    }

    @Test("the built-in resampler keeps a high partial and rejects what would alias", arguments: [2.0, -7.0])
    func resamplerBand(semitones: Double) throws {
        // 15 kHz stays in the pass band after -7 st (10 kHz) and +2 st (16.8 kHz); 21 kHz shifted up by 2 st would
        // exceed Nyquist and must be removed rather than folded back.
        let count = Self.frames(1)
        let high = Signals.sine(frequencyHz: 15000, sampleRate: Self.sampleRate, frameCount: count, amplitude: 0.3)
        let output = try TimeStretcher().pitchShift(
            AudioBuffer(channels: [high], sampleRate: Self.sampleRate), semitones: semitones)
        let body = Self.body(output.channel(0))
        #expect(abs(Measurements.rmsDecibels(body) - Measurements.rmsDecibels(high)) < 0.5)
        if semitones > 0 {
            let top = Signals.sine(frequencyHz: 21000, sampleRate: Self.sampleRate, frameCount: count, amplitude: 0.3)
            let removed = try TimeStretcher().pitchShift(
                AudioBuffer(channels: [top], sampleRate: Self.sampleRate), semitones: semitones)
            #expect(Measurements.rmsDecibels(Self.body(removed.channel(0))) < Measurements.rmsDecibels(top) - 60)
        }
    }

    @Test("pitch shift of a harmonic tone keeps the harmonic series")
    func pitchShiftHarmonics() throws {
        let semitones = 3.0
        let fundamental = 220.0
        let harmonics = (1...5).map { fundamental * Double($0) }
        let tone = Signals.sines(
            frequenciesHz: harmonics, sampleRate: Self.sampleRate, frameCount: Self.frames(2), amplitude: 0.1)
        let output = try TimeStretcher().pitchShift(
            AudioBuffer(channels: [tone], sampleRate: Self.sampleRate),
            semitones: semitones)
        #expect(output.frameCount == tone.count)
        let body = Self.body(output.channel(0))
        let ratio = pow(2, semitones / 12)
        for f in harmonics {
            let target = f * ratio
            let found = Measurements.peakFrequency(
                body, sampleRate: Self.sampleRate, rangeHz: (target * 0.97)...(target * 1.03))
            #expect(
                abs(Measurements.cents(found, relativeTo: target)) < Self.frequencyToleranceCents,
                "harmonic \(f) -> \(found)")
        }
    }

    @Test("stereo: the inter-channel phase and the mono sum survive", arguments: [1.25, 0.8])
    func stereoCoherence(ratio: Double) throws {
        let count = Self.frames(2)
        let offset = 30.0 * Double.pi / 180
        let frequencies = [440.0, 1234.0]
        var left = [Float](repeating: 0, count: count), right = left
        for f in frequencies {
            let l = Signals.sine(frequencyHz: f, sampleRate: Self.sampleRate, frameCount: count, amplitude: 0.3)
            let r = Signals.sine(
                frequencyHz: f, sampleRate: Self.sampleRate, frameCount: count, amplitude: 0.3, phaseRadians: offset)
            for i in 0..<count { left[i] += l[i]; right[i] += r[i] }
        }
        let output = try TimeStretcher().stretch(
            AudioBuffer(channels: [left, right], sampleRate: Self.sampleRate), timeRatio: ratio)
        let outLeft = Self.body(output.channel(0)), outRight = Self.body(output.channel(1))
        for f in frequencies {
            let difference = StretchMeasurements.phaseDifferenceDegrees(
                StretchMeasurements.phase(outRight, frequencyHz: f, sampleRate: Self.sampleRate),
                StretchMeasurements.phase(outLeft, frequencyHz: f, sampleRate: Self.sampleRate))
            #expect(abs(difference - 30) < Self.stereoPhaseToleranceDegrees, "\(f) Hz: \(difference)°")
        }
        let monoIn = zip(Self.body(left), Self.body(right)).map { ($0 + $1) / 2 }
        let monoOut = zip(outLeft, outRight).map { ($0 + $1) / 2 }
        #expect(
            abs(Measurements.rmsDecibels(monoOut) - Measurements.rmsDecibels(monoIn)) < Self.monoSumToleranceDecibels)
    }

    @Test("warp map: a jittery 120 BPM click train lands on an exact 128 BPM grid")
    func warpMapOntoGrid() throws {
        var rng = SeededGenerator(seed: 42)
        let beatCount = 12
        let sourceBeats = (0..<beatCount).map { i in
            (0.25 + Double(i) * 0.5 + Double(rng.nextBipolar()) * 0.010) * Self.sampleRate
        }
        let count = Self.frames(0.25 + Double(beatCount) * 0.5)
        var clicks = [Float](repeating: 0, count: count)
        for beat in sourceBeats { clicks[Int(beat.rounded())] = 0.9 }
        let targetBeats = (0..<beatCount).map { i in (0.25 + Double(i) * 60 / 128) * Self.sampleRate }
        let map = try WarpMap(sourceFrames: sourceBeats.map { $0.rounded() }, targetFrames: targetBeats)
        let output = try TimeStretcher().stretch(
            AudioBuffer(channels: [clicks], sampleRate: Self.sampleRate), warpMap: map)
        #expect(output.frameCount == map.outputFrameCount(inputFrameCount: count))
        let samples = output.channel(0)
        let tolerance = Self.clickPositionToleranceMs * Self.sampleRate / 1000
        for target in targetBeats {
            let found = StretchMeasurements.peakFrame(samples, near: Int(target.rounded()), radius: Self.frames(0.05))
            #expect(abs(Double(found) - target) <= tolerance, "grid line \(target): click at \(found)")
            let share = StretchMeasurements.energyConcentration(
                samples, center: found, innerRadius: Self.frames(0.0025),
                outerRadius: Self.frames(0.05))
            #expect(share >= Self.clickEnergyConcentration)
        }
    }

    @Test("warp map on music: drum hits land on the grid and the chord keeps its pitch")
    func warpMapOnMusic() throws {
        var rng = SeededGenerator(seed: 7)
        let beatCount = 10
        let sourceBeats = (0..<beatCount).map { i in
            Int(((0.3 + Double(i) * 0.5 + Double(rng.nextBipolar()) * 0.010) * Self.sampleRate).rounded())
        }
        let count = Self.frames(0.3 + Double(beatCount) * 0.5)
        let chord = [220.0, 277.18, 329.63]
        let tones = Signals.sines(frequenciesHz: chord, sampleRate: Self.sampleRate, frameCount: count, amplitude: 0.12)
        let bursts = StretchMeasurements.noiseBursts(
            startFrames: sourceBeats, frameCount: count, amplitude: 0.6,
            decaySeconds: 0.03, sampleRate: Self.sampleRate, seed: 11)
        let mix = zip(tones, bursts).map { $0 + $1 }
        let threshold: Float = 0.1
        let attacks = try sourceBeats.map { start in
            try #require(StretchMeasurements.firstAttack(mix, in: (start - 50)..<(start + 500), threshold: threshold))
        }
        let targets = (0..<beatCount).map { i in (0.3 + Double(i) * 60 / 128) * Self.sampleRate }
        let map = try WarpMap(sourceFrames: attacks.map(Double.init), targetFrames: targets)
        let output = try TimeStretcher().stretch(
            AudioBuffer(channels: [mix, mix], sampleRate: Self.sampleRate), warpMap: map)
        let left = output.channel(0)
        let tolerance = Self.burstOnsetToleranceMs * Self.sampleRate / 1000
        for target in targets {
            let expected = Int(target.rounded())
            let found = StretchMeasurements.firstAttack(
                left, in: (expected - Self.frames(0.02))..<(expected + Self.frames(0.02)),
                threshold: threshold)
            #expect(
                found.map { abs(Double($0) - target) <= tolerance } ?? false,
                "grid \(target): \(String(describing: found))")
        }
        let body = Self.body(left)
        for f in chord {
            let found = Measurements.peakFrequency(body, sampleRate: Self.sampleRate, rangeHz: (f * 0.97)...(f * 1.03))
            #expect(
                abs(Measurements.cents(found, relativeTo: f)) < Self.frequencyToleranceCents, "\(f) Hz -> \(found) Hz")
        }
    }

    @Test("ratio 1 and 0 semitones return the input bit for bit")
    func identity() throws {
        let input = Signals.stereo(Signals.noise(frameCount: 5000, seed: 9), sampleRate: Self.sampleRate)
        #expect(try TimeStretcher().stretch(input, timeRatio: 1) == input)
        #expect(try TimeStretcher().process(input, timeRatio: 1, semitones: 0) == input)
        #expect(
            try TimeStretcher().stretch(input, warpMap: WarpMap(anchors: [.init(sourceFrame: 100, targetFrame: 100)]))
                == input)
        let streaming = try StreamingTimeStretcher(channelCount: 2, sampleRate: Self.sampleRate, timeRatio: 1)
        var collected = try streaming.process(input.slice(frames: 0..<1234)).samples.count
        collected += try streaming.process(input.slice(frames: 1234..<5000)).samples.count
        collected += try streaming.finish().samples.count
        #expect(collected == input.samples.count)
    }

    @Test("out-of-range ratios, shifts and malformed warp maps are refused")
    func invalidArguments() throws {
        let input = Signals.stereo(Signals.noise(frameCount: 1000), sampleRate: Self.sampleRate)
        #expect(throws: StretchError.timeRatioOutOfRange(2.5)) { try TimeStretcher().stretch(input, timeRatio: 2.5) }
        #expect(throws: StretchError.semitonesOutOfRange(13)) { try TimeStretcher().pitchShift(input, semitones: 13) }
        #expect(throws: StretchError.self) {
            try WarpMap(anchors: [.init(sourceFrame: 100, targetFrame: 100), .init(sourceFrame: 90, targetFrame: 200)])
        }
        #expect(throws: StretchError.self) {
            try WarpMap(anchors: [.init(sourceFrame: 100, targetFrame: 400)]) // ratio 4
        }
    }

    @Test("an empty input gives an empty output")
    func emptyInput() throws {
        let input = AudioBuffer(channelCount: 2, frameCount: 0, sampleRate: Self.sampleRate)
        #expect(try TimeStretcher().stretch(input, timeRatio: 1.3).frameCount == 0)
    }
}

@Suite("Formant preservation")
struct StretchFormantTests {
    static let sampleRate = 44100.0
    /// The resonance centre of the test tone, in Hz.
    static let formantHz = 1000.0
    /// The power-weighted centroid of the harmonics (the envelope's centre of mass) may move by this factor
    /// with formants kept; a plain shift moves it by the pitch ratio (+26% for 4 semitones).
    static let centroidToleranceRatio = 0.06

    /// A 150 Hz harmonic tone whose harmonics follow a resonance at `formantHz` (a crude vowel).
    static func vowel(frameCount: Int) -> [Float] {
        var out = [Float](repeating: 0, count: frameCount)
        for h in 1...60 {
            let f = 150.0 * Double(h)
            guard f < 15000 else { break }
            let amplitude = 0.3 / (1 + pow((f - formantHz) / 200, 2)) + 0.003
            let w = 2 * Double.pi * f / sampleRate
            for i in 0..<frameCount { out[i] += Float(amplitude * sin(w * Double(i))) }
        }
        return out
    }

    /// Power-weighted mean frequency of the harmonics of `fundamentalHz` below 5 kHz.
    static func harmonicCentroidHz(_ x: [Float], fundamentalHz: Double) -> Double {
        let spectrum = Measurements.powerSpectrum(Array(x[4410..<x.count - 4410]), fftSize: 1 << 17)
        let binHz = sampleRate / Double(1 << 17)
        var weighted = 0.0, total = 0.0
        var h = 1.0
        while fundamentalHz * h < 5000 {
            let k = Int((fundamentalHz * h / binHz).rounded())
            let power = spectrum[(k - 3)...(k + 3)].max()!
            weighted += fundamentalHz * h * power
            total += power
            h += 1
        }
        return weighted / total
    }

    @Test("with formants on, the envelope stays put while the harmonics move; off, it moves with them")
    func formantsStay() throws {
        let semitones = 4.0
        let ratio = pow(2, semitones / 12)
        let input = AudioBuffer(
            channels: [Self.vowel(frameCount: 2 * Int(Self.sampleRate))], sampleRate: Self.sampleRate)
        let kept = try TimeStretcher(options: StretchOptions(preserveFormants: true)).pitchShift(
            input, semitones: semitones)
        let moved = try TimeStretcher(options: StretchOptions(preserveFormants: false)).pitchShift(
            input, semitones: semitones)
        #expect(kept.frameCount == input.frameCount)
        let original = Self.harmonicCentroidHz(input.channel(0), fundamentalHz: 150)
        let keptCentroid = Self.harmonicCentroidHz(kept.channel(0), fundamentalHz: 150 * ratio)
        let movedCentroid = Self.harmonicCentroidHz(moved.channel(0), fundamentalHz: 150 * ratio)
        #expect(
            abs(keptCentroid / original - 1) < Self.centroidToleranceRatio, "kept: \(keptCentroid) Hz vs \(original) Hz"
        )
        #expect(
            abs(movedCentroid / original - ratio) < Self.centroidToleranceRatio,
            "moved: \(movedCentroid) Hz vs \(original) Hz")
        // The partials themselves are still shifted: the fundamental lands on 150 Hz × ratio.
        let fundamental = Measurements.peakFrequency(
            Array(kept.channel(0)[4410..<kept.frameCount - 4410]),
            sampleRate: Self.sampleRate, rangeHz: (150 * ratio * 0.97)...(150 * ratio * 1.03))
        #expect(abs(Measurements.cents(fundamental, relativeTo: 150 * ratio)) < StretchTests.frequencyToleranceCents)
    }
}
