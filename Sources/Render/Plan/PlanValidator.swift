import Foundation
import MashupModel

/// The outcome of validating a plan: the plan as decoded, the render-ready plan when there is no error, and every
/// issue found, each with its JSON path.
public struct PlanValidation: Sendable {
    /// The plan as decoded (nil when the document could not be read as an object).
    public var masterplan: Masterplan?
    /// The render-ready plan, with the warnings below in `warnings`; nil when there is at least one error.
    public var plan: RenderScript?
    /// Every problem, errors and warnings, in document order (decoding issues first).
    public var issues: [PlanIssue]

    /// The errors only.
    public var errors: [PlanIssue] { issues.filter { $0.severity == .error } }
    /// The warnings only.
    public var warnings: [PlanIssue] { issues.filter { $0.severity == .warning } }
    /// True when the plan can be rendered.
    public var isValid: Bool { plan != nil }
}

/// Checks a masterplan against the songs given and the limits, and builds the render-ready `RenderScript`.
///
/// Returns every problem at once. Errors (cannot render): no or empty timeline, a layer naming a song that was not
/// given, a missing, non-positive or non-finite duration, any non-finite number, a negative start or source start,
/// a total length over `limits.maximumDurationSeconds`, too many sections or layers, a tempo or sample rate
/// out of range, an invalid time signature, a pitch override over ±12 semitones. Warnings (rendered with the stated
/// correction): unknown or partly understood effects, more effects on a layer than the limit (the first ones
/// are applied), an unknown stem (mapped to `full`), gains, pans, loudness
/// targets and fades clamped, overlapping, gapped or unsorted sections, an unknown transition (crossfade instead),
/// a transition longer than its sections (shortened), an unreadable target key, and an automatic key shift over
/// the stem's limit (vocals ±3, others ±7 semitones: not shifted) when the song keys are known.
///
/// Cost: linear in the plan size; at most `limits.maximumSections` sections are examined in detail, so a hostile
/// plan of 100,000 sections is rejected in milliseconds after reading.
public struct PlanValidator: Sendable {
    /// What the validator may know of a song.
    public struct SongInfo: Sendable, Hashable {
        /// The request's `song_id`.
        public var id: String
        /// The song's key, for the automatic key-shift check.
        public var key: MusicalKey?
        /// The song's stretches in each key where it modulates (`KeyStretch`): the automatic shift of its layers
        /// then depends on what each plays, so the render decides it.
        public var keyStretches: [KeyStretch]
        /// The song's tempo, BPM: the target tempo when the plan gives none.
        public var tempoBPM: Double?
        /// The song's length, seconds, to check `source_start_sec`.
        public var durationSeconds: Double?

        public init(
            id: String, key: MusicalKey? = nil, keyStretches: [KeyStretch] = [], tempoBPM: Double? = nil,
            durationSeconds: Double? = nil
        ) {
            self.id = id
            self.key = key
            self.keyStretches = keyStretches
            self.tempoBPM = tempoBPM
            self.durationSeconds = durationSeconds
        }

        /// What an analysis of the contract says of a song: `harmonic.key` (`"N/A"` or a `key_confidence` below
        /// `KeyShift.minimumKeyConfidence` = no key), `harmonic.key_segments` (`KeyStretch.trusted(analysis:)`),
        /// `rhythmic.bpm` (0 or absent = unknown; unknown too below `PulseClarity.minimum` of
        /// `rhythmic.pulse_clarity`, a guess on audio without a pulse), and `duration_sec`/`duration` when the
        /// embedded analyser adds it.
        public init(id: String, analysis: JSONValue) {
            let key = KeyShift.trustedKey(
                analysis["harmonic"]?["key"]?.stringValue,
                confidence: analysis["harmonic"]?["key_confidence"]?.doubleValue)
            let pulsed = PulseClarity.hasPulse(analysis["rhythmic"]?["pulse_clarity"]?.doubleValue)
            let bpm = analysis["rhythmic"]?["bpm"]?.doubleValue.flatMap { pulsed && $0.isFinite && $0 > 0 ? $0 : nil }
            let duration = (analysis["duration_sec"] ?? analysis["duration"])?.doubleValue.flatMap {
                $0.isFinite && $0 > 0 ? $0 : nil
            }
            self.init(
                id: id, key: key, keyStretches: KeyStretch.trusted(analysis: analysis), tempoBPM: bpm,
                durationSeconds: duration)
        }
    }

    /// The songs given, in order (`song1` is the first); nil = unknown (every id in the plan is taken as a song).
    public var songs: [SongInfo]?
    /// The bounds.
    public var limits: PlanLimits

    /// Default loudness target, LUFS.
    public static let defaultTargetLUFS = -14.0
    /// Default true-peak ceiling, dBTP.
    public static let defaultTruePeakDecibels = -1.0
    /// Default output sample rate, Hz.
    public static let defaultSampleRate = 44_100.0
    /// Default crossfade length between touching sections, bars.
    public static let defaultCrossfadeBars = 1.0
    /// Accepted loudness targets, LUFS (clamped with a warning).
    public static let loudnessRangeLUFS: ClosedRange<Double> = -40...(-5)
    /// Accepted true-peak ceilings, dBTP (clamped with a warning).
    public static let truePeakRangeDecibels: ClosedRange<Double> = -12...0
    /// Accepted transition lengths, bars (clamped with a warning).
    public static let transitionRangeBars: ClosedRange<Double> = 0...16

    public init(songs: [SongInfo]? = nil, limits: PlanLimits = .standard) {
        self.songs = songs
        self.limits = limits
    }

    /// A validator for songs known by id only.
    public init(songIds: [String], limits: PlanLimits = .standard) {
        self.init(songs: songIds.map { SongInfo(id: $0) }, limits: limits)
    }

    /// Reads and validates a document (any of the accepted shapes; see `PlanDecoder`).
    public func validate(_ data: Data) -> PlanValidation {
        let (decoded, issues) = PlanDecoder.decode(data, limits: limits)
        guard let decoded else { return PlanValidation(masterplan: nil, plan: nil, issues: issues) }
        return validate(decoded)
    }

    /// Validates a JSON value (any of the accepted shapes).
    public func validate(_ value: JSONValue) -> PlanValidation {
        let (decoded, issues) = PlanDecoder.decode(value, limits: limits)
        guard let decoded else { return PlanValidation(masterplan: nil, plan: nil, issues: issues) }
        return validate(decoded)
    }

    /// Validates a decoded plan (its `decodingIssues` are included in the result).
    public func validate(_ masterplan: Masterplan) -> PlanValidation {
        var run = ValidationRun(validator: self, masterplan: masterplan)
        let plan = run.run()
        var issues = run.issues.all
        if issues.count > limits.maximumIssueCount {
            let total = issues.count
            issues = Array(issues.prefix(limits.maximumIssueCount))
            issues.append(
                PlanIssue(.error, "$", "\(total) problems found: only the first \(limits.maximumIssueCount) are listed")
            )
        }
        let hasErrors = issues.contains { $0.severity == .error }
        var script = hasErrors ? nil : plan
        script?.warnings = issues.filter { $0.severity == .warning }.map { "\($0.path): \($0.message)" }
        return PlanValidation(masterplan: masterplan, plan: script, issues: issues)
    }

    /// The index of the song a layer's `songId` names: an exact id, the same id in another case, or `song1`,
    /// `song_2`, `Song 3`, `track1`, `2` by position (1-based). Nil when not found.
    public static func songIndex(of id: String, in songIds: [String]) -> Int? {
        if let i = songIds.firstIndex(of: id) { return i }
        let lowered = id.lowercased()
        if let i = songIds.firstIndex(where: { $0.lowercased() == lowered }) { return i }
        let folded = lowered.filter { $0.isLetter || $0.isNumber }
        for prefix in ["song", "track", "s", ""] where folded.hasPrefix(prefix) {
            let digits = folded.dropFirst(prefix.count)
            if !digits.isEmpty, digits.count <= 3, digits.allSatisfy(\.isNumber), let n = Int(digits), n >= 1,
                n <= songIds.count
            {
                return n - 1
            }
        }
        return nil
    }
}

/// One validation pass (state kept out of the public type).
private struct ValidationRun {
    let validator: PlanValidator
    let masterplan: Masterplan
    var issues = PlanIssueList()
    var limits: PlanLimits { validator.limits }
    /// Song ids in index order (given, or discovered in the plan).
    var songIds: [String] = []
    var discoverSongs: Bool

    init(validator: PlanValidator, masterplan: Masterplan) {
        self.validator = validator
        self.masterplan = masterplan
        self.discoverSongs = validator.songs == nil
        self.songIds = validator.songs?.map(\.id) ?? []
        issues.append(contentsOf: masterplan.decodingIssues)
    }

    func path(_ relative: String) -> String { FieldReader.join(masterplan.pathPrefix, relative) }
    func globalPath(_ field: String) -> String { FieldReader.join(masterplan.globalPath, field) }

    func alreadyReported(_ path: String) -> Bool { masterplan.decodingIssues.contains { $0.path == path } }

    /// A finite value or nil (with an error for a non-finite one).
    mutating func finite(_ value: Double?, _ path: String) -> Double? {
        guard let value else { return nil }
        guard value.isFinite else {
            issues.error(
                path, "must be a finite number, not \(value.isNaN ? "NaN" : value > 0 ? "Infinity" : "-Infinity")")
            return nil
        }
        return value
    }

    mutating func clamp(_ value: Double, _ range: ClosedRange<Double>, _ path: String, unit: String) -> Double {
        guard !range.contains(value) else { return value }
        let clamped = min(max(value, range.lowerBound), range.upperBound)
        let t = MusicalDuration.trim
        issues.warning(
            path,
            "\(t(value))\(unit) is outside \(t(range.lowerBound))...\(t(range.upperBound))\(unit): clamped to \(t(clamped))\(unit)"
        )
        return clamped
    }

    mutating func run() -> RenderScript? {
        let global = masterplan.global

        // Tempo.
        var tempo: Double? = nil
        if let bpm = finite(global.targetBPM, globalPath("targetBPM")) {
            if limits.tempoRangeBPM.contains(bpm) {
                tempo = bpm
            } else {
                issues.error(
                    globalPath("targetBPM"),
                    "tempo \(MusicalDuration.trim(bpm)) BPM is outside \(Int(limits.tempoRangeBPM.lowerBound))...\(Int(limits.tempoRangeBPM.upperBound)) BPM"
                )
            }
        } else if global.targetBPM == nil, !alreadyReported(globalPath("targetBPM")) {
            if let songTempo = validator.songs?.lazy.compactMap(\.tempoBPM).first(where: {
                $0.isFinite && self.limits.tempoRangeBPM.contains($0)
            }) {
                tempo = songTempo
                issues.warning(
                    globalPath("targetBPM"),
                    "no target tempo: using the first song's \(MusicalDuration.trim(songTempo)) BPM")
            } else {
                issues.error(globalPath("targetBPM"), "no target tempo (targetBPM)")
            }
        }

        // Key.
        var targetKey: MusicalKey? = nil
        if let keyText = global.targetKey {
            targetKey = MusicalKey(parsing: keyText)
            let folded = keyText.lowercased().filter(\.isLetter)
            if targetKey == nil, !["na", "none", "unknown", "atonal", ""].contains(folded) {
                issues.warning(
                    globalPath("targetKey"),
                    "not a key: \(PlanIssue.quote(keyText, limit: 40)); nothing is shifted to a key")
            }
        }

        // Mastering and format.
        var lufs = PlanValidator.defaultTargetLUFS
        if let v = finite(global.targetLUFS, globalPath("target_lufs")) {
            lufs = clamp(v, PlanValidator.loudnessRangeLUFS, globalPath("target_lufs"), unit: " LUFS")
        }
        var ceiling = PlanValidator.defaultTruePeakDecibels
        if let v = finite(global.truePeakDecibels, globalPath("true_peak_db")) {
            ceiling = clamp(v, PlanValidator.truePeakRangeDecibels, globalPath("true_peak_db"), unit: " dBTP")
        }
        var sampleRate = PlanValidator.defaultSampleRate
        if let v = finite(global.sampleRate, globalPath("sample_rate")) {
            if limits.sampleRateRangeHz.contains(v) {
                sampleRate = v.rounded()
                if sampleRate != v { issues.warning(globalPath("sample_rate"), "rounded to \(Int(sampleRate)) Hz") }
            } else {
                issues.error(
                    globalPath("sample_rate"),
                    "sample rate \(MusicalDuration.trim(v)) Hz is outside \(Int(limits.sampleRateRangeHz.lowerBound))...\(Int(limits.sampleRateRangeHz.upperBound)) Hz"
                )
            }
        }
        var crossfadeBars = PlanValidator.defaultCrossfadeBars
        if let v = finite(global.crossfadeBars, globalPath("crossfade_bars")) {
            crossfadeBars = clamp(v, PlanValidator.transitionRangeBars, globalPath("crossfade_bars"), unit: " bars")
        }
        let tempoMap = TempoMap(
            tempoBPM: tempo ?? 120, timeSignature: global.timeSignature ?? .common, sampleRate: sampleRate)

        // Timeline.
        let timelinePath = path("timeline")
        let timeline = masterplan.timeline
        if timeline.isEmpty && !alreadyReported(timelinePath) {
            issues.error(timelinePath, "the timeline is empty: nothing to render")
        }
        if timeline.count > limits.maximumSections {
            issues.error(
                timelinePath,
                "\(timeline.count) sections: at most \(limits.maximumSections) (only the first \(limits.maximumSections) were checked)"
            )
        }
        var sections: [RenderScript.Section] = []
        var totalLayers = 0
        var previousEnd = 0.0
        let examined = Array(timeline.prefix(limits.maximumSections))
        for (i, section) in examined.enumerated() {
            let sectionPath = "\(timelinePath)[\(i)]"
            let nextStart = i + 1 < examined.count ? examined[i + 1].timeStartSeconds : nil
            if let s = self.section(
                section, index: i, at: sectionPath, previousEnd: previousEnd, nextStart: nextStart,
                tempoMap: tempoMap, targetKey: targetKey)
            {
                previousEnd = s.endSeconds
                totalLayers += s.layers.count
                sections.append(s)
            } else if let start = section.timeStartSeconds, let duration = section.durationSeconds,
                start.isFinite, duration.isFinite, duration > 0
            {
                previousEnd = start + duration
            }
        }
        if totalLayers > limits.maximumTotalLayers {
            issues.error(timelinePath, "\(totalLayers) layers in all: at most \(limits.maximumTotalLayers)")
        }

        // Order, gaps, overlaps, transitions.
        let sorted = sections.enumerated().sorted { a, b in
            a.element.startSeconds != b.element.startSeconds
                ? a.element.startSeconds < b.element.startSeconds : a.offset < b.offset
        }.map(\.element)
        if sorted.map(\.planIndex) != sections.map(\.planIndex) {
            issues.warning(timelinePath, "sections are not in time order: sorted by time_start_sec")
        }
        var ordered = sorted
        let tolerance = limits.sectionJoinToleranceSeconds
        for k in ordered.indices {
            let sectionPath = "\(timelinePath)[\(ordered[k].planIndex)]"
            let declared = masterplan.timeline[ordered[k].planIndex].transition
            guard k > 0 else {
                if declared != nil {
                    issues.warning(
                        sectionPath + ".transition", "the first section has no previous section: transition ignored")
                }
                if ordered[k].startSeconds > tolerance {
                    issues.warning(
                        sectionPath + ".time_start_sec",
                        "the mashup starts with \(MusicalDuration.trim(ordered[k].startSeconds)) s of silence")
                }
                ordered[k].transitionIn = .cut
                continue
            }
            let previous = ordered[k - 1]
            let gap = ordered[k].startSeconds - previous.endSeconds
            if gap > tolerance || gap < -tolerance {
                if gap > 0 {
                    issues.warning(
                        sectionPath + ".time_start_sec",
                        "gap of \(MusicalDuration.trim(gap)) s after the previous section (ends at \(MusicalDuration.trim(previous.endSeconds)) s): silence"
                    )
                } else {
                    issues.warning(
                        sectionPath + ".time_start_sec",
                        "overlaps the previous section (ends at \(MusicalDuration.trim(previous.endSeconds)) s) by \(MusicalDuration.trim(-gap)) s: both play there, no transition"
                    )
                }
                if declared != nil {
                    issues.warning(sectionPath + ".transition", "the sections do not touch: transition ignored")
                }
                ordered[k].transitionIn = .cut
                continue
            }
            ordered[k].transitionIn = transition(
                declared, at: sectionPath + ".transition", defaultBars: crossfadeBars,
                previous: previous, next: ordered[k], tempoMap: tempoMap)
        }

        // Total length.
        let duration = ordered.map(\.endSeconds).max() ?? 0
        if duration > limits.maximumDurationSeconds,
            let longest = ordered.first(where: { $0.endSeconds > limits.maximumDurationSeconds })
        {
            issues.error(
                "\(timelinePath)[\(longest.planIndex)].duration_sec",
                "the mashup would last \(MusicalDuration.trim(duration)) s: at most \(MusicalDuration.trim(limits.maximumDurationSeconds)) s"
            )
        }

        let outputFrames = Double(tempoMap.frameCount(seconds: duration))
        if duration <= limits.maximumDurationSeconds, outputFrames > Double(limits.maximumOutputFrameCount),
            let longest = ordered.max(by: { $0.endSeconds < $1.endSeconds })
        {
            let longestSeconds = Double(limits.maximumOutputFrameCount) / sampleRate
            issues.error(
                "\(timelinePath)[\(longest.planIndex)].duration_sec",
                "the mashup would last \(MusicalDuration.trim(duration)) s at \(Int(sampleRate)) Hz: \(JSONReader.grouped(Int(outputFrames))) frames, over the limit of \(JSONReader.grouped(limits.maximumOutputFrameCount)) output frames (\(MusicalDuration.trim(longestSeconds)) s at this rate)"
            )
        }

        guard tempo != nil else { return nil }
        return RenderScript(
            title: masterplan.title.flatMap { $0.isEmpty ? nil : $0 } ?? "Untitled mashup",
            artistCredits: masterplan.artistCredits ?? "",
            creativeVision: masterplan.creativeVision ?? "",
            tempoMap: tempoMap, targetKey: targetKey, targetLoudnessLUFS: lufs, truePeakCeilingDecibels: ceiling,
            sections: ordered,
            problemsAndSolutions: masterplan.problemsAndSolutions.map {
                RenderReport.ProblemAndSolution(problem: $0.problem, solution: $0.solution)
            },
            songIDs: songIds)
    }

    mutating func transition(
        _ declared: Masterplan.Transition?, at path: String, defaultBars: Double,
        previous: RenderScript.Section, next: RenderScript.Section,
        tempoMap: TempoMap
    ) -> RenderScript.Transition {
        var kind = Masterplan.Transition.Kind.crossfade
        var bars = defaultBars
        if let declared {
            if let k = declared.kind {
                kind = k
            } else {
                issues.warning(
                    path, "unknown transition \(PlanIssue.quote(declared.rawType, limit: 40)): crossfade instead")
            }
            if let b = finite(declared.bars, path + ".bars") {
                bars = clamp(b, PlanValidator.transitionRangeBars, path + ".bars", unit: " bars")
            }
        }
        if kind == .cut { bars = 0 }
        let length = tempoMap.crossfadeFrameCount(bars: bars)
        // Centred on the boundary, a transition may use at most half of each neighbour on its side... and the
        // neighbours' other transitions; limiting it to the shorter section keeps both halves inside.
        let frames = { (section: RenderScript.Section) in
            tempoMap.frame(atSeconds: section.endSeconds) - tempoMap.frame(atSeconds: section.startSeconds)
        }
        let limit = min(frames(previous), frames(next))
        if length > limit {
            issues.warning(
                path,
                "a \(kind.rawValue) of \(MusicalDuration.trim(bars)) bars (\(MusicalDuration.trim(tempoMap.seconds(bars: bars))) s) is longer than a neighbouring section: shortened to \(MusicalDuration.trim(Double(limit) / tempoMap.sampleRate)) s"
            )
        }
        // The engine takes the kind and bars; it limits the length to the neighbours itself.
        switch kind {
        case .crossfade: return .crossfade(bars: bars, curve: .equalPower)
        case .cut: return .cut
        case .echoOut:
            var echo = EffectSpec.EchoOut.standard
            if bars > 0 { echo.tail = .bars(bars) }
            return .echoOut(echo)
        case .filterSweep: return .filterSweep(bars: max(bars, 0.25))
        }
    }

    mutating func section(
        _ section: Masterplan.Section, index: Int, at sectionPath: String, previousEnd: Double,
        nextStart: Double?, tempoMap: TempoMap, targetKey: MusicalKey?
    ) -> RenderScript.Section? {
        // A section that was not an object has been reported by the decoder.
        if alreadyReported(sectionPath) { return nil }
        var ok = true
        let startPath = sectionPath + ".time_start_sec", durationPath = sectionPath + ".duration_sec"
        var start: Double? = nil
        if section.timeStartSeconds == nil {
            if !alreadyReported(startPath) {
                start = previousEnd
                issues.warning(
                    startPath,
                    "no start time: starts at \(MusicalDuration.trim(previousEnd)) s, where the previous section ends")
            } else {
                ok = false
            }
        } else if let s = finite(section.timeStartSeconds, startPath) {
            if s < 0 {
                issues.error(startPath, "must not be negative (got \(MusicalDuration.trim(s)))"); ok = false
            } else if s > limits.maximumDurationSeconds {
                issues.error(
                    startPath,
                    "\(MusicalDuration.trim(s)) s is over the limit of \(MusicalDuration.trim(limits.maximumDurationSeconds)) s (the longest mashup)"
                ); ok = false
            } else {
                start = s
            }
        } else {
            ok = false
        }

        var duration: Double? = nil
        if section.durationSeconds == nil {
            if alreadyReported(durationPath) {
                ok = false
            } else if let start, let next = nextStart, next.isFinite, next > start {
                duration = next - start
                issues.warning(
                    durationPath, "no duration: lasts \(MusicalDuration.trim(next - start)) s, until the next section")
            } else {
                issues.error(durationPath, "no duration (duration_sec)"); ok = false
            }
        } else if let d = finite(section.durationSeconds, durationPath) {
            if d <= 0 {
                issues.error(durationPath, "must be positive (got \(MusicalDuration.trim(d)))"); ok = false
            } else if d > limits.maximumDurationSeconds {
                issues.error(
                    durationPath,
                    "\(MusicalDuration.trim(d)) s: longer than the \(MusicalDuration.trim(limits.maximumDurationSeconds)) s limit"
                ); ok = false
            } else {
                duration = d
            }
        } else {
            ok = false
        }

        var energy = 0.5
        if let e = finite(section.energyLevel, sectionPath + ".energy_level") {
            if e > 1 && e <= 10 {
                energy = e / 10
                issues.warning(
                    sectionPath + ".energy_level",
                    "\(MusicalDuration.trim(e)) read on a 0-10 scale as \(MusicalDuration.trim(energy))")
            } else {
                energy = clamp(e, 0...1, sectionPath + ".energy_level", unit: "")
            }
        } else if section.energyLevel != nil {
            ok = false
        }

        let layersPath = sectionPath + ".layers"
        if section.layers.count > limits.maximumLayersPerSection {
            issues.error(
                layersPath, "\(section.layers.count) layers: at most \(limits.maximumLayersPerSection) in a section")
            ok = false
        } else if section.layers.isEmpty && !alreadyReported(layersPath) {
            issues.warning(layersPath, "no layers: this section is silent")
        }
        let sectionDuration = duration ?? 0
        var layers: [RenderScript.Layer] = []
        for (j, layer) in section.layers.prefix(limits.maximumLayersPerSection).enumerated() {
            if let l = self.layer(
                layer, index: j, at: "\(layersPath)[\(j)]", sectionDuration: sectionDuration,
                tempoMap: tempoMap, targetKey: targetKey)
            {
                layers.append(l)
            } else {
                ok = false
            }
        }
        guard ok, let start, let duration else { return nil }
        // The transition in is decided once the sections are in time order.
        return RenderScript.Section(
            planIndex: index, description: section.description ?? "", energyLevel: energy, startSeconds: start,
            durationSeconds: duration, transitionIn: .cut, layers: layers)
    }

    mutating func resolveSong(_ id: String, at path: String) -> Int? {
        guard id.utf8.count <= limits.maximumIdentifierLength else {
            issues.error(path, "song id of \(id.utf8.count) bytes: at most \(limits.maximumIdentifierLength)")
            return nil
        }
        if discoverSongs {
            if let i = songIds.firstIndex(of: id) { return i }
            songIds.append(id)
            return songIds.count - 1
        }
        if let i = PlanValidator.songIndex(of: id, in: songIds) { return i }
        let given =
            songIds.isEmpty
            ? "no songs were given"
            : "given: " + songIds.prefix(8).map { PlanIssue.quote($0, limit: 40) }.joined(separator: ", ")
        issues.error(
            path,
            "names a song that was not given: \(PlanIssue.quote(id, limit: 60)) (\(given); song1, song2... also work)")
        return nil
    }

    mutating func layer(
        _ layer: Masterplan.Layer, index: Int, at layerPath: String, sectionDuration: Double,
        tempoMap: TempoMap, targetKey: MusicalKey?
    ) -> RenderScript.Layer? {
        var ok = true
        var songIndex: Int? = nil
        if let id = layer.songId {
            songIndex = resolveSong(id, at: layerPath + ".songId")
            if songIndex == nil { ok = false }
        } else if !alreadyReported(layerPath + ".songId") && !alreadyReported(layerPath) {
            issues.error(layerPath + ".songId", "no songId: which song does this layer play?")
            ok = false
        } else {
            ok = false
        }

        var stem = Stem.full
        if let text = layer.stem {
            if let s = Stem(parsing: text) {
                stem = s
            } else {
                issues.warning(
                    layerPath + ".stem",
                    "unknown stem \(PlanIssue.quote(text, limit: 40)): the full song is used (stems: vocals, drums, bass, other, full)"
                )
            }
        } else if !alreadyReported(layerPath + ".stem") {
            issues.warning(layerPath + ".stem", "no stem: the full song is used")
        }

        var gain = 0.0
        if let g = finite(layer.volumeDecibels, layerPath + ".volume_db") {
            gain = g
        } else if layer.volumeDecibels != nil {
            ok = false
        }
        var pan = 0.0
        if let p = finite(layer.pan, layerPath + ".pan") {
            pan = clamp(p, -1...1, layerPath + ".pan", unit: "")
        } else if layer.pan != nil {
            ok = false
        }

        // Effects.
        let effectsPath = layerPath + ".effects"
        var effects: [EffectSpec] = []
        var ignored: [String] = []
        var fadeInFromEffect: Double? = nil, fadeOutFromEffect: Double? = nil
        if layer.effects.count > limits.maximumEffectsPerLayer {
            issues.warning(
                effectsPath,
                "\(layer.effects.count) effects: only the first \(limits.maximumEffectsPerLayer) are applied")
            ignored.append(
                contentsOf: layer.effects.dropFirst(limits.maximumEffectsPerLayer).prefix(64).map { PlanIssue.show($0) }
            )
        }
        for (k, value) in layer.effects.prefix(limits.maximumEffectsPerLayer).enumerated() {
            let parsed = EffectParser.parse(value)
            for note in parsed.notes { issues.warning("\(effectsPath)[\(k)]", note) }
            guard let spec = parsed.spec else {
                ignored.append(parsed.source)
                continue
            }
            switch spec {
            case .gain(let db): gain += db
            case .pan(let position): pan = position
            case .fadeIn(let length): fadeInFromEffect = length.seconds(in: tempoMap)
            case .fadeOut(let length): fadeOutFromEffect = length.seconds(in: tempoMap)
            default: effects.append(spec)
            }
        }
        gain = clamp(gain, limits.gainRangeDecibels, layerPath + ".volume_db", unit: " dB")

        // Fades: explicit fields win over fade effects.
        var fadeIn = 0.0, fadeOut = 0.0
        for (value, field, fromEffect) in [
            (layer.fadeInSeconds, "fade_in_sec", fadeInFromEffect),
            (layer.fadeOutSeconds, "fade_out_sec", fadeOutFromEffect),
        ] {
            var seconds = fromEffect ?? 0
            if let v = finite(value, "\(layerPath).\(field)") {
                if v < 0 {
                    issues.warning("\(layerPath).\(field)", "negative fade \(MusicalDuration.trim(v)) s: no fade");
                    seconds = 0
                } else if v > limits.maximumDurationSeconds {
                    issues.warning(
                        "\(layerPath).\(field)",
                        "a fade of \(MusicalDuration.trim(v)) s is over the limit of \(MusicalDuration.trim(limits.maximumDurationSeconds)) s: clamped to it"
                    )
                    seconds = limits.maximumDurationSeconds
                } else {
                    seconds = v
                }
            } else if value != nil {
                ok = false
            }
            if field == "fade_in_sec" { fadeIn = seconds } else { fadeOut = seconds }
        }
        if sectionDuration > 0, fadeIn + fadeOut > sectionDuration {
            let scale = sectionDuration / (fadeIn + fadeOut)
            issues.warning(
                layerPath,
                "fades of \(MusicalDuration.trim(fadeIn)) s + \(MusicalDuration.trim(fadeOut)) s are longer than the section (\(MusicalDuration.trim(sectionDuration)) s): shortened to fit"
            )
            fadeIn *= scale
            fadeOut *= scale
        }

        // Source position.
        var sourceStart: Double? = nil
        if let s = finite(layer.sourceStartSeconds, layerPath + ".source_start_sec") {
            if s < 0 {
                issues.error(layerPath + ".source_start_sec", "must not be negative (got \(MusicalDuration.trim(s)))");
                ok = false
            } else if s > limits.maximumSourceStartSeconds {
                issues.error(
                    layerPath + ".source_start_sec",
                    "\(MusicalDuration.trim(s)) s is over the limit of \(MusicalDuration.trim(limits.maximumSourceStartSeconds)) s"
                )
                ok = false
            } else {
                sourceStart = s
                if let songIndex, let songs = validator.songs, songIndex < songs.count,
                    let length = songs[songIndex].durationSeconds, s >= length
                {
                    issues.warning(
                        layerPath + ".source_start_sec",
                        "starts at \(MusicalDuration.trim(s)) s, after the end of the song (\(MusicalDuration.trim(length)) s): silent"
                    )
                }
            }
        } else if layer.sourceStartSeconds != nil {
            ok = false
        }

        // Pitch: an explicit override, else the automatic key match (`KeyShift.decide`) when the song's key is known
        // and holds throughout; otherwise the render decides with the key it finds, or, for a song that changes
        // key, with the key of the stretch the layer plays (which it knows once the layer is placed).
        var pitch: Double? = nil
        var isOverride = false
        if let p = finite(layer.pitchShiftSemitones, layerPath + ".pitch_shift_semitones") {
            if abs(p) > limits.maximumPitchShiftSemitones {
                issues.error(
                    layerPath + ".pitch_shift_semitones",
                    "\(MusicalDuration.trim(p)) semitones: at most ±\(MusicalDuration.trim(limits.maximumPitchShiftSemitones))"
                )
                ok = false
            } else {
                pitch = p
                isOverride = true
                if abs(p) > Double(stem.maximumKeyShiftSemitones) {
                    issues.warning(
                        layerPath + ".pitch_shift_semitones",
                        "a shift of \(MusicalDuration.trim(p)) semitones on \(stem.rawValue) is over the ±\(stem.maximumKeyShiftSemitones) that keeps it natural: applied as asked"
                    )
                }
            }
        } else if layer.pitchShiftSemitones != nil {
            ok = false
        } else if let targetKey, let songIndex, let songs = validator.songs, songIndex < songs.count,
            let songKey = songs[songIndex].key, songs[songIndex].keyStretches.isEmpty
        {
            switch KeyShift.decide(songKey: songKey, targetKey: targetKey, stem: stem) {
            case .shift(let semitones): pitch = Double(semitones)
            case .overLimit(let shift, let limit, let songKey, let targetKey):
                pitch = 0
                issues.warning(
                    layerPath,
                    "\(songKey) -> \(targetKey) needs \(shift > 0 ? "+" : "")\(shift) semitones, over the ±\(limit) limit for \(stem.rawValue): not shifted"
                )
            case .unshifted, .songKeyUnknown: pitch = nil
            }
        }

        guard ok, let songIndex else { return nil }
        return RenderScript.Layer(
            planIndex: index, songIndex: songIndex, songID: songIds[songIndex], stem: stem, gainDecibels: gain,
            pan: pan,
            sourceStartSeconds: sourceStart, semitonesOverride: pitch, pitchShiftIsOverride: isOverride,
            fadeInSeconds: fadeIn, fadeOutSeconds: fadeOut, effects: effects, ignoredEffects: ignored)
    }
}
