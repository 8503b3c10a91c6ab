import Foundation
import MashupModel
import Orchestrator
import Render
import Server

#if canImport(Glibc)
    import Glibc
#endif

/// `mashup worker`: runs one job of `mashup serve` in its own process (the server starts it; see
/// docs/README-server.md, "Worker processes"). The job comes as a JSON line on standard input, reports go out as
/// JSON lines on descriptor 3. Before anything else the worker bounds its own address space (setrlimit RLIMIT_AS)
/// to `--memory-mb`, so a runaway allocation ends this process, never the server.
enum WorkerCommand: CLICommand {
    static let name = "worker"
    static let summary = "(internal) run one job of `mashup serve` in a worker process"
    static let usage = """
        mashup worker --storage DIR --job-id ID [--memory-mb N]
          Started by `mashup serve` for each job; reads the job on standard input, reports on descriptor 3.
          --memory-mb   address-space limit in MiB (default 2048)
        """

    /// This process's executable (what the server starts as its workers). On Linux `/proc/self/exe`, which names
    /// the server's own binary even after the file was replaced or deleted (an upgrade in place), so a worker is
    /// always the same build as its server and speaks the same protocol.
    static var executablePath: String {
        if FileManager.default.fileExists(atPath: "/proc/self/exe") { return "/proc/self/exe" }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    static func run(_ arguments: inout Arguments) async throws {
        let storageRoot = try arguments.option("--storage")
        let jobID = try arguments.option("--job-id")
        let memoryText = try arguments.option("--memory-mb") ?? String(WorkerIsolation.defaultMemoryLimitMB)
        try arguments.finish()
        guard let memoryMB = Int(memoryText), WorkerIsolation.memoryLimitRange.contains(memoryMB) else {
            throw CLIError.usage(
                "--memory-mb: expected a whole number of MiB in \(WorkerIsolation.memoryLimitRange), got '\(memoryText)'"
            )
        }
        guard jobID != nil else { throw CLIError.usage("--job-id is required") }
        if let code = SystemCalls.limitAddressSpace(bytes: UInt64(memoryMB) << 20) {
            throw CLIError.failed(
                "could not limit the worker's memory to \(memoryMB) MiB: \(SystemCalls.errorText(code))")
        }
        let engine = try ServeEngine(storageRoot: storageRoot, cacheUse: .exclusive)
        let code = await WorkerJobHost.run { spec, reportAttempt in
            let storageRenderer = StorageResultRenderer(engine.renderer, storage: engine.storage)
            return ServeJobExecutor(
                storage: engine.storage,
                pipeline: engine.pipeline(
                    storageRenderer: storageRenderer,
                    observer: { reportAttempt($0.service, $0.succeeded) }),
                renderer: storageRenderer, analyzer: engine.analyzer,
                separation: engine.separation(observer: { reportAttempt($0.service, $0.succeeded) }),
                urlPolicy: spec.urlPolicy,
                downloadLimitBytes: spec.downloadLimitBytes)
        }
        if code != 0 { throw CLIError.failed("the job could not be answered (code \(code))") }
    }
}
