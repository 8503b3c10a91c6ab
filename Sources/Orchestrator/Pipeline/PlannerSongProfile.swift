// What the embedded planner knows of one song, read from its analysis JSON with the gaps filled: a tempo (from
// `rhythmic.bpm`, else the median beat interval), a key (nil when "N/A" or unreadable), a length, a bar grid
// (measured downbeats; else every 4th beat; else section starts; else an estimate from the tempo, which the render
// snaps to its own grid) and regions (the analysed sections; else 8-bar windows of the per-bar energy; else the
// whole song). Remote analyses lack most of our fields; every one of them is optional here.

import Analysis
import Foundation
import Render

/// One song as the embedded planner sees it.
struct PlannerSongProfile: Sendable {
    /// A stretch of the song with its loudness, for choosing what each mashup section reads.
    struct Region: Sendable, Equatable {
        /// Start and end in the song, seconds.
        var startSeconds: Double
        var endSeconds: Double
        /// Mean level, dBFS.
        var rmsDecibels: Double
        var label: SongSection.EnergyLabel
        /// The analysed section's role; nil for energy windows and assumed forms.
        var role: SongSection.Role? = nil
    }

    /// Position of the song in the request.
    let index: Int
    let label: PlanSongLabel
    /// Tempo in BPM; nil when the analysis found no pulse.
    let tempoBPM: Double?
    /// False when the analysis measured no pulse (`RhythmicFeatures.hasPulse`): the render plays it at its own speed.
    let hasPulse: Bool
    /// Key; nil when unknown or atonal.
    let key: MusicalKey?
    /// 0...1.
    let vocalPresence: Double
    /// Length in seconds (assumed `assumedDurationSeconds` when the analysis does not say).
    let durationSeconds: Double
    /// True when the length came from the analysis (or its beats/sections), false when assumed.
    let durationIsKnown: Bool
    /// Bar starts in song seconds, increasing.
    let downbeats: [Double]
    /// True when `downbeats` are the analyser's downbeats (false: derived or estimated).
    let downbeatsAreMeasured: Bool
    /// Regions in time order, at least one (the section preferences may narrow them: `SectionPreference`).
    var regions: [Region]
    /// Where `regions` came from.
    enum RegionSource: Sendable { case sections, energy, assumedForm }
    let regionSource: RegionSource

    /// Length assumed for a song whose analysis gives none, seconds.
    static let assumedDurationSeconds = 180.0
    /// Tempo used for grid estimates when nothing is known, BPM.
    static let fallbackTempoBPM = 120.0
    /// Bars per energy window when regions are built from per-bar energy.
    static let energyWindowBars = 8
    /// Slack allowed at the end of the song when fitting a read, seconds (analysis rounding).
    static let endToleranceSeconds = 0.05

    /// Reads one analysis (the `A` object, or `{"analysis": A}`) as its document read it: strictly, else the
    /// contract's core fields one by one (`AnalysisDocument.lenient`).
    init(index: Int, label: PlanSongLabel, document: AnalysisDocument) throws {
        var value = document.json
        if value["harmonic"] == nil, value["rhythmic"] == nil, let inner = value["analysis"] { value = inner }
        guard case .object = value else {
            throw EmbeddedPlannerError.unreadableAnalysis(songIndex: index, reason: "not a JSON object")
        }
        guard let analysis = document.lenient else {
            throw EmbeddedPlannerError.unreadableAnalysis(songIndex: index, reason: "no harmonic or rhythmic features")
        }
        self.init(index: index, label: label, analysis: analysis)
    }

    init(index: Int, label: PlanSongLabel, analysis: SongAnalysis) {
        self.index = index
        self.label = label
        let rhythmic = analysis.rhythmic
        let beats = (rhythmic.beats ?? []).filter { $0.isFinite && $0 >= 0 }.sorted()
        let beatsPerBar = max(1, rhythmic.beatsPerBar ?? 4)

        // Tempo: none for audio without a pulse (it plays at its own speed and sets no target tempo).
        let readable = rhythmic.bpm.isFinite && rhythmic.bpm >= 30 && rhythmic.bpm <= 300
        var tempo: Double? = rhythmic.hasPulse && readable ? rhythmic.bpm : nil
        if tempo == nil, rhythmic.hasPulse, beats.count >= 3 {
            let intervals = zip(beats.dropFirst(), beats).map { $0 - $1 }.sorted()
            let median = intervals[intervals.count / 2]
            if median > 0 { tempo = 60 / median }
        }
        tempoBPM = tempo
        hasPulse = rhythmic.hasPulse

        key = MusicalKey(parsing: analysis.harmonic.key)
        vocalPresence = analysis.vocal.vocalPresence.isFinite ? min(1, max(0, analysis.vocal.vocalPresence)) : 0

        // Length.
        let sections = (analysis.sections ?? []).filter { $0.startSeconds.isFinite && $0.endSeconds > $0.startSeconds }
        let energy = (analysis.energy ?? []).filter { $0.startSeconds.isFinite && $0.endSeconds > $0.startSeconds }
        var length: Double? = analysis.durationSeconds.flatMap { $0.isFinite && $0 > 0 ? $0 : nil }
        if length == nil {
            let candidates = [
                beats.last.map { $0 + 60 / (tempo ?? Self.fallbackTempoBPM) }, sections.last?.endSeconds,
                energy.last?.endSeconds,
            ].compactMap { $0 }
            length = candidates.max()
        }
        durationIsKnown = length != nil
        let duration = length ?? Self.assumedDurationSeconds
        durationSeconds = duration

        // Bar grid.
        let measured = (rhythmic.downbeats ?? []).filter { $0.isFinite && $0 >= 0 && $0 < duration }.sorted()
        if measured.count >= 2 {
            downbeats = measured
            downbeatsAreMeasured = true
        } else if beats.count >= beatsPerBar * 2 {
            downbeats = stride(from: 0, to: beats.count, by: beatsPerBar).map { beats[$0] }
            downbeatsAreMeasured = false
        } else if sections.count >= 2 {
            downbeats = sections.map(\.startSeconds)
            downbeatsAreMeasured = false
        } else {
            let barSeconds = 240 / (tempo ?? Self.fallbackTempoBPM)
            let first = measured.first ?? beats.first ?? 0
            downbeats = stride(from: first, to: duration, by: barSeconds).map { $0 }
            downbeatsAreMeasured = false
        }

        // Regions.
        if !sections.isEmpty {
            regions = sections.map {
                Region(
                    startSeconds: $0.startSeconds, endSeconds: $0.endSeconds,
                    rmsDecibels: $0.rmsDecibels.isFinite ? $0.rmsDecibels : -120, label: $0.label,
                    role: $0.role)
            }
            regionSource = .sections
        } else if energy.count >= 2 {
            regions = Self.energyWindows(energy)
            regionSource = .energy
        } else {
            regions = Self.assumedForm(durationSeconds: duration)
            regionSource = .assumedForm
        }
    }

    /// Windows of `energyWindowBars` bars with their power-mean level, labelled against the loudest window
    /// (high within 3 dB of it, low 9 dB or more below, as the analyser labels sections).
    static func energyWindows(_ bars: [BarEnergy]) -> [Region] {
        var windows: [Region] = []
        var start = 0
        while start < bars.count {
            let end = min(start + energyWindowBars, bars.count)
            let power =
                bars[start..<end].map { pow(10, max(-120, $0.rmsDecibels) / 10) }.reduce(0, +) / Double(end - start)
            windows.append(
                Region(
                    startSeconds: bars[start].startSeconds, endSeconds: bars[end - 1].endSeconds,
                    rmsDecibels: 10 * log10(max(power, 1e-12)), label: .mid))
            start = end
        }
        let loudest = windows.map(\.rmsDecibels).max() ?? 0
        for k in windows.indices {
            let below = loudest - windows[k].rmsDecibels
            windows[k].label = below <= 3 ? .high : (below >= 9 ? .low : .mid)
        }
        return windows
    }

    /// A typical pop form when nothing is known of the song's loudness: a quiet first tenth (intro), verses and
    /// choruses alternating, a quiet last tenth (outro). Levels are nominal (only their order is used).
    static func assumedForm(durationSeconds: Double) -> [Region] {
        let shape: [(fraction: Double, rmsDecibels: Double, label: SongSection.EnergyLabel)] = [
            (0.10, -20, .low), (0.20, -14, .mid), (0.20, -9, .high), (0.20, -14, .mid), (0.20, -8, .high),
            (0.10, -20, .low),
        ]
        var regions: [Region] = []
        var start = 0.0
        for part in shape {
            let end = start + part.fraction * durationSeconds
            regions.append(
                Region(startSeconds: start, endSeconds: end, rmsDecibels: part.rmsDecibels, label: part.label))
            start = end
        }
        return regions
    }

    /// The display name.
    var name: String { label.name }

    /// Source beats per target beat (½, 1 or 2) nearest to no stretch: the render's own rule.
    func beatFactor(targetBPM: Double) -> Double {
        guard let tempo = tempoBPM else { return 1 }
        return [0.5, 1.0, 2.0].min { abs(log(tempo / (targetBPM * $0))) < abs(log(tempo / (targetBPM * $1))) }!
    }

    /// Playback speed the target tempo implies (1.05 = 5% faster), 1 when the tempo is unknown.
    func speed(targetBPM: Double) -> Double {
        guard let tempo = tempoBPM else { return 1 }
        return targetBPM * beatFactor(targetBPM: targetBPM) / tempo
    }

    /// Song seconds read by `bars` bars at the target tempo.
    func sourceSeconds(bars: Double, targetBPM: Double) -> Double {
        bars * 240 / targetBPM * speed(targetBPM: targetBPM)
    }

    /// Song seconds available from the first bar line to the end.
    var usableSeconds: Double { durationSeconds - (downbeats.first ?? 0) }

    /// The bar line at or after `seconds` (within 0.05 s) from which `neededSeconds` of the song remain; else the
    /// last bar line that leaves that much; else the first bar line.
    func barStart(near seconds: Double, neededSeconds: Double) -> Double {
        let latest = durationSeconds - neededSeconds + Self.endToleranceSeconds
        let fitting = downbeats.filter { $0 <= latest }
        guard let last = fitting.last else { return downbeats.first ?? 0 }
        return fitting.first { $0 >= seconds - Self.endToleranceSeconds } ?? last
    }

    /// Regions ordered loudest first (ties: earlier first).
    var regionsByLoudness: [Region] {
        regions.enumerated().sorted { a, b in
            a.element.rmsDecibels != b.element.rmsDecibels
                ? a.element.rmsDecibels > b.element.rmsDecibels : a.offset < b.offset
        }.map(\.element)
    }

    /// The loudest region (the chorus).
    var loudestRegion: Region { regionsByLoudness[0] }

    /// The quietest region (an intro or a breakdown).
    var quietestRegion: Region { regionsByLoudness[regionsByLoudness.count - 1] }

    /// A middle-loudness region (a verse): the first `mid` region that is not the loudest, else the median one.
    var middleRegion: Region {
        let loudest = loudestRegion
        if let mid = regions.first(where: { $0.label == .mid && $0 != loudest }) { return mid }
        return regionsByLoudness[regionsByLoudness.count / 2]
    }

    /// The last region (an outro).
    var lastRegion: Region { regions[regions.count - 1] }
}
