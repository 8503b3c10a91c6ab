import Foundation
import Render

// Public constructors for runners outside this module (the durable runner of `mashup serve` claims jobs from a
// `JobQueue` and runs them itself instead of through `JobManager`). Named apart from the memberwise initialisers.
extension JobContext {
    /// A context for job `jobID` that reports to `store`, takes render slots from `limiter` and publishes to `events`.
    /// - Parameter slotBroker: where render slots come from instead of `limiter` (a worker process asks its parent).
    public static func forRunner(jobID: String, workspace: JobWorkspace, store: any JobStore, limiter: RenderLimiter,
                                 events: JobEventHub, slotBroker: (any RenderSlotBroker)? = nil) -> JobContext {
        JobContext(jobID: jobID, workspace: workspace, store: store, limiter: limiter, events: events,
                   slotBroker: slotBroker)
    }
}

extension RenderInput {
    /// The render step's input for a plan given directly (no pipeline before it).
    public static func forPlan(_ plan: JSONValue, songs: [PipelineSong], analyses: [AnalysisDocument],
                               stems: [String: StemPaths] = [:]) -> RenderInput {
        RenderInput(plan: plan, songs: songs, documents: analyses, stems: stems)
    }
}
