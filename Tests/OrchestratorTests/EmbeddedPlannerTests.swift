import Analysis
import DSP
import Foundation
import Orchestrator
import Render
import Testing

/// Properties of the embedded planner's plans over generated analyses (no snapshots).
@Suite("Embedded planner")
struct EmbeddedPlannerTests {
    /// Section starts must sit on the target tempo's bar lines within this (exact arithmetic from bar indices).
    static let barLineToleranceSeconds = 1e-6
    /// Source starts must equal an analysed downbeat within this (they are copied, not computed).
    static let downbeatToleranceSeconds = 1e-9
    /// Tempo change each song may need when the tempi allow it (the issue's 8%), plus 0.1 BPM rounding.
    static let comfortableStretch = 0.08 + 0.001
    /// Slack at the end of a song for a read (the planner's own tolerance).
    static let readEndToleranceSeconds = 0.05
    /// The lengths the issue asks for when the songs are long enough, seconds.
    static let lengthRangeSeconds: ClosedRange<Double> = 120...240

    // MARK: Generated analyses

    /// Per-section loudness pattern of a pop song (intro, verse, chorus, verse, chorus, bridge, chorus, outro), dBFS.
    static let sectionLevels: [Double] = [-22, -15, -9, -15, -8, -18, -8.5, -20]

    /// An analysis of a song at `bpm` in `key`, `barCount` bars after `firstDownbeatSeconds`, with the chosen fields.
    static func analysis(
        bpm: Double, key: String, vocals: Double, barCount: Int = 96, firstDownbeatSeconds: Double = 0.37,
        beats: Bool = true, downbeats: Bool = true, sections: Bool = true, energy: Bool = true,
        duration: Bool = true
    ) -> SongAnalysis {
        let beatSeconds = 60 / bpm
        let beatTimes = (0..<(barCount * 4)).map { firstDownbeatSeconds + Double($0) * beatSeconds }
        let downbeatTimes = stride(from: 0, to: beatTimes.count, by: 4).map { beatTimes[$0] }
        let length = firstDownbeatSeconds + Double(barCount) * 4 * beatSeconds + 1.0
        let barsPerSection = max(1, barCount / sectionLevels.count)
        var songSections: [SongSection] = []
        var bar = 0
        for (k, level) in sectionLevels.enumerated() where bar < barCount {
            let end = k == sectionLevels.count - 1 ? barCount : min(barCount, bar + barsPerSection)
            let label: SongSection.EnergyLabel = level > -10 ? .high : level > -17 ? .mid : .low
            songSections.append(
                SongSection(
                    startSeconds: downbeatTimes[bar], endSeconds: end < barCount ? downbeatTimes[end] : length,
                    barCount: end - bar, rmsDecibels: level, label: label))
            bar = end
        }
        let barEnergy = downbeatTimes.enumerated().map { k, start in
            BarEnergy(
                startSeconds: start, endSeconds: start + 4 * beatSeconds,
                rmsDecibels: sectionLevels[min(sectionLevels.count - 1, k / barsPerSection)])
        }
        return SongAnalysis(
            harmonic: HarmonicFeatures(key: key, keyConfidence: 0.8, chordProgression: [], chordComplexity: 0.2),
            rhythmic: RhythmicFeatures(
                bpm: bpm, beatConfidence: 0.9, grooveStability: 0.01, swingFactor: 0,
                beats: beats ? beatTimes : nil, downbeats: downbeats ? downbeatTimes : nil,
                beatsPerBar: beats ? 4 : nil),
            spectral: SpectralFeatures(), vocal: VocalFeatures(vocalPresence: vocals),
            energy: energy ? barEnergy : nil, sections: sections ? songSections : nil,
            durationSeconds: duration ? length : nil)
    }

    static func json(_ analysis: SongAnalysis) throws -> JSONValue {
        try JSONValue.parse(JSONEncoder().encode(analysis))
    }

    static func request(_ analyses: [SongAnalysis], preferences: JSONValue = [:]) throws -> PlanRequest {
        let labels = analyses.indices.map {
            PlanSongLabel(
                songID: "s\($0 + 1)", name: ["Night Drive", "Glass Harbor", "Paper Suns"][$0],
                artist: ["Ava", "Bo", "Cy"][$0])
        }
        return PlanRequest(
            analyses: try analyses.map(json), mashabilityScore: [:], userPreferences: preferences, songs: labels)
    }

    /// A validator that knows the songs' keys, tempi and lengths (so key-limit and end-of-song warnings show).
    static func validator(_ analyses: [SongAnalysis]) -> PlanValidator {
        PlanValidator(
            songs: analyses.enumerated().map { k, a in
                PlanValidator.SongInfo(
                    id: "s\(k + 1)", key: MusicalKey(parsing: a.harmonic.key), tempoBPM: a.rhythmic.bpm,
                    durationSeconds: a.durationSeconds)
            })
    }

    /// The cases: tempi 70-180, keys, fields present or not, vocals high or low, 2 and 3 songs.
    static let cases: [[SongAnalysis]] = [
        [analysis(bpm: 124, key: "A minor", vocals: 0.8), analysis(bpm: 120, key: "C major", vocals: 0.1)],
        [analysis(bpm: 128, key: "A minor", vocals: 0.7), analysis(bpm: 118, key: "C# minor", vocals: 0.6)],
        [analysis(bpm: 70, key: "F major", vocals: 0.9), analysis(bpm: 140, key: "G minor", vocals: 0.05)],
        [analysis(bpm: 174, key: "E minor", vocals: 0.1), analysis(bpm: 87, key: "B minor", vocals: 0.75)],
        [
            analysis(bpm: 92, key: "D major", vocals: 0.5, sections: false),
            analysis(bpm: 100, key: "F# major", vocals: 0.3, energy: false),
        ],
        [analysis(bpm: 180, key: "G# minor", vocals: 0.05), analysis(bpm: 110, key: "Bb major", vocals: 0.02)],
        [
            analysis(bpm: 150, key: "N/A", vocals: 0.6, downbeats: false),
            analysis(bpm: 76, key: "E major", vocals: 0.1, beats: false, downbeats: false),
        ],
        [
            analysis(bpm: 124, key: "A minor", vocals: 0.8, sections: false, energy: false, duration: false),
            analysis(
                bpm: 126, key: "D minor", vocals: 0.1, beats: false, downbeats: false, sections: false, energy: false),
        ],
        [
            analysis(bpm: 122, key: "C minor", vocals: 0.8), analysis(bpm: 124, key: "Eb major", vocals: 0.1),
            analysis(bpm: 120, key: "Bb minor", vocals: 0.7),
        ],
        [
            analysis(bpm: 100, key: "A major", vocals: 0.8), analysis(bpm: 104, key: "F# minor", vocals: 0.1),
            analysis(bpm: 98, key: "D# minor", vocals: 0.1),
        ],
        [
            analysis(bpm: 122, key: "C minor", vocals: 0.8), analysis(bpm: 124, key: "Eb major", vocals: 0.1),
            analysis(bpm: 120, key: "G minor", vocals: 0.7),
        ],
        [
            analysis(bpm: 85, key: "B major", vocals: 0.8), analysis(bpm: 170, key: "F major", vocals: 0.6),
            analysis(bpm: 128, key: "C major", vocals: 0.9, sections: false),
        ],
    ]

    // MARK: Property checks

    /// Every property the issue names, for one plan; returns the decoded plan.
    @discardableResult
    static func checkProperties(_ analyses: [SongAnalysis], preferences: JSONValue = [:]) async throws -> Masterplan {
        let wire = try await EmbeddedPlanner().masterplan(for: try request(analyses, preferences: preferences))
        let validation = validator(analyses).validate(wire)
        #expect(validation.errors.isEmpty, "\(validation.errors)")
        #expect(validation.warnings.isEmpty, "\(validation.warnings)")
        let plan = try #require(validation.masterplan)
        let bpm = try #require(plan.global.targetBPM)
        let barSeconds = 240 / bpm

        // Bar lines and phrase lengths.
        var previousEnd = 0.0
        for section in plan.timeline {
            let start = try #require(section.timeStartSeconds), duration = try #require(section.durationSeconds)
            let startBars = start / barSeconds
            #expect(
                abs(startBars.rounded() * barSeconds - start) < barLineToleranceSeconds,
                "start \(start) off the bar grid")
            #expect(
                [4, 8, 16].contains(Int((duration / barSeconds).rounded())), "section of \(duration / barSeconds) bars")
            #expect(abs(start - previousEnd) < barLineToleranceSeconds, "gap or overlap at \(start)")
            previousEnd = start + duration
        }
        // Length when the songs are long enough (all cases here are 96 bars: at least 130 s).
        #expect(lengthRangeSeconds.contains(previousEnd), "length \(previousEnd) s")

        // One lead vocal and one bass at a time.
        for section in plan.timeline {
            #expect(section.layers.filter { $0.stem == "vocals" }.count <= 1)
            #expect(section.layers.filter { $0.stem == "bass" }.count <= 1)
        }

        // Tempo within 8% of each song (half/double counting) when the tempi allow it.
        let factors: [Double] = [0.5, 1, 2]
        let matched = analyses.map { a in
            factors.map { a.rhythmic.bpm * $0 }.min {
                abs(log($0 / analyses[0].rhythmic.bpm)) < abs(log($1 / analyses[0].rhythmic.bpm))
            }!
        }
        let used = Set(plan.timeline.flatMap(\.layers).compactMap(\.songId))
        if matched.max()! / matched.min()! <= 1.16 {
            for (k, a) in analyses.enumerated() where used.contains("s\(k + 1)") {
                let stretch = factors.map { abs(log(bpm * $0 / a.rhythmic.bpm)) }.min()!
                #expect(
                    stretch <= log(1 + comfortableStretch), "song \(k + 1) at \(a.rhythmic.bpm) BPM vs target \(bpm)")
            }
        }

        // Key shifts within each stem's limit.
        if let target = plan.global.targetMusicalKey {
            for layer in plan.timeline.flatMap(\.layers) {
                let index = Int(layer.songId!.dropFirst())! - 1
                guard let key = MusicalKey(parsing: analyses[index].harmonic.key) else { continue }
                let limit = layer.stem == "vocals" ? 3 : 7
                #expect(
                    abs(key.semitoneShift(to: target)) <= limit,
                    "\(layer.stem!) of song \(index + 1): \(key) -> \(target)")
            }
        }

        // Sources start on downbeats when known, and every read fits in its song (with the render's post-roll:
        // half the next transition, none for an echo-out).
        for (k, section) in plan.timeline.enumerated() {
            let next = k + 1 < plan.timeline.count ? plan.timeline[k + 1].transition : nil
            let tailSeconds = next.map { $0.kind == .echoOut ? 0 : ($0.bars ?? 1) / 2 * barSeconds } ?? 0
            for layer in section.layers {
                let a = analyses[Int(layer.songId!.dropFirst())! - 1]
                let start = try #require(layer.sourceStartSeconds)
                if let downbeats = a.rhythmic.downbeats {
                    #expect(
                        downbeats.contains { abs($0 - start) < downbeatToleranceSeconds },
                        "source start \(start) is not a downbeat")
                }
                if let length = a.durationSeconds {
                    let factor = factors.min {
                        abs(log(a.rhythmic.bpm / (bpm * $0))) < abs(log(a.rhythmic.bpm / (bpm * $1)))
                    }!
                    let needed = (section.durationSeconds! + tailSeconds) * bpm * factor / a.rhythmic.bpm
                    #expect(start + needed <= length + readEndToleranceSeconds, "read past the end of song")
                }
            }
        }

        // Energy rises from the intro to the first drop.
        let firstDrop = try #require(plan.timeline.firstIndex { $0.description?.hasPrefix("Drop") == true })
        let arc = plan.timeline[0...firstDrop].map { $0.energyLevel! }
        #expect(zip(arc, arc.dropFirst()).allSatisfy { $0 < $1 }, "energy \(arc)")

        // Every effect is understood by the render.
        for effect in plan.timeline.flatMap(\.layers).flatMap(\.effects) {
            let parsed = EffectParser.parse(effect)
            #expect(parsed.spec != nil && parsed.notes.isEmpty, "\(effect)")
        }
        #expect(plan.problemsAndSolutions.count >= 3)
        #expect(!(plan.title ?? "").isEmpty && !(plan.creativeVision ?? "").isEmpty)
        return plan
    }

    // MARK: Tests

    @Test("Plans validate and keep every property over tempi, keys, fields and song counts")
    func propertiesOverCases() async throws {
        for analyses in Self.cases {
            try await Self.checkProperties(analyses)
            try await Self.checkProperties(analyses, preferences: ["seed": 7])
        }
    }

    @Test("A 70 and a 140 BPM song meet without stretching")
    func halfDoubleTime() async throws {
        let plan = try await Self.checkProperties([
            Self.analysis(bpm: 70, key: "A minor", vocals: 0.8),
            Self.analysis(bpm: 140, key: "A minor", vocals: 0.1),
        ])
        #expect(plan.global.targetBPM == 140)
    }

    @Test("A song without a pulse sets no target tempo and the notes say it plays at its own speed")
    func pulselessSongSetsNoTempo() async throws {
        var drone = Self.analysis(bpm: 97, key: "A minor", vocals: 0.1)
        drone.rhythmic.pulseClarity = 0.02
        let plan = try await Self.checkProperties([Self.analysis(bpm: 124, key: "A minor", vocals: 0.8), drone])
        // The tracker's 97 BPM guess pulls nothing: the target is the song with a pulse's own tempo.
        #expect(plan.global.targetBPM == 124)
        let note = try #require(plan.problemsAndSolutions.first { $0.problem.contains("No clear pulse") })
        #expect(note.problem.contains("Glass Harbor"), "\(note.problem)")
        #expect(note.solution.contains("own speed"), "\(note.solution)")
        #expect(!plan.problemsAndSolutions.contains { $0.problem.contains("Tempo gap") })
        // The same song with a pulse is a tempo to meet.
        var pulsed = drone
        pulsed.rhythmic.pulseClarity = 0.4
        let other = try await Self.checkProperties([Self.analysis(bpm: 124, key: "A minor", vocals: 0.8), pulsed])
        #expect(other.global.targetBPM != 124)
        #expect(other.problemsAndSolutions.contains { $0.problem.contains("Tempo gap") })
    }

    @Test("Vocals stay in their key when an instrumental shift fixes the clash")
    func keyChoice() async throws {
        // D minor vocals over an F# minor bed (4 semitones apart): moving vocals by one costs 3, the bed by 3 costs 9.
        let plan = try await Self.checkProperties([
            Self.analysis(bpm: 124, key: "D minor", vocals: 0.8),
            Self.analysis(bpm: 124, key: "F# minor", vocals: 0.1),
        ])
        let target = try #require(plan.global.targetMusicalKey)
        let vocalShift = MusicalKey(parsing: "D minor")!.semitoneShift(to: target)
        let bedShift = MusicalKey(parsing: "F# minor")!.semitoneShift(to: target)
        #expect(abs(vocalShift) <= 1 && abs(bedShift) <= 3 && abs(vocalShift - bedShift) == 4)
        let keyNote = try #require(plan.problemsAndSolutions.first { $0.problem.contains("Key clash") })
        #expect(keyNote.problem.contains("4 semitones"))
        #expect(keyNote.solution.contains(target.description))
        #expect(keyNote.solution.contains(vocalShift > 0 ? "+\(vocalShift)" : "\(vocalShift)"))
    }

    @Test("Problems and solutions give the actual stretch and tempo")
    func notesCarryNumbers() async throws {
        let analyses = [
            Self.analysis(bpm: 124, key: "A minor", vocals: 0.8), Self.analysis(bpm: 116, key: "A minor", vocals: 0.7),
        ]
        let plan = try await Self.checkProperties(analyses)
        let bpm = try #require(plan.global.targetBPM)
        let tempoNote = try #require(plan.problemsAndSolutions.first { $0.problem.contains("Tempo gap") })
        #expect(tempoNote.problem.contains("124.0 BPM") && tempoNote.problem.contains("116.0 BPM"))
        #expect(tempoNote.solution.contains(String(format: "%.1f BPM", bpm)))
        #expect(tempoNote.solution.contains(String(format: "%+.1f%%", (bpm / 116 - 1) * 100)))
        let vocalNote = try #require(plan.problemsAndSolutions.first { $0.problem.contains("Vocal overlap") })
        #expect(vocalNote.solution.contains("One lead vocal at a time"))
    }

    @Test("Same input, same plan; seeds vary it")
    func determinism() async throws {
        let analyses = Self.cases[1]
        let planner = EmbeddedPlanner()
        let first = try await planner.masterplan(for: try Self.request(analyses))
        let second = try await planner.masterplan(for: try Self.request(analyses))
        #expect(try first.encoded() == second.encoded())
        var variants = Set<Data>()
        for seed in 1...6 {
            variants.insert(
                try await planner.masterplan(
                    for: try Self.request(analyses, preferences: ["seed": .number(Double(seed))])
                ).encoded())
        }
        #expect(variants.count > 1)
    }

    @Test("A third song gets a part")
    func thirdSongRole() async throws {
        let withVoice = try await Self.checkProperties(Self.cases[8])
        let breakdown = try #require(withVoice.timeline.first { $0.description?.hasPrefix("Breakdown") == true })
        #expect(breakdown.layers.contains { $0.songId == "s3" && $0.stem == "vocals" })
        let instrumental = try await Self.checkProperties(Self.cases[9])
        #expect(instrumental.timeline.flatMap(\.layers).contains { $0.songId == "s3" })
        // G minor vocals are 5 semitones from the lead's C minor: no cameo (the lead is not moved for it), an
        // instrumental part instead, and the lead stays in its key.
        let outOfReach = try await Self.checkProperties(Self.cases[10])
        let thirdLayers = outOfReach.timeline.flatMap(\.layers).filter { $0.songId == "s3" }
        #expect(!thirdLayers.isEmpty && !thirdLayers.contains { $0.stem == "vocals" })
        #expect(outOfReach.global.targetMusicalKey.map { MusicalKey(parsing: "C minor")!.semitoneShift(to: $0) } == 0)
        #expect(withVoice.artistCredits == "Ava vs. Bo vs. Cy")
    }

    @Test("A wanted length is honoured, and short songs give a short plan")
    func lengths() async throws {
        let analyses = Self.cases[0]
        let plan = try EmbeddedPlanner().plan(for: try Self.request(analyses, preferences: ["duration_sec": 90]))
        let total = plan.timeline.last!.timeStartSeconds! + plan.timeline.last!.durationSeconds!
        #expect((67.5...112.5).contains(total), "\(total) s")
        #expect(!plan.problemsAndSolutions.contains { $0.problem.contains("Short material") })
        let short = [
            Self.analysis(bpm: 120, key: "A minor", vocals: 0.8, barCount: 16),
            Self.analysis(bpm: 124, key: "C major", vocals: 0.1, barCount: 16),
        ]
        let shortPlan = try EmbeddedPlanner().plan(for: try Self.request(short))
        let shortTotal = shortPlan.timeline.last!.timeStartSeconds! + shortPlan.timeline.last!.durationSeconds!
        #expect(shortTotal <= short.reduce(0) { $0 + $1.durationSeconds! })
        #expect(Self.validator(short).validate(shortPlan).issues.isEmpty)
        #expect(shortPlan.problemsAndSolutions.contains { $0.problem.contains("Short material") })
    }

    @Test("An unreadable analysis is a typed error")
    func unreadable() async throws {
        let request = PlanRequest(
            analyses: ["not an analysis", try Self.json(Self.cases[0][1])], mashabilityScore: [:])
        #expect(throws: EmbeddedPlannerError.self) { try EmbeddedPlanner().plan(for: request) }
    }

    @Test("Without vocals, a melody leads and ducks under the other song's drums")
    func instrumentalPair() async throws {
        let plan = try await Self.checkProperties(Self.cases[5])
        #expect(!plan.timeline.flatMap(\.layers).contains { $0.stem == "vocals" })
        let drop = try #require(plan.timeline.first { $0.description?.hasPrefix("Drop") == true })
        let melody = try #require(drop.layers.first { $0.stem == "other" })
        #expect(drop.layers.contains { $0.stem == "drums" && $0.songId != melody.songId })
        #expect(melody.effects.contains("sidechain"))
    }

    @Test("A remote analysis with numbers as strings and only the contract's fields still plans")
    func lenientRemoteAnalysis() async throws {
        let remote: JSONValue = [
            "harmonic": ["key": "E minor", "key_confidence": "high"], "rhythmic": ["bpm": "128"],
            "vocal": ["vocal_presence": 0.7],
        ]
        let request = PlanRequest(analyses: [remote, try Self.json(Self.cases[0][1])], mashabilityScore: [:])
        let plan = try EmbeddedPlanner().plan(for: request)
        let validation = PlanValidator(songIds: ["song1", "song2"]).validate(plan)
        #expect(validation.issues.isEmpty, "\(validation.issues)")
        #expect(plan.problemsAndSolutions.contains { $0.problem.contains("128.0 BPM") })
        #expect(plan.timeline.flatMap(\.layers).contains { $0.songId == "song1" && $0.stem == "vocals" })
    }

    /// Plans for `songs` (analyses made from their known grids), renders with the engine and checks the result.
    static func renderWithoutWarnings(_ parameters: [MusicGenerator.Parameters]) async throws {
        let songs = parameters.map(MusicGenerator.generate)
        let analyses = songs.map { song in
            var a = analysis(
                bpm: song.bpm, key: song.keyName, vocals: song.parameters.withVoice ? 0.8 : 0.05,
                barCount: song.downbeatTimes.count, firstDownbeatSeconds: song.firstDownbeatSeconds)
            a.durationSeconds = song.durationSeconds
            return a
        }
        let plan = try await EmbeddedPlanner().masterplan(for: try request(analyses))
        let validation = validator(analyses).validate(plan)
        #expect(validation.issues.isEmpty, "\(validation.issues)")
        let validated = try #require(validation.plan)
        let renderSongs = try songs.enumerated().map { k, song in try song.renderSong(id: "s\(k + 1)") }
        let result = try await RenderEngine().render(script: validated, songs: renderSongs)
        // No warning at all: no unknown effect, no read past a song's end, no key shift over a limit.
        #expect(result.report.warnings.isEmpty, "\(result.report.warnings)")
        #expect(result.report.durationSeconds > 30)
        #expect(result.report.sections.count == validated.sections.count)
    }

    @Test("The plan of two short songs renders with the engine without any warning")
    func rendersEndToEnd() async throws {
        try await Self.renderWithoutWarnings([
            .init(seed: 3, bpm: 120, tonic: 9, minor: true, barCount: 16, sampleRate: 44100, withVoice: true),
            .init(seed: 4, bpm: 126, tonic: 0, minor: false, barCount: 16, sampleRate: 44100),
        ])
    }

    @Test("Half-time and three-song plans render without any warning")
    func rendersHalfTimeAndThreeSongs() async throws {
        try await Self.renderWithoutWarnings([
            .init(
                seed: 3, bpm: 70, tonic: 5, minor: false, barCount: 12, sampleRate: 44100, withVoice: true,
                leadInSeconds: 0.5),
            .init(seed: 4, bpm: 140, tonic: 7, minor: true, barCount: 24, sampleRate: 44100),
        ])
        try await Self.renderWithoutWarnings([
            .init(seed: 3, bpm: 118, tonic: 2, minor: true, barCount: 20, sampleRate: 44100, withVoice: true),
            .init(seed: 4, bpm: 124, tonic: 6, minor: true, barCount: 20, sampleRate: 44100),
            .init(seed: 5, bpm: 121, tonic: 4, minor: true, barCount: 20, sampleRate: 44100, withVoice: true),
        ])
    }
}
