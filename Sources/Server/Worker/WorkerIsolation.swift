import Foundation

/// How worker processes are started and bounded.
public struct WorkerIsolation: Sendable, Equatable {
    /// The `mashup` binary (normally this process's own executable).
    public var executable: String
    /// Arguments before the limits: `["worker", "--storage", ROOT]`.
    public var arguments: [String]
    /// Address-space limit of a worker, in MiB (RLIMIT_AS; 256...1,048,576). Default 2048.
    public var memoryLimitMB: Int
    /// Wall-clock limit of one job in its worker, in seconds (> 0). Default 1800.
    public var timeoutSeconds: Double
    /// Variables added to the server's environment for the worker. By default `MALLOC_ARENA_MAX=2`: every glibc
    /// malloc arena reserves 64 MiB of address space, which would count against the limit without being used.
    public var extraEnvironment: [String: String] = ["MALLOC_ARENA_MAX": "2"]
    /// Where each worker gets its scratch folder (`WorkerScratch`): `MASHUP_SPOOL_DIR` when set, else the system's
    /// temporary folder.
    public var scratchRoot: URL = FileManager.default.temporaryDirectory

    public static let defaultMemoryLimitMB = 2048
    public static let defaultTimeoutSeconds = 1800.0
    public static let memoryLimitRange = 256...1_048_576

    public init(
        executable: String, arguments: [String], memoryLimitMB: Int = WorkerIsolation.defaultMemoryLimitMB,
        timeoutSeconds: Double = WorkerIsolation.defaultTimeoutSeconds
    ) {
        self.executable = executable
        self.arguments = arguments
        self.memoryLimitMB = memoryLimitMB
        self.timeoutSeconds = timeoutSeconds
    }

    /// Reads `MASHUP_WORKER_MEMORY_MB`, `MASHUP_WORKER_TIMEOUT_SECONDS` and `MASHUP_SPOOL_DIR`.
    /// - Throws: `ServerConfigurationError`-style `HTTPError`-free errors as `WorkerIsolationError` naming the variable.
    public static func fromEnvironment(
        _ environment: [String: String], executable: String,
        arguments: [String]
    ) throws -> WorkerIsolation {
        var isolation = WorkerIsolation(executable: executable, arguments: arguments)
        if let text = environment["MASHUP_WORKER_MEMORY_MB"] {
            guard let value = Int(text), memoryLimitRange.contains(value) else {
                throw WorkerIsolationError.invalidSetting(
                    name: "MASHUP_WORKER_MEMORY_MB", value: text,
                    expected: "a whole number of MiB in \(memoryLimitRange)")
            }
            isolation.memoryLimitMB = value
        }
        if let text = environment["MASHUP_WORKER_TIMEOUT_SECONDS"] {
            guard let value = Double(text), value.isFinite, value > 0, value <= 86_400 else {
                throw WorkerIsolationError.invalidSetting(
                    name: "MASHUP_WORKER_TIMEOUT_SECONDS", value: text,
                    expected: "seconds in (0, 86400]")
            }
            isolation.timeoutSeconds = value
        }
        if let folder = environment["MASHUP_SPOOL_DIR"], !folder.isEmpty {
            isolation.scratchRoot = URL(fileURLWithPath: folder, isDirectory: true)
        }
        return isolation
    }
}

/// Errors of the worker settings.
public enum WorkerIsolationError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidSetting(name: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .invalidSetting(let name, let value, let expected): "\(name) is '\(value)': expected \(expected)"
        }
    }
}
