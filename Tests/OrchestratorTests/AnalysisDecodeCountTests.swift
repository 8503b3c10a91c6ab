import Analysis
import Foundation
import Orchestrator
import Render
import Testing

/// An analysis service double that answers the embedded analyser's way (a typed value) or a remote service's way
/// (JSON received on the wire), with the same analysis either way.
struct TypedOrWireAnalysis: AnalysisService {
    let wire: Bool

    func analyze(_ song: SongAudioInput) async throws -> AnalysisDocument {
        let analysis = EmbeddedPlannerTests.analysis(
            bpm: song.songID == "s1" ? 124 : 120,
            key: song.songID == "s1" ? "A minor" : "C major", vocals: 0.5)
        return wire ? AnalysisDocument(json: try EmbeddedPlannerTests.json(analysis)) : try AnalysisDocument(analysis)
    }
}

@Suite("Each analysis is decoded at most once per job")
struct AnalysisDecodeCountTests {
    /// Runs analysis, scoring (embedded scorer), planning (embedded planner) and the plan review for two songs and
    /// counts the JSON decodes of analyses made in the job.
    static func decodes(wire: Bool) async throws -> (count: Int, record: JobRecord) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("orch-decodes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let embedded = EmbeddedServices(
            analysis: TypedOrWireAnalysis(wire: wire), scoring: EmbeddedScoringService(),
            planner: EmbeddedPlanner())
        let pipeline = MashupPipeline(
            remote: RemoteServices(configuration: ServiceConfiguration()), embedded: embedded,
            renderer: FileWritingRenderer(outputFolder: root))
        let songs = ["s1", "s2"].map {
            PipelineSong(
                song: JobSong(songID: $0, name: $0), audio: SongAudioInput(songID: $0, source: .bytes(Data([1]))))
        }
        let manager = JobManager(store: InMemoryJobStore(), workspaceRoot: root)
        let counter = DecodeCounter()
        let record = try await AnalysisDocument.$decodeCounter.withValue(counter) {
            let submitted = try await manager.submit(songs: songs.map(\.song)) { context in
                let (plan, _) = try await pipeline.plan(songs, context: context)
                return JobResult(masterplan: plan)
            }
            return try #require(try await manager.waitUntilFinished(submitted.id))
        }
        return (counter.value, record)
    }

    @Test("typed analyses (the embedded analyser) are never decoded: scoring and planning read the value")
    func typedNeverDecoded() async throws {
        let (count, record) = try await Self.decodes(wire: false)
        #expect(record.state == .complete, "\(String(describing: record.failure))")
        #expect(record.metadata.mashabilityScoresCount == 1 && record.metadata.hasMasterplan)
        #expect(count == 0)
    }

    @Test("analyses received as JSON are decoded once each, however many steps read them")
    func wireDecodedOnce() async throws {
        let (count, record) = try await Self.decodes(wire: true)
        #expect(record.state == .complete, "\(String(describing: record.failure))")
        #expect(record.metadata.mashabilityScoresCount == 1 && record.metadata.hasMasterplan)
        #expect(count == 2)
    }
}
