// Benchmarks: one JSON line per case. Run with `make bench` (release build).
// Each module adds a `run...Benchmarks(_:)` function in its own file and one call here.
let runner = BenchmarkRunner()
runFoundationBenchmarks(runner)
runEffectsBenchmarks(runner)
runReportBenchmarks(runner)
runServerBenchmarks(runner)
runAnalysisBenchmarks(runner)
runStretchBenchmarks(runner)
runDurableBenchmarks(runner)
runPlanBenchmarks(runner)
runRenderBenchmarks(runner)
runPlannerBenchmarks(runner)
runServeBenchmarks(runner)
