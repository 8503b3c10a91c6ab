import Analysis
import Foundation
import Orchestrator
import Render
import Testing

/// `--use-section` / `--avoid-section` (`use_sections` / `avoid_sections`): the embedded planner reads only from the
/// allowed sections, and every planner's plan is reviewed for reads that start in an avoided one.
@Suite("Steering the plan: sections to use or avoid")
struct SectionPreferenceTests {
    /// The planner fixture's eight sections, given the roles a pop form would have.
    static let roles: [SongSection.Role] = [.intro, .verse, .chorus, .verse, .chorus, .breakdown, .chorus, .outro]

    static func analysis(bpm: Double, key: String, vocals: Double) -> SongAnalysis {
        var analysis = EmbeddedPlannerTests.analysis(bpm: bpm, key: key, vocals: vocals)
        analysis.sections = analysis.sections?.enumerated().map { k, section in
            var labelled = section
            labelled.role = roles[k % roles.count]
            return labelled
        }
        return analysis
    }

    static let songs = [
        analysis(bpm: 124, key: "A minor", vocals: 0.8), analysis(bpm: 120, key: "C major", vocals: 0.3),
    ]

    /// Every layer's (song id, source start) in `plan`.
    static func reads(_ plan: Masterplan) -> [(songID: String, start: Double)] {
        plan.timeline.flatMap(\.layers).compactMap { layer in
            guard let id = layer.songId, let start = layer.sourceStartSeconds else { return nil }
            return (id, start)
        }
    }

    /// The role of the section of song `index` (0-based) that contains `seconds`.
    static func role(song index: Int, at seconds: Double) -> SongSection.Role? {
        songs[index].sections?.first { $0.startSeconds <= seconds && seconds < $0.endSeconds }?.role
    }

    @Test("avoiding the chorus and the intro: no layer of either song starts in one")
    func avoid() throws {
        let request = try EmbeddedPlannerTests.request(
            Self.songs, preferences: ["avoid_sections": ["chorus", "intro"]])
        let plan = try EmbeddedPlanner().plan(for: request)
        let reads = Self.reads(plan)
        #expect(reads.count >= 4)
        for read in reads {
            let index = read.songID == "s1" ? 0 : 1
            let role = Self.role(song: index, at: read.start)
            #expect(
                role != .chorus && role != .intro,
                "\(read.songID) reads from \(read.start) s, its \(String(describing: role))")
        }
        #expect(plan.problemsAndSolutions.contains { $0.problem.contains("avoid chorus") })
    }

    @Test("using only the chorus: every read starts in a chorus")
    func use() throws {
        let request = try EmbeddedPlannerTests.request(Self.songs, preferences: ["use_sections": ["Hook"]])
        let plan = try EmbeddedPlanner().plan(for: request)
        for read in Self.reads(plan) {
            let index = read.songID == "s1" ? 0 : 1
            #expect(Self.role(song: index, at: read.start) == .chorus, "\(read.songID) reads from \(read.start) s")
        }
    }

    @Test("unknown names and songs without labelled sections are said, not silently ignored")
    func notes() throws {
        let plain = EmbeddedPlannerTests.analysis(bpm: 120, key: "C major", vocals: 0.3)
        let request = try EmbeddedPlannerTests.request(
            [Self.songs[0], plain],
            preferences: ["avoid_sections": ["chorus", "solo"]])
        let plan = try EmbeddedPlanner().plan(for: request)
        let note = try #require(plan.problemsAndSolutions.first { $0.problem.hasPrefix("Sections asked for") })
        #expect(note.solution.contains("unknown section names 'solo'"))
        #expect(note.solution.contains("Glass Harbor has no labelled sections"))
    }

    @Test("the review flags a plan from any planner that starts a read inside an avoided section (advisory)")
    func review() throws {
        let chorus = try #require(Self.songs[0].sections?.first { $0.role == .chorus })
        let verse = try #require(Self.songs[0].sections?.first { $0.role == .verse })
        let request = try EmbeddedPlannerTests.request(Self.songs, preferences: ["avoid_sections": ["chorus"]])
        func plan(readingFrom start: Double) -> JSONValue {
            [
                "creative_vision": "test",
                "masterplan": [
                    "global_settings": ["target_bpm": 124, "target_key": "A minor"],
                    "timeline": [
                        [
                            "time_start_sec": 0, "duration_sec": 15.48, "description": "A", "energy_level": 0.5,
                            "layers": [
                                [
                                    "songId": "s1", "stem": "vocals", "volume_db": -3,
                                    "source_start_sec": .number(start),
                                ],
                                ["songId": "s2", "stem": "drums", "volume_db": -6, "source_start_sec": 0],
                            ],
                        ]
                    ],
                ],
            ]
        }
        let review = PlanReview(request: request, acceptedSeconds: 1...600)
        let flagged = review.problems(in: plan(readingFrom: chorus.startSeconds + 1))
        let problem = try #require(flagged.first { $0.field.hasSuffix("layers[0].source_start_sec") })
        #expect(!problem.isBlocking)
        #expect(problem.message.contains("reads the chorus of \"s1\""))
        #expect(
            !review.problems(in: plan(readingFrom: verse.startSeconds + 1)).contains {
                $0.message.contains("asked to avoid")
            })
    }
}
