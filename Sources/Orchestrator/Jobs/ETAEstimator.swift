// ETA from processing history.
//
// Each finished job records, per phase, seconds per unit of the input size that drives that phase:
//   analysis, stems: seconds of input audio; scoring: song pairs; planning: one plan; rendering: layer-seconds of
//   output (layers × output seconds; before the plan exists, estimated from the history's layer-seconds per input
//   audio second); queued: not predicted (waiting depends on other jobs).
// The rate of a phase is the median of the last `historyLimit` rates (robust to one odd job).
// For a running job: remaining = (the current phase's predicted total, blended with the total extrapolated from
// its own progress as the phase advances, minus its elapsed time) + the predicted later phases, all scaled by how
// fast this job ran its finished phases relative to prediction (clamped to 0.5...2).
// A phase no job in the history ran is predicted as 0 s (skipped in this setup). When a remaining phase's size is
// unknown (no audio duration yet) or there is no history, the fallback is elapsed × (100 - progress) / progress.
import Foundation

/// Phase timings of one finished job with the size of its input.
public struct ProcessingSample: Codable, Sendable, Equatable {
    public var workload: JobWorkload
    public var phaseDurations: [JobPhase: Double]

    public init(workload: JobWorkload, phaseDurations: [JobPhase: Double]) {
        self.workload = workload
        self.phaseDurations = phaseDurations
    }
}

/// Estimates the remaining time of jobs from the history of finished ones.
public actor ETAEstimator {
    /// Samples kept (the newest).
    public nonisolated let historyLimit: Int
    public private(set) var history: [ProcessingSample] = []

    /// The phases predicted from history.
    public static let predictedPhases: [JobPhase] = [.analysis, .scoring, .planning, .stems, .rendering]

    public init(historyLimit: Int = 50, history: [ProcessingSample] = []) {
        precondition(historyLimit >= 1)
        self.historyLimit = historyLimit
        self.history = Array(history.suffix(historyLimit))
    }

    /// Adds a finished job's timings.
    public func record(_ sample: ProcessingSample) {
        history.append(sample)
        if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
    }

    /// Adds a completed record's timings (ignored unless it is complete).
    public func record(_ job: JobRecord) {
        guard job.state == .complete else { return }
        record(ProcessingSample(workload: job.workload, phaseDurations: job.phaseDurations))
    }

    /// The size unit of `phase` for `workload` (see the design note); nil when it cannot be known.
    nonisolated static func size(of phase: JobPhase, _ workload: JobWorkload, layerSecondsPerAudioSecond: Double?)
        -> Double?
    {
        switch phase {
        case .queued: return nil
        case .analysis, .stems: return workload.audioSeconds > 0 ? workload.audioSeconds : nil
        case .scoring: return workload.pairCount > 0 ? Double(workload.pairCount) : nil
        case .planning: return 1
        case .rendering:
            if workload.layerCount > 0 && workload.outputSeconds > 0 {
                return Double(workload.layerCount) * workload.outputSeconds
            }
            guard let ratio = layerSecondsPerAudioSecond, workload.audioSeconds > 0 else { return nil }
            return ratio * workload.audioSeconds
        }
    }

    /// Median layer-seconds of output per second of input audio in the history.
    private func layerSecondsPerAudioSecond() -> Double? {
        median(
            history.compactMap { sample in
                let w = sample.workload
                guard w.layerCount > 0, w.outputSeconds > 0, w.audioSeconds > 0 else { return nil }
                return Double(w.layerCount) * w.outputSeconds / w.audioSeconds
            })
    }

    /// The median seconds-per-unit of `phase` in the history, or nil without samples.
    public func rate(of phase: JobPhase) -> Double? {
        median(
            history.compactMap { sample -> Double? in
                guard let duration = sample.phaseDurations[phase],
                    let size = Self.size(of: phase, sample.workload, layerSecondsPerAudioSecond: nil), size > 0
                else { return nil }
                return duration / size
            })
    }

    /// The predicted duration of `phase` for `workload`, in seconds, or nil.
    public func predictedSeconds(of phase: JobPhase, for workload: JobWorkload) -> Double? {
        guard let rate = rate(of: phase),
            let size = Self.size(of: phase, workload, layerSecondsPerAudioSecond: layerSecondsPerAudioSecond())
        else { return nil }
        return rate * size
    }

    /// Seconds left for `job` at `now`: 0 when finished, nil when nothing can be said yet.
    public func remainingSeconds(for job: JobRecord, now: Date) -> Double? {
        if job.state.isTerminal { return 0 }
        if let fromHistory = historyEstimate(job, now: now) { return fromHistory }
        return Self.extrapolate(job, now: now)
    }

    /// elapsed × (100 - progress) / progress; nil before 1 %, or before any time has passed.
    public nonisolated static func extrapolate(_ job: JobRecord, now: Date) -> Double? {
        guard job.state == .processing, job.progress >= 1 else { return nil }
        let elapsed = job.elapsedSeconds(now: now)
        guard elapsed > 0 else { return nil }
        return elapsed * (100 - job.progress) / job.progress
    }

    private func historyEstimate(_ job: JobRecord, now: Date) -> Double? {
        guard !history.isEmpty else { return nil }
        let current = job.phase ?? .queued
        // The current phase and the phases after the furthest one reached (a job waiting for a render slot is in
        // `queued` after stems; a phase the pipeline skipped is not predicted once a later one has run).
        let reached = ([current] + Array(job.phaseDurations.keys)).filter { $0 != .queued }.max()
        let remainingPhases = Self.predictedPhases.filter { phase in
            phase == current || reached.map { phase > $0 } ?? true
        }
        var predictions: [JobPhase: Double] = [:]
        for phase in remainingPhases {
            if rate(of: phase) == nil {
                // Never run by any job in the history: skipped in this setup (e.g. no separation service).
                predictions[phase] = 0
                continue
            }
            guard let seconds = predictedSeconds(of: phase, for: job.workload) else { return nil }
            predictions[phase] = seconds
        }
        // Speed of this job so far relative to the prediction for its finished phases.
        var actual = 0.0, predicted = 0.0
        for (phase, seconds) in job.phaseDurations where phase != .queued {
            if let expected = predictedSeconds(of: phase, for: job.workload) {
                actual += seconds
                predicted += expected
            }
        }
        let speed = predicted > 0 ? min(max(actual / predicted, 0.5), 2) : 1
        var remaining = 0.0
        for phase in remainingPhases {
            let expected = predictions[phase]! * speed
            if phase == current, let started = job.phaseStartedAt {
                let elapsed = max(0, now.timeIntervalSince(started))
                let fraction = phase.fraction(atProgress: job.progress)
                var total = expected
                if fraction > 0.05 && elapsed > 0 {
                    // Trust the phase's own pace more as it advances.
                    total = (1 - fraction) * expected + fraction * (elapsed / fraction)
                }
                remaining += max(total - elapsed, 0)
            } else {
                remaining += expected
            }
        }
        return remaining
    }

    private func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
