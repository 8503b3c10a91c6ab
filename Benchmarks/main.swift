import Foundation

// Benchmarks: one JSON line per case. Run with `make bench` (release build).
// Each module adds a `run...Benchmarks(_:)` function in its own file and one call here.
let runner = BenchmarkRunner()
// `Benchmarks --case NAME`: one memory case alone in this process (the parent reads its peak resident memory).
if let index = CommandLine.arguments.firstIndex(of: "--case"), index + 1 < CommandLine.arguments.count {
    exit(runMemoryCase(runner, CommandLine.arguments[index + 1]) ? 0 : 1)
}
runFoundationBenchmarks(runner)
runEffectsBenchmarks(runner)
runAllocationBenchmarks(runner)
runReportBenchmarks(runner)
runServerBenchmarks(runner)
runAnalysisBenchmarks(runner)
runStretchBenchmarks(runner)
runDurableBenchmarks(runner)
runPlanBenchmarks(runner)
runRenderBenchmarks(runner)
runStreamingMemoryBenchmarks(runner)
runPlannerBenchmarks(runner)
runReRenderBenchmarks(runner)
runServeBenchmarks(runner)
runETABenchmarks(runner)
