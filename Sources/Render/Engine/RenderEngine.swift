import DSP
import Foundation
import Synchronization

// Design note: the render, stage by stage.
// 1. Songs: sources read by range, with the beat grid and key the caller supplied (the engine analyses nothing);
//    gain staging from each song's integrated loudness (measured over blocks, or by the source when it opened).
// 2. Stems: for every stem the plan uses, where it is read from: the supplied stem, else the stem provider, else
//    the full song with a warning. After placement, the provider's stems are made once over the chunks of the song
//    the layers read (in parallel) and parked on disk (`StemStore`).
// 3. Placement: `TimelinePlanner` puts every layer on the output timeline (exact section frames, centred
//    transitions, beat-by-beat warps, key shifts).
// 4. Layers: rendered in parallel (at most `maximumConcurrentLayers` at once) by `LayerRenderer`, and added to
//    the bus strictly in plan order as they become available, so the sum, and so the output, is bit-identical
//    whatever the thread count. Layers with a sidechain wait for their section's key (the sum of its key-stem
//    layers) and are added after the ordinary layers of their frames. The bus streams (`OrderedMixer`): frames no
//    layer still to come can touch are measured (loudness) and spooled to a float file, and leave memory.
// 5. Master: loudness normalisation to the target with the true-peak limiter, in passes over the spooled bus;
//    each pass measures its output (loudness, LRA, the per-second series, the waveform overview) and spools it;
//    the last pass is the result (`RenderResult.mastered`), written out by extension. Each pass measures its
//    sample and true peak on the way (a channel per job beside the limiter). When the caller names the output
//    file beforehand (`RenderOptions.masterFile`), each pass also encodes its output into it, and the last pass's
//    file is renamed into place by `RenderResult.writeAudio` instead of a read and encode of the spool.
// Memory: no whole song or stem (each layer reads its source range, plus the stretcher's slack, when it
// starts; provided stems are made chunk by chunk onto disk), the layers in flight (plus the sidechained ones) and the bus window
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
        let prepared = try await prepareSongs(songs, sampleRate: rate)
        stageSeconds["analysis"] = seconds(since: started, clock)
        try Task.checkCancellation()

        // 2. Stems: where each stem the plan uses is read from.
        started = clock.now
        report(0.1, "stems", "Preparing stems")
        let needed = Dictionary(grouping: script.sections.flatMap(\.layers), by: \.songID).mapValues {
            Set($0.map(\.stem))
        }
        var material: [String: SongMaterial] = [:]
        for song in prepared.sorted(by: { $0.song.id < $1.song.id }) {
            let made = try stems(for: song, needed: needed[song.song.id] ?? [], sampleRate: rate, warnings: &warnings)
            material[made.song.id] = made
        }
        try Task.checkCancellation()

        // 3. Placement.
        var planner = TimelinePlanner(script: script, songs: material.mapValues(\.timing))
        let placements = try planner.placements()
        warnings += planner.warnings

        // Stems from the provider: made once, over the chunks the layers read, and parked on disk (`StemStore`).
        let providedSongs = material.keys.sorted().filter { material[$0]!.usesProvider }
        for (index, id) in providedSongs.enumerated() {
            let base = 0.1 + 0.15 * Double(index) / Double(providedSongs.count)
            let share = 0.15 / Double(providedSongs.count)
            try await material[id]!.storeProvidedStems(
                reading: placements, sampleRate: rate, maximumConcurrentChunks: options.maximumConcurrentLayers
            ) { done, total in
                report(base + share * Double(done) / Double(max(total, 1)), "stems", "Separating stems of \(id)")
            }
            try Task.checkCancellation()
        }
        stageSeconds["stems"] = seconds(since: started, clock)

        // 4. Layers.
        started = clock.now
        // A cache for this render only keeps a stretched piece just while a layer still to come reads it.
        let reuse =
            options.stretchCache != nil
            ? nil
            : StretchReuse(
                keys: placements.compactMap { placement in
                    LayerRenderer.warp(
                        of: placement,
                        fingerprint: material[placement.layer.songID]!.fingerprint(for: placement.layer.stem),
                        tempoMap: script.tempoMap,
                        formantThresholdSemitones: options.formantPreservationThresholdSemitones)?.key
                })
        let renderer = LayerRenderer(
            tempoMap: script.tempoMap, stretchOptions: options.stretchOptions,
            formantThresholdSemitones: options.formantPreservationThresholdSemitones,
            cache: options.stretchCache ?? StretchCache(), reuse: reuse)
        let timelineEnd = script.tempoMap.frame(atSeconds: script.timelineEndSeconds)
        // The bus streams: final frames are measured and spooled to disk as the layers come in.
        let busSpool = try Self.outputStep { try AudioSpoolWriter(channelCount: 2, sampleRate: rate) }
        let busMeter = LoudnessMeter(sampleRate: rate, channelCount: 2)
        let mixer = OrderedMixer(
            frameCount: timelineEnd + script.tempoMap.frameCount(seconds: 16), minimumFrameCount: timelineEnd,
            sampleRate: rate, placements: placements
        ) { block in
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
                let stem = placement.layer.stem
                group.addTask {
                    try Task.checkCancellation()
                    return try await renderer.render(placement, index: index, fingerprint: song.fingerprint(for: stem))
                    { range in
                        try await song.read(stem, frames: range)
                    }
                }
                next += 1
            }
            while next < min(total, options.maximumConcurrentLayers) { launch() }
            while let rendered = try await group.next() {
                try Self.outputStep { try mixer.accept(rendered) }
                done += 1
                // The section named is the earliest one still rendering, so the message moves forward only.
                let current = placements[min(mixer.nextPlacementIndex, total - 1)].sectionIndex
                report(
                    0.25 + progressStep * Double(done), "rendering",
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
        let normalizer = LoudnessNormalizer(
            targetLUFS: script.targetLoudnessLUFS, ceilingDecibels: script.truePeakCeilingDecibels)
        let (mastered, normalization, waveform, prewritten) = try Self.outputStep {
            try Self.master(
                bus, inputIntegratedLUFS: busMeter.integratedLUFS, normalizer: normalizer,
                waveformColumnCount: TimelineSVG().columnCount, masterFile: options.masterFile)
        }
        let loudness =
            normalization.passes > 0
            ? Self.loudness(of: normalization, targetLUFS: script.targetLoudnessLUFS)
            : try Self.outputStep {
                try Self.measure(
                    mastered, targetLUFS: script.targetLoudnessLUFS,
                    truePeakDecibels: normalization.outputTruePeakDecibels)
            }
        stageSeconds["master"] = seconds(since: started, clock)
        stageSeconds["master_passes"] = Double(normalization.passes)
        if abs(loudness.integratedLUFS - script.targetLoudnessLUFS) > 0.5, loudness.integratedLUFS > -70 {
            warnings.append(
                String(
                    format:
                        "the master reached %.1f LUFS instead of %.1f (the limiter could not add more without crossing %.1f dBTP)",
                    loudness.integratedLUFS, script.targetLoudnessLUFS, script.truePeakCeilingDecibels))
        }

        let result = RenderResult(
            mastered: mastered, waveform: waveform,
            report: makeReport(
                script: script, placements: placements, layers: mixer.layerReports, material: material,
                duration: mastered.durationSeconds, loudness: loudness, warnings: warnings, stageSeconds: stageSeconds),
            prewrittenAudio: prewritten)
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
    /// wins), measuring each pass's peaks and drawing the waveform overview of its output on the way; with a
    /// `masterFile`, each pass also encodes its output into that file (a job of its own in the pass's pipeline),
    /// and the last pass's file is returned unpublished. Silence is its own master (and writes no file here).
    /// - Throws: what reading the bus or writing the spool throws. A master file that cannot be opened or written
    ///   is given up silently: `RenderResult.writeAudio` then encodes the spool and reports any error itself.
    static func master(
        _ bus: AudioSpool, inputIntegratedLUFS: Double, normalizer: LoudnessNormalizer,
        waveformColumnCount: Int, masterFile: RenderOptions.MasterFile? = nil
    ) throws -> (AudioSpool, LoudnessNormalizationReport, WaveformOverview, PendingAudioFile?) {
        func builder() -> WaveformOverview.Builder {
            WaveformOverview.Builder(
                frameCount: bus.frameCount, columnCount: waveformColumnCount,
                channelCount: bus.channelCount, sampleRate: bus.sampleRate)
        }
        var writer: AudioSpoolWriter?
        var waveform = builder()
        let fileWriter = MasterFileWriter()
        // The peaks of every pass are measured in the pass (a job per channel beside the limiter): the result's
        // are the last pass's, and no read of the result follows.
        let normalization = try normalizer.normalize(
            bus, inputIntegratedLUFS: inputIntegratedLUFS, measuresPeaks: true,
            beginPass: { _ in
                writer = nil // the previous pass's spool is removed
                writer = try AudioSpoolWriter(channelCount: bus.channelCount, sampleRate: bus.sampleRate)
                waveform = builder()
                if let masterFile {
                    fileWriter.begin(masterFile, channelCount: bus.channelCount, sampleRate: bus.sampleRate)
                }
            },
            emit: { block in
                try writer?.write(block)
                waveform.append(block)
            },
            alongside: masterFile == nil ? [] : [{ fileWriter.write($0) }])
        guard normalization.passes > 0, let writer else {
            try bus.forEachBlock { waveform.append($0) }
            return (bus, normalization, waveform.overview(), nil)
        }
        let mastered = try writer.finish()
        return (mastered, normalization, waveform.overview(), fileWriter.finish())
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
    }

    /// Checks the songs' sources (rate, length) and measures their gain staging (songs in parallel).
    private func prepareSongs(_ songs: [RenderSong], sampleRate: Double) async throws -> [PreparedSong] {
        let reference = options.songReferenceLoudnessLUFS
        var seen = Set<String>()
        for song in songs where !seen.insert(song.id).inserted {
            throw RenderError.songPreparationFailed(songID: song.id, message: "two songs share this id")
        }
        return try await withThrowingTaskGroup(of: (Int, PreparedSong).self) { group in
            for (index, original) in songs.enumerated() {
                group.addTask {
                    var song = original
                    do {
                        song.source = try Self.atRate(song.source, sampleRate, what: "the song", songID: song.id)
                        song.stems = try song.stems.mapValues {
                            try Self.atRate($0, sampleRate, what: "a stem", songID: song.id)
                        }
                        guard song.source.frameCount > 0 else {
                            throw RenderError.songPreparationFailed(songID: song.id, message: "the song has no audio")
                        }
                        let minimum = AudioInputLimits.standard.minimumSongSeconds
                        guard song.source.durationSeconds >= minimum else {
                            throw RenderError.songPreparationFailed(
                                songID: song.id,
                                message:
                                    "the song lasts \(MusicalDuration.trim(song.source.durationSeconds)) s, shorter than the minimum of \(MusicalDuration.trim(minimum)) s (one bar must fit)"
                            )
                        }
                        var staging = 0.0
                        if let reference {
                            let loudness = try song.source.integratedLoudnessLUFS()
                            if loudness.isFinite && loudness > -70 {
                                staging = min(reference - loudness, RenderOptions.maximumStagingBoostDecibels)
                            }
                        }
                        return (
                            index,
                            PreparedSong(
                                song: song,
                                timing: SongTiming(
                                    grid: song.beatGrid, key: song.key, keyStretches: song.keyStretches,
                                    durationSeconds: song.source.durationSeconds,
                                    gainStagingDecibels: staging, hasPulse: song.hasPulse))
                        )
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
    }

    /// `source` at `rate`: itself, or converted when it is held in memory.
    /// - Throws: `RenderError.songPreparationFailed` when a file-backed source is at another rate.
    static func atRate(_ source: any AudioSource, _ rate: Double, what: String, songID: String) throws
        -> any AudioSource
    {
        if source.sampleRate == rate { return source }
        if let memory = source as? MemoryAudioSource { return try memory.resampled(to: rate) }
        throw RenderError.songPreparationFailed(
            songID: songID,
            message:
                "\(what) is read at \(MusicalDuration.trim(source.sampleRate)) Hz, not at the engine's \(MusicalDuration.trim(rate)) Hz"
        )
    }

    /// Decides where each stem a song needs is read from: the supplied stem, else the provider, else the full
    /// song with a warning.
    private func stems(
        for prepared: PreparedSong, needed: Set<Stem>, sampleRate: Double,
        warnings: inout [String]
    ) throws -> SongMaterial {
        let song = prepared.song
        var routes: [Stem: SongMaterial.Route] = [.full: .source(song.source)]
        for (stem, source) in song.stems where stem != .full { routes[stem] = .source(source) }
        var stemSource = song.stems.isEmpty ? "none" : song.stemSource
        let missing = needed.subtracting(routes.keys)
        if !missing.isEmpty {
            if let provider = options.stems {
                for stem in missing { routes[stem] = .provider(provider) }
                stemSource = song.stems.isEmpty ? provider.sourceName : stemSource + "+" + provider.sourceName
            } else {
                for stem in missing.sorted(by: { $0.rawValue < $1.rawValue }) {
                    warnings.append(
                        "song \(song.id): no \(stem.rawValue) stem is available; the full song plays in its place")
                    routes[stem] = .source(song.source)
                }
            }
        }
        return SongMaterial(
            song: song, timing: prepared.timing, stemSource: stemSource,
            routes: routes.filter { needed.contains($0.key) || $0.key == .full })
    }

    // MARK: - Report

    /// Loudness figures of the master from the normaliser's own final measurement (no extra pass over the audio).
    static func loudness(of normalization: LoudnessNormalizationReport, targetLUFS: Double) -> RenderReport.Loudness {
        RenderReport.Loudness(
            targetLUFS: targetLUFS, integratedLUFS: max(normalization.outputIntegratedLUFS, -70),
            loudnessRangeLU: normalization.outputLoudnessRangeLU.isFinite ? normalization.outputLoudnessRangeLU : 0,
            truePeakDecibels: normalization.outputTruePeakDecibels,
            samplePeakDecibels: normalization.outputSamplePeakDecibels,
            shortTermLUFS: normalization.outputShortTermLUFS.map { $0.isFinite ? max($0, -70) : -70 },
            shortTermHopSeconds: 1, shortTermFirstSeconds: -0.5)
    }

    /// Loudness figures of a programme read block by block; `truePeakDecibels` when already measured.
    static func measure(
        _ programme: some RereadableProgramme, targetLUFS: Double,
        truePeakDecibels: Double? = nil
    ) throws -> RenderReport.Loudness {
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
        return RenderReport.Loudness(
            targetLUFS: targetLUFS, integratedLUFS: integrated.isFinite ? integrated : -70,
            loudnessRangeLU: meter.loudnessRangeLU.isFinite ? meter.loudnessRangeLU : 0,
            truePeakDecibels: truePeakDecibels ?? peaks.truePeakDecibels,
            samplePeakDecibels: peaks.samplePeakDecibels,
            shortTermLUFS: series.map { $0.isFinite ? max($0, -70) : -70 }, shortTermHopSeconds: hopSeconds,
            shortTermFirstSeconds: 1.5 - hopSeconds)
    }

    private func makeReport(
        script: RenderScript, placements: [LayerPlacement], layers: [RenderReport.Layer?],
        material: [String: SongMaterial], duration: Double, loudness: RenderReport.Loudness,
        warnings: [String], stageSeconds: [String: Double]
    ) -> RenderReport {
        let map = script.tempoMap
        var sections: [RenderReport.Section] = []
        for (index, section) in script.sections.enumerated() {
            let sectionLayers = placements.indices.filter { placements[$0].sectionIndex == index }.compactMap {
                layers[$0]
            }
            let transition: Double
            switch section.transitionIn {
            case .crossfade(let bars, _): transition = index == 0 ? 0 : map.seconds(bars: bars)
            case .filterSweep(let bars): transition = index == 0 ? 0 : map.seconds(bars: bars)
            case .echoOut(let echo): transition = index == 0 ? 0 : echo.tail.seconds(in: map)
            case .cut: transition = 0
            }
            sections.append(
                RenderReport.Section(
                    index: index, description: section.description, energyLevel: section.energyLevel,
                    startSeconds: section.startSeconds, endSeconds: section.endSeconds,
                    startBar: map.bar(atSeconds: section.startSeconds) + 1,
                    endBar: map.bar(atSeconds: section.endSeconds) + 1,
                    transitionIn: index == 0 ? "start" : section.transitionIn.name, transitionSeconds: transition,
                    layers: sectionLayers))
        }
        let songs = material.values.sorted { $0.song.id < $1.song.id }.map { song -> RenderReport.Song in
            let used = placements.indices.filter { placements[$0].layer.songID == song.song.id }
            let ratios = used.map { placements[$0].stretchRatio }
            let shifts = used.map { placements[$0].semitones }
            let commonShift = Dictionary(grouping: shifts, by: { $0 }).max { $0.value.count < $1.value.count }?.key ?? 0
            return RenderReport.Song(
                songID: song.song.id, name: song.song.name, artist: song.song.artist,
                tempoBPM: song.timing.grid.averageTempoBPM, key: song.timing.key?.description,
                analysisSource: song.analysisSource, stemSource: song.stemSource,
                stretchRatio: ratios.isEmpty ? 1 : ratios.reduce(0, +) / Double(ratios.count),
                semitones: commonShift, gainStagingDecibels: song.timing.gainStagingDecibels,
                hasPulse: song.timing.hasPulse ? nil : false)
        }
        return RenderReport(
            engineVersion: Self.version, title: script.title, artistCredits: script.artistCredits,
            creativeVision: script.creativeVision, audioFile: "", targetBPM: map.tempoBPM,
            targetKey: script.targetKey?.description, beatsPerBar: map.beatsPerBar, sampleRate: map.sampleRate,
            durationSeconds: duration, songs: songs, sections: sections,
            problemsAndSolutions: script.problemsAndSolutions, loudness: loudness, warnings: warnings,
            stageSeconds: stageSeconds)
    }
}

/// Where a song's stems are read from, by range, with content fingerprints for the stretch cache.
struct SongMaterial: Sendable {
    /// How one stem is read.
    enum Route: Sendable {
        /// A source (the song itself, or a supplied stem) read in place.
        case source(any AudioSource)
        /// The stem provider over the range (it reads the song with the context it needs).
        case provider(any StemProviding)
        /// The provider's stems, made over the chunks the render reads and kept on disk.
        case store(StemStore)
    }

    var song: RenderSong
    var timing: SongTiming
    var analysisSource: String { song.analysisSource }
    var stemSource: String
    private var routes: [Stem: Route]

    init(song: RenderSong, timing: SongTiming, stemSource: String, routes: [Stem: Route]) {
        self.song = song
        self.timing = timing
        self.stemSource = stemSource
        self.routes = routes
    }

    private func route(for stem: Stem) -> Route { routes[stem] ?? routes[.full]! }

    /// True when some stem is read from the stem provider.
    var usesProvider: Bool {
        routes.values.contains { if case .provider = $0 { true } else { false } }
    }

    /// Makes the provider's stems once, over the chunks that `placements` of this song read from it (a `StemStore`
    /// on disk), and reads those stems from there from now on.
    /// - Throws: `RenderError.songPreparationFailed` when the provider or the spools fail; `CancellationError`.
    mutating func storeProvidedStems(
        reading placements: [LayerPlacement], sampleRate: Double, maximumConcurrentChunks: Int,
        progress: @Sendable @escaping (Int, Int) -> Void
    ) async throws {
        var provided: [Stem] = []
        var provider: (any StemProviding)?
        for (stem, route) in routes {
            if case .provider(let p) = route {
                provided.append(stem)
                provider = p
            }
        }
        guard let provider else { return }
        let stems = Set(provided)
        let ranges = placements.filter { $0.layer.songID == song.id && stems.contains($0.layer.stem) }.compactMap {
            LayerRenderer.sourceFrames(of: $0, sampleRate: sampleRate)
        }
        let store: StemStore
        do {
            store = try await StemStore.make(
                source: song.source, songID: song.id, provider: provider, ranges: ranges,
                chunkFrameCount: provider.preferredChunkFrameCount, maximumConcurrentChunks: maximumConcurrentChunks,
                progress: progress)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as RenderError {
            throw error
        } catch {
            throw RenderError.songPreparationFailed(songID: song.id, message: "stem separation failed: \(error)")
        }
        for stem in stems { routes[stem] = .store(store) }
    }

    /// A 64-bit fingerprint of what `stem` reads (the stretch cache's key; the stem itself is part of that key).
    func fingerprint(for stem: Stem) -> UInt64 {
        switch route(for: stem) {
        case .source(let source): source.contentFingerprint.a
        // The provider's output is a function of the song: the song's other lane, so it never equals the song's.
        case .provider, .store: song.source.contentFingerprint.b
        }
    }

    /// Frames `range` of `stem`, aligned with the song: silence outside the song (a supplied stem longer than the
    /// song is cut at the song's end).
    /// - Throws: `RenderError.songPreparationFailed` when the stem cannot be read or separated.
    func read(_ stem: Stem, frames range: Range<Int>) async throws -> AudioBuffer {
        let songFrames = song.source.frameCount
        let inside = max(range.lowerBound, 0)..<max(min(range.upperBound, songFrames), max(range.lowerBound, 0))
        do {
            let audio: AudioBuffer
            switch route(for: stem) {
            case .source(let source):
                audio = try source.read(frames: inside)
            case .provider(let provider):
                audio =
                    try await provider.stems(of: song.source, songID: song.id, frames: inside)[stem]
                    ?? AudioBuffer(
                        channelCount: song.source.channelCount, frameCount: inside.count,
                        sampleRate: song.source.sampleRate)
            case .store(let store):
                audio = try store.read(stem, frames: inside)
            }
            let offset = range.lowerBound - inside.lowerBound
            return offset == 0 && audio.frameCount == range.count
                ? audio : audio.slice(frames: offset..<offset + range.count)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as RenderError {
            throw error
        } catch {
            switch route(for: stem) {
            case .provider, .store:
                throw RenderError.songPreparationFailed(songID: song.id, message: "stem separation failed: \(error)")
            case .source:
                throw RenderError.songPreparationFailed(
                    songID: song.id, message: "reading the \(stem.rawValue) audio failed: \(error)")
            }
        }
    }
}
