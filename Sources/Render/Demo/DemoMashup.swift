import DSP
import Foundation

/// A small, honest demo mashup with its `RenderReport`, for `mashup report-demo`, the report screenshot and the
/// report benchmarks (it does not run the render engine).
///
/// Song A is a `DemoSong` at 124 BPM in A minor with a lead voice; song B is a `DemoSong` at 117.04 BPM in B major
/// without one, varispeeded one semitone up (resampled by 2^(1/12)) so that it reaches 124 BPM in C major: the
/// report's stretch ratio and shift for B describe exactly that. The sections are `barsPerSection` bars long; each
/// layer reads its stem on the shared bar grid (the songs loop over their 16 bars) at the planned gain, with
/// equal-power fades over each transition. Effects are listed as a plan would name them but not rendered, which the
/// report says in its warnings. Loudness figures are measured on the result without the K-weighting filter
/// (mean square over 400 ms / 3 s blocks with the BS.1770 gates), the true peak on a 4x oversampled copy.
public struct DemoMashup: Sendable {
    /// Number of sections, at least 1.
    public var sectionCount: Int
    /// Bars per section (4/4 at 124 BPM), at least 1.
    public var barsPerSection: Int
    /// Output sample rate in Hz.
    public var sampleRate: Double

    /// Tempo of the mashup in BPM.
    public static let targetBPM = 124.0
    /// The loudness the demo's master aims at, LUFS (unweighted, see above).
    public static let targetLUFS = -14.0
    /// The highest sample peak the master allows, dBFS.
    public static let peakCeilingDecibels = -1.0

    public init(sectionCount: Int = 8, barsPerSection: Int = 8, sampleRate: Double = 44100) {
        precondition(sectionCount >= 1 && barsPerSection >= 1 && sampleRate >= 8000, "invalid demo mashup")
        self.sectionCount = sectionCount
        self.barsPerSection = barsPerSection
        self.sampleRate = sampleRate
    }

    /// One planned layer of the demo.
    private struct PlannedLayer {
        let song: Int
        let stem: String
        let gainDecibels: Double
        let pan: Double
        let effects: [String]
        var ignored: [String] = []
    }

    /// One planned section: description, energy, transition in, layers.
    private struct PlannedSection {
        let description: String
        let energy: Double
        let transition: String
        let transitionBars: Double
        let layers: [PlannedLayer]
    }

    /// The plan the demo cycles through (repeated when there are more sections).
    private static let plan: [PlannedSection] = [
        PlannedSection(description: "Intro: A's pads under a filtered beat from B", energy: 0.3, transition: "cut", transitionBars: 0,
                       layers: [PlannedLayer(song: 0, stem: "other", gainDecibels: -6, pan: 0, effects: ["{\"type\":\"reverb\",\"mix\":0.3}"]),
                                PlannedLayer(song: 1, stem: "drums", gainDecibels: -12, pan: 0,
                                             effects: ["{\"type\":\"high-pass-filter\",\"cutoff_hz\":800}"])]),
        PlannedSection(description: "Verse 1: A's voice over B's groove", energy: 0.55, transition: "crossfade", transitionBars: 1,
                       layers: [PlannedLayer(song: 0, stem: "vocals", gainDecibels: -3, pan: 0, effects: ["reverb"]),
                                PlannedLayer(song: 1, stem: "drums", gainDecibels: -6, pan: 0, effects: []),
                                PlannedLayer(song: 1, stem: "bass", gainDecibels: -7, pan: 0, effects: [])]),
        PlannedSection(description: "Build: filter sweep into the hook", energy: 0.7, transition: "crossfade", transitionBars: 0.5,
                       layers: [PlannedLayer(song: 0, stem: "vocals", gainDecibels: -4, pan: 0, effects: ["delay"]),
                                PlannedLayer(song: 1, stem: "drums", gainDecibels: -6, pan: 0, effects: []),
                                PlannedLayer(song: 1, stem: "bass", gainDecibels: -7, pan: 0, effects: []),
                                PlannedLayer(song: 0, stem: "other", gainDecibels: -10, pan: -0.3, effects: ["filter-sweep"])]),
        PlannedSection(description: "Chorus: the full groove, voice up front", energy: 0.9, transition: "cut", transitionBars: 0,
                       layers: [PlannedLayer(song: 0, stem: "vocals", gainDecibels: -2, pan: 0, effects: ["compression", "reverb"]),
                                PlannedLayer(song: 1, stem: "drums", gainDecibels: -5, pan: 0, effects: []),
                                PlannedLayer(song: 1, stem: "bass", gainDecibels: -6, pan: 0, effects: ["sidechain"]),
                                PlannedLayer(song: 1, stem: "other", gainDecibels: -11, pan: 0.25, effects: [])]),
        PlannedSection(description: "Breakdown: the voice alone with echoes", energy: 0.35, transition: "echo-out", transitionBars: 1,
                       layers: [PlannedLayer(song: 0, stem: "vocals", gainDecibels: -3, pan: 0, effects: ["ping-pong-delay", "reverb"]),
                                PlannedLayer(song: 1, stem: "other", gainDecibels: -9, pan: 0, effects: ["low-pass-filter-2khz"])]),
        PlannedSection(description: "Verse 2: B's groove returns", energy: 0.6, transition: "crossfade", transitionBars: 1,
                       layers: [PlannedLayer(song: 0, stem: "vocals", gainDecibels: -3, pan: 0, effects: []),
                                PlannedLayer(song: 1, stem: "drums", gainDecibels: -6, pan: 0, effects: []),
                                PlannedLayer(song: 1, stem: "bass", gainDecibels: -7, pan: 0, effects: [])]),
        PlannedSection(description: "Final chorus: everything in", energy: 1.0, transition: "filter-sweep", transitionBars: 2,
                       layers: [PlannedLayer(song: 0, stem: "vocals", gainDecibels: -2, pan: 0, effects: ["compression"]),
                                PlannedLayer(song: 1, stem: "drums", gainDecibels: -5, pan: 0, effects: []),
                                PlannedLayer(song: 1, stem: "bass", gainDecibels: -6, pan: 0, effects: ["sidechain"]),
                                PlannedLayer(song: 0, stem: "other", gainDecibels: -10, pan: 0, effects: ["distortion"],
                                             ignored: ["tape-stop: unknown effect"])]),
        PlannedSection(description: "Outro: the pads ring out", energy: 0.25, transition: "crossfade", transitionBars: 2,
                       layers: [PlannedLayer(song: 0, stem: "other", gainDecibels: -6, pan: 0, effects: ["reverb"]),
                                PlannedLayer(song: 1, stem: "drums", gainDecibels: -14, pan: 0, effects: ["high-pass-filter-800hz"])]),
    ]

    /// Renders the demo: the mixed audio and the report describing it (`audioFile` names `audioFileName`).
    /// - Throws: `ResampleError` from the varispeed of song B.
    public func render(audioFileName: String = "demo-mashup.wav") throws -> (audio: AudioBuffer, report: RenderReport) {
        var stageSeconds: [String: Double] = [:]
        var clock = Date()
        func lap(_ stage: String) {
            stageSeconds[stage] = Date().timeIntervalSince(clock)
            clock = Date()
        }
        let semitoneRatio = pow(2, 1.0 / 12)
        let songA = DemoSong(bpm: Self.targetBPM, tonicPitchClass: 9, isMinor: true, barCount: 16, sampleRate: sampleRate, seed: 1)
        let songB = DemoSong(bpm: Self.targetBPM / semitoneRatio, tonicPitchClass: 11, isMinor: false, barCount: 16,
                             sampleRate: sampleRate, seed: 2, hasVocals: false)
        let stemsA = songA.stems()
        let slowStemsB = songB.stems()
        lap("stems")
        var stemsB: [String: AudioBuffer] = [:]
        for (name, stem) in slowStemsB.sorted(by: { $0.key < $1.key }) {
            // Varispeed: play B's stems faster by one semitone (tempo and pitch up by 2^(1/12)).
            var fast = stem
            fast.sampleRate = sampleRate * semitoneRatio
            stemsB[name] = try SampleRateConverter.resample(fast, to: sampleRate, quality: .medium)
        }
        lap("varispeed")

        let barSeconds = 4 * 60 / Self.targetBPM
        let loopFrames = Int((16 * barSeconds * sampleRate).rounded())
        let sectionSeconds = Double(barsPerSection) * barSeconds
        let durationSeconds = Double(sectionCount) * sectionSeconds
        let frameCount = Int((durationSeconds * sampleRate).rounded())
        var output = AudioBuffer(channelCount: 2, frameCount: frameCount, sampleRate: sampleRate)
        var sections: [RenderReport.Section] = []
        for index in 0..<sectionCount {
            let planned = Self.plan[index % Self.plan.count]
            let next = Self.plan[(index + 1) % Self.plan.count]
            let start = Double(index) * sectionSeconds
            let end = start + sectionSeconds
            let fadeIn = index == 0 ? 0 : planned.transitionBars * barSeconds
            let fadeOut = index == sectionCount - 1 ? 0 : next.transitionBars * barSeconds
            let sourceStartBar = (index * barsPerSection) % 16
            var layers: [RenderReport.Layer] = []
            for layer in planned.layers {
                let stem = (layer.song == 0 ? stemsA : stemsB)[layer.stem]!
                mix(stem, into: &output, start: start, end: end, fadeInSeconds: fadeIn, fadeOutSeconds: fadeOut,
                    sourceOffsetFrames: Int((Double(sourceStartBar) * barSeconds * sampleRate).rounded()) - Int((start * sampleRate).rounded()),
                    loopFrames: loopFrames, gain: Decibels.gain(layer.gainDecibels), pan: layer.pan)
                let sourceStart = Double(sourceStartBar) * barSeconds * (layer.song == 0 ? 1 : semitoneRatio)
                let sourceLength = sectionSeconds * (layer.song == 0 ? 1 : semitoneRatio)
                layers.append(RenderReport.Layer(
                    songID: layer.song == 0 ? "song-a" : "song-b", stem: layer.stem, gainDecibels: layer.gainDecibels,
                    pan: layer.pan, sourceStartSeconds: sourceStart, sourceEndSeconds: sourceStart + sourceLength,
                    stretchRatio: layer.song == 0 ? 1 : 1 / semitoneRatio, semitones: layer.song == 0 ? 0 : 1,
                    effectsApplied: layer.effects, effectsIgnored: layer.ignored, measuredLoudnessLUFS: nil))
            }
            sections.append(RenderReport.Section(
                index: index, description: planned.description, energyLevel: planned.energy, startSeconds: start,
                endSeconds: end, startBar: Double(index * barsPerSection + 1), endBar: Double((index + 1) * barsPerSection + 1),
                transitionIn: index == 0 ? "cut" : planned.transition, transitionSeconds: fadeIn, layers: layers))
        }
        lap("layers")

        var meter = DemoLoudness(output)
        let gainDecibels = min(Self.targetLUFS - meter.integratedLUFS, Self.peakCeilingDecibels - meter.samplePeakDecibels)
        let gain = Float(Decibels.gain(gainDecibels))
        for channel in 0..<output.channelCount { output.withMutableChannel(channel) { VectorOps.scale($0, by: gain) } }
        meter = DemoLoudness(output)
        let truePeak = try DemoLoudness.truePeakDecibels(output)
        lap("master")

        let report = RenderReport(
            engineVersion: "demo", title: "Midnight Signals (demo)", artistCredits: "Demo Song A vs. Demo Song B",
            creativeVision: "A minor-key voice drifts over a brighter groove lifted a semitone to meet it. "
                + "The build opens the filter, the chorus lands on the full beat, and the breakdown leaves the voice alone with its echoes.",
            audioFile: audioFileName, targetBPM: Self.targetBPM, targetKey: "C major", beatsPerBar: 4, sampleRate: sampleRate,
            durationSeconds: durationSeconds,
            songs: [
                RenderReport.Song(songID: "song-a", name: "Demo Song A", artist: "mashup demo", tempoBPM: songA.bpm,
                                  key: songA.keyName, analysisSource: "embedded", stemSource: "supplied", stretchRatio: 1,
                                  semitones: 0),
                RenderReport.Song(songID: "song-b", name: "Demo Song B", artist: "mashup demo", tempoBPM: songB.bpm,
                                  key: songB.keyName, analysisSource: "embedded", stemSource: "supplied",
                                  stretchRatio: 1 / semitoneRatio, semitones: 1),
            ],
            sections: sections,
            problemsAndSolutions: [
                .init(problem: "Song B is 6.96 BPM slower and a semitone below the relative major of A minor.",
                      solution: "Varispeed B up one semitone: 117.04 → 124 BPM and B major → C major in one move."),
                .init(problem: "Both songs carry their energy in the low end; kick and bass mask each other in the choruses.",
                      solution: "Only B's drums and bass play the low end; A contributes its voice and pads."),
            ],
            loudness: RenderReport.Loudness(
                targetLUFS: Self.targetLUFS, integratedLUFS: meter.integratedLUFS, loudnessRangeLU: meter.loudnessRangeLU,
                truePeakDecibels: truePeak, samplePeakDecibels: meter.samplePeakDecibels,
                shortTermLUFS: meter.shortTermLUFS, shortTermHopSeconds: DemoLoudness.hopSeconds,
                shortTermFirstSeconds: DemoLoudness.shortTermSeconds / 2),
            warnings: [
                "Demo render: the layers are the demo songs' stems at the planned gains; effects are listed but not rendered.",
                "Demo loudness is measured without K-weighting.",
                "Effect 'tape-stop' in section 7 is unknown and was ignored.",
            ],
            stageSeconds: stageSeconds)
        return (output, report)
    }

    /// Adds `stem` (looping every `loopFrames`) over `start..<end` seconds plus half of each fade outside, with
    /// equal-power fades centred on the boundaries and a constant-power pan.
    private func mix(_ stem: AudioBuffer, into output: inout AudioBuffer, start: Double, end: Double, fadeInSeconds: Double,
                     fadeOutSeconds: Double, sourceOffsetFrames: Int, loopFrames: Int, gain: Double, pan: Double) {
        let minimumFade = 0.005
        let fadeIn = max(fadeInSeconds, minimumFade), fadeOut = max(fadeOutSeconds, minimumFade)
        let first = max(0, Int(((start - fadeIn / 2) * sampleRate).rounded()))
        let last = min(output.frameCount, Int(((end + fadeOut / 2) * sampleRate).rounded()))
        guard last > first else { return }
        let angle = (min(max(pan, -1), 1) + 1) * Double.pi / 4
        let channelGains = [gain * cos(angle) * 2.squareRoot(), gain * sin(angle) * 2.squareRoot()]
        for channel in 0..<2 {
            let sourceChannel = min(channel, stem.channelCount - 1)
            stem.withChannel(sourceChannel) { source in
                output.withMutableChannel(channel) { destination in
                    for frame in first..<last {
                        let t = Double(frame) / sampleRate
                        var envelope = 1.0
                        if t < start + fadeIn / 2 { envelope = sin(Double.pi / 2 * min(1, max(0, (t - start + fadeIn / 2) / fadeIn))) }
                        if t > end - fadeOut / 2 { envelope *= cos(Double.pi / 2 * min(1, max(0, (t - end + fadeOut / 2) / fadeOut))) }
                        let sourceFrame = ((frame + sourceOffsetFrames) % loopFrames + loopFrames) % loopFrames
                        guard sourceFrame < source.count else { continue }
                        destination[frame] += source[sourceFrame] * Float(envelope * channelGains[channel])
                    }
                }
            }
        }
    }
}

/// Unweighted BS.1770-style loudness of the demo: mean square summed over channels in 100 ms blocks, 400 ms
/// momentary and 3 s short-term windows, absolute gate -70, relative gates -10 (integrated) and -20 (range).
struct DemoLoudness {
    static let hopSeconds = 0.1
    /// Short-term window length; value k covers `k·hop ..< k·hop + 3 s`.
    static let shortTermSeconds = 3.0
    var integratedLUFS = -70.0
    var loudnessRangeLU = 0.0
    var samplePeakDecibels = -200.0
    var shortTermLUFS: [Double] = []

    init(_ buffer: AudioBuffer) {
        let hop = max(1, Int(Self.hopSeconds * buffer.sampleRate))
        let blockCount = buffer.frameCount / hop
        var power = [Double](repeating: 0, count: blockCount)
        for channel in 0..<buffer.channelCount {
            buffer.withChannel(channel) { samples in
                for block in 0..<blockCount {
                    power[block] += VectorOps.sumOfSquares(UnsafeBufferPointer(rebasing: samples[block * hop ..< (block + 1) * hop])) / Double(hop)
                }
            }
        }
        samplePeakDecibels = Decibels.decibels(Double(buffer.peakMagnitude))
        func lufs(_ meanSquare: Double) -> Double { meanSquare > 0 ? max(-70, -0.691 + 10 * log10(meanSquare)) : -70 }
        func windows(_ length: Int) -> [Double] {
            guard blockCount >= length else { return [] }
            return (0...(blockCount - length)).map { k in power[k..<(k + length)].reduce(0, +) / Double(length) }
        }
        let momentary = windows(4)
        let shortTerm = windows(30)
        shortTermLUFS = shortTerm.map(lufs)
        let absolute = momentary.filter { lufs($0) > -70 }
        if !absolute.isEmpty {
            let ungated = lufs(absolute.reduce(0, +) / Double(absolute.count))
            let relative = absolute.filter { lufs($0) > ungated - 10 }
            integratedLUFS = lufs(relative.reduce(0, +) / Double(max(1, relative.count)))
        }
        let rangeBlocks = shortTerm.filter { lufs($0) > -70 }
        if !rangeBlocks.isEmpty {
            let gate = lufs(rangeBlocks.reduce(0, +) / Double(rangeBlocks.count)) - 20
            let levels = rangeBlocks.map(lufs).filter { $0 > gate }.sorted()
            if levels.count > 1 {
                loudnessRangeLU = levels[Int(0.95 * Double(levels.count - 1))] - levels[Int(0.1 * Double(levels.count - 1))]
            }
        }
    }

    /// Peak of a 4x oversampled copy, dBTP, converted one second at a time.
    static func truePeakDecibels(_ buffer: AudioBuffer) throws -> Double {
        let converter = try SampleRateConverter(inputRate: buffer.sampleRate, outputRate: buffer.sampleRate * 4,
                                                channelCount: buffer.channelCount, quality: .fastest)
        let chunk = Int(buffer.sampleRate)
        var peak = buffer.peakMagnitude
        var start = 0
        while start < buffer.frameCount {
            let end = min(buffer.frameCount, start + chunk)
            peak = max(peak, try converter.process(buffer.slice(frames: start..<end)).peakMagnitude)
            start = end
        }
        peak = max(peak, try converter.finish().peakMagnitude)
        return Decibels.decibels(Double(peak))
    }
}
