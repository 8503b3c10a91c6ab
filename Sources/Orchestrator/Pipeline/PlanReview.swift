// Design: one check of a planner's masterplan against the job's songs, shared by every planner (Claude, the planner
// service, the embedded planner). It runs the render's validator with the songs (ids, keys, tempi, lengths), so
// unknown song ids and impossible values are located errors, then the musical rules a renderable plan can still
// break:
// - blocking (Claude is asked to correct them; a planner service's plan is replaced by the embedded planner's):
//   validator errors, a section with nothing audible, a gap between sections, a layer that reads past its song's
//   end (the render would play silence), a length far from the one the person asked for;
// - advisory (sent to Claude in its correction round, recorded as warnings otherwise): two lead vocals at once, a
//   pitch shift beyond the stem's limit, a section that starts off the bar grid, a length outside the usual range
//   when none was asked for.
import Analysis
import Foundation
import Render

/// Checks a masterplan against the songs of a plan request.
public struct PlanReview: Sendable {
    /// The job's songs in request order, with what the analyses say of them.
    public var songs: [PlanValidator.SongInfo]
    /// The length asked for, seconds; nil: `acceptedSeconds` applies.
    public var wantedSeconds: Double?
    /// Lengths accepted when none is asked for, seconds.
    public var acceptedSeconds: ClosedRange<Double>
    /// Per song id, the sections the person asked to avoid (role and span in song seconds).
    var avoidedSections: [String: [(role: SongSection.Role, span: Range<Double>)]] = [:]

    /// A layer below this gain does not make a section audible, dB.
    public static let audibleGainDecibels = -40.0
    /// Two vocal layers of different songs both at or above this gain are two lead vocals, dB.
    public static let leadVocalGainDecibels = -12.0
    /// A section start further than this from a bar line is off the grid, in beats.
    public static let gridToleranceBeats = 0.25
    /// A read may run past its song's end by this much before it counts, in bars (the render fades a tail).
    public static let readPastEndToleranceBars = 1.0
    /// A plan whose length differs from the asked one by more than this fraction is blocking.
    public static let lengthToleranceFraction = 0.3
    /// A gap between sections shorter than this is not silence the listener hears, seconds.
    public static let gapToleranceSeconds = 0.05

    public init(
        songs: [PlanValidator.SongInfo], wantedSeconds: Double? = nil,
        acceptedSeconds: ClosedRange<Double> = 120...240
    ) {
        self.songs = songs
        self.wantedSeconds = wantedSeconds
        self.acceptedSeconds = acceptedSeconds
    }

    /// The review of `request`'s songs: ids from the request, keys, tempi and lengths from its analyses.
    public init(request: PlanRequest, acceptedSeconds: ClosedRange<Double> = 120...240) {
        let songs = request.analyses.indices.map {
            PlanValidator.SongInfo(id: request.label($0).songID, analysis: request.analyses[$0])
        }
        let preferences = PlanPreferences(request.userPreferences)
        self.init(songs: songs, wantedSeconds: preferences.durationSeconds, acceptedSeconds: acceptedSeconds)
        avoidedSections = SectionPreference.avoidedSpans(
            songIDs: songs.map(\.id), analyses: request.analyses,
            avoid: SectionPreference.roles(preferences.avoidSections).roles)
    }

    /// Every problem of `plan` (`{"creative_vision", "masterplan"}`), blocking ones first.
    public func problems(in plan: JSONValue) -> [PlanProblem] {
        let validation = PlanValidator(songs: songs).validate(plan)
        var problems = validation.errors.map { PlanProblem(field: $0.path, message: $0.message) }
        guard let validated = validation.plan else { return problems }
        problems += musicalProblems(validated, pathPrefix: plan["masterplan"] == nil ? "" : "masterplan.")
        return problems.sorted { $0.isBlocking && !$1.isBlocking }
    }

    /// The check as a `PlanCheck` (every problem).
    public var check: PlanCheck {
        let review = self
        return { review.problems(in: $0) }
    }

    /// The rules a valid plan can still break.
    func musicalProblems(_ plan: RenderScript, pathPrefix: String) -> [PlanProblem] {
        var problems: [PlanProblem] = []
        let tempo = plan.tempoMap
        var previousEnd = 0.0
        for section in plan.sections {
            let path = "\(pathPrefix)timeline[\(section.planIndex)]"
            if section.startSeconds - previousEnd > Self.gapToleranceSeconds {
                problems.append(
                    PlanProblem(
                        field: "\(path).time_start_sec",
                        message: String(
                            format:
                                "starts at %.2f s, leaving %.2f s of silence after the previous section (which ends at %.2f s)",
                            section.startSeconds, section.startSeconds - previousEnd, previousEnd)))
            }
            previousEnd = max(previousEnd, section.endSeconds)
            let audible = section.layers.filter { $0.gainDecibels > Self.audibleGainDecibels }
            if audible.isEmpty {
                problems.append(
                    PlanProblem(
                        field: "\(path).layers",
                        message: section.layers.isEmpty
                            ? "the section has no layers: it would be silent"
                            : "every layer is below \(Int(Self.audibleGainDecibels)) dB: the section would be silent"))
            }
            let beatOffset = tempo.beat(atSeconds: section.startSeconds)
            let barPosition = beatOffset / Double(tempo.beatsPerBar)
            let offBeats = abs(barPosition - barPosition.rounded()) * Double(tempo.beatsPerBar)
            if offBeats > Self.gridToleranceBeats {
                problems.append(
                    PlanProblem(
                        field: "\(path).time_start_sec",
                        message: String(
                            format: "%.2f s is %.2f beats off the bar grid at %.1f BPM (bars every %.3f s)",
                            section.startSeconds, offBeats, tempo.tempoBPM, tempo.secondsPerBar), isBlocking: false))
            }
            let vocalSongs = Set(
                section.layers.filter { $0.stem == .vocals && $0.gainDecibels >= Self.leadVocalGainDecibels }
                    .map(\.songIndex))
            if vocalSongs.count > 1 {
                problems.append(
                    PlanProblem(
                        field: "\(path).layers",
                        message:
                            "\(vocalSongs.count) songs' vocals at \(Int(Self.leadVocalGainDecibels)) dB or louder at once: keep one lead vocal",
                        isBlocking: false))
            }
            for layer in section.layers {
                let layerPath = "\(path).layers[\(layer.planIndex)]"
                if layer.pitchShiftIsOverride, let shift = layer.semitonesOverride,
                    abs(shift) > Double(layer.stem.maximumKeyShiftSemitones)
                {
                    problems.append(
                        PlanProblem(
                            field: "\(layerPath).pitch_shift_semitones",
                            message: String(
                                format: "%+.1f semitones on %@ is beyond its ±%d limit: it will sound artificial",
                                shift, layer.stem.rawValue, layer.stem.maximumKeyShiftSemitones), isBlocking: false))
                }
                if let problem = readPastEnd(layer, section: section, plan: plan, path: layerPath) {
                    problems.append(problem)
                }
                if let start = layer.sourceStartSeconds,
                    let avoided = avoidedSections[layer.songID]?.first(where: { $0.span.contains(start) })
                {
                    problems.append(
                        PlanProblem(
                            field: "\(layerPath).source_start_sec",
                            message: String(
                                format: "reads the %@ of \"%@\" (%.1f-%.1f s), which the person asked to avoid",
                                avoided.role.rawValue, layer.songID, avoided.span.lowerBound, avoided.span.upperBound),
                            isBlocking: false))
                }
            }
        }
        if let problem = lengthProblem(plan, pathPrefix: pathPrefix) { problems.append(problem) }
        return problems
    }

    /// A layer whose read ends past its song's end (by more than the tolerance), when the read's start is known.
    func readPastEnd(_ layer: RenderScript.Layer, section: RenderScript.Section, plan: RenderScript, path: String)
        -> PlanProblem?
    {
        guard layer.songIndex < songs.count, let songSeconds = songs[layer.songIndex].durationSeconds,
            let start = layer.sourceStartSeconds
        else { return nil }
        // The render maps target beats onto source beats: the read lasts the section's beats at the song's tempo.
        let songBPM = songs[layer.songIndex].tempoBPM.map { Self.matchedTempo($0, to: plan.tempoBPM) } ?? plan.tempoBPM
        let readSeconds = section.durationSeconds * plan.tempoBPM / songBPM
        let tolerance = Self.readPastEndToleranceBars * Double(plan.tempoMap.beatsPerBar) * 60 / songBPM
        let end = start + readSeconds
        guard end > songSeconds + tolerance else { return nil }
        return PlanProblem(
            field: "\(path).source_start_sec",
            message: String(
                format: "reads %.1f-%.1f s of \"%@\", which ends at %.1f s: %.1f s would be silent",
                start, end, layer.songID, songSeconds, end - songSeconds))
    }

    /// The song tempo after the render's half/double-time matching (the octave nearest the target).
    static func matchedTempo(_ songBPM: Double, to targetBPM: Double) -> Double {
        guard songBPM > 0, targetBPM > 0 else { return targetBPM }
        var best = songBPM
        for factor in [0.5, 2.0] where abs(log(songBPM * factor / targetBPM)) < abs(log(best / targetBPM)) {
            best = songBPM * factor
        }
        return best
    }

    /// The plan's length against the asked length (or the accepted range).
    func lengthProblem(_ plan: RenderScript, pathPrefix: String) -> PlanProblem? {
        let length = plan.durationSeconds
        let field = "\(pathPrefix)timeline"
        if let wanted = wantedSeconds, wanted > 0 {
            guard abs(length / wanted - 1) > Self.lengthToleranceFraction else { return nil }
            return PlanProblem(
                field: field, message: String(format: "the mashup lasts %.0f s where %.0f s was asked", length, wanted))
        }
        // With no length asked, a short plan is only remarked on when the songs had the material for a longer one.
        let longestSong = songs.compactMap(\.durationSeconds).max() ?? 0
        guard longestSong >= acceptedSeconds.lowerBound else { return nil }
        let lower = acceptedSeconds.lowerBound * (1 - Self.lengthToleranceFraction)
        let upper = acceptedSeconds.upperBound * (1 + Self.lengthToleranceFraction)
        guard length < lower || length > upper else { return nil }
        return PlanProblem(
            field: field,
            message: String(
                format: "the mashup lasts %.0f s; %.0f-%.0f s is expected",
                length, acceptedSeconds.lowerBound, acceptedSeconds.upperBound),
            isBlocking: false)
    }
}
