import Foundation

/// The phases of the mashup pipeline, in order, with the share of the 0-100 progress each one covers.
///
/// The contract's milestones are the starts: analysis 10 (spread over the songs up to 50), scoring 50, planning 65,
/// rendering 80 (the render's own 0-100 mapped onto 80-100), 100 done. Stems take 75-80, between planning and render.
public enum JobPhase: String, Codable, Sendable, CaseIterable, CodingKeyRepresentable, Comparable {
    case queued, analysis, scoring, planning, stems, rendering

    /// The progress range of the phase, in percent.
    public var progressRange: Range<Double> {
        switch self {
        case .queued: 0..<10
        case .analysis: 10..<50
        case .scoring: 50..<65
        case .planning: 65..<75
        case .stems: 75..<80
        case .rendering: 80..<100
        }
    }

    /// The overall progress at `fraction` (0...1) of this phase.
    public func progress(at fraction: Double) -> Double {
        let range = progressRange
        return range.lowerBound + (range.upperBound - range.lowerBound) * min(max(fraction, 0), 1)
    }

    /// The fraction (0...1) of this phase done at overall `progress`.
    public func fraction(atProgress progress: Double) -> Double {
        let range = progressRange
        return min(max((progress - range.lowerBound) / (range.upperBound - range.lowerBound), 0), 1)
    }

    /// The phases after this one.
    public var following: [JobPhase] { JobPhase.allCases.filter { $0 > self } }

    public static func < (lhs: JobPhase, rhs: JobPhase) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One progress report: phase, overall percent 0-100, and a human message.
public struct ProgressUpdate: Sendable, Equatable, Codable {
    public var phase: JobPhase
    /// Overall progress, 0-100.
    public var progress: Double
    /// e.g. `Analyzing "Song A" (1/2)`.
    public var message: String

    public init(phase: JobPhase, progress: Double, message: String) {
        self.phase = phase
        self.progress = progress
        self.message = message
    }
}

/// The progress reports of the pipeline, with the contract's numbers and human messages naming songs and sections.
public enum PipelineProgress {
    /// Waiting for a worker or a render slot.
    public static func queued(position: Int? = nil) -> ProgressUpdate {
        let message = position.map { "Waiting in the queue (position \($0))" } ?? "Waiting in the queue"
        return ProgressUpdate(phase: .queued, progress: 0, message: message)
    }

    /// Analysis of song `index` (0-based) of `count`, `fraction` (0...1) through it: 10 + 40·(index + fraction)/count.
    public static func analysis(songIndex index: Int, of count: Int, songName: String, fraction: Double = 0)
        -> ProgressUpdate
    {
        precondition(count > 0 && index >= 0 && index < count)
        let phaseFraction = (Double(index) + min(max(fraction, 0), 1)) / Double(count)
        return ProgressUpdate(
            phase: .analysis, progress: JobPhase.analysis.progress(at: phaseFraction),
            message: "Analyzing \"\(songName)\" (\(index + 1)/\(count))")
    }

    /// Scoring of pair `index` (0-based) of `count`: 50 + 15·index/count.
    public static func scoring(pairIndex index: Int, of count: Int, firstName: String, secondName: String)
        -> ProgressUpdate
    {
        precondition(count > 0 && index >= 0 && index < count)
        return ProgressUpdate(
            phase: .scoring, progress: JobPhase.scoring.progress(at: Double(index) / Double(count)),
            message: "Scoring \"\(firstName)\" with \"\(secondName)\" (\(index + 1)/\(count))")
    }

    /// Planning (65), naming the planner ("Claude", "the embedded planner").
    public static func planning(plannerName: String) -> ProgressUpdate {
        ProgressUpdate(
            phase: .planning, progress: JobPhase.planning.progressRange.lowerBound,
            message: "Planning the mashup with \(plannerName)")
    }

    /// A plan correction round (still planning).
    public static func planCorrection(plannerName: String) -> ProgressUpdate {
        ProgressUpdate(
            phase: .planning, progress: JobPhase.planning.progress(at: 0.5),
            message: "Asking \(plannerName) to correct the plan")
    }

    /// Stems of song `index` (0-based) of `count`: 75 + 5·index/count.
    public static func stems(songIndex index: Int, of count: Int, songName: String) -> ProgressUpdate {
        precondition(count > 0 && index >= 0 && index < count)
        return ProgressUpdate(
            phase: .stems, progress: JobPhase.stems.progress(at: Double(index) / Double(count)),
            message: "Separating the stems of \"\(songName)\" (\(index + 1)/\(count))")
    }

    /// The render's own progress (0-100) mapped onto 80-100, with its message
    /// (e.g. "Rendering section 3/8: Drop").
    public static func rendering(renderPercent: Double, message: String) -> ProgressUpdate {
        ProgressUpdate(
            phase: .rendering, progress: JobPhase.rendering.progress(at: renderPercent / 100), message: message)
    }

    /// "Rendering section 3/8: Drop".
    public static func renderingSection(index: Int, of count: Int, name: String, sectionFraction: Double = 0)
        -> ProgressUpdate
    {
        precondition(count > 0 && index >= 0 && index < count)
        let percent = 100 * (Double(index) + min(max(sectionFraction, 0), 1)) / Double(count)
        return rendering(renderPercent: percent, message: "Rendering section \(index + 1)/\(count): \(name)")
    }

    /// The final message of a completed job.
    public static let completeMessage = "Complete!"
}
