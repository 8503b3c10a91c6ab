import DSP
import Foundation
import MashupModel

// Design note: turns a render script into layer placements.
// - Sections start at exactly round(start × rate). A transition into section s is centred on its boundary B:
//   a crossfade of T frames makes the incoming layers start at B - T/2 and the outgoing ones end at B - T/2 + T,
//   so no section moves and the timeline never shortens. Cuts get a 3 ms declick; echo-outs stop the outgoing
//   layers at B and let their echoes ring on; filter sweeps add a high-pass sweep over the last bars before B.
// - Each layer is warped beat by beat: target beat k of the section (frame S + k·framesPerBeat) takes the source
//   beat b0 + k·f, where f ∈ {½, 1, 2} source beats per target beat keeps the stretch nearest 1 (a 70 BPM song
//   plays half-time against 140), and b0 is the source position at the section start: the plan's
//   `source_start_sec` snapped to the nearest downbeat, or the song continuing with the mashup (song bar = mashup
//   bar from its first downbeat), looping over its bars when it runs out.
// - The key shift is decided by `KeyShift.decide` (also the validator's rule): the smallest octave-equivalent move
//   from the song's key (its relative when the modes differ) to the target key, within the stem's limit; drums are
//   never shifted.

/// What the planner knows of a song.
struct SongTiming: Sendable {
    var grid: BeatGrid
    var key: MusicalKey?
    /// The song's stretches in other keys where it modulates (`RenderSong.keyStretches`).
    var keyStretches: [KeyStretch] = []
    var durationSeconds: Double
    /// Gain that brings the song to the reference loudness, dB (0 when disabled).
    var gainStagingDecibels: Double = 0
    /// False for audio without a pulse (`RenderSong.hasPulse`): its layers play at its own speed.
    var hasPulse = true
}

/// Lays out every layer of a script on the output timeline.
struct TimelinePlanner {
    let script: RenderScript
    let songs: [String: SongTiming]
    /// Declick length for cuts and echo-out entries, frames (3 ms at 44.1 kHz).
    static let declickFrameCount = 128

    private(set) var warnings: [String] = []

    init(script: RenderScript, songs: [String: SongTiming]) {
        self.script = script
        // A song without a pulse is read on a uniform grid at the target tempo from its start, so every warp anchor
        // moves it at its own speed (a stretch of 1) and its bars start where the plan's cursor says.
        var timings = songs
        for (id, timing) in songs.sorted(by: { $0.key < $1.key }) where !timing.hasPulse {
            guard
                let grid = try? BeatGrid(
                    tempoBPM: script.tempoMap.tempoBPM, durationSeconds: timing.durationSeconds,
                    beatsPerBar: script.tempoMap.beatsPerBar)
            else { continue }
            timings[id]?.grid = grid
            warnings.append(
                "\(id) has no clear pulse (its onsets are no more periodic than at random): "
                    + "its layers play at its own speed, not warped to beats")
        }
        self.songs = timings
    }

    var tempoMap: TempoMap { script.tempoMap }

    /// The sections' indices in time order.
    var sectionOrder: [Int] {
        script.sections.indices.sorted { script.sections[$0].startSeconds < script.sections[$1].startSeconds }
    }

    /// Transition length in frames into section `index` from `previous` (nil for the first or after a gap).
    func transitionFrameCount(into index: Int, from previous: Int?) -> Int {
        guard let previous else { return 0 }
        let section = script.sections[index], before = script.sections[previous]
        let limit = tempoMap.frameCount(seconds: min(section.durationSeconds, before.durationSeconds))
        switch section.transitionIn {
        case .cut, .echoOut: return min(Self.declickFrameCount, limit)
        case .crossfade(let bars, _): return min(tempoMap.crossfadeFrameCount(bars: bars), limit)
        case .filterSweep: return min(tempoMap.crossfadeFrameCount(bars: 1.0 / Double(tempoMap.beatsPerBar)), limit)
        }
    }

    /// The curve of the transition into a section.
    func transitionCurve(_ transition: RenderScript.Transition) -> CrossfadeCurve {
        switch transition {
        case .crossfade(_, let curve): curve
        case .cut, .echoOut: .linear
        case .filterSweep: .equalPower
        }
    }

    /// Places every layer. Appends warnings for looping sources and skipped key shifts.
    mutating func placements() throws -> [LayerPlacement] {
        let order = sectionOrder
        let rate = tempoMap.sampleRate
        // Previous and next section in time, when they touch (a gap of more than 10 ms means no transition).
        var previousOf: [Int: Int] = [:], nextOf: [Int: Int] = [:]
        for (position, index) in order.enumerated() where position > 0 {
            let previous = order[position - 1]
            let gap = script.sections[index].startSeconds - script.sections[previous].endSeconds
            if abs(gap) <= 0.010 || gap < 0 {
                previousOf[index] = previous
                nextOf[previous] = index
            }
        }
        var result: [LayerPlacement] = []
        for (sectionIndex, section) in script.sections.enumerated() {
            let start = tempoMap.frame(atSeconds: section.startSeconds)
            let end = tempoMap.frame(atSeconds: section.endSeconds)
            let inFrames = transitionFrameCount(into: sectionIndex, from: previousOf[sectionIndex])
            let next = nextOf[sectionIndex]
            let outFrames = next.map { transitionFrameCount(into: $0, from: sectionIndex) } ?? 0
            let nextTransition = next.map { script.sections[$0].transitionIn }
            let isEchoOut: EffectSpec.EchoOut? = {
                if case .echoOut(let echo)? = nextTransition { return echo }
                return nil
            }()
            let preRoll = min(inFrames / 2, start)
            // The outgoing half of the next transition; an echo-out stops at the boundary instead.
            let postRoll = isEchoOut == nil ? outFrames - outFrames / 2 : 0
            let spanStart = start - preRoll
            let spanEnd = end + postRoll
            for (layerIndex, layer) in section.layers.enumerated() {
                let path = "masterplan.timeline[\(sectionIndex)].layers[\(layerIndex)]"
                guard let song = songs[layer.songID] else {
                    throw RenderError.unknownSong(songID: layer.songID, path: path + ".songId")
                }
                let frameCount = spanEnd - spanStart
                // Fades: the transition's (or a declick), extended by the layer's own fade.
                let ownIn = tempoMap.frameCount(seconds: layer.fadeInSeconds)
                let ownOut = tempoMap.frameCount(seconds: layer.fadeOutSeconds)
                let inCurve = transitionCurve(section.transitionIn)
                var fadeIn = LayerPlacement.Fade(
                    startFrame: 0, frameCount: max(inFrames, preRoll + ownIn),
                    curve: ownIn > inFrames ? .sCurve : inCurve)
                if previousOf[sectionIndex] == nil && ownIn == 0 { fadeIn = .none }
                let outLength: Int
                let outCurve: CrossfadeCurve
                if isEchoOut != nil {
                    outLength = max(min(Self.declickFrameCount, frameCount), ownOut)
                    outCurve = ownOut > 0 ? .sCurve : .linear
                } else if let nextTransition {
                    outLength = max(outFrames, postRoll + ownOut)
                    outCurve = ownOut > outFrames ? .sCurve : transitionCurve(nextTransition)
                } else {
                    outLength = ownOut
                    outCurve = .sCurve
                }
                let fadeOut = LayerPlacement.Fade(
                    startFrame: frameCount - min(outLength, frameCount),
                    frameCount: min(outLength, frameCount), curve: outCurve)
                var effects = layer.effects.filter {
                    switch $0 {
                    case .fadeIn, .fadeOut: false;
                    default: true
                    }
                }
                if case .filterSweep(let bars)? = nextTransition {
                    effects.append(
                        .filterSweep(
                            EffectSpec.FilterSweep(
                                kind: .highPass, startHz: 40, endHz: 2000,
                                length: .bars(bars), anchor: .end)))
                }
                let (anchors, sourceStart) = warpAnchors(
                    for: layer, song: song, sectionIndex: sectionIndex,
                    sectionStartFrame: start, spanStart: spanStart, spanEnd: spanEnd)
                var placement = LayerPlacement(
                    sectionIndex: sectionIndex, layerIndex: layerIndex, layer: layer, outputStartFrame: spanStart,
                    frameCount: frameCount, fadeIn: fadeIn, fadeOut: fadeOut, anchors: anchors,
                    sourceStartSeconds: sourceStart, semitones: 0, effects: effects, echoOut: isEchoOut,
                    echoStopFrame: end - spanStart, songGainDecibels: song.gainStagingDecibels, outputSampleRate: rate)
                // The key is that of what the layer plays over the section itself (pre- and post-roll left out).
                placement.semitones = semitones(
                    for: layer, song: song,
                    playing: (
                        placement.sourceSeconds(atOutputFrame: Double(start)),
                        placement.sourceSeconds(atOutputFrame: Double(end))
                    ), path: path)
                result.append(placement)
            }
        }
        return result
    }

    /// Source beats per target beat (½, 1 or 2) that keeps the stretch nearest to 1.
    func beatFactor(for song: SongTiming) -> Double {
        let ratios: [Double] = [0.5, 1, 2]
        let sourceBPM = song.grid.averageTempoBPM
        return ratios.min {
            abs(log(sourceBPM / (tempoMap.tempoBPM * $0))) < abs(log(sourceBPM / (tempoMap.tempoBPM * $1)))
        }!
    }

    /// Warp anchors (one per target beat, a beat beyond the span on each side) and the source start at the section.
    mutating func warpAnchors(
        for layer: RenderScript.Layer, song: SongTiming, sectionIndex: Int,
        sectionStartFrame: Int, spanStart: Int, spanEnd: Int
    )
        -> (anchors: [(sourceSeconds: Double, outputFrame: Double)], sourceStartSeconds: Double)
    {
        let grid = song.grid
        let factor = beatFactor(for: song)
        let framesPerBeat = tempoMap.framesPerBeat
        let sectionBeats = Double(spanEnd - sectionStartFrame) / framesPerBeat
        let firstDownbeat = Double(grid.downbeatIndices.first ?? 0)
        let songEndBeat = grid.beatIndex(atSeconds: song.durationSeconds)
        var startBeat: Double
        if let explicit = layer.sourceStartSeconds {
            startBeat = grid.downbeatBeatIndex(nearestTo: grid.beatIndex(atSeconds: explicit))
            if startBeat + sectionBeats * factor > songEndBeat + 0.5 {
                warnings.append(
                    "section \(sectionIndex + 1): \(layer.songID) \(layer.stem.rawValue) reads past the end of its song "
                        + "(source start \(String(format: "%.1f", explicit)) s); the rest is silent")
            }
        } else {
            let mashupBeat = tempoMap.beat(atSeconds: Double(sectionStartFrame) / tempoMap.sampleRate)
            let roundedBeat = abs(mashupBeat - mashupBeat.rounded()) < 1e-6 ? mashupBeat.rounded() : mashupBeat
            startBeat = firstDownbeat + roundedBeat * factor
            // Loop over whole bars when the song runs out before the section ends.
            let barBeats = Double(grid.beatsPerBar)
            let usableBeats = ((songEndBeat - firstDownbeat) / barBeats).rounded(.down) * barBeats
            if startBeat + sectionBeats * factor > songEndBeat, usableBeats >= sectionBeats * factor + barBeats {
                let loopable = usableBeats - sectionBeats * factor
                let offset = (startBeat - firstDownbeat).truncatingRemainder(dividingBy: max(loopable, barBeats))
                let barAligned =
                    (offset / barBeats).rounded(.down) * barBeats
                    + (startBeat - firstDownbeat).truncatingRemainder(dividingBy: barBeats)
                startBeat = firstDownbeat + barAligned
                warnings.append(
                    "section \(sectionIndex + 1): \(layer.songID) ran out of bars; its \(layer.stem.rawValue) "
                        + "loops back to bar \(Int(barAligned / barBeats) + 1) of the song")
            }
        }
        let kMin = Int((Double(spanStart - sectionStartFrame) / framesPerBeat).rounded(.down)) - 1
        let kMax = Int((Double(spanEnd - sectionStartFrame) / framesPerBeat).rounded(.up)) + 1
        var anchors: [(sourceSeconds: Double, outputFrame: Double)] = []
        anchors.reserveCapacity(kMax - kMin + 1)
        for k in kMin...kMax {
            anchors.append(
                (
                    grid.seconds(atBeatIndex: startBeat + Double(k) * factor),
                    Double(sectionStartFrame) + Double(k) * framesPerBeat
                ))
        }
        return (anchors, grid.seconds(atBeatIndex: startBeat))
    }

    /// The key shift for a layer that plays the song's `playing` seconds: the plan's (or the validator's) decision,
    /// else `KeyShift.decide` with the key of what it plays (the song's key, or that of the stretch it plays where
    /// the song modulates: `KeyStretch.key`), warning when the layer stays in its key.
    mutating func semitones(
        for layer: RenderScript.Layer, song: SongTiming, playing: (start: Double, end: Double), path: String
    ) -> Double {
        if let override = layer.semitonesOverride { return override }
        let playedKey = KeyStretch.key(
            from: playing.start, to: playing.end, stretches: song.keyStretches, songKey: song.key)
        let decision = KeyShift.decide(songKey: playedKey, targetKey: script.targetKey, stem: layer.stem)
        if let playedKey, playedKey != song.key, case .shift(let shift) = decision, let target = script.targetKey {
            warnings.append(
                "\(path): \(layer.songID) \(layer.stem.rawValue) plays the song's stretch in \(playedKey) "
                    + String(format: "(%.1f-%.1f s): ", playing.start, playing.end)
                    + "shifted \(shift > 0 ? "+" : "")\(shift) semitones to \(target), not from the song's key "
                    + "\(song.key?.description ?? "(unknown)")")
        }
        switch decision {
        case .unshifted, .shift: break
        case .songKeyUnknown(let target):
            warnings.append(
                "\(path): \(layer.songID) \(layer.stem.rawValue) left in its key: the song's key is unknown "
                    + "or below confidence \(KeyShift.minimumKeyConfidence) (not shifted to \(target))")
        case .overLimit(let shift, let limit, let key, let target):
            warnings.append(
                "\(path): \(layer.songID) \(layer.stem.rawValue) would need \(shift > 0 ? "+" : "")\(shift) "
                    + "semitones to reach \(target) (limit ±\(limit)): left in \(key)")
        }
        return decision.appliedSemitones
    }
}
