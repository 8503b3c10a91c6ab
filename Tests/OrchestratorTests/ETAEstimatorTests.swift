import DSP
import Foundation
import Orchestrator
import TestSupport
import Testing

@Suite("ETA from processing history")
struct ETAEstimatorTests {
    /// Relative error allowed at 10 % progress once a few jobs are in the history (issue 7).
    static let convergedRelativeError = 0.25
    /// Jobs in the history before the bound must hold.
    static let warmUpJobs = 4
    /// Per-phase run-to-run variation of the simulated machine (±), relative.
    static let phaseNoise = 0.10

    /// A simulated machine: seconds per unit of each phase's size.
    struct Machine {
        var analysisPerAudioSecond = 0.08
        var scoringPerPair = 2.0
        var planningSeconds = 20.0
        var stemsPerAudioSecond = 0.15
        var renderingPerLayerSecond = 0.02
    }

    /// Runs one simulated job through a real `JobRecord`, asking the estimator at 10 % (analysis starts).
    /// - Returns: (estimate at 10 %, true remaining at 10 %, the finished record).
    static func simulate(_ estimator: ETAEstimator, machine: Machine, rng: inout SeededGenerator, start: Date)
        async throws
        -> (estimate: Double?, truth: Double, record: JobRecord)
    {
        func uniform(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + (range.upperBound - range.lowerBound) * Double(rng.next() >> 11) / Double(1 << 53)
        }
        let songCount = uniform(0...1) < 0.7 ? 2 : 3
        let audioSeconds = (0..<songCount).reduce(0.0) { sum, _ in sum + uniform(150...260) }
        let layers = Int(uniform(3...5) * Double(songCount))
        let outputSeconds = uniform(120...200)
        func noisy(_ seconds: Double) -> Double { seconds * uniform((1 - phaseNoise)...(1 + phaseNoise)) }
        let durations: [(ProgressUpdate, Double)] = [
            (
                PipelineProgress.analysis(songIndex: 0, of: songCount, songName: "A"),
                noisy(machine.analysisPerAudioSecond * audioSeconds)
            ),
            (
                PipelineProgress.scoring(pairIndex: 0, of: 1, firstName: "A", secondName: "B"),
                noisy(machine.scoringPerPair * Double(songCount * (songCount - 1) / 2))
            ),
            (PipelineProgress.planning(plannerName: "Claude"), noisy(machine.planningSeconds)),
            (
                PipelineProgress.stems(songIndex: 0, of: songCount, songName: "A"),
                noisy(machine.stemsPerAudioSecond * audioSeconds)
            ),
            (
                PipelineProgress.rendering(renderPercent: 0, message: "render"),
                noisy(machine.renderingPerLayerSecond * Double(layers) * outputSeconds)
            ),
        ]
        var record = JobRecord(
            id: UUID().uuidString, songs: [],
            workload: JobWorkload(songCount: songCount, audioSeconds: audioSeconds), createdAt: start)
        try record.applyTransition(to: .processing, at: start)
        var now = start
        var estimate: Double?
        for (index, (update, seconds)) in durations.enumerated() {
            try record.applyProgress(update, at: now)
            if index == 0 { estimate = await estimator.remainingSeconds(for: record, now: now) }
            if update.phase == .planning {
                // The plan is known at the end of planning.
                record.workload.layerCount = layers
                record.workload.outputSeconds = outputSeconds
            }
            now += seconds
        }
        try record.applyTransition(to: .complete, at: now)
        await estimator.record(record)
        return (estimate, durations.reduce(0) { $0 + $1.1 }, record)
    }

    @Test("after a few jobs the estimate at 10 % is within 25 % of the truth")
    func convergence() async throws {
        let estimator = ETAEstimator()
        var rng = SeededGenerator(seed: 42)
        var start = Date(timeIntervalSince1970: 1_000_000)
        var errors: [Double] = []
        for index in 0..<14 {
            let run = try await Self.simulate(estimator, machine: Machine(), rng: &rng, start: start)
            start += 1000
            if index == 0 { #expect(run.estimate == nil, "no history and no elapsed time: nothing to say") }
            if index >= Self.warmUpJobs {
                let estimate = try #require(run.estimate)
                errors.append(abs(estimate - run.truth) / run.truth)
            }
        }
        #expect(errors.max()! < Self.convergedRelativeError, "relative errors \(errors)")
    }

    @Test("without history the estimate extrapolates elapsed time over progress")
    func extrapolation() async throws {
        let start = Date(timeIntervalSince1970: 0)
        var record = JobRecord(id: "x", songs: [], createdAt: start)
        try record.applyTransition(to: .processing, at: start)
        try record.applyProgress(ProgressUpdate(phase: .scoring, progress: 50, message: "m"), at: start + 60)
        let estimator = ETAEstimator()
        #expect(await estimator.remainingSeconds(for: record, now: start + 60) == 60)
        try record.applyTransition(to: .complete, at: start + 90)
        #expect(await estimator.remainingSeconds(for: record, now: start + 90) == 0)
    }

    @Test("durations in the contract's words")
    func durationText() {
        #expect(DurationText.elapsed(72.9) == "1m 12s")
        #expect(DurationText.elapsed(5) == "5s")
        #expect(DurationText.elapsed(3725) == "1h 2m")
        #expect(DurationText.remaining(nil) == "calculating")
        #expect(DurationText.remaining(3) == "a few seconds")
        #expect(DurationText.remaining(31) == "30 seconds")
        #expect(DurationText.remaining(61) == "2 minutes")
        #expect(DurationText.remaining(120) == "2 minutes")
        #expect(DurationText.remaining(60) == "1 minute")
        #expect(DurationText.remaining(7200) == "about 2 hours")
    }
}

@Suite("ETA in unusual states")
struct ETAEdgeTests {
    @Test("waiting for a render slot predicts only the render; a skipped phase is not predicted")
    func waitingAndSkipped() async throws {
        let estimator = ETAEstimator()
        let workload = JobWorkload(songCount: 2, audioSeconds: 400, layerCount: 10, outputSeconds: 100)
        // History: no stems phase at all (no separation service); render takes 0.05 s per layer-second.
        await estimator.record(
            ProcessingSample(
                workload: workload, phaseDurations: [.analysis: 40, .scoring: 2, .planning: 20, .rendering: 50]))
        let start = Date(timeIntervalSince1970: 0)
        var record = JobRecord(id: "x", songs: [], workload: workload, createdAt: start)
        try record.applyTransition(to: .processing, at: start)
        try record.applyProgress(PipelineProgress.analysis(songIndex: 0, of: 2, songName: "A"), at: start)
        try record.applyProgress(PipelineProgress.planning(plannerName: "p"), at: start + 40)
        try record.applyProgress(
            ProgressUpdate(phase: .queued, progress: 80, message: "Waiting for a render slot (1 in line)"),
            at: start + 60)
        // Analysis and planning ran exactly as predicted (scoring was skipped by this job: its prediction stays out).
        #expect(await estimator.remainingSeconds(for: record, now: start + 75) == 50)
    }
}
