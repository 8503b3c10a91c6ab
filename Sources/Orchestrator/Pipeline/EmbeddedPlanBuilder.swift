// One run of the embedded planner (see the design note in EmbeddedPlanner.swift): casting, key, tempo, form,
// sources, then the words. A value type mutated step by step; `build()` runs the steps in order.

import Analysis
import Foundation
import Render

/// The third song's part.
enum ThirdSongRole: Sendable, Equatable {
    /// Its vocals lead the breakdown.
    case breakdownVocals
    /// Its drums, bass and other carry the second verse.
    case verseInstrumental
    /// Its `other` stem is the pad under the breakdown.
    case breakdownPad
}

/// One planning run.
struct EmbeddedPlanBuilder {
    let profiles: [PlannerSongProfile]
    let seed: Int64?
    let options: EmbeddedPlanner.Options
    let wantedSeconds: Double?
    /// What the person asked for: lead song, target tempo and key, energy curve (length is `wantedSeconds`).
    let preferences: PlanPreferences
    /// The scoring answer (for its wording of the key relation and the vocal clash risk).
    let score: JSONValue

    var lead: PlannerSongProfile
    var leadStem: Stem = .vocals
    var bed: PlannerSongProfile
    var third: PlannerSongProfile?
    var thirdRole: ThirdSongRole?
    var targetKey: MusicalKey?
    var targetBPM: Double = 120
    var template = PlannerTemplate.all[0]
    /// True when the songs' material, not the wanted length, chose a shorter form.
    var shortenedForMaterial = false
    /// Bars a section's layers play past its end: half the next transition (the render's post-roll; none for an
    /// echo-out, whose tail is an effect). Set per section by `layOut`.
    var tailBars = 0.0
    /// Where each song's last read ended, song seconds, by song index.
    var cursors: [Int: Double] = [:]
    var notes: [Masterplan.ProblemAndSolution] = []
    /// What the section preferences could not do, for the notes.
    let sectionNotes: [String]
    /// Indices of the songs whose regions the section preferences narrowed: their reads start only in those regions.
    let narrowedSongs: Set<Int>

    init(
        profiles: [PlannerSongProfile], seed: Int64?, options: EmbeddedPlanner.Options, wantedSeconds: Double?,
        score: JSONValue = [:], preferences: PlanPreferences = PlanPreferences()
    ) {
        // Sources come only from the sections the person allows (`--use-section`, `--avoid-section`).
        let use = SectionPreference.roles(preferences.useSections),
            avoid = SectionPreference.roles(preferences.avoidSections)
        var restricted: [PlannerSongProfile] = []
        var sectionNotes: [String] = []
        var narrowedSongs = Set<Int>()
        for profile in profiles {
            let (narrowed, note) = SectionPreference.restrict(profile, use: use.roles, avoid: avoid.roles)
            restricted.append(narrowed)
            if narrowed.regions != profile.regions { narrowedSongs.insert(profile.index) }
            if let note { sectionNotes.append(note) }
        }
        let unknown = use.unknown + avoid.unknown
        if !unknown.isEmpty {
            sectionNotes.insert(
                "unknown section names \(unknown.map { "'\($0)'" }.joined(separator: ", ")) were ignored "
                    + "(known: intro, verse, chorus, breakdown, outro)", at: 0)
        }
        let profiles = restricted
        self.profiles = profiles
        self.preferences = preferences
        self.sectionNotes = sectionNotes
        self.narrowedSongs = narrowedSongs
        self.score = score
        self.seed = seed
        self.options = options
        self.wantedSeconds = wantedSeconds.flatMap { $0.isFinite && $0 > 0 ? $0 : nil }
        lead = profiles[0]
        bed = profiles[1]
    }

    /// A deterministic choice in `0..<count`: 0 without a seed, else a hash of the seed and `salt`.
    func choice(_ count: Int, salt: UInt64) -> Int {
        guard let seed, count > 1 else { return 0 }
        var z = UInt64(bitPattern: seed) &+ salt &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(count))
    }

    var barSeconds: Double { 240 / targetBPM }

    mutating func build() -> Masterplan {
        cast()
        chooseKey()
        chooseTempo()
        chooseTemplate()
        if thirdRole == .verseInstrumental, !template.hasSecondVerse { thirdRole = .breakdownPad }
        let timeline = layOut()
        writeNotes()
        let global = Masterplan.GlobalSettings(
            targetBPM: targetBPM, targetKey: targetKey?.description,
            timeSignature: .common, targetLUFS: options.targetLUFS,
            truePeakDecibels: options.truePeakDecibels, crossfadeBars: 1)
        return Masterplan(
            creativeVision: vision(timeline), title: title(), artistCredits: credits(), global: global,
            timeline: timeline, problemsAndSolutions: notes)
    }

    // MARK: Casting

    /// Lead: the clearest vocals (the seed may swap near ties); bed: the nearest tempo among the rest.
    mutating func cast() {
        let byVocals = profiles.sorted {
            $0.vocalPresence != $1.vocalPresence ? $0.vocalPresence > $1.vocalPresence : $0.index < $1.index
        }
        let top = byVocals[0].vocalPresence
        let contenders = byVocals.filter { top - $0.vocalPresence <= EmbeddedPlanner.vocalPresenceTie }
        lead = contenders[choice(contenders.count, salt: 1)]
        if let wanted = preferences.leadSongID,
            let chosen = profiles.first(where: { $0.label.songID == wanted || "song\($0.index + 1)" == wanted })
        {
            lead = chosen
        }
        leadStem = lead.vocalPresence >= EmbeddedPlanner.vocalPresenceThreshold ? .vocals : .other
        let rest = profiles.filter { $0.index != lead.index }
        func tempoDistance(_ song: PlannerSongProfile) -> Double {
            guard let a = lead.tempoBPM, let b = song.tempoBPM else { return 1 }
            return [0.5, 1.0, 2.0].map { abs(log(a / (b * $0))) }.min()!
        }
        bed = rest.min {
            (tempoDistance($0), $0.vocalPresence, $0.index) < (tempoDistance($1), $1.vocalPresence, $1.index)
        }!
        third = rest.first { $0.index != bed.index }
        if let third {
            thirdRole =
                third.vocalPresence >= EmbeddedPlanner.vocalPresenceThreshold && leadStem == .vocals
                ? .breakdownVocals : .verseInstrumental
        }
    }

    // MARK: Key

    /// The key minimising Σ weight·shift² with every vocal layer within ±3 semitones.
    /// The third song's vocals never move the lead: the key is chosen with the third song as an instrument, and
    /// its vocal cameo is kept only when its vocals reach that key within ±3 semitones.
    mutating func chooseKey() {
        let cameo = thirdRole == .breakdownVocals
        if cameo { thirdRole = .verseInstrumental }
        targetKey = preferences.targetKey ?? bestKey()
        if cameo, let third {
            let fits = third.key == nil || targetKey == nil || abs(shift(of: third)) <= EmbeddedPlanner.vocalShiftLimit
            if fits { thirdRole = .breakdownVocals }
        }
    }

    func bestKey() -> MusicalKey? {
        var parts: [(key: MusicalKey, weight: Double, limit: Int)] = []
        if let k = lead.key {
            parts.append(
                leadStem == .vocals
                    ? (k, 3, EmbeddedPlanner.vocalShiftLimit) : (k, 1, EmbeddedPlanner.instrumentShiftLimit))
        }
        if let k = bed.key { parts.append((k, 1, EmbeddedPlanner.instrumentShiftLimit)) }
        if let k = third?.key {
            parts.append(
                thirdRole == .breakdownVocals
                    ? (k, 3, EmbeddedPlanner.vocalShiftLimit) : (k, 0.25, EmbeddedPlanner.instrumentShiftLimit))
        }
        guard !parts.isEmpty else { return nil }
        var candidates = [lead.key, bed.key, third?.key].compactMap { $0 }
        for tonic in 0..<12 {
            for mode in [MusicalKey.Mode.minor, .major] {
                candidates.append(MusicalKey(tonicPitchClass: tonic, mode: mode))
            }
        }
        var best: (key: MusicalKey, cost: Double)?
        for candidate in candidates {
            var cost = 0.0
            var feasible = true
            for part in parts {
                let shift = part.key.semitoneShift(to: candidate)
                if abs(shift) > part.limit { feasible = false; break }
                cost += part.weight * Double(shift * shift)
            }
            if feasible, best == nil || cost < best!.cost { best = (candidate, cost) }
        }
        return best?.key
    }

    /// Semitones `song` moves to reach the target key (0 when a key is unknown).
    func shift(of song: PlannerSongProfile) -> Int {
        guard let key = song.key, let targetKey else { return 0 }
        return key.semitoneShift(to: targetKey)
    }

    // MARK: Tempo

    /// Weighted geometric mean after half/double matching, kept within 8% of every song when possible.
    mutating func chooseTempo() {
        if let wanted = preferences.targetBPM {
            targetBPM = (wanted * 10).rounded() / 10
            return
        }
        var parts: [(bpm: Double, weight: Double)] = []
        if let t = lead.tempoBPM { parts.append((t, 1.5)) }
        if let t = bed.tempoBPM { parts.append((t, 1)) }
        if let t = third?.tempoBPM { parts.append((t, 0.75)) }
        guard let reference = parts.first?.bpm else { targetBPM = PlannerSongProfile.fallbackTempoBPM; return }
        let matched = parts.map { part -> (bpm: Double, weight: Double) in
            let factor = [0.5, 1.0, 2.0].min {
                abs(log(part.bpm * $0 / reference)) < abs(log(part.bpm * $1 / reference))
            }!
            return (part.bpm * factor, part.weight)
        }
        let weightSum = matched.reduce(0) { $0 + $1.weight }
        var target = exp(matched.reduce(0) { $0 + $1.weight * log($1.bpm) } / weightSum)
        let low = matched.map(\.bpm).max()! / (1 + EmbeddedPlanner.comfortableStretch)
        let high = matched.map(\.bpm).min()! * (1 + EmbeddedPlanner.comfortableStretch)
        if low <= high { target = min(max(target, low), high) }
        while target < EmbeddedPlanner.tempoWindowBPM.lowerBound { target *= 2 }
        while target > EmbeddedPlanner.tempoWindowBPM.upperBound { target /= 2 }
        targetBPM = (target * 10).rounded() / 10
    }

    // MARK: Form

    /// The songs heard.
    var heard: [PlannerSongProfile] { [lead, bed] + (third.map { [$0] } ?? []) }

    /// The template nearest the wanted length among those the songs have material for.
    mutating func chooseTemplate() {
        let material = heard.reduce(0) { $0 + $1.durationSeconds }
        let tolerance = PlannerSongProfile.endToleranceSeconds
        let fitting = PlannerTemplate.all.filter { t in
            Double(t.barCount) * barSeconds <= material + tolerance
                && heard.allSatisfy {
                    $0.sourceSeconds(bars: Double(t.longestSectionBars) + 1, targetBPM: targetBPM) <= $0.usableSeconds
                        + tolerance
                }
        }
        template = bestTemplate(among: fitting)
        shortenedForMaterial = template.barCount < bestTemplate(among: PlannerTemplate.all).barCount
    }

    /// The template nearest the wanted length within the accepted range (with a third song, one with a second
    /// verse when possible); else the longest under the range's top; else the shortest there is.
    func bestTemplate(among templates: [PlannerTemplate]) -> PlannerTemplate {
        let wanted = wantedSeconds ?? options.targetDurationSeconds
        let range = wantedSeconds.map { (0.75 * $0)...(1.25 * $0) } ?? options.durationRangeSeconds
        func seconds(_ t: PlannerTemplate) -> Double { Double(t.barCount) * barSeconds }
        var inRange = templates.filter { range.contains(seconds($0)) }
        if third != nil, inRange.contains(where: \.hasSecondVerse) { inRange = inRange.filter(\.hasSecondVerse) }
        if let best = inRange.min(by: { abs(seconds($0) - wanted) < abs(seconds($1) - wanted) }) { return best }
        if let longest = templates.first(where: { seconds($0) <= range.upperBound }) { return longest }
        return PlannerTemplate.all[PlannerTemplate.all.count - 1]
    }

    // MARK: Timeline

    /// A layer reading `song`'s `stem` from the bar line near `nearSeconds` for `bars` bars.
    mutating func layer(
        _ song: PlannerSongProfile, _ stem: Stem, gain: Double, effects: [String], near nearSeconds: Double,
        bars: Int, pan: Double? = nil
    ) -> Masterplan.Layer {
        let needed = song.sourceSeconds(bars: Double(bars) + tailBars, targetBPM: targetBPM)
        let start = song.barStart(near: allowedStart(near: nearSeconds, in: song), neededSeconds: needed)
        cursors[song.index] = start + song.sourceSeconds(bars: Double(bars), targetBPM: targetBPM)
        return Masterplan.Layer(
            songId: song.label.songID, stem: stem.rawValue, volumeDecibels: gain,
            effects: effects.map { .string($0) }, sourceStartSeconds: start, pan: pan)
    }

    /// `nearSeconds`, or, when the section preferences narrowed `song`'s regions and it lies outside them (a
    /// continuing read, the song's end), the start of the nearest allowed region.
    func allowedStart(near nearSeconds: Double, in song: PlannerSongProfile) -> Double {
        guard narrowedSongs.contains(song.index),
            !song.regions.contains(where: { $0.startSeconds <= nearSeconds && nearSeconds < $0.endSeconds })
        else {
            return nearSeconds
        }
        let nearest = song.regions.min { abs($0.startSeconds - nearSeconds) < abs($1.startSeconds - nearSeconds) }
        return nearest?.startSeconds ?? nearSeconds
    }

    /// Where `song` stopped reading (or `fallback`).
    func cursor(_ song: PlannerSongProfile, else fallback: Double) -> Double { cursors[song.index] ?? fallback }

    /// The lead's chorus for the final chorus: a seed-chosen high region (the loudest by default).
    var finalChorusRegion: PlannerSongProfile.Region {
        let high = lead.regionsByLoudness.filter { $0.label == .high }
        return high.isEmpty ? lead.loudestRegion : high[choice(high.count, salt: 2)]
    }

    /// A quiet region for the bed's intro: its first region when that is quiet, else its quietest.
    var bedIntroRegion: PlannerSongProfile.Region {
        bed.regions[0].label == .low ? bed.regions[0] : bed.quietestRegion
    }

    /// The lead region for the breakdown: the loudest region other than the drop's (voices are there), else the drop's.
    var leadBreakdownRegion: PlannerSongProfile.Region {
        lead.regionsByLoudness.count > 1 ? lead.regionsByLoudness[1] : lead.loudestRegion
    }

    /// Gain per unit of energy between the asked curve and the form's level, dB (0.5 apart: 5 dB).
    static let energyGainDecibels = 10.0
    /// The largest such gain change, dB.
    static let maximumEnergyOffsetDecibels = 6.0

    /// The energy curve asked for, else the one the style implies (nil: the form's own levels).
    var energyCurve: PlanPreferences.EnergyCurve? {
        preferences.energyCurve ?? preferences.styleEnergyCurve?.curve
    }

    mutating func layOut() -> [Masterplan.Section] {
        var sections: [Masterplan.Section] = []
        var bar = 0
        for (position, entry) in template.sections.enumerated() {
            let (kind, bars) = entry
            let start = Double(bar) * barSeconds
            let duration = Double(bars) * barSeconds
            tailBars = 0
            if position + 1 < template.sections.count {
                let next = template.sections[position + 1]
                let transition = transition(into: next.kind, bars: next.bars)
                if transition.kind != .echoOut { tailBars = (transition.bars ?? 1) / 2 }
            }
            let energy =
                energyCurve.map {
                    ($0.energy(at: (Double(bar) + Double(bars) / 2) / Double(max(template.barCount, 1))) * 100)
                        .rounded() / 100
                } ?? kind.energyLevel
            // An asked curve is heard, not only labelled: the section's layers move with its energy against the
            // form's own level for that kind of section.
            let offset = min(
                max(Self.energyGainDecibels * (energy - kind.energyLevel), -Self.maximumEnergyOffsetDecibels),
                Self.maximumEnergyOffsetDecibels)
            var sectionLayers = layers(kind, bars: bars)
            if offset != 0 {
                for index in sectionLayers.indices {
                    let gain = (sectionLayers[index].volumeDecibels ?? 0) + offset
                    sectionLayers[index].volumeDecibels = (gain * 10).rounded() / 10
                }
            }
            var section = Masterplan.Section(
                timeStartSeconds: start, durationSeconds: duration,
                description: describe(kind), energyLevel: energy,
                layers: sectionLayers)
            if position > 0 { section.transition = transition(into: kind, bars: bars) }
            sections.append(section)
            bar += bars
        }
        return sections
    }

    /// How a section is entered: filter sweeps into drops, echo-outs into the breakdown and the outro.
    func transition(into kind: PlannerSectionKind, bars: Int) -> Masterplan.Transition {
        switch kind {
        case .drop, .finalChorus: Masterplan.Transition(kind: .filterSweep, bars: Double(1 + choice(2, salt: 4)))
        case .breakdown: Masterplan.Transition(kind: .echoOut, bars: 1)
        case .outro: Masterplan.Transition(kind: .echoOut, bars: Double(min(2, bars / 2)))
        default: Masterplan.Transition(kind: .crossfade, bars: 1)
        }
    }

    /// The lead's voice (or melody) with its effects for a section kind.
    func leadEffects(_ kind: PlannerSectionKind) -> [String] {
        switch kind {
        case .build, .build2: ["compression", "delay-1/8"]
        case .breakdown: ["reverb-large", "ping-pong-delay"]
        // A melodic lead ducks under the other song's drums in the drops, so the kick cuts through.
        case .drop, .finalChorus:
            leadStem == .vocals ? ["compression", "reverb-small"] : ["reverb-small", "sidechain"]
        default: leadStem == .vocals ? ["compression", "reverb-small"] : ["reverb-small"]
        }
    }

    mutating func layers(_ kind: PlannerSectionKind, bars: Int) -> [Masterplan.Layer] {
        let fadeIn = min(2, Double(bars) / 2) * barSeconds
        let bedOtherWithLead = leadStem != .other
        switch kind {
        case .intro:
            var other = layer(bed, .other, gain: -5, effects: ["reverb"], near: bedIntroRegion.startSeconds, bars: bars)
            var drums = layer(
                bed, .drums, gain: -9, effects: ["high-pass-filter-800hz"], near: bedIntroRegion.startSeconds,
                bars: bars)
            other.fadeInSeconds = fadeIn
            drums.fadeInSeconds = fadeIn
            return [other, drums]
        case .verse, .verse2:
            let instrumental = kind == .verse2 && thirdRole == .verseInstrumental ? third! : bed
            let leadNear =
                kind == .verse ? verseRegion.startSeconds : cursor(lead, else: lead.middleRegion.startSeconds)
            let bedNear =
                kind == .verse || instrumental.index != bed.index
                ? instrumental.middleRegion.startSeconds : cursor(bed, else: bed.middleRegion.startSeconds)
            var result = [
                layer(lead, leadStem, gain: 0, effects: leadEffects(kind), near: leadNear, bars: bars),
                layer(instrumental, .drums, gain: -4, effects: [], near: bedNear, bars: bars),
                layer(instrumental, .bass, gain: -5, effects: [], near: bedNear, bars: bars),
            ]
            if bedOtherWithLead || instrumental.index != bed.index {
                result.append(layer(instrumental, .other, gain: -8, effects: ["sidechain"], near: bedNear, bars: bars))
            }
            return result
        case .build, .build2:
            let leadNear = cursor(lead, else: lead.middleRegion.startSeconds)
            let bedNear = cursor(bed, else: bed.middleRegion.startSeconds)
            var result = [
                layer(lead, leadStem, gain: 0, effects: leadEffects(kind), near: leadNear, bars: bars),
                layer(bed, .drums, gain: -5, effects: [], near: bedNear, bars: bars),
            ]
            // The rising filter into the drop rides on the melodic bed (the lead's own when it is the melody).
            if bedOtherWithLead {
                result.append(layer(bed, .other, gain: -6, effects: ["filter-sweep"], near: bedNear, bars: bars))
            } else {
                result[0].effects.append("filter-sweep")
            }
            return result
        case .drop, .finalChorus:
            let leadNear = kind == .drop ? lead.loudestRegion.startSeconds : finalChorusRegion.startSeconds
            let bedNear = bed.loudestRegion.startSeconds
            var result = [
                layer(lead, leadStem, gain: 0, effects: leadEffects(kind), near: leadNear, bars: bars),
                layer(bed, .drums, gain: kind == .finalChorus ? -2 : -3, effects: [], near: bedNear, bars: bars),
                layer(bed, .bass, gain: -4, effects: ["sidechain"], near: bedNear, bars: bars),
            ]
            if bedOtherWithLead {
                result.append(layer(bed, .other, gain: -6, effects: ["sidechain"], near: bedNear, bars: bars))
            }
            return result
        case .breakdown:
            var result: [Masterplan.Layer] = []
            if thirdRole == .breakdownVocals, let third {
                result.append(
                    layer(
                        third, .vocals, gain: -1, effects: leadEffects(kind), near: third.loudestRegion.startSeconds,
                        bars: bars))
            } else {
                result.append(
                    layer(
                        lead, leadStem, gain: -1, effects: leadEffects(kind), near: leadBreakdownRegion.startSeconds,
                        bars: bars))
            }
            if thirdRole == .breakdownPad, let third {
                result.append(
                    layer(
                        third, .other, gain: -7, effects: ["low-pass-filter-2khz", "reverb"],
                        near: third.quietestRegion.startSeconds, bars: bars, pan: -0.2))
            } else if bedOtherWithLead || thirdRole == .breakdownVocals {
                result.append(
                    layer(
                        bed, .other, gain: -7, effects: ["low-pass-filter-2khz"], near: bed.quietestRegion.startSeconds,
                        bars: bars))
            }
            return result
        case .outro:
            let near = bed.lastRegion.startSeconds
            var other = layer(bed, .other, gain: -6, effects: ["reverb"], near: near, bars: bars)
            var drums = layer(bed, .drums, gain: -8, effects: ["high-pass-filter-800hz"], near: near, bars: bars)
            let fadeOut = Double(bars) / 2 * barSeconds
            other.fadeOutSeconds = fadeOut
            drums.fadeOutSeconds = fadeOut
            return [other, drums]
        }
    }

    /// The lead's verse: a seed-chosen middle region (the first `mid` one by default).
    var verseRegion: PlannerSongProfile.Region {
        let loudest = lead.loudestRegion
        let mids = lead.regions.filter { $0.label == .mid && $0 != loudest }
        return mids.isEmpty ? lead.middleRegion : mids[choice(mids.count, salt: 3)]
    }

    // MARK: Words

    var leadPart: String { leadStem == .vocals ? "vocals" : "melody" }

    func describe(_ kind: PlannerSectionKind) -> String {
        let l = lead.name, b = bed.name
        switch kind {
        case .intro: return "Intro: \(b)'s music with a high-passed beat, fading in"
        case .verse: return "Verse: \(l)'s \(leadPart) over \(b)'s groove"
        case .build, .build2:
            return "\(kind.title): \(l)'s \(leadPart) with delays while a filter opens on \(b) toward the drop"
        case .drop: return "Drop: \(l)'s chorus over \(b)'s full beat and bass, filter sweep in"
        case .breakdown:
            if thirdRole == .breakdownVocals, let third {
                return "Breakdown: \(third.name)'s voice in reverb and echoes over \(b)'s filtered music"
            }
            if thirdRole == .breakdownPad, let third {
                return "Breakdown: \(l)'s \(leadPart) in reverb and echoes over \(third.name)'s filtered pads"
            }
            return "Breakdown: drums and bass drop out; \(l)'s \(leadPart) in reverb and echoes"
        case .verse2:
            if thirdRole == .verseInstrumental, let third {
                return "Verse 2: \(l)'s \(leadPart) over \(third.name)'s groove"
            }
            return "Verse 2: \(l)'s \(leadPart) back over \(b)'s groove"
        case .finalChorus: return "Final chorus: everything at full energy, \(l)'s hook over \(b)"
        case .outro: return "Outro: the chorus echoes out; \(b)'s music fades"
        }
    }

    func title() -> String {
        let options = ["\(lead.name) over \(bed.name)", "\(lead.name) × \(bed.name)", "\(bed.name) Meets \(lead.name)"]
        let base = options[choice(options.count, salt: 5)]
        return third.map { base + " (with \($0.name))" } ?? base
    }

    func credits() -> String {
        heard.sorted { $0.index < $1.index }.map { $0.label.artist.flatMap { $0.isEmpty ? nil : $0 } ?? $0.label.name }
            .joined(separator: " vs. ")
    }

    static func clock(_ seconds: Double) -> String { DurationText.clock(seconds) }

    static func signed(_ value: Int) -> String { value > 0 ? "+\(value)" : "\(value)" }

    static func percent(_ fraction: Double) -> String { String(format: "%+.1f%%", fraction * 100) }

    static func bpm(_ value: Double) -> String { String(format: "%.1f", value) }

    func vision(_ timeline: [Masterplan.Section]) -> String {
        let keyText = targetKey.map { " in \($0)" } ?? ""
        var first =
            "\(lead.name)'s \(leadPart) ride\(leadStem == .vocals ? "" : "s") \(bed.name)'s drums and bass at \(Self.bpm(targetBPM)) BPM\(keyText)"
        let leadShift = shift(of: lead), bedShift = shift(of: bed)
        if leadShift != 0 || bedShift != 0 {
            first +=
                ", \(lead.name) moved \(Self.signed(leadShift)) and \(bed.name) \(Self.signed(bedShift)) semitones so they share one key"
        }
        first += "."
        let dropStart = zip(template.sections, timeline).first { $0.0.kind == .drop }?.1.timeStartSeconds
        var second = "It opens on \(bed.name)'s quiet bars"
        if let dropStart { second += ", sweeps into the chorus at \(Self.clock(dropStart))" }
        if template.sections.contains(where: { $0.kind == .breakdown }) {
            let voice = thirdRole == .breakdownVocals ? "\(third!.name)'s voice" : "the \(leadPart)"
            second += ", strips back to \(voice) in echoes for the breakdown"
        }
        if template.sections.contains(where: { $0.kind == .finalChorus }) { second += " and peaks in a final chorus" }
        second += " before echoing out."
        var thirdSentence = ""
        if thirdRole == .verseInstrumental, let song = third {
            thirdSentence = " \(song.name) carries the second verse."
        }
        if thirdRole == .breakdownPad, let song = third {
            thirdSentence = " \(song.name) lays its pads under the breakdown."
        }
        return first + " " + second + thirdSentence
    }

    mutating func writeNotes() {
        // Key.
        if let leadKey = lead.key, let bedKey = bed.key, let targetKey {
            let apart = abs(
                MusicalKey.smallestShift(
                    from: leadKey.mode == bedKey.mode ? leadKey.tonic : leadKey.relative.tonic, to: bedKey.tonic))
            let ls = shift(of: lead), bs = shift(of: bed)
            // The scorer compares songs 1 and 2: its words apply when they are the lead and the bed.
            let scored = Set([lead.index, bed.index]) == [0, 1]
            let relation = scored ? score["compatibility_breakdown"]?["harmonic"]?["relation"]?.stringValue : nil
            let relationText = relation.map { " (the scorer: \($0))" } ?? ""
            if ls == 0 && bs == 0 {
                notes.append(
                    .init(
                        problem: "Keys: \(lead.name) is in \(leadKey), \(bed.name) in \(bedKey)\(relationText).",
                        solution: "They share their notes (same or relative key): target \(targetKey), no pitch shift.")
                )
            } else {
                let problem =
                    apart == 0
                    ? "Keys: \(lead.name) is in \(leadKey), \(bed.name) in \(bedKey)\(relationText), but the other songs pull them apart."
                    : "Key clash: \(lead.name) is in \(leadKey), \(bed.name) in \(bedKey), \(apart) semitones apart\(relationText)."
                let leadLimit =
                    leadStem == .vocals ? EmbeddedPlanner.vocalShiftLimit : EmbeddedPlanner.instrumentShiftLimit
                let reason =
                    abs(ls) < abs(bs)
                    ? "; the larger move goes to the instruments, which hide it better"
                    : "; the smallest moves every part can make within its limit"
                notes.append(
                    .init(
                        problem: problem,
                        solution:
                            "Target key \(targetKey): \(lead.name)'s \(leadPart) shifted \(Self.signed(ls)) semitones (limit ±\(leadLimit)), \(bed.name)'s instrumental \(Self.signed(bs)) (limit ±\(EmbeddedPlanner.instrumentShiftLimit))\(reason)."
                    ))
            }
        } else {
            let unknown = [lead, bed].filter { $0.key == nil }.map(\.name).joined(separator: " and ")
            notes.append(
                .init(
                    problem: "No usable key for \(unknown).",
                    solution: targetKey.map {
                        "Target key \($0) from the song whose key is known; \(unknown) is left unshifted."
                    }
                        ?? "No target key: nothing is pitch-shifted."))
        }
        if let third, let thirdKey = third.key, targetKey != nil {
            let part = thirdRole == .breakdownVocals ? "vocals" : "instrumental"
            notes.append(
                .init(
                    problem: "\(third.name) is in \(thirdKey).",
                    solution:
                        "Its \(part) shifted \(Self.signed(shift(of: third))) semitones to \(targetKey!) for its part in the \(thirdRole == .verseInstrumental ? "second verse" : "breakdown")."
                ))
        }
        // Tempo.
        let tempoSongs = heard.filter { $0.tempoBPM != nil }
        if tempoSongs.count >= 2 {
            let described = tempoSongs.map { song -> String in
                let factor = song.beatFactor(targetBPM: targetBPM)
                let counted = factor == 0.5 ? " (counted in double time)" : factor == 2 ? " (counted in half time)" : ""
                return "\(song.name) \(Self.percent(song.speed(targetBPM: targetBPM) - 1))\(counted)"
            }
            let a = tempoSongs[0], b = tempoSongs[1]
            let tempoA = a.tempoBPM!, tempoB = b.tempoBPM!
            let factors: [Double] = [0.5, 1, 2]
            let factor = factors.min { abs(log(tempoB * $0 / tempoA)) < abs(log(tempoB * $1 / tempoA)) }!
            let matchedB = tempoB * factor
            let gap = matchedB / tempoA - 1
            let relation = factor != 1 ? " after half/double-time matching" : ""
            notes.append(
                .init(
                    problem:
                        "Tempo gap: \(a.name) at \(Self.bpm(tempoA)) BPM, \(b.name) at \(Self.bpm(tempoB)) BPM (\(Self.percent(gap)) apart\(relation)).",
                    solution:
                        "Target \(Self.bpm(targetBPM)) BPM between them, weighted toward the lead vocal: \(described.joined(separator: ", "))."
                ))
        } else {
            let unmeasured = heard.filter { $0.tempoBPM == nil && $0.hasPulse }.map(\.name).joined(separator: " and ")
            if !unmeasured.isEmpty {
                notes.append(
                    .init(
                        problem: "No tempo found for \(unmeasured).",
                        solution:
                            "Target \(Self.bpm(targetBPM)) BPM; the render measures the song's beats itself and warps them to it."
                    ))
            }
        }
        let pulseless = heard.filter { !$0.hasPulse }.map(\.name)
        if !pulseless.isEmpty {
            let names = pulseless.joined(separator: " and ")
            notes.append(
                .init(
                    problem:
                        "No clear pulse in \(names): \(pulseless.count == 1 ? "its" : "their") onsets are no more periodic than at random.",
                    solution:
                        "Target \(Self.bpm(targetBPM)) BPM from the other songs; \(names) \(pulseless.count == 1 ? "plays" : "play") at \(pulseless.count == 1 ? "its" : "their") own speed, not warped to beats."
                ))
        }
        // Vocals.
        let voiced = heard.filter { $0.vocalPresence >= EmbeddedPlanner.vocalPresenceThreshold }
        if voiced.count >= 2 {
            let list = voiced.map { "\($0.name) (\(String(format: "%.2f", $0.vocalPresence)))" }.joined(
                separator: " and ")
            var solution =
                "One lead vocal at a time: \(lead.name)'s vocals over \(bed.name)'s drums, bass and other stems"
            if thirdRole == .breakdownVocals, let third {
                solution += "; \(third.name)'s vocals only in the breakdown, where \(lead.name) rests"
            }
            let risk = score["compatibility_breakdown"]?["vocal"]?["clash_risk"]?.doubleValue
            let riskText = risk.map { String(format: "; the scorer's clash risk is %.2f", $0) } ?? ""
            notes.append(
                .init(
                    problem:
                        "Vocal overlap: \(list) \(voiced.count == 2 ? "both" : "all") carry lead vocals (presence)\(riskText).",
                    solution: solution + "; never two vocal or two bass layers in a section."))
        } else if leadStem == .vocals {
            notes.append(
                .init(
                    problem:
                        "Only \(lead.name) has clear vocals (presence \(String(format: "%.2f", lead.vocalPresence)); \(bed.name) \(String(format: "%.2f", bed.vocalPresence))).",
                    solution: "\(lead.name)'s vocals lead over \(bed.name)'s instrumental; one bass line at a time."))
        } else {
            notes.append(
                .init(
                    problem:
                        "No song has clear vocals (presence at most \(String(format: "%.2f", lead.vocalPresence))).",
                    solution:
                        "\(lead.name)'s melodic stem leads over \(bed.name)'s drums and bass; one bass line at a time.")
            )
        }
        // Material.
        let totalSeconds = Double(template.barCount) * barSeconds
        if shortenedForMaterial {
            let shortest = heard.min { $0.durationSeconds < $1.durationSeconds }!
            notes.append(
                .init(
                    problem: "Short material: \(shortest.name) lasts \(Self.clock(shortest.durationSeconds)).",
                    solution:
                        "A shorter form of \(template.barCount) bars (\(Self.clock(totalSeconds))) that every section's source can fill."
                ))
        }
        for song in heard {
            if !song.durationIsKnown {
                notes.append(
                    .init(
                        problem: "\(song.name)'s length is unknown.",
                        solution:
                            "Assumed \(Self.clock(song.durationSeconds)); a read past its end is silent and reported by the render."
                    ))
            }
            if !song.downbeatsAreMeasured {
                notes.append(
                    .init(
                        problem: "No downbeats for \(song.name).",
                        solution:
                            "Bar starts estimated from its beats, sections or tempo; the render snaps each source start to its own bar grid."
                    ))
            }
            if song.regionSource != .sections {
                notes.append(
                    .init(
                        problem: "No sections for \(song.name).",
                        solution: song.regionSource == .energy
                            ? "Chorus and intro picked from its per-bar energy (\(song.regions.count) windows of \(PlannerSongProfile.energyWindowBars) bars)."
                            : "Assumed a common form (quiet intro and outro, choruses around 40% and 80% of the song); the render's downbeats fix the exact bars."
                    ))
            }
        }
        // Style: the embedded planner has no model of it beyond the energy some words imply.
        if let style = preferences.style {
            let solution: String
            if let asked = preferences.energyCurve {
                solution =
                    "The energy curve asked for (\(asked.rawValue)) shapes the sections; the embedded planner has no other model of style (Claude or the planner service follow it)."
            } else if let implied = preferences.styleEnergyCurve {
                solution =
                    "Read as the energy curve \(implied.curve.rawValue) (from '\(implied.word)'): \(implied.curve.explanation); the embedded planner has no other model of style (Claude or the planner service follow it)."
            } else {
                solution =
                    "No word of it names an energy or a genre the embedded planner knows; the plan follows the analyses (Claude or the planner service follow a style)."
            }
            notes.append(.init(problem: "Style asked: \"\(style)\".", solution: solution))
        }
        // Sections asked for or avoided.
        let asked = preferences.useSections.map { "use \($0)" } + preferences.avoidSections.map { "avoid \($0)" }
        if !asked.isEmpty {
            notes.append(
                .init(
                    problem: "Sections asked for: \(asked.joined(separator: ", ")).",
                    solution: sectionNotes.isEmpty
                        ? "Every source is read from the allowed sections of its song."
                        : "Applied where possible; " + sectionNotes.joined(separator: "; ") + "."))
        }
    }
}
