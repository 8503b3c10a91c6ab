// Design: the embedded analyser. The input (any channel count and rate) is downmixed to mono and brought to
// about 22.05 kHz (halved by AnalysisDownsampler: 44.1 → 22.05, 48 → 24 kHz; low rates resampled up), then:
//   SpectralFrames (2048/512)  -> onset envelopes -> tempo, beats (DP), swing, stability
//                              -> MFCCs (40 mel bands, DCT-II, 13 coefficients, pooled to 0.5 s columns),
//                                 brightness (mean centroid of audible frames), vocal presence
//   ChromaFrames (4096/1024)   -> chords per beat -> downbeats (with low-band onsets) -> key
//   mono samples               -> RMS per bar, dynamic range (0.4 s windows) -> sections (bar novelty)
// Cost for a 3-minute stereo song: two STFT passes at 22.05 kHz plus O(frames × period) dynamic programming;
// the resampler is the largest single cost. No state is kept between calls; an analyser may be shared.
import DSP
import Foundation

/// Analyses a song held in memory: tempo, beats, downbeats, key, chords, energy, sections, timbre, voice.
///
/// ```swift
/// let analysis = try SongAnalyzer().analyze(buffer)   // SongAnalysis, the contract's JSON shape plus ours
/// ```
public struct SongAnalyzer: Sendable {
    /// Nominal rate the analysis runs at, in Hz (24 kHz for 48/96 kHz input).
    public static let analysisRate = 22050.0
    /// Beats per bar assumed for downbeats; nil: chosen per song between 4 (the default) and 3.
    public var beatsPerBar: Int?
    /// Seconds between MFCC columns in the output.
    public var mfccHopSeconds: Double

    public init(beatsPerBar: Int? = nil, mfccHopSeconds: Double = 0.5) {
        precondition((beatsPerBar ?? 2) >= 2, "a bar has at least two beats")
        precondition(mfccHopSeconds > 0, "MFCC hop must be positive")
        self.beatsPerBar = beatsPerBar
        self.mfccHopSeconds = mfccHopSeconds
    }

    /// Analyses `buffer`.
    /// - Throws: `ResampleError` when the input rate cannot be converted.
    public func analyze(_ buffer: AudioBuffer) throws -> SongAnalysis {
        var input = SongAnalysisInput(sampleRate: buffer.sampleRate)
        input.append(buffer)
        let fullRateMono = SongAnalyzer.monoDownmix(buffer)
        return try analyze(consume input) { range in Array(fullRateMono[range]) }
    }

    /// Analyses a song gathered block by block (`SongAnalysisInput`), without its full-rate audio: the beat
    /// refinement reads the full-rate mono downmix only in short windows around the beats, through
    /// `fullRateMono` (frames `range`, always inside the song; `SongAnalyzer.monoDownmix` of the song's frames).
    /// The result is the same as `analyze(_:)` of the whole song.
    /// - Throws: `ResampleError` when the input rate cannot be converted; whatever `fullRateMono` throws.
    public func analyze(_ input: consuming SongAnalysisInput, fullRateMono: (Range<Int>) throws -> [Float]) throws
        -> SongAnalysis
    {
        let duration = input.durationSeconds
        let inputFrameCount = input.frameCount, inputSampleRate = input.sampleRate
        let centreShare = input.centreShare
        let (mono, rate) = try input.analysisSignal()
        let frames = SpectralFrames(signal: mono, sampleRate: rate)
        let onsets = OnsetEnvelope(frames: frames)
        let chroma = ChromaFrames(signal: mono, sampleRate: rate)

        // Rhythm: frame-grid beats, then each beat onto its attack at the input rate.
        let tempo = TempoEstimator().estimate(onsets, harmonicChange: TempoEstimator.harmonicChange(chroma))
        // Phase: chord changes at bar lines and the high band's accents choose among the tracked beats moved by
        // 0-3 quarters of a period (BeatPhaseEstimator), a moved grid then goes onto the attacks; audio with no key
        // has no chords to count.
        let tonal = KeyEstimator.isTonal(chroma.tonality)
        let quarters = BeatPhaseEstimator(beatsPerBar: beatsPerBar ?? 4, usesHarmony: tonal)
            .bestQuarterShift(beats: tempo.beatFrames, onsets: onsets, chroma: chroma, frames: frames)
        let trackedFrames = BeatPhaseEstimator.onTheBeats(
            tempo.beatFrames, quarters: quarters, envelope: onsets.full, periodFrames: tempo.periodFrames,
            frameCount: frames.frameCount)
        let audible = audibleFrames(frames)
        let activeFrames = trimToActive(trackedFrames, audible: audible, periodFrames: tempo.periodFrames)
        // The flux of frame f measures the change from frame f − 1 to f: it belongs half way between their centres.
        let fluxDelaySeconds = 0.5 * frames.hopSeconds
        let coarseTimes = activeFrames.map { frames.time(ofFrame: $0) - fluxDelaySeconds }
        let refinedTimes = try BeatRefiner().refine(
            coarseTimes, signalCount: inputFrameCount, sampleRate: inputSampleRate,
            read: fullRateMono
        )
        .map { max(0, $0) }
        // A breakdown tracked off the beat goes onto the grid either side (`BreakdownGridAligner`), then an intro
        // tracked off the beat onto the song's grid (`IntroGridAligner`); the frames follow the times.
        let audibleSeconds = audible.map { frames.time(ofFrame: $0.lowerBound) - fluxDelaySeconds } ?? 0
        let gridTimes = IntroGridAligner().align(
            BreakdownGridAligner().align(refinedTimes),
            earliestSeconds: audibleSeconds - 0.25 * tempo.periodFrames * frames.hopSeconds)
        let gridFrames =
            gridTimes == refinedTimes
            ? activeFrames
            : gridTimes.map { min(max(0, frames.frame(atTime: $0 + fluxDelaySeconds)), max(0, frames.frameCount - 1)) }
        let groove = GrooveEstimator()
        // Harmony per beat, then downbeats and key, on the whole grid up to the audible end: a final chord that rings
        // after the last beat still counts for the key and the progression, and the bar phase sees the final hit
        // followed by silence. The beats reported end at the last one with an onset (`beatsBeforeRingOut`).
        let chords = ChordEstimator().estimate(chroma, beatTimes: gridTimes)
        let meter = DownbeatEstimator.meterAndDownbeats(
            lowOnsetAtBeats: DownbeatEstimator.strength(onsets.low, at: gridFrames),
            chordChange: chords.changeStrength, meters: beatsPerBar.map { [$0] } ?? [4, 3])
        let beatCount = SongAnalyzer.beatsBeforeRingOut(gridFrames, envelope: onsets.full)
        let beatTimes = Array(gridTimes.prefix(beatCount))
        let beatFrames = Array(gridFrames.prefix(beatCount))
        let barBeats = meter.beatsPerBar
        let downbeatIndices = meter.indices.filter { $0 < beatCount }
        let downbeats = downbeatIndices.map { beatTimes[$0] }
        let keyEstimator = KeyEstimator()
        let opening = chords.beatChords.dropFirst(downbeatIndices.first ?? 0).first { $0 >= 0 }
        let key = keyEstimator.estimate(
            distribution: keyEstimator.distribution(chroma), triadShare: chords.triadShare,
            openingChord: opening, tonality: chroma.tonality)
        var found = tonal ? keyEstimator.segments(chroma, durationSeconds: duration) : []
        // A modulation mixes two keys in the whole-song distribution: when the longest stretch's key is surer
        // than the whole song's, it is the song's key (`KeyEstimator.songKey`); when the mixture has no key at
        // all, the key read on the longest stretch alone is (`KeyEstimator.modulatedKey`).
        var songKey = KeyEstimator.songKey(key, segments: found)
        if key.key == nil,
            let modulated = keyEstimator.modulatedKey(
                chroma, segments: found, beatChords: chords.beatChords, beatTimes: gridTimes)
        {
            songKey = modulated.key
            found = modulated.segments
        }
        let keySegments: [KeySegment]? = songKey.key.map { chosen in
            guard found.count > 1 else {
                return [
                    KeySegment(
                        startSeconds: 0, endSeconds: duration, key: chosen.description,
                        confidence: songKey.confidence)
                ]
            }
            return found.map {
                KeySegment(
                    startSeconds: $0.startSeconds, endSeconds: $0.endSeconds,
                    key: $0.key.description, confidence: $0.confidence)
            }
        }

        // Timbre and dynamics.
        let mfccFrames = SongAnalyzer.mfccFrames(frames)
        let mfccColumns = pooledColumns(mfccFrames, frames: frames)
        let brightness = SongAnalyzer.brightness(frames)
        let dynamicRange = SongAnalyzer.dynamicRange(mono, sampleRate: rate)
        let vocal = VocalPresenceEstimator().presence(frames, centreShare: centreShare)

        // Energy per bar and sections.
        let bars = barEnergies(
            mono, sampleRate: rate, downbeats: downbeats, duration: duration, beatsPerBar: barBeats)
        let sections = self.sections(
            bars: bars, chroma: chroma, mfccFrames: mfccFrames, frames: frames, duration: duration)

        let harmonic = HarmonicFeatures(
            key: songKey.key?.description ?? "N/A", keyConfidence: songKey.confidence,
            chordProgression: songKey.key == nil ? [] : chords.progression,
            chordComplexity: songKey.key == nil ? 0 : chords.complexity,
            keySegments: keySegments, tuningCents: chroma.tuningCents,
            tonalness: chroma.tonality.tonalness, tonalTimeShare: chroma.tonality.timeShare,
            glideShare: chroma.tonality.glideShare)
        let hasBeats = beatTimes.count >= 3
        // Noise, babble and notes at random times have no pulse: both confidences say how likely one is.
        let pulse = TempoEstimator.pulseProbability(tempo.pulseClarity)
        let rhythmic = RhythmicFeatures(
            bpm: hasBeats ? tempo.bpm : 0,
            beatConfidence: tempo.confidence * pulse,
            grooveStability: groove.stability(beatTimes: beatTimes),
            swingFactor: groove.swing(onsets, beatFrames: beatFrames),
            beats: beatTimes, downbeats: downbeats, beatsPerBar: barBeats,
            bpmConfidence: hasBeats ? tempo.levelConfidence * pulse : 0,
            tempoCandidates: hasBeats ? tempo.candidates.map { TempoCandidate(bpm: $0.bpm, score: $0.score) } : [],
            tempoCurve: SongAnalyzer.tempoCurve(beatTimes), pulseClarity: tempo.pulseClarity)
        let spectral = SpectralFeatures(
            mfccs: mfccColumns, dynamicRange: dynamicRange, brightness: brightness,
            mfccHopSeconds: mfccHopSeconds)
        return SongAnalysis(
            harmonic: harmonic, rhythmic: rhythmic, spectral: spectral,
            vocal: VocalFeatures(vocalPresence: vocal), energy: bars, sections: sections,
            durationSeconds: duration, sampleRate: inputSampleRate)
    }

    /// Mono downmix (mean of channels) at the input rate.
    public static func monoDownmix(_ buffer: AudioBuffer) -> [Float] {
        var mono = [Float](repeating: 0, count: buffer.frameCount)
        let gain = 1 / Float(buffer.channelCount)
        var out = mono.mutableSpan
        for c in 0..<buffer.channelCount {
            buffer.withSamples(ofChannel: c) { VectorOps.multiplyAdd($0, gain: gain, into: &out) }
        }
        return mono
    }

    /// Mono downmix (mean of channels) at about `analysisRate`, and its rate.
    static func monoAnalysisSignal(_ buffer: AudioBuffer) throws -> (samples: [Float], sampleRate: Double) {
        try AnalysisDownsampler.prepare(monoDownmix(buffer), sampleRate: buffer.sampleRate)
    }

    /// Local tempo at every beat: 60 / the mean interval of the (up to) 4 intervals around it.
    static func tempoCurve(_ beats: [Double]) -> [TempoPoint] {
        guard beats.count >= 3 else { return [] }
        return beats.indices.map { i in
            let lo = max(0, i - 2), hi = min(beats.count - 1, i + 2)
            let interval = (beats[hi] - beats[lo]) / Double(hi - lo)
            return TempoPoint(timeSeconds: beats[i], bpm: interval > 0 ? 60 / interval : 0)
        }
    }

    /// Drops beats before the first and after the last frame within 50 dB of the loudest (leading silence, tails).
    /// `audible`: the frames from `audibleFrames`, nil for silence (no beats then).
    func trimToActive(_ beats: [Int], audible: ClosedRange<Int>?, periodFrames: Double) -> [Int] {
        guard let audible else { return [] }
        let slack = Int((periodFrames * 0.25).rounded())
        return beats.filter { $0 >= audible.lowerBound - slack && $0 <= audible.upperBound + slack }
    }

    /// Onset strength at a beat (relative to the median of the song's beats) below which the beats after the last
    /// stronger one are a ring-out, not beats.
    static let ringOutStrengthRatio = 0.3

    /// The number of `beats` up to the last one with an onset: a song that ends on a hit and rings for seconds has
    /// no beats in the ring (no listener taps on), though the tracker, at its period, goes on placing them. A beat
    /// has an onset when `envelope`'s maximum within a frame of it is at least `ringOutStrengthRatio` of the median
    /// of those maxima over all beats (a decay only falls: the rectified flux there is near 0; a quiet outro's soft
    /// attacks still count). Chosen on the tune halves in a model of the analyser's beats (0.1-0.5: 0.2-0.4 alike,
    /// generated beat F 0.948 -> 0.978; 0.5 lost one song): the generated songs ring 4-5 s after their final hit, and
    /// every one of them lost 4-9 beats to it. All beats when there are fewer than 4.
    static func beatsBeforeRingOut(_ beats: [Int], envelope: [Float]) -> Int {
        guard beats.count >= 4 else { return beats.count }
        let strengths = DownbeatEstimator.strength(envelope, at: beats)
        let typical = Statistics.median(strengths)
        guard typical > 0,
            let last = strengths.lastIndex(where: { $0 >= ringOutStrengthRatio * typical })
        else { return beats.count }
        return last + 1
    }

    /// The first through the last frame whose power is above -50 dB of the loudest frame's; nil for silence.
    func audibleFrames(_ frames: SpectralFrames) -> ClosedRange<Int>? {
        guard let loudest = frames.power.max(), loudest > 0 else { return nil }
        let gate = loudest * 1e-5
        guard let first = frames.power.firstIndex(where: { $0 > gate }),
            let last = frames.power.lastIndex(where: { $0 > gate })
        else { return nil }
        return first...last
    }

    /// 13 MFCCs per spectral frame (natural log of mel power, orthonormal DCT-II), frame after frame.
    static func mfccFrames(_ frames: SpectralFrames) -> [Float] {
        let bands = SpectralFrames.melBandCount
        let coefficients = 13
        var basis = [Float](repeating: 0, count: coefficients * bands)
        for k in 0..<coefficients {
            let scale = k == 0 ? (1 / Double(bands)).squareRoot() : (2 / Double(bands)).squareRoot()
            for b in 0..<bands {
                basis[k * bands + b] = Float(scale * cos(Double.pi * Double(k) * (Double(b) + 0.5) / Double(bands)))
            }
        }
        var out = [Float](repeating: 0, count: frames.frameCount * coefficients)
        var logMel = [Float](repeating: 0, count: bands)
        for f in 0..<frames.frameCount {
            for b in 0..<bands { logMel[b] = logf(frames.melPower[f * bands + b] + 1e-10) }
            for k in 0..<coefficients {
                var s: Float = 0
                for b in 0..<bands { s += basis[k * bands + b] * logMel[b] }
                out[f * coefficients + k] = s
            }
        }
        return out
    }

    /// MFCC rows (13) of column means over `mfccHopSeconds`.
    func pooledColumns(_ mfcc: [Float], frames: SpectralFrames) -> [[Double]] {
        let perColumn = max(1, Int((mfccHopSeconds / frames.hopSeconds).rounded()))
        let columns = (frames.frameCount + perColumn - 1) / perColumn
        var rows = [[Double]](repeating: [Double](repeating: 0, count: columns), count: 13)
        for c in 0..<columns {
            let lo = c * perColumn, hi = min(frames.frameCount, lo + perColumn)
            for k in 0..<13 {
                var s: Double = 0
                for f in lo..<hi { s += Double(mfcc[f * 13 + k]) }
                rows[k][c] = s / Double(hi - lo)
            }
        }
        return rows
    }

    /// Mean spectral centroid in Hz over frames within 60 dB of the loudest.
    static func brightness(_ frames: SpectralFrames) -> Double {
        guard let loudest = frames.power.max(), loudest > 0 else { return 0 }
        let gate = loudest * 1e-6
        var sum = 0.0, count = 0
        for f in 0..<frames.frameCount where frames.power[f] > gate {
            sum += Double(frames.centroidHz[f])
            count += 1
        }
        return count > 0 ? sum / Double(count) : 0
    }

    /// 95th minus 10th percentile of 0.4 s RMS levels in dB, over windows louder than -70 dBFS.
    static func dynamicRange(_ mono: [Float], sampleRate: Double) -> Double {
        let window = Int(0.4 * sampleRate)
        guard window > 0, mono.count >= window else { return 0 }
        var levels = [Double]()
        let p = mono.span
        var start = 0
        while start + window <= mono.count {
            let power = VectorOps.sumOfSquares(p.extracting(start..<(start + window))) / Double(window)
            let db = Decibels.decibels(power: power)
            if db > -70 { levels.append(db) }
            start += window
        }
        guard levels.count >= 2 else { return 0 }
        levels.sort()
        let hi = levels[min(levels.count - 1, Int(0.95 * Double(levels.count - 1)))]
        let lo = levels[Int(0.10 * Double(levels.count - 1))]
        return max(0, hi - lo)
    }

    /// RMS in dB of each bar from the downbeats (the last bar lasts one bar length, clamped to the song).
    func barEnergies(
        _ mono: [Float], sampleRate: Double, downbeats: [Double], duration: Double, beatsPerBar: Int
    ) -> [BarEnergy] {
        guard !downbeats.isEmpty else { return [] }
        let barLength =
            downbeats.count >= 2
            ? (downbeats.last! - downbeats.first!) / Double(downbeats.count - 1)
            : Double(beatsPerBar) * 0.5
        var result = [BarEnergy]()
        for (i, start) in downbeats.enumerated() {
            let end = min(duration, i + 1 < downbeats.count ? downbeats[i + 1] : start + barLength)
            guard end > start else { continue }
            let lo = min(mono.count, Int(start * sampleRate))
            let hi = min(mono.count, Int(end * sampleRate))
            let power =
                hi > lo
                ? VectorOps.sumOfSquares(mono.span.extracting(lo..<hi)) / Double(hi - lo) : 0
            result.append(
                BarEnergy(startSeconds: start, endSeconds: end, rmsDecibels: max(-120, Decibels.decibels(power: power)))
            )
        }
        let loudest = result.map(\.rmsDecibels).max() ?? 0
        for i in result.indices { result[i].label = SectionSegmenter.label(result[i].rmsDecibels, loudest: loudest) }
        return result
    }

    /// Band groups of the bar features' band levels (`barBandLevels`): the mel bands in this many equal groups.
    static let sectionBandGroups = 8
    /// Weight of the band levels in the bar features (the whole group of them, against chroma's 2).
    static let sectionBandWeight = 4.0
    /// Smallest spread (dB) a band level is standardised by: changes under it are not structure.
    static let sectionBandFloorDecibels = 1.0

    /// Per bar, the level (dB) of each of `sectionBandGroups` groups of mel bands, standardised over the song
    /// (divided by its spread, at least `sectionBandFloorDecibels`) and weighted so the group weighs
    /// `sectionBandWeight`: which instruments play, bass and drums, chords, a lead or a voice entering, a
    /// section's layers more than its harmony or its loudness alone. Chosen on the generated tune half (groups 4-8,
    /// weights 2-6: boundary F at 3 s 0.43 -> 0.53-0.55, test 0.42 -> 0.55-0.59); the floor keeps a song whose
    /// bars hardly change from turning sub-dB noise into boundaries (tune 0.551 without it, 0.541 with it).
    static func barBandLevels(_ bars: [BarEnergy], frames: SpectralFrames) -> [[Double]] {
        let bandCount = SpectralFrames.melBandCount
        let groups = sectionBandGroups
        var levels = [[Double]]()
        for bar in bars {
            let bandPower = meanMelPower(frames, from: bar.startSeconds, to: bar.endSeconds)
            var power = [Double](repeating: 0, count: groups)
            for b in 0..<bandCount { power[b * groups / bandCount] += bandPower[b] }
            levels.append(power.map { Decibels.decibels(power: $0 + 1e-20) })
        }
        let scale = sectionBandWeight / Double(groups).squareRoot()
        for g in 0..<groups {
            let column = DownbeatEstimator.standardised(
                levels.map { $0[g] }, minimumSpread: sectionBandFloorDecibels)
            for i in levels.indices { levels[i][g] = column[i] * scale }
        }
        return levels
    }

    /// The mean power of each mel band over the frames from `startSeconds` to `endSeconds` (zeros when none).
    static func meanMelPower(_ frames: SpectralFrames, from startSeconds: Double, to endSeconds: Double) -> [Double] {
        let bandCount = SpectralFrames.melBandCount
        let lo = max(0, frames.frame(atTime: startSeconds))
        let hi = min(frames.frameCount, frames.frame(atTime: endSeconds))
        var power = [Double](repeating: 0, count: bandCount)
        guard hi > lo else { return power }
        for f in lo..<hi { for b in 0..<bandCount { power[b] += Double(frames.melPower[f * bandCount + b]) } }
        return power.map { $0 / Double(hi - lo) }
    }

    /// Sections from bar features; the first section starts at 0 and the last ends at the song's end.
    func sections(
        bars: [BarEnergy], chroma: ChromaFrames, mfccFrames: [Float], frames: SpectralFrames,
        duration: Double
    ) -> [SongSection] {
        guard !bars.isEmpty else {
            return duration > 0
                ? [
                    SongSection(
                        startSeconds: 0, endSeconds: duration, barCount: 0,
                        rmsDecibels: -120, label: .low)
                ] : []
        }
        // Bar features: chroma (length 2), standardised mean MFCC 1-12 (length about 1), standardised loudness.
        var timbre = [[Double]]()
        for bar in bars {
            let lo = max(0, frames.frame(atTime: bar.startSeconds)),
                hi = min(frames.frameCount, frames.frame(atTime: bar.endSeconds))
            var v = [Double](repeating: 0, count: 12)
            if hi > lo {
                for f in lo..<hi { for k in 1...12 { v[k - 1] += Double(mfccFrames[f * 13 + k]) } }
                v = v.map { $0 / Double(hi - lo) }
            }
            timbre.append(v)
        }
        for k in 0..<12 {
            let column = DownbeatEstimator.standardised(timbre.map { $0[k] })
            for i in 0..<timbre.count { timbre[i][k] = column[i] }
        }
        let loudness = DownbeatEstimator.standardised(bars.map(\.rmsDecibels))
        let bandLevels = SongAnalyzer.barBandLevels(bars, frames: frames)
        var features = [[Double]]()
        for (i, bar) in bars.enumerated() {
            let c = chroma.sum(frames: chroma.frame(atTime: bar.startSeconds)..<chroma.frame(atTime: bar.endSeconds))
            let norm = c.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            let unit = c.map { norm > 0 ? Double($0 / norm) * 2 : 0 }
            features.append(unit + timbre[i].map { $0 / 12.0.squareRoot() } + [loudness[i]] + bandLevels[i])
        }
        let cuts = [0] + SectionSegmenter().boundaries(features) + [bars.count]
        var sections = [SongSection]()
        for s in 0..<(cuts.count - 1) {
            let part = bars[cuts[s]..<cuts[s + 1]]
            let meanPower =
                part.reduce(0.0) { $0 + Decibels.gain($1.rmsDecibels) * Decibels.gain($1.rmsDecibels) }
                / Double(part.count)
            let start = s == 0 ? 0 : part.first!.startSeconds
            let end = s == cuts.count - 2 ? duration : part.last!.endSeconds
            sections.append(
                SongSection(
                    startSeconds: start, endSeconds: end, barCount: part.count,
                    rmsDecibels: max(-120, Decibels.decibels(power: meanPower)), label: .low))
        }
        let loudest = sections.map(\.rmsDecibels).max() ?? 0
        for i in sections.indices {
            sections[i].label = SectionSegmenter.label(sections[i].rmsDecibels, loudest: loudest)
        }
        // Repetition: the mean bar feature of each section, grouped by similarity; then roles.
        let means: [[Double]] = (0..<(cuts.count - 1)).map { s in
            var m = [Double](repeating: 0, count: features[0].count)
            for b in cuts[s]..<cuts[s + 1] { for k in m.indices { m[k] += features[b][k] } }
            return m.map { $0 / Double(cuts[s + 1] - cuts[s]) }
        }
        let groups = SectionSegmenter.repeatGroups(means)
        // Each section's mean power below `SectionSegmenter.lowBandHz` (mel bands), in dB.
        let lowBands = frames.melCentreHz.indices.filter { frames.melCentreHz[$0] < SectionSegmenter.lowBandHz }
        let lowBandDecibels = sections.map { section in
            let power = SongAnalyzer.meanMelPower(frames, from: section.startSeconds, to: section.endSeconds)
            return max(-120, Decibels.decibels(power: lowBands.reduce(0) { $0 + power[$1] }))
        }
        let roles = SectionSegmenter.roles(
            labels: sections.map(\.label), groups: groups, decibels: sections.map(\.rmsDecibels),
            lowBandDecibels: lowBandDecibels)
        for i in sections.indices {
            sections[i].repeatGroup = groups[i]
            sections[i].role = roles[i]
        }
        return sections
    }
}
