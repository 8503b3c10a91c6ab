import Analysis
import CAllocationCounter
import DSP
import Foundation
import Orchestrator
import Render

/// The standard plan of issue 6: 2 songs of 3 minutes with 4 stems each, 8 sections over 3 minutes, stretch and
/// shift on every layer (drums are stretched, never shifted), a filter, delay, reverb or sidechain on most.
/// Cold: a fresh stretch cache. Warm: the same cache again (a re-render). Also: one section's effects changed
/// with the cache warm (the re-render of issue 10).
func runRenderBenchmarks(_ runner: BenchmarkRunner) {
    guard runner.wants("render.") else { return }
    let rate = 44100.0
    let songA = MusicGenerator.generate(
        .init(seed: 11, bpm: 120, tonic: 9, minor: true, barCount: 92, sampleRate: rate, withVoice: true)) // A minor
    let songB = MusicGenerator.generate(
        .init(seed: 12, bpm: 128, tonic: 2, minor: false, barCount: 98, sampleRate: rate, withVoice: true)) // D major
    let songs = [try! songA.renderSong(id: "a"), try! songB.renderSong(id: "b")]
    let script = standardScript(sampleRate: rate)
    let seconds = script.timelineEndSeconds

    let cache = StretchCache()
    var coldSeconds = 0.0
    runner.measure(
        "render.standard.cold", audioSeconds: seconds, runs: 3, warmup: false,
        extra: ["peak_rss_mb": runner.peakResidentMegabytes()]
    ) {
        let started = DispatchTime.now().uptimeNanoseconds
        _ = try? blockingRender(script: script, songs: songs, cache: StretchCache())
        coldSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }
    if let primed = try? blockingRender(script: script, songs: songs, cache: cache) {
        runner.report(["name": "render.standard.stages.cold", "stage_seconds": primed.report.stageSeconds])
    }
    if let again = try? blockingRender(script: script, songs: songs, cache: cache) {
        runner.report(["name": "render.standard.stages.warm", "stage_seconds": again.report.stageSeconds])
    }
    let warm = runner.measure("render.standard.warm", audioSeconds: seconds, runs: 3, warmup: false) {
        _ = try? blockingRender(script: script, songs: songs, cache: cache)
    }
    var edited = script
    edited.sections[3].layers[0].effects = [
        .reverb(
            .init(
                decaySeconds: 3.5, preDelaySeconds: 0.03, wetMix: 0.35, size: 0.9,
                dampingHz: 6000))
    ]
    let reRender = runner.measure("render.standard.edited-section.warm", audioSeconds: seconds, runs: 3, warmup: false)
    {
        _ = try? blockingRender(script: edited, songs: songs, cache: cache)
    }
    if let warm, let reRender, coldSeconds > 0 {
        runner.report([
            "name": "render.standard.summary", "cold_seconds": coldSeconds, "warm_seconds": warm,
            "edited_warm_seconds": reRender, "warm_speedup": coldSeconds / warm,
            "edited_speedup": coldSeconds / reRender, "peak_rss_mb": runner.peakResidentMegabytes(),
        ])
    }
}

/// Runs an async render from synchronous benchmark code.
func blockingRender(script: RenderScript, songs: [RenderSong], cache: StretchCache) throws -> RenderResult {
    try blockingRender(script: script, songs: songs, options: RenderOptions(stretchCache: cache))
}

/// Runs an async render with `options` from synchronous benchmark code.
func blockingRender(script: RenderScript, songs: [RenderSong], options: RenderOptions) throws -> RenderResult {
    try blockingAsync { try await RenderEngine(options: options).render(script: script, songs: songs) }
}

/// Runs an async render step from synchronous benchmark code.
func blockingAsync(_ work: @escaping @Sendable () async throws -> RenderResult) throws -> RenderResult {
    let box = ResultBox()
    let semaphore = DispatchSemaphore(value: 0)
    Task {
        do { box.result = .success(try await work()) } catch { box.result = .failure(error) }
        semaphore.signal()
    }
    semaphore.wait()
    return try box.result!.get()
}

final class ResultBox: @unchecked Sendable {
    var result: Result<RenderResult, Error>?
}

/// The standard plan: 8 sections of 12 bars at 124 BPM in Bb minor (8 × 23.2 s = 185.8 s); `sectionCount`
/// repeats the layouts for longer plans (26 sections: 603.9 s).
func standardScript(sampleRate: Double, sectionCount: Int = 8) -> RenderScript {
    let map = TempoMap(tempoBPM: 124, sampleRate: sampleRate)
    let bars = 12.0
    let length = map.seconds(bars: bars)
    typealias L = RenderScript.Layer
    let reverb = EffectSpec.reverb(.standard), delay = EffectSpec.delay(.standard)
    let sidechain = EffectSpec.sidechain(.standard),
        hpf = EffectSpec.highPass(cutoffHz: 300, slopeDecibelsPerOctave: 12)
    let lpf = EffectSpec.lowPass(cutoffHz: 2500, slopeDecibelsPerOctave: 24)
    let layouts: [[L]] = [
        [
            L(songID: "b", stem: .other, gainDecibels: -6, effects: [lpf]),
            L(songID: "a", stem: .drums, gainDecibels: -6),
        ],
        [
            L(songID: "a", stem: .vocals, effects: [reverb]), L(songID: "b", stem: .drums, gainDecibels: -4),
            L(songID: "b", stem: .bass, gainDecibels: -5, effects: [sidechain]),
            L(songID: "b", stem: .other, gainDecibels: -8, effects: [hpf]),
        ],
        [
            L(songID: "a", stem: .vocals, effects: [delay]), L(songID: "a", stem: .drums, gainDecibels: -4),
            L(songID: "b", stem: .bass, gainDecibels: -5),
            L(songID: "b", stem: .other, gainDecibels: -8, effects: [sidechain]),
        ],
        [
            L(songID: "a", stem: .vocals, effects: [reverb, delay]), L(songID: "b", stem: .drums, gainDecibels: -3),
            L(songID: "a", stem: .bass, gainDecibels: -5),
            L(songID: "b", stem: .other, gainDecibels: -7, effects: [reverb]),
        ],
        [
            L(songID: "a", stem: .other, gainDecibels: -6, effects: [reverb]),
            L(songID: "b", stem: .vocals, gainDecibels: -2, effects: [delay]),
        ],
        [
            L(songID: "a", stem: .vocals), L(songID: "b", stem: .drums, gainDecibels: -3),
            L(
                songID: "b", stem: .bass, gainDecibels: -5,
                effects: [sidechain]), L(songID: "a", stem: .other, gainDecibels: -8, effects: [hpf]),
        ],
        [
            L(songID: "a", stem: .vocals, effects: [reverb]), L(songID: "a", stem: .drums, gainDecibels: -3),
            L(songID: "b", stem: .bass, gainDecibels: -5),
            L(songID: "b", stem: .other, gainDecibels: -7, effects: [delay]),
        ],
        [
            L(songID: "b", stem: .other, gainDecibels: -6, effects: [reverb, lpf]),
            L(songID: "a", stem: .vocals, gainDecibels: -3, effects: [delay]),
        ],
    ]
    let sections = (0..<sectionCount).map { index in
        RenderScript.Section(
            description: "Section \(index + 1)", energyLevel: 0.5, startSeconds: Double(index) * length,
            durationSeconds: length,
            transitionIn: index % 8 == 4 ? .filterSweep(bars: 4) : .crossfade(bars: 1, curve: .equalPower),
            layers: layouts[index % layouts.count])
    }
    return RenderScript(
        title: "Standard plan", tempoMap: map, targetKey: MusicalKey(tonicPitchClass: 10, mode: .minor),
        sections: sections)
}

/// Issue 10: the standard plan from plain mixes (the embedded analysis supplies grids and keys, stems are
/// approximated over the ranges the layers read), cold with empty caches, then re-rendered with one section's
/// effects changed and the content cache (analyses, stems) and the stretch cache warm.
func runReRenderBenchmarks(_ runner: BenchmarkRunner) {
    guard runner.wants("rerender.") else { return }
    let rate = 44100.0
    let mixes: [(String, any AudioSource)] = [
        (
            "a",
            MemoryAudioSource(
                MusicGenerator.generate(
                    .init(seed: 11, bpm: 120, tonic: 9, minor: true, barCount: 92, sampleRate: 44100, withVoice: true)
                ).mix)
        ),
        (
            "b",
            MemoryAudioSource(
                MusicGenerator.generate(
                    .init(seed: 12, bpm: 128, tonic: 2, minor: false, barCount: 98, sampleRate: 44100, withVoice: true)
                ).mix)
        ),
    ]
    let script = standardScript(sampleRate: rate)
    var edited = script
    edited.sections[3].layers[0].effects = [
        .reverb(
            .init(
                decaySeconds: 3.5, preDelaySeconds: 0.03, wetMix: 0.35, size: 0.9,
                dampingHz: 6000))
    ]
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-bench-cache-\(getpid())")
    defer { try? FileManager.default.removeItem(at: folder) }
    func options(_ cache: ContentCache, _ stretch: StretchCache, _ recent: RecentStems) -> RenderOptions {
        RenderOptions(stems: CachedStemProvider(cache: cache, recent: recent), stretchCache: stretch)
    }
    /// The analysis (through the content cache) and the render, as the pipeline runs them.
    func analyseAndRender(_ script: RenderScript, _ cache: ContentCache, _ options: RenderOptions) throws
        -> RenderResult
    {
        let box = ResultBox()
        let semaphore = DispatchSemaphore(value: 0)
        Task {
            do {
                var songs: [RenderSong] = []
                for (id, source) in mixes {
                    songs.append(
                        try await EmbeddedSongAnalysis(cache: cache).song(id: id, source: source, analysis: nil))
                }
                box.result = .success(try await RenderEngine(options: options).render(script: script, songs: songs))
            } catch { box.result = .failure(error) }
            semaphore.signal()
        }
        semaphore.wait()
        return try box.result!.get()
    }
    var cold: Double?
    var warm: Double?
    for run in 0..<2 {
        try? FileManager.default.removeItem(at: folder)
        guard let cache = try? ContentCache(directory: folder, capacityBytes: 4 << 30) else { return }
        let stretch = StretchCache()
        let recent = RecentStems()
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try? analyseAndRender(script, cache, options(cache, stretch, recent))
        let coldRun = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let editStart = DispatchTime.now().uptimeNanoseconds
        _ = try? analyseAndRender(edited, cache, options(cache, stretch, recent))
        let warmRun = Double(DispatchTime.now().uptimeNanoseconds - editStart) / 1e9
        if run == 1 || cold == nil { cold = min(cold ?? .infinity, coldRun); warm = min(warm ?? .infinity, warmRun) }
    }
    if let cold, let warm {
        runner.report([
            "name": "rerender.standard.from-mixes", "cold_seconds": cold, "edited_warm_seconds": warm,
            "speedup": cold / warm, "audio_seconds": script.timelineEndSeconds,
            "peak_rss_mb": runner.peakResidentMegabytes(),
        ])
    }
}

/// Issue 17: peak resident memory beside the time of each render case, every case alone in a child process
/// (`Benchmarks --case NAME`), so its peak is its own. Songs are generated in code (`MusicGenerator`) with their four
/// stems given; the plan is the standard one (4 stem layers in most sections, effects on most layers, sidechains),
/// repeated for 10 minutes. Reported per case: `input_resident_mb` (the process with the songs and stems built, before
/// the render), `peak_resident_mb` (the high-water mark from there through the render and the writing of the WAV),
/// and `render_peak_over_input_mb` (what the render itself adds). The `mashup stretch` case streams a generated
/// 10-minute stereo WAV file through `AudioFileStretcher` (the command's code path).
func runStreamingMemoryBenchmarks(_ runner: BenchmarkRunner) {
    for name in [
        "memory.render.3min-plan.3min-songs", "memory.render.3min-plan.10min-songs",
        "memory.render.10min-plan.10min-songs", "memory.render.3min-plan.3min-mixes", "memory.stretch.file.10min",
    ] {
        runner.runChildCase(name)
    }
}

/// Runs one memory case in this process; false when it is unknown or failed.
func runMemoryCase(_ runner: BenchmarkRunner, _ name: String) -> Bool {
    let rate = 44100.0
    switch name {
    case "memory.render.3min-plan.3min-songs":
        return memoryRender(runner, name, songMinutes: 3, sections: 8, stems: true)
    case "memory.render.3min-plan.10min-songs":
        return memoryRender(runner, name, songMinutes: 10, sections: 8, stems: true)
    case "memory.render.10min-plan.10min-songs":
        return memoryRender(runner, name, songMinutes: 10, sections: 26, stems: true)
    case "memory.render.3min-plan.3min-mixes":
        return memoryRender(runner, name, songMinutes: 3, sections: 8, stems: false)
    case "memory.stretch.file.10min": return memoryStretch(runner, name, sampleRate: rate)
    default:
        runner.report(["name": name, "failed": "unknown case"])
        return false
    }
}

private func memoryRender(_ runner: BenchmarkRunner, _ name: String, songMinutes: Double, sections: Int, stems: Bool)
    -> Bool
{
    let rate = 44100.0
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-memory-bench-\(getpid())")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    // The songs (and their stems) are generated and written as WAV files first, then the generator's buffers are
    // given back to the system: the measured render opens the files as sources, as `mashup render` and the pipeline do.
    struct Made { var id: String; var grid: BeatGrid; var key: MusicalKey; var url: URL; var stems: [Stem: URL] }
    func make(_ id: String, bpm: Double, tonic: Int, minor: Bool, seed: UInt64) throws -> Made {
        let demo = MusicGenerator.generate(
            .init(
                seed: seed, bpm: bpm, tonic: tonic, minor: minor,
                barCount: Int((songMinutes * 60 * bpm / 240).rounded(.up)) + 1, sampleRate: rate, withVoice: true))
        let url = folder.appendingPathComponent("\(id).wav")
        try AudioFile.write(demo.mix, to: url, options: AudioFileWriteOptions(sampleFormat: .float32))
        var stemURLs: [Stem: URL] = [:]
        if stems {
            for (stemName, buffer) in demo.stems {
                guard let stem = Stem(parsing: stemName), stem != .full else { continue }
                let stemURL = folder.appendingPathComponent("\(id)-\(stemName).wav")
                try AudioFile.write(buffer, to: stemURL, options: AudioFileWriteOptions(sampleFormat: .float32))
                stemURLs[stem] = stemURL
            }
        }
        let grid = try BeatGrid(beatTimes: demo.beatTimes, downbeatTimes: demo.downbeatTimes)
        return Made(
            id: id, grid: grid, key: MusicalKey(tonicPitchClass: tonic, mode: minor ? .minor : .major), url: url,
            stems: stemURLs)
    }
    guard
        let made = try? [
            make("a", bpm: 120, tonic: 9, minor: true, seed: 11), make("b", bpm: 128, tonic: 2, minor: false, seed: 12),
        ]
    else {
        runner.report(["name": name, "failed": "song generation failed"])
        return false
    }
    _ = mashup_release_free_memory()
    let script = standardScript(sampleRate: rate, sectionCount: sections)
    let input = runner.residentMegabytes()
    runner.resetPeakResident()
    let startCPU = runner.cpuSeconds()
    let start = DispatchTime.now().uptimeNanoseconds
    // With stems given, the grids and keys are the generator's; from plain mixes, the embedded analysis finds them
    // and the stems are approximated over the ranges the layers read.
    let render: @Sendable () async throws -> RenderResult = {
        // The songs are opened (and, from plain mixes, analysed) concurrently, as `mashup render` opens its files.
        let songs = try await withThrowingTaskGroup(of: (Int, RenderSong).self) { group in
            for (index, song) in made.enumerated() {
                group.addTask {
                    if stems {
                        let order = Array(song.stems.keys)
                        let opened = try await FileAudioSource.open(
                            [(song.url, true)] + order.map { (song.stems[$0]!, false) })
                        let stemSources = Dictionary(
                            uniqueKeysWithValues: zip(order, opened.dropFirst().map { $0 as any AudioSource }))
                        return (
                            index,
                            RenderSong(
                                id: song.id, source: opened[0], stems: stemSources, beatGrid: song.grid, key: song.key)
                        )
                    }
                    let source = try FileAudioSource(url: song.url)
                    return (index, try await EmbeddedSongAnalysis().song(id: song.id, source: source, analysis: nil))
                }
            }
            var list = [RenderSong?](repeating: nil, count: made.count)
            for try await (index, song) in group { list[index] = song }
            return list.compactMap { $0 }
        }
        let options = RenderOptions(
            stems: stems ? nil : CachedStemProvider(cache: nil),
            stretchCache: StretchCache(capacityBytes: 64 << 20))
        return try await RenderEngine(options: options).render(script: script, songs: songs)
    }
    guard let result = try? blockingAsync(render),
        (try? result.writeAudio(to: folder.appendingPathComponent("out.wav"))) != nil
    else {
        runner.report(["name": name, "failed": "render or write failed"])
        return false
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let cpuSeconds = runner.cpuSeconds() - startCPU
    let peak = runner.peakResidentMegabytes()
    runner.report([
        "name": name, "seconds": seconds, "cpu_seconds": cpuSeconds, "audio_seconds": result.durationSeconds,
        "x_realtime": result.durationSeconds / seconds, "stems_given": stems,
        "input_resident_mb": input, "peak_resident_mb": peak, "render_peak_over_input_mb": peak - input,
        "stage_seconds": result.report.stageSeconds,
    ])
    return true
}

private func memoryStretch(_ runner: BenchmarkRunner, _ name: String, sampleRate: Double) -> Bool {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-memory-stretch-\(getpid())")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let source = folder.appendingPathComponent("in.wav"), target = folder.appendingPathComponent("out.wav")
    // The 10-minute input, generated and written block by block (24-bit, as a typical file).
    guard let writer = try? AudioFileWriter(url: source, channelCount: 2, sampleRate: sampleRate) else { return false }
    var generator = StretchBenchmarkSignals.StreamingMusic(sampleRate: sampleRate, seed: 7)
    let totalFrames = Int(600 * sampleRate)
    var written = 0
    while written < totalFrames {
        let count = min(65536, totalFrames - written)
        guard (try? writer.write(generator.next(frameCount: count))) != nil else { return false }
        written += count
    }
    guard (try? writer.finish()) != nil else { return false }
    let input = runner.residentMegabytes()
    runner.resetPeakResident()
    let start = DispatchTime.now().uptimeNanoseconds
    guard let summary = try? AudioFileStretcher.stretch(input: source, output: target, timeRatio: 1.08) else {
        runner.report(["name": name, "failed": "stretch failed"])
        return false
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let peak = runner.peakResidentMegabytes()
    runner.report([
        "name": name, "seconds": seconds, "x_realtime": 600 / seconds, "time_ratio": 1.08,
        "known_length": summary.knownLength, "input_resident_mb": input, "peak_resident_mb": peak,
    ])
    return true
}
