import DSP
import Foundation
import Synchronization

// Design note: the render, stage by stage.
// 1. Songs: each song's beat grid and key from its analysis, else from the analysis provider (songs in parallel).
// 2. Stems: the stems the plan uses that were not supplied come from the stem provider, once per song; without
//    one, the full song stands in, with a warning.
// 3. Placement: `TimelinePlanner` puts every layer on the output timeline (exact section frames, centred
//    transitions, beat-by-beat warps, key shifts).
// 4. Layers: rendered in parallel (at most `maximumConcurrentLayers` at once) by `LayerRenderer`, and added to
//    the bus strictly in plan order as they become available, so the sum, and so the output, is bit-identical
//    whatever the thread count. Layers with a sidechain wait for their section's key (the sum of its key-stem
//    layers) and are added after the ordinary layers of their frames. The bus streams (`OrderedMixer`): frames no
//    layer still to come can touch are measured (loudness) and spooled to a float file, and leave memory.
// 5. Master: loudness normalisation to the target with the true-peak limiter, in passes over the spooled bus;
//    each pass measures its output (loudness, LRA, the per-second series, sample and true peak, the waveform
//    overview) and spools it; the last pass is the result (`RenderResult.mastered`), written out by extension.
// Memory: the songs and their stems, the layers in flight (plus the sidechained ones) and the bus window
// (about a section); the master passes hold a block. Nothing on the output side grows with the render's length.

/// Renders a script with its songs into a mastered buffer and a report.
public struct RenderEngine: Sendable {
    public var options: RenderOptions
    /// The engine version written in reports.
    public static let version = "mashup-engine/0.1"

    public init(options: RenderOptions = RenderOptions()) {
        self.options = options
    }

    /// Renders `script` with `songs`.
    /// - Throws: `RenderError` located in the plan; `CancellationError` when the task is cancelled.
    public func render(script: RenderScript, songs: [RenderSong]) async throws -> RenderResult {
        let counter = RenderCacheCounter()
        var result = try await RenderCacheCounter.$current.withValue(counter) {
            try await renderCounted(script: script, songs: songs)
        }
        result.report.cacheHits = counter.hits
        return result
    }

    private func renderCounted(script: RenderScript, songs: [RenderSong]) async throws -> RenderResult {
        let clock = ContinuousClock()
        var stageSeconds: [String: Double] = [:]
        var warnings = script.warnings
        let rate = script.tempoMap.sampleRate
        guard !script.sections.isEmpty else {
            throw RenderError.invalidScript(path: "masterplan.timeline", message: "the timeline has no sections")
        }
        report(0, "analysis", "Preparing \(songs.count) songs")

        // 1. Songs at the engine rate, with grids and keys.
        var started = clock.now
        let prepared = try await prepareSongs(songs, sampleRate: rate, warnings: &warnings)
        stageSeconds["analysis"] = seconds(since: started, clock)
        try Task.checkCancellation()

        // 2. Stems.
        started = clock.now
        report(0.1, "stems", "Preparing stems")
        let needed = Dictionary(grouping: script.sections.flatMap(\.layers), by: \.songID).mapValues { Set($0.map(\.stem)) }
        var material: [String: SongMaterial] = [:]
        let stemResults = try await withThrowingTaskGroup(of: (SongMaterial, [String]).self) { group in
            for song in prepared {
                group.addTask {
                    var songWarnings: [String] = []
                    let made = try await self.stems(for: song, needed: needed[song.song.id] ?? [], warnings: &songWarnings)
                    return (made, songWarnings)
                }
            }
            var all: [(SongMaterial, [String])] = []
            for try await result in group { all.append(result) }
            return all.sorted { $0.0.song.id < $1.0.song.id }
        }
        for (made, songWarnings) in stemResults {
            material[made.song.id] = made
            warnings += songWarnings
        }
        stageSeconds["stems"] = seconds(since: started, clock)
        try Task.checkCancellation()

        // 3. Placement.
        var planner = TimelinePlanner(script: script, songs: material.mapValues(\.timing))
        let placements = try planner.placements()
        warnings += planner.warnings

        // 4. Layers.
        started = clock.now
        let cache = options.stretchCache ?? StretchCache()
        let renderer = LayerRenderer(tempoMap: script.tempoMap, stretchOptions: options.stretchOptions,
                                     formantThresholdSemitones: options.formantPreservationThresholdSemitones, cache: cache)
        let timelineEnd = script.tempoMap.frame(atSeconds: script.timelineEndSeconds)
        // The bus streams: final frames are measured and spooled to disk as the layers come in.
        let busSpool = try Self.outputStep { try AudioSpoolWriter(channelCount: 2, sampleRate: rate) }
        let busMeter = LoudnessMeter(sampleRate: rate, channelCount: 2)
        let mixer = OrderedMixer(frameCount: timelineEnd + script.tempoMap.frameCount(seconds: 16), minimumFrameCount: timelineEnd,
                                 sampleRate: rate, placements: placements) { block in
            busMeter.append(block)
            try busSpool.write(block)
        }
        let total = placements.count
        let progressStep = 0.65 / Double(max(total, 1))
        try await withThrowingTaskGroup(of: RenderedLayer.self) { group in
            var next = 0
            var done = 0
            func launch() {
                let index = next
                let placement = placements[index]
                let song = material[placement.layer.songID]!
                let (buffer, fingerprint) = song.buffer(for: placement.layer.stem)
                group.addTask {
                    try Task.checkCancellation()
                    return try renderer.render(placement, index: index, source: buffer, fingerprint: fingerprint)
                }
                next += 1
            }
            while next < min(total, options.maximumConcurrentLayers) { launch() }
            while let rendered = try await group.next() {
                try Self.outputStep { try mixer.accept(rendered) }
                done += 1
                // The section named is the earliest one still rendering, so the message moves forward only.
                let current = placements[min(mixer.nextPlacementIndex, total - 1)].sectionIndex
                report(0.25 + progressStep * Double(done), "rendering",
                       "Rendering section \(current + 1)/\(script.sections.count): "
                       + script.sections[current].description.prefix(60))
                if next < total { launch() }
            }
        }
        try Task.checkCancellation()
        _ = try Self.outputStep { try mixer.finish() }
        let bus = try Self.outputStep { try busSpool.finish() }
        warnings += mixer.warnings
        stageSeconds["layers"] = seconds(since: started, clock)

        // 5. Master: passes over the spooled bus, each writing a spooled master (the last one is the result).
        started = clock.now
        report(0.92, "mastering", "Mastering to \(String(format: "%.1f", script.targetLoudnessLUFS)) LUFS")
        let normalizer = LoudnessNormalizer(targetLUFS: script.targetLoudnessLUFS, ceilingDecibels: script.truePeakCeilingDecibels)
        let (mastered, normalization, waveform) = try Self.outputStep {
            try Self.master(bus, inputIntegratedLUFS: busMeter.integratedLUFS, normalizer: normalizer,
                            waveformColumnCount: TimelineSVG().columnCount)
        }
        let loudness = normalization.passes > 0
            ? Self.loudness(of: normalization, targetLUFS: script.targetLoudnessLUFS)
            : try Self.outputStep { try Self.measure(mastered, targetLUFS: script.targetLoudnessLUFS,
                                                     truePeakDecibels: normalization.outputTruePeakDecibels) }
        stageSeconds["master"] = seconds(since: started, clock)
        stageSeconds["master_passes"] = Double(normalization.passes)
        if abs(loudness.integratedLUFS - script.targetLoudnessLUFS) > 0.5, loudness.integratedLUFS > -70 {
            warnings.append(String(format: "the master reached %.1f LUFS instead of %.1f (the limiter could not add more without crossing %.1f dBTP)",
                                   loudness.integratedLUFS, script.targetLoudnessLUFS, script.truePeakCeilingDecibels))
        }

        let result = RenderResult(mastered: mastered, waveform: waveform, report: makeReport(
            script: script, placements: placements, layers: mixer.layerReports, material: material,
            duration: mastered.durationSeconds, loudness: loudness, warnings: warnings, stageSeconds: stageSeconds))
        report(1, "done", "Rendered \(String(format: "%.1f", mastered.durationSeconds)) s")
        return result
    }

    /// Runs a step of the output side (spooling, mastering), naming what failed as `RenderError.outputFailed`.
    private static func outputStep<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RenderError {
            throw error
        } catch {
            throw RenderError.outputFailed(message: "\(error)")
        }
    }

    /// Normalises the spooled bus in passes (each re-reads the spool and writes a spooled master; the last pass
    /// wins) and draws the waveform overview of the result on the way. Silence is its own master.
    static func master(_ bus: AudioSpool, inputIntegratedLUFS: Double, normalizer: LoudnessNormalizer,
                       waveformColumnCount: Int) throws -> (AudioSpool, LoudnessNormalizationReport, WaveformOverview) {
        func builder() -> WaveformOverview.Builder {
            WaveformOverview.Builder(frameCount: bus.frameCount, columnCount: waveformColumnCount,
                                     channelCount: bus.channelCount, sampleRate: bus.sampleRate)
        }
        var writer: AudioSpoolWriter?
        var waveform = builder()
        let normalization = try normalizer.normalize(bus, inputIntegratedLUFS: inputIntegratedLUFS, beginPass: { _ in
            writer = nil  // the previous pass's spool is removed
            writer = try AudioSpoolWriter(channelCount: bus.channelCount, sampleRate: bus.sampleRate)
            waveform = builder()
        }, emit: { block in
            try writer?.write(block)
            waveform.append(block)
        })
        guard normalization.passes > 0, let writer else {
            try bus.forEachBlock { waveform.append($0) }
            return (bus, normalization, waveform.overview())
        }
        return (try writer.finish(), normalization, waveform.overview())
    }

    private func report(_ fraction: Double, _ stage: String, _ message: String) {
        options.progress?(RenderProgress(fraction: fraction, stage: stage, message: message))
    }

    private func seconds(since start: ContinuousClock.Instant, _ clock: ContinuousClock) -> Double {
        let d = clock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    // MARK: - Songs

    struct PreparedSong: Sendable {
        var song: RenderSong
        var timing: SongTiming
        var analysisSource: String
    }

    /// Converts songs to the engine rate and finds missing grids and keys (songs in parallel).
    private func prepareSongs(_ songs: [RenderSong], sampleRate: Double, warnings: inout [String]) async throws -> [PreparedSong] {
        let analysis = options.analysis
        let reference = options.songReferenceLoudnessLUFS
        var seen = Set<String>()
        for song in songs where !seen.insert(song.id).inserted {
            throw RenderError.songPreparationFailed(songID: song.id, message: "two songs share this id")
        }
        let results = try await withThrowingTaskGroup(of: (Int, PreparedSong).self) { group in
            for (index, original) in songs.enumerated() {
                group.addTask {
                    var song = original
                    do {
                        if song.audio.sampleRate != sampleRate {
                            song.audio = try SampleRateConverter.resample(song.audio, to: sampleRate)
                            song.stems = try song.stems.mapValues { try SampleRateConverter.resample($0, to: sampleRate) }
                        }
                        guard song.audio.frameCount > 0 else {
                            throw RenderError.songPreparationFailed(songID: song.id, message: "the song has no audio")
                        }
                        let minimum = AudioInputLimits.standard.minimumSongSeconds
                        guard song.audio.durationSeconds >= minimum else {
                            throw RenderError.songPreparationFailed(songID: song.id, message: "the song lasts \(MusicalDuration.trim(song.audio.durationSeconds)) s, shorter than the minimum of \(MusicalDuration.trim(minimum)) s (one bar must fit)")
                        }
                        var grid = song.beatGrid
                        var key = song.key
                        var source = "plan"
                        if grid == nil || !song.keyIsKnown {
                            guard let analysis else {
                                throw RenderError.songPreparationFailed(
                                    songID: song.id, message: "no beat grid or key was given and no analyser is configured")
                            }
                            let found = try await analysis.beatGridAndKey(of: song.audio, songID: song.id)
                            if grid == nil { grid = found.grid; source = "embedded" }
                            if !song.keyIsKnown { key = found.key; source = "embedded" }
                        }
                        var staging = 0.0
                        if let reference {
                            let meter = LoudnessMeter(sampleRate: song.audio.sampleRate, channelCount: song.audio.channelCount)
                            meter.append(song.audio)
                            let loudness = meter.integratedLUFS
                            if loudness.isFinite && loudness > -70 { staging = min(max(reference - loudness, -12), 12) }
                        }
                        return (index, PreparedSong(song: song, timing: SongTiming(grid: grid!, key: key,
                                                                                      durationSeconds: song.audio.durationSeconds,
                                                                                      gainStagingDecibels: staging),
                                                    analysisSource: source))
                    } catch let error as RenderError {
                        throw error
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        throw RenderError.songPreparationFailed(songID: song.id, message: "\(error)")
                    }
                }
            }
            var results: [(Int, PreparedSong)] = []
            for try await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return results
    }

    /// Gathers the stems a song needs: supplied ones, else the provider's, else the full song with a warning.
    private func stems(for prepared: PreparedSong, needed: Set<Stem>, warnings: inout [String]) async throws -> SongMaterial {
        var buffers = prepared.song.stems
        buffers[.full] = prepared.song.audio
        var stemSource = prepared.song.stems.isEmpty ? "none" : prepared.song.stemSource
        let missing = needed.subtracting(buffers.keys)
        if !missing.isEmpty {
            if let provider = options.stems {
                report(0.12, "stems", "Separating stems of \(prepared.song.name ?? prepared.song.id)")
                do {
                    let made = try await provider.stems(of: prepared.song.audio, songID: prepared.song.id)
                    for (stem, buffer) in made where buffers[stem] == nil { buffers[stem] = buffer }
                    stemSource = prepared.song.stems.isEmpty ? provider.sourceName : stemSource + "+" + provider.sourceName
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    throw RenderError.songPreparationFailed(songID: prepared.song.id, message: "stem separation failed: \(error)")
                }
            }
            for stem in missing where buffers[stem] == nil {
                warnings.append("song \(prepared.song.id): no \(stem.rawValue) stem is available; the full song plays in its place")
                buffers[stem] = prepared.song.audio
            }
        }
        // Stems must line up with the song: pad or trim to its length.
        for (stem, buffer) in buffers where buffer.frameCount != prepared.song.audio.frameCount {
            var fitted = buffer
            fitted.resize(frameCount: prepared.song.audio.frameCount)
            buffers[stem] = fitted
        }
        return SongMaterial(song: prepared.song, timing: prepared.timing, analysisSource: prepared.analysisSource,
                            stemSource: stemSource, buffers: buffers, needed: needed.union([.full]))
    }

    // MARK: - Report

    /// Loudness figures of the master from the normaliser's own final measurement (no extra pass over the audio).
    static func loudness(of normalization: LoudnessNormalizationReport, targetLUFS: Double) -> RenderReport.Loudness {
        RenderReport.Loudness(targetLUFS: targetLUFS, integratedLUFS: max(normalization.outputIntegratedLUFS, -70),
                              loudnessRangeLU: normalization.outputLoudnessRangeLU.isFinite ? normalization.outputLoudnessRangeLU : 0,
                              truePeakDecibels: normalization.outputTruePeakDecibels,
                              samplePeakDecibels: normalization.outputSamplePeakDecibels,
                              shortTermLUFS: normalization.outputShortTermLUFS.map { $0.isFinite ? max($0, -70) : -70 },
                              shortTermHopSeconds: 1, shortTermFirstSeconds: -0.5)
    }

    /// Loudness figures of a programme read block by block; `truePeakDecibels` when already measured.
    static func measure(_ programme: some RereadableProgramme, targetLUFS: Double,
                        truePeakDecibels: Double? = nil) throws -> RenderReport.Loudness {
        // Value k is the 3 s window ending at (k + 1) s (or at the end, for a last partial second), centred at
        // k + 1 - 1.5 s.
        let hopSeconds = 1.0
        let meter = LoudnessMeter(sampleRate: programme.sampleRate, channelCount: programme.channelCount)
        let peaks = TruePeakMeter(channelCount: programme.channelCount, maximumBlockFrameCount: 4096)
        var series: [Double] = []
        let hop = Int(programme.sampleRate * hopSeconds)
        var position = 0
        try programme.forEachBlock { block in
            var start = 0
            while start < block.frameCount {
                let count = min(block.frameCount - start, hop - position % hop, 4096)
                let piece = block.slice(frames: start..<(start + count))
                meter.append(piece)
                peaks.append(piece)
                start += count
                position += count
                if position % hop == 0 { series.append(meter.shortTermLUFS) }
            }
        }
        if position % hop != 0 { series.append(meter.shortTermLUFS) }
        peaks.finish()
        let integrated = meter.integratedLUFS
        return RenderReport.Loudness(targetLUFS: targetLUFS, integratedLUFS: integrated.isFinite ? integrated : -70,
                                     loudnessRangeLU: meter.loudnessRangeLU.isFinite ? meter.loudnessRangeLU : 0,
                                     truePeakDecibels: truePeakDecibels ?? peaks.truePeakDecibels,
                                     samplePeakDecibels: peaks.samplePeakDecibels,
                                     shortTermLUFS: series.map { $0.isFinite ? max($0, -70) : -70 }, shortTermHopSeconds: hopSeconds,
                                     shortTermFirstSeconds: 1.5 - hopSeconds)
    }

    private func makeReport(script: RenderScript, placements: [LayerPlacement], layers: [RenderReport.Layer?],
                            material: [String: SongMaterial], duration: Double, loudness: RenderReport.Loudness,
                            warnings: [String], stageSeconds: [String: Double]) -> RenderReport {
        let map = script.tempoMap
        var sections: [RenderReport.Section] = []
        for (index, section) in script.sections.enumerated() {
            let sectionLayers = placements.indices.filter { placements[$0].sectionIndex == index }.compactMap { layers[$0] }
            let transition: Double
            switch section.transitionIn {
            case .crossfade(let bars, _): transition = index == 0 ? 0 : map.seconds(bars: bars)
            case .filterSweep(let bars): transition = index == 0 ? 0 : map.seconds(bars: bars)
            case .echoOut(let echo): transition = index == 0 ? 0 : echo.tail.seconds(in: map)
            case .cut: transition = 0
            }
            sections.append(RenderReport.Section(
                index: index, description: section.description, energyLevel: section.energyLevel,
                startSeconds: section.startSeconds, endSeconds: section.endSeconds,
                startBar: map.bar(atSeconds: section.startSeconds) + 1, endBar: map.bar(atSeconds: section.endSeconds) + 1,
                transitionIn: index == 0 ? "start" : section.transitionIn.name, transitionSeconds: transition,
                layers: sectionLayers))
        }
        let songs = material.values.sorted { $0.song.id < $1.song.id }.map { song -> RenderReport.Song in
            let used = placements.indices.filter { placements[$0].layer.songID == song.song.id }
            let ratios = used.map { placements[$0].stretchRatio }
            let shifts = used.map { placements[$0].semitones }
            let commonShift = Dictionary(grouping: shifts, by: { $0 }).max { $0.value.count < $1.value.count }?.key ?? 0
            return RenderReport.Song(songID: song.song.id, name: song.song.name, artist: song.song.artist,
                                     tempoBPM: song.timing.grid.averageTempoBPM, key: song.timing.key?.description,
                                     analysisSource: song.analysisSource, stemSource: song.stemSource,
                                     stretchRatio: ratios.isEmpty ? 1 : ratios.reduce(0, +) / Double(ratios.count),
                                     semitones: commonShift, gainStagingDecibels: song.timing.gainStagingDecibels)
        }
        return RenderReport(engineVersion: Self.version, title: script.title, artistCredits: script.artistCredits,
                            creativeVision: script.creativeVision, audioFile: "", targetBPM: map.tempoBPM,
                            targetKey: script.targetKey?.description, beatsPerBar: map.beatsPerBar, sampleRate: map.sampleRate,
                            durationSeconds: duration, songs: songs, sections: sections,
                            problemsAndSolutions: script.problemsAndSolutions, loudness: loudness, warnings: warnings,
                            stageSeconds: stageSeconds)
    }
}

/// A song's audio and stems as the layers read them, with content fingerprints for the stretch cache.
struct SongMaterial: Sendable {
    var song: RenderSong
    var timing: SongTiming
    var analysisSource: String
    var stemSource: String
    private var buffers: [Stem: (buffer: AudioBuffer, fingerprint: UInt64)] = [:]

    init(song: RenderSong, timing: SongTiming, analysisSource: String, stemSource: String,
         buffers: [Stem: AudioBuffer], needed: Set<Stem>) {
        self.song = song
        self.timing = timing
        self.analysisSource = analysisSource
        self.stemSource = stemSource
        for (stem, buffer) in buffers where needed.contains(stem) {
            self.buffers[stem] = (buffer, StretchCache.fingerprint(buffer))
        }
    }

    func buffer(for stem: Stem) -> (AudioBuffer, UInt64) {
        let entry = buffers[stem] ?? buffers[.full]!
        return (entry.buffer, entry.fingerprint)
    }
}
