/// Jobs run concurrently whose results are used in order: the engine's provided stems (`StemStore`) and the
/// `stems` command's pieces.
public enum InOrderJobs {
    /// Runs `job(0) ..< job(count)` with at most `maximumInFlight` jobs under way or finished and waiting for an
    /// earlier one (so at most that many results are held), and hands each result to `emit` in index order, one
    /// call at a time, on the calling task.
    /// - Throws: the first error a job or `emit` throws (the jobs still under way are cancelled).
    public static func run<Result: Sendable>(
        count: Int, maximumInFlight: Int, job: @escaping @Sendable (Int) async throws -> Result,
        emit: (Int, Result) throws -> Void
    ) async throws {
        let limit = max(1, maximumInFlight)
        try await withThrowingTaskGroup(of: (Int, Result).self) { group in
            var next = 0, emitted = 0
            var finished: [Int: Result] = [:]
            func launch() {
                let index = next
                group.addTask { (index, try await job(index)) }
                next += 1
            }
            while next < count && next < limit { launch() }
            while let (index, result) = try await group.next() {
                finished[index] = result
                while let ready = finished.removeValue(forKey: emitted) {
                    try emit(emitted, ready)
                    emitted += 1
                }
                while next < count && next - emitted < limit { launch() }
            }
        }
    }
}
