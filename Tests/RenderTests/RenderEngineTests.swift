import Analysis
import DSP
import Foundation
import MashupModel
import Render
import TestSupport
import Testing

/// End-to-end properties of the render, on songs generated here with known grids (so the analyser is not under test).
@Suite("Render engine")
struct RenderEngineTests {
    static let rate = 44100.0
    /// Onsets of a warped layer must sit on the target grid within this (issue 6).
    static let onsetToleranceMilliseconds = 2.0
    /// A layer's level relative to another must follow the plan's gains within this (issue 6).
    static let relativeLevelToleranceDecibels = 0.5
    /// The master's integrated loudness must land within this of the target (issue 6).
    static let loudnessToleranceLU = 0.3

    /// A click every beat at `bpm` (first click at `offsetSeconds`), stereo, as a drums stem.
    static func clickSong(id: String, bpm: Double, seconds: Double, offsetSeconds: Double = 0) throws -> RenderSong {
        let frames = Int(seconds * rate)
        let clicks = Signals.clickTrain(
            periodSeconds: 60 / bpm, sampleRate: rate, frameCount: frames,
            offsetSeconds: offsetSeconds, amplitude: 0.8)
        let audio = Signals.stereo(clicks, sampleRate: rate)
        let grid = try BeatGrid(tempoBPM: bpm, firstBeatSeconds: offsetSeconds, durationSeconds: seconds)
        return RenderSong(id: id, audio: audio, stems: [.drums: audio], beatGrid: grid, key: nil)
    }

    /// Stationary noise as the `other` stem (uncorrelated between songs by seed).
    static func noiseSong(
        id: String, bpm: Double, seconds: Double, seed: UInt64, amplitude: Float = 0.2
    ) throws -> RenderSong {
        let frames = Int(seconds * rate)
        let audio = AudioBuffer(
            channels: [
                Signals.noise(frameCount: frames, amplitude: amplitude, seed: seed),
                Signals.noise(frameCount: frames, amplitude: amplitude, seed: seed + 100),
            ], sampleRate: rate)
        let grid = try BeatGrid(tempoBPM: bpm, durationSeconds: seconds)
        return RenderSong(id: id, audio: audio, stems: [.other: audio], beatGrid: grid, key: nil)
    }

    static func script(bpm: Double, sections: [RenderScript.Section], lufs: Double = -16) -> RenderScript {
        RenderScript(
            title: "Test", tempoMap: TempoMap(tempoBPM: bpm, sampleRate: rate), targetLoudnessLUFS: lufs,
            sections: sections)
    }

    /// Frames where the signal rises through `threshold` after at least `gapFrames` below it.
    static func onsets(_ x: [Float], threshold: Float, gapFrames: Int) -> [Int] {
        var result: [Int] = []
        var quietSince = -gapFrames
        for i in 0..<x.count {
            if abs(x[i]) >= threshold {
                if i - quietSince >= gapFrames { result.append(i) }
                quietSince = i
            }
        }
        return result
    }

    @Test("a click track at 120 BPM warped to 128 BPM puts every click on the target grid")
    func onsetsOnTargetGrid() async throws {
        let song = try Self.clickSong(id: "a", bpm: 120, seconds: 20, offsetSeconds: 0.25)
        let target = 128.0
        let sections = [
            RenderScript.Section(
                description: "Beat", startSeconds: 0, durationSeconds: 15,
                layers: [.init(songID: "a", stem: .drums)])
        ]
        let result = try await RenderEngine().render(
            script: Self.script(bpm: target, sections: sections), songs: [song])
        let left = try result.loadAudio().channel(0)
        let peak = left.map(abs).max() ?? 0
        let found = Self.onsets(left, threshold: peak * 0.5, gapFrames: Int(Self.rate * 0.2))
        #expect(found.count >= 28)
        let beatFrames = 60 / target * Self.rate
        var worst = 0.0
        for onset in found {
            // Each click's energy peak, searched ±3 ms around its first crossing.
            let window = max(0, onset - 130)..<min(left.count, onset + 130)
            let top = window.max { abs(left[$0]) < abs(left[$1]) }!
            let grid = (Double(top) / beatFrames).rounded() * beatFrames
            worst = max(worst, abs(Double(top) - grid) / Self.rate * 1000)
        }
        #expect(worst <= Self.onsetToleranceMilliseconds, "worst onset error \(worst) ms")
    }

    @Test(
        "a song far louder than the reference (a float file 36 dB over the other song) is staged down to it, so both play at the plan's gains"
    )
    func hotSongIsStagedDown() async throws {
        let a = try Self.noiseSong(id: "a", bpm: 124, seconds: 30, seed: 1)
        let hot = try Self.noiseSong(id: "hot", bpm: 124, seconds: 30, seed: 2, amplitude: 0.2 * 63.1)
        let bar = 4 * 60 / 124.0
        let sections = [
            RenderScript.Section(
                description: "A", startSeconds: 0, durationSeconds: 4 * bar,
                layers: [.init(songID: "a", stem: .other)]),
            RenderScript.Section(
                description: "Hot", startSeconds: 4 * bar, durationSeconds: 4 * bar, transitionIn: .cut,
                layers: [.init(songID: "hot", stem: .other)]),
        ]
        let result = try await RenderEngine().render(
            script: Self.script(bpm: 124, sections: sections), songs: [a, hot])
        let left = try result.loadAudio().channel(0)
        let boundary = Int((4 * bar * Self.rate).rounded())
        let levelA = Measurements.rmsDecibels(Array(left[Int(Self.rate)..<boundary - Int(Self.rate)]))
        let levelHot = Measurements.rmsDecibels(Array(left[boundary + Int(Self.rate)..<2 * boundary - Int(Self.rate)]))
        #expect(abs(levelHot - levelA) <= Self.relativeLevelToleranceDecibels, "A \(levelA) dB, hot \(levelHot) dB")
    }

    @Test("sections start at their planned frame and layers follow their gains")
    func boundariesAndLevels() async throws {
        let a = try Self.noiseSong(id: "a", bpm: 124, seconds: 30, seed: 1)
        let b = try Self.noiseSong(id: "b", bpm: 124, seconds: 30, seed: 2)
        let bar = 4 * 60 / 124.0
        let sections = [
            RenderScript.Section(
                description: "A", startSeconds: 0, durationSeconds: 4 * bar,
                layers: [.init(songID: "a", stem: .other, gainDecibels: -6)]),
            RenderScript.Section(
                description: "B", startSeconds: 4 * bar, durationSeconds: 4 * bar, transitionIn: .cut,
                layers: [.init(songID: "b", stem: .other, gainDecibels: 0)]),
        ]
        let result = try await RenderEngine().render(script: Self.script(bpm: 124, sections: sections), songs: [a, b])
        let left = try result.loadAudio().channel(0)
        let boundary = Int((4 * bar * Self.rate).rounded())
        let levelA = Measurements.rmsDecibels(Array(left[Int(Self.rate)..<boundary - Int(Self.rate)]))
        let levelB = Measurements.rmsDecibels(Array(left[boundary + Int(Self.rate)..<2 * boundary - Int(Self.rate)]))
        #expect(abs((levelB - levelA) - 6) <= Self.relativeLevelToleranceDecibels, "A \(levelA) dB, B \(levelB) dB")
        // The cut: A's last frames before the declick and B's first after it are at full level; the section
        // boundary is where the two meet.
        #expect(result.report.sections[1].startSeconds == 4 * bar)
        let before = Measurements.rmsDecibels(Array(left[boundary - 2000..<boundary - 100]))
        let after = Measurements.rmsDecibels(Array(left[boundary + 100..<boundary + 2000]))
        #expect(abs(before - levelA) < 1 && abs(after - levelB) < 1)
    }

    @Test("the master meets its loudness target and true-peak ceiling, with no NaN")
    func mastering() async throws {
        let a = try Self.clickSong(id: "a", bpm: 120, seconds: 20)
        let b = try Self.noiseSong(id: "b", bpm: 120, seconds: 20, seed: 3)
        let sections = [
            RenderScript.Section(
                description: "All", startSeconds: 0, durationSeconds: 16,
                layers: [.init(songID: "a", stem: .drums), .init(songID: "b", stem: .other, gainDecibels: -8)])
        ]
        var script = Self.script(bpm: 122, sections: sections, lufs: -14)
        script.truePeakCeilingDecibels = -1
        let result = try await RenderEngine().render(script: script, songs: [a, b])
        #expect(try result.loadAudio().samples.allSatisfy { $0.isFinite })
        let measured = LoudnessMeter.measure(try result.loadAudio())
        #expect(abs(measured.integratedLUFS - -14) <= Self.loudnessToleranceLU)
        #expect(measured.truePeakDecibels <= -1 + 0.05)
        #expect(abs(result.report.loudness.integratedLUFS - measured.integratedLUFS) < 0.05)
    }

    @Test("two renders, and renders with one and two threads, are bit-identical")
    func deterministic() async throws {
        let a = try Self.clickSong(id: "a", bpm: 118, seconds: 16)
        let b = try Self.noiseSong(id: "b", bpm: 126, seconds: 16, seed: 4)
        let bar = 4 * 60 / 122.0
        let sections = [
            RenderScript.Section(
                description: "1", startSeconds: 0, durationSeconds: 2 * bar,
                layers: [
                    .init(songID: "a", stem: .drums),
                    .init(
                        songID: "b", stem: .other, gainDecibels: -6,
                        effects: [.reverb(.standard)]),
                ]),
            RenderScript.Section(
                description: "2", startSeconds: 2 * bar, durationSeconds: 2 * bar,
                layers: [
                    .init(songID: "b", stem: .other, effects: [.delay(.standard), .sidechain(.standard)]),
                    .init(songID: "a", stem: .drums),
                ]),
        ]
        let script = Self.script(bpm: 122, sections: sections)
        let one = try await RenderEngine(options: RenderOptions(maximumConcurrentLayers: 1)).render(
            script: script, songs: [a, b])
        let two = try await RenderEngine(options: RenderOptions(maximumConcurrentLayers: 2)).render(
            script: script, songs: [a, b])
        let again = try await RenderEngine(options: RenderOptions(maximumConcurrentLayers: 2)).render(
            script: script, songs: [a, b])
        #expect(try one.loadAudio() == two.loadAudio())
        #expect(try two.loadAudio() == again.loadAudio())
        // The report says what was rendered.
        #expect(one.report.sections.count == 2)
        #expect(one.report.sections.map(\.layers.count) == [2, 2])
        #expect(one.report.sections[1].layers[0].effectsApplied.contains { $0.contains("sidechain") })
        #expect(one.report.sections[0].layers[1].effectsApplied.contains { $0.contains("reverb") })
    }

    @Test("a layer naming a song that was not given fails with its path")
    func unknownSong() async throws {
        let a = try Self.clickSong(id: "a", bpm: 120, seconds: 8)
        let sections = [
            RenderScript.Section(
                description: "x", startSeconds: 0, durationSeconds: 4,
                layers: [.init(songID: "a", stem: .drums), .init(songID: "zz", stem: .drums)])
        ]
        await #expect(throws: RenderError.unknownSong(songID: "zz", path: "masterplan.timeline[0].layers[1].songId")) {
            try await RenderEngine().render(script: Self.script(bpm: 120, sections: sections), songs: [a])
        }
    }
}

@Suite("Render engine: keys and transitions")
struct RenderEngineMusicTests {
    static let rate = 44100.0

    @Test("a layer shifted to the target key is detected in the target key")
    func shiftedLayerKey() async throws {
        // A D major song (pads and bass), rendered as its instrumental in E major: +2 semitones.
        let song = MusicGenerator.generate(
            .init(seed: 5, bpm: 120, tonic: 2, minor: false, barCount: 12, sampleRate: 44100))
        let stems = song.stems
        let grid = try BeatGrid(beatTimes: song.beatTimes, downbeatTimes: song.downbeatTimes)
        let input = RenderSong(
            id: "a", audio: song.mix,
            stems: [.other: stems["other"]!, .bass: stems["bass"]!, .drums: stems["drums"]!],
            beatGrid: grid, key: MusicalKey(tonicPitchClass: 2, mode: .major))
        let section = RenderScript.Section(
            description: "All", startSeconds: 0, durationSeconds: 8 * 2,
            layers: [.init(songID: "a", stem: .other), .init(songID: "a", stem: .bass, gainDecibels: -4)])
        let script = RenderScript(
            title: "Key", tempoMap: TempoMap(tempoBPM: 120, sampleRate: Self.rate),
            targetKey: MusicalKey(tonicPitchClass: 4, mode: .major), sections: [section])
        let result = try await RenderEngine().render(script: script, songs: [input])
        #expect(result.report.sections[0].layers.allSatisfy { $0.semitones == 2 })
        let analysis = try SongAnalyzer().analyze(try result.loadAudio())
        #expect(
            MusicalKey(parsing: analysis.harmonic.key) == MusicalKey(tonicPitchClass: 4, mode: .major),
            "detected \(analysis.harmonic.key)")
    }

    @Test("a song that changes key: each layer is shifted from the key of the stretch it plays")
    func layersFollowTheStretchTheyPlay() async throws {
        // 16 s in D major, then 16 s a step up in E major (a lifted last chorus); the target is D major.
        let verse = MusicGenerator.generate(
            .init(seed: 5, bpm: 120, tonic: 2, minor: false, durationSeconds: 16, sampleRate: Self.rate))
        let lift = MusicGenerator.generate(
            .init(seed: 6, bpm: 120, tonic: 4, minor: false, durationSeconds: 16, sampleRate: Self.rate))
        func joined(_ a: AudioBuffer, _ b: AudioBuffer) -> AudioBuffer {
            AudioBuffer(channels: zip(a.channels, b.channels).map { $0 + $1 }, sampleRate: a.sampleRate)
        }
        let offset = Double(verse.mix.frameCount) / Self.rate
        let grid = try BeatGrid(
            beatTimes: verse.beatTimes + lift.beatTimes.map { $0 + offset },
            downbeatTimes: verse.downbeatTimes + lift.downbeatTimes.map { $0 + offset })
        let dMajor = MusicalKey(tonicPitchClass: 2, mode: .major), eMajor = MusicalKey(tonicPitchClass: 4, mode: .major)
        let input = RenderSong(
            id: "a", audio: joined(verse.mix, lift.mix),
            stems: [
                .other: joined(verse.stems["other"]!, lift.stems["other"]!),
                .bass: joined(verse.stems["bass"]!, lift.stems["bass"]!),
            ],
            beatGrid: grid, key: dMajor,
            keyStretches: [
                KeyStretch(startSeconds: 0, endSeconds: offset, key: dMajor),
                KeyStretch(startSeconds: offset, endSeconds: 2 * offset, key: eMajor),
            ])
        func layers(from sourceSeconds: Double) -> [RenderScript.Layer] {
            [
                .init(songID: "a", stem: .other, sourceStartSeconds: sourceSeconds),
                .init(songID: "a", stem: .bass, gainDecibels: -4, sourceStartSeconds: sourceSeconds),
            ]
        }
        let script = RenderScript(
            title: "Lift", tempoMap: TempoMap(tempoBPM: 120, sampleRate: Self.rate), targetKey: dMajor,
            sections: [
                .init(description: "Verse", startSeconds: 0, durationSeconds: 8, layers: layers(from: 0)),
                .init(description: "Last chorus", startSeconds: 8, durationSeconds: 8, layers: layers(from: offset)),
            ])
        let result = try await RenderEngine().render(script: script, songs: [input])
        #expect(result.report.sections[0].layers.allSatisfy { $0.semitones == 0 })
        #expect(result.report.sections[1].layers.allSatisfy { $0.semitones == -2 })
        #expect(result.report.warnings.contains { $0.contains("stretch in E major") }, "\(result.report.warnings)")
        // The chorus, shifted from its own key, comes out in D major like the verse.
        let audio = try result.loadAudio()
        let half = audio.frameCount / 2
        let chorus = AudioBuffer(channels: audio.channels.map { Array($0[half...]) }, sampleRate: audio.sampleRate)
        let analysis = try SongAnalyzer().analyze(chorus)
        #expect(MusicalKey(parsing: analysis.harmonic.key) == dMajor, "detected \(analysis.harmonic.key)")
    }

    @Test("a song without a pulse plays at its own speed; the same grid with a pulse is warped to the target")
    func pulselessSongPlaysAtItsOwnSpeed() async throws {
        // A pad whose pitch steps from 220 Hz to 330 Hz 4 s into the song, with the grid an analysis of it gives
        // (the tracker's beats at 100 BPM, a phantom pulse), rendered at 120 BPM from the song's start.
        let frames = Int(Self.rate * 12)
        let stepSeconds = 4.0
        let low = Signals.sine(frequencyHz: 220, sampleRate: Self.rate, frameCount: frames, amplitude: 0.3)
        let high = Signals.sine(frequencyHz: 330, sampleRate: Self.rate, frameCount: frames, amplitude: 0.3)
        let step = Int(stepSeconds * Self.rate)
        let pad = Array(low[..<step]) + Array(high[step...])
        let phantomGrid = try BeatGrid(tempoBPM: 100, durationSeconds: 12)
        let section = RenderScript.Section(
            description: "Pad", startSeconds: 0, durationSeconds: 8,
            layers: [.init(songID: "a", stem: .other, sourceStartSeconds: 0)])
        let script = RenderScript(
            title: "Free", tempoMap: TempoMap(tempoBPM: 120, sampleRate: Self.rate), sections: [section])
        /// Where the output crosses from 220 Hz to 330 Hz, seconds: the first 20 ms window whose peak is 330 Hz.
        func stepTime(hasPulse: Bool) async throws -> (seconds: Double, ratio: Double, warnings: [String]) {
            let song = RenderSong(
                id: "a", audio: Signals.stereo(pad, sampleRate: Self.rate),
                stems: [.other: Signals.stereo(pad, sampleRate: Self.rate)], beatGrid: phantomGrid, key: nil,
                hasPulse: hasPulse)
            let result = try await RenderEngine().render(script: script, songs: [song])
            let left = try result.loadAudio().channel(0)
            let window = Int(0.02 * Self.rate)
            var at = 0
            while at + 4 * window < left.count {
                let f = Measurements.peakFrequency(
                    Array(left[at..<(at + 4 * window)]), sampleRate: Self.rate, rangeHz: 150...500)
                if abs(Measurements.cents(f, relativeTo: 330)) < 100 { break }
                at += window
            }
            let ratio = result.report.sections[0].layers[0].stretchRatio
            #expect(result.report.songs[0].hasPulse == (hasPulse ? nil : false))
            return (Double(at + 2 * window) / Self.rate, ratio, result.report.warnings)
        }
        /// The step lands within this of where it is expected (two analysis windows).
        let toleranceSeconds = 0.05
        let free = try await stepTime(hasPulse: false)
        #expect(abs(free.ratio - 1) < 1e-6, "stretch ratio \(free.ratio)")
        #expect(abs(free.seconds - stepSeconds) < toleranceSeconds, "step at \(free.seconds) s")
        #expect(free.warnings.contains { $0.contains("no clear pulse") }, "\(free.warnings)")
        // With a pulse the same grid is warped from 100 to 120 BPM (output over input duration 100 / 120): the step
        // comes 4 × 100 / 120 s in.
        let warped = try await stepTime(hasPulse: true)
        #expect(abs(warped.ratio - 100.0 / 120) < 0.01, "stretch ratio \(warped.ratio)")
        #expect(abs(warped.seconds - stepSeconds * 100 / 120) < toleranceSeconds, "step at \(warped.seconds) s")
    }

    @Test("an echo-out lets the outgoing layer ring past the boundary and the next section starts on time")
    func echoOutTransition() async throws {
        let frames = Int(Self.rate * 20)
        let tone = Signals.sine(frequencyHz: 330, sampleRate: Self.rate, frameCount: frames, amplitude: 0.3)
        let clicks = Signals.clickTrain(periodSeconds: 0.5, sampleRate: Self.rate, frameCount: frames, amplitude: 0.8)
        let grid = try BeatGrid(tempoBPM: 120, durationSeconds: 20)
        let a = RenderSong(
            id: "a", audio: Signals.stereo(tone, sampleRate: Self.rate),
            stems: [.other: Signals.stereo(tone, sampleRate: Self.rate)], beatGrid: grid, key: nil)
        let b = RenderSong(
            id: "b", audio: Signals.stereo(clicks, sampleRate: Self.rate),
            stems: [.drums: Signals.stereo(clicks, sampleRate: Self.rate)], beatGrid: grid, key: nil)
        let sections = [
            RenderScript.Section(
                description: "Tone", startSeconds: 0, durationSeconds: 4, layers: [.init(songID: "a", stem: .other)]),
            RenderScript.Section(
                description: "Clicks", startSeconds: 4, durationSeconds: 4,
                transitionIn: .echoOut(.standard), layers: [.init(songID: "b", stem: .drums, gainDecibels: -20)]),
        ]
        let script = RenderScript(
            title: "Echo", tempoMap: TempoMap(tempoBPM: 120, sampleRate: Self.rate), sections: sections)
        let result = try await RenderEngine().render(script: script, songs: [a, b])
        let left = try result.loadAudio().channel(0)
        // The tone's echoes are heard after the boundary: 330 Hz dominates 0.5 s to 1 s after it.
        let after = Array(left[Int(4.55 * Self.rate)..<Int(4.95 * Self.rate)])
        let f = Measurements.peakFrequency(after, sampleRate: Self.rate, rangeHz: 100...2000)
        #expect(abs(Measurements.cents(f, relativeTo: 330)) < 20)
        // The first click of section 2 is on its start frame (within a millisecond).
        let boundary = Int(4 * Self.rate)
        let window = Array(left[boundary - 200..<boundary + 200])
        let loudest = window.indices.max { abs(window[$0]) < abs(window[$1]) }!
        #expect(abs(loudest - 200) <= Int(0.001 * Self.rate))
    }
}

@Suite("Render report JSON")
struct RenderReportCodingTests {
    @Test("the report's snake_case JSON reads back to the same report")
    func roundTrip() throws {
        let layer = RenderReport.Layer(
            songID: "a", stem: "vocals", gainDecibels: -3, pan: 0.2, sourceStartSeconds: 1,
            sourceEndSeconds: 9, stretchRatio: 1.02, semitones: -2, effectsApplied: ["x"],
            effectsIgnored: [], measuredLoudnessLUFS: -20)
        let report = RenderReport(
            engineVersion: "v", title: "t", artistCredits: "a", creativeVision: "c", audioFile: "f.wav", targetBPM: 124,
            targetKey: "A minor", beatsPerBar: 4, sampleRate: 44100, durationSeconds: 10,
            songs: [
                .init(
                    songID: "a", name: nil, artist: nil, tempoBPM: 120, key: nil, analysisSource: "plan",
                    stemSource: "supplied", stretchRatio: 1, semitones: 0, gainStagingDecibels: 1.5)
            ],
            sections: [
                .init(
                    index: 0, description: "d", energyLevel: 0.5, startSeconds: 0, endSeconds: 10, startBar: 1,
                    endBar: 6, transitionIn: "start", transitionSeconds: 0, layers: [layer])
            ],
            problemsAndSolutions: [],
            loudness: .init(
                targetLUFS: -14, integratedLUFS: -14.1, loudnessRangeLU: 5,
                truePeakDecibels: -1.2, samplePeakDecibels: -1.5,
                shortTermLUFS: [-15, -14], shortTermHopSeconds: 1),
            warnings: ["w"], stageSeconds: ["layers": 1])
        let data = try RenderReport.encoder().encode(report)
        #expect(String(decoding: data, as: UTF8.self).contains("\"target_bpm\""))
        #expect(try RenderReport.decoder().decode(RenderReport.self, from: data) == report)
    }
}

@Suite("Render engine: caching")
struct RenderEngineCacheTests {
    @Test("a second render with the same stretch cache reuses every layer and reports the hits")
    func stretchCacheHits() async throws {
        let a = try RenderEngineTests.clickSong(id: "a", bpm: 118, seconds: 12)
        let b = try RenderEngineTests.noiseSong(id: "b", bpm: 126, seconds: 12, seed: 8)
        let sections = [
            RenderScript.Section(
                description: "x", startSeconds: 0, durationSeconds: 8,
                layers: [.init(songID: "a", stem: .drums), .init(songID: "b", stem: .other)])
        ]
        let script = RenderEngineTests.script(bpm: 122, sections: sections)
        let cache = StretchCache()
        let first = try await RenderEngine(options: RenderOptions(stretchCache: cache)).render(
            script: script, songs: [a, b])
        let second = try await RenderEngine(options: RenderOptions(stretchCache: cache)).render(
            script: script, songs: [a, b])
        #expect((first.report.cacheHits?["stretch"] ?? 0) == 0)
        #expect(second.report.cacheHits?["stretch"] == 2)
        #expect(try first.loadAudio() == second.loadAudio())
    }

    @Test("without a shared cache, a section repeated in one render is stretched once, and sounds the same")
    func repeatedSectionWithinOneRender() async throws {
        let a = try RenderEngineTests.clickSong(id: "a", bpm: 118, seconds: 30)
        // The same layer (same source start, same warp relative to its start) in two sections, cut transitions,
        // after a first section of another layer.
        let layer = RenderScript.Layer(songID: "a", stem: .drums, sourceStartSeconds: 2)
        let sections = [0.0, 8.0, 16.0].map {
            RenderScript.Section(
                description: "x", startSeconds: $0, durationSeconds: 8, transitionIn: .cut,
                layers: [$0 == 0 ? RenderScript.Layer(songID: "a", stem: .other, sourceStartSeconds: 20) : layer])
        }
        let script = RenderEngineTests.script(bpm: 122, sections: sections)
        let own = try await RenderEngine(options: RenderOptions(maximumConcurrentLayers: 1)).render(
            script: script, songs: [a])
        let noReuse = try await RenderEngine(
            options: RenderOptions(maximumConcurrentLayers: 1, stretchCache: StretchCache(capacityBytes: 0))
        ).render(script: script, songs: [a])
        #expect(own.report.cacheHits?["stretch"] == 1)
        #expect((noReuse.report.cacheHits?["stretch"] ?? 0) == 0)
        #expect(try own.loadAudio() == noReuse.loadAudio())
    }
}
