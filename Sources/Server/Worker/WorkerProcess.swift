import CMHDShim
// A child process of the server with two pipes, started with posix_spawn (no fork of a threaded Swift process).
// Why this file uses unsafe constructs: posix_spawn, its file actions and attributes, the C argument and
// environment vectors and waitid are C APIs over raw pointers; they stay in this file.
//
// C rules relied on here:
// - Every pipe end is created O_CLOEXEC, so a worker started by another thread at the same moment inherits none of
//   this worker's pipes (else its standard input would never reach end-of-file when the server dies).
//   posix_spawn_file_actions_adddup2 clears FD_CLOEXEC on the target descriptor, so the child keeps exactly
//   0 (commands in), 1 → the server's standard error, 2 (inherited) and 3 (reports out).
// - The child is reaped with waitid(WNOWAIT) first, then waitpid: until the reaping call, its pid cannot be reused,
//   and `kill` checks `reaped` under the same lock, so a SIGKILL never reaches a recycled pid.
// - posix_spawn keeps ignored signals ignored and the signal mask; both are reset (POSIX_SPAWN_SETSIGDEF with every
//   signal, POSIX_SPAWN_SETSIGMASK with none), so a worker's trap or abort ends it as it should.
// - Wait status decoding (the W* macros are not imported): low 7 bits = terminating signal (0: exited),
//   bits 8-15 = exit code.
import Foundation
import MashupModel
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How a worker process ended.
public enum WorkerExit: Sendable, Equatable, CustomStringConvertible {
    case exited(code: Int32)
    case signaled(signal: Int32)

    public var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let signal): "was killed by signal \(signal) (\(WorkerExit.signalName(signal)))"
        }
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGKILL: "SIGKILL"
        case SIGSEGV: "SIGSEGV"
        case SIGABRT: "SIGABRT"
        case SIGILL: "SIGILL"
        case SIGTRAP: "SIGTRAP"
        case SIGBUS: "SIGBUS"
        case SIGTERM: "SIGTERM"
        case SIGFPE: "SIGFPE"
        default: "signal \(signal)"
        }
    }
}

/// Errors of starting a worker.
public enum WorkerProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    case spawnFailed(executable: String, errno: Int32)
    case pipeFailed(errno: Int32)

    public var description: String {
        switch self {
        case .spawnFailed(let path, let code): "could not start the worker \(path): \(String(cString: strerror(code)))"
        case .pipeFailed(let code): "could not create the worker's pipes: \(String(cString: strerror(code)))"
        }
    }
}

/// A running worker: write lines to it, read its report lines, kill it, wait for its exit.
public final class WorkerProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    /// The lines the child writes on descriptor 3 (without the newline); ends at end-of-file.
    public let lines: AsyncStream<Data>
    /// The longest report line accepted (a longer one ends the stream, as if the child had closed it).
    public static let maximumLineBytes = 64 << 20
    /// The write end of the child's standard input (nil once closed); its own lock, so a blocked write never
    /// holds up `kill`.
    private let commands: Mutex<Int32?>
    /// Whether the child was reaped (its pid may then belong to another process).
    private let reaped = Mutex(false)
    private let exitBox = ExitBox()

    /// Starts `executable` with `arguments` (argv[1...]) and the server's environment plus `extraEnvironment`.
    /// - Throws: `WorkerProcessError`.
    public init(executable: String, arguments: [String], extraEnvironment: [String: String] = [:]) throws {
        var toChild: [Int32] = [-1, -1]
        var fromChild: [Int32] = [-1, -1]
        guard mhdshim_pipe_cloexec(&toChild) == 0 else { throw WorkerProcessError.pipeFailed(errno: errno) }
        guard mhdshim_pipe_cloexec(&fromChild) == 0 else {
            let code = errno
            close(toChild[0]); close(toChild[1])
            throw WorkerProcessError.pipeFailed(errno: code)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 3)

        // A write to a worker that just died must fail with EPIPE, not end the server.
        signal(SIGPIPE, SIG_IGN)
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in extraEnvironment { environment[key] = value }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        // Every signal back to its default action and none blocked: the server ignores SIGPIPE and blocks the
        // shutdown signals for its signal sources, and both would otherwise pass to the worker.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        close(toChild[0])
        close(fromChild[1])
        guard status == 0 else {
            close(toChild[1]); close(fromChild[0])
            throw WorkerProcessError.spawnFailed(executable: executable, errno: status)
        }
        pid = child
        commands = Mutex(toChild[1])
        let readFD = fromChild[0]
        let (stream, continuation) = AsyncStream.makeStream(of: Data.self, bufferingPolicy: .unbounded)
        lines = stream
        Thread.detachNewThread {
            WorkerProcess.readLines(from: readFD, into: continuation)
            close(readFD)
        }
        let exitBox = self.exitBox
        let pid = child
        Thread.detachNewThread { [self] in
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
            var raw: Int32 = 0
            reaped.withLock { reaped in
                while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
                reaped = true
            }
            let signal = raw & 0x7f
            exitBox.resolve(signal == 0 ? .exited(code: (raw >> 8) & 0xff) : .signaled(signal: signal))
            closeCommands()
        }
    }

    deinit {
        closeCommands()
    }

    /// Writes `data` (whole lines) to the child's standard input. - Returns: false when the child is gone.
    @discardableResult
    public func send(_ data: Data) -> Bool {
        commands.withLock { fd -> Bool in
            guard let fd else { return false }
            return SystemCalls.writeAll(data, to: fd)
        }
    }

    /// Sends SIGKILL unless the child was already reaped.
    public func kill() {
        reaped.withLock { reaped in
            if !reaped { _ = Glibc.kill(pid, SIGKILL) }
        }
    }

    /// Waits for the child to end.
    public func exit() async -> WorkerExit {
        await exitBox.value()
    }

    private func closeCommands() {
        commands.withLock { fd in
            if let open = fd {
                close(open)
                fd = nil
            }
        }
    }

    private static func readLines(from fd: Int32, into continuation: AsyncStream<Data>.Continuation) {
        var pending = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = SystemCalls.read(fd, into: &buffer)
            if count <= 0 { break }
            pending.append(contentsOf: buffer[0..<count])
            while let newline = pending.firstIndex(of: 0x0A) {
                continuation.yield(Data(pending[pending.startIndex..<newline]))
                pending.removeSubrange(pending.startIndex...newline)
            }
            if pending.count > maximumLineBytes { break }
        }
        continuation.finish()
    }
}

/// The exit status, set once by the reaping thread, awaited by any number of tasks.
private final class ExitBox: Sendable {
    private let state = Mutex<(exit: WorkerExit?, waiters: [CheckedContinuation<WorkerExit, Never>])>((nil, []))

    func resolve(_ exit: WorkerExit) {
        let waiters = state.withLock { state -> [CheckedContinuation<WorkerExit, Never>] in
            state.exit = exit
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: exit) }
    }

    func value() async -> WorkerExit {
        await withCheckedContinuation { continuation in
            let known = state.withLock { state -> WorkerExit? in
                if let exit = state.exit { return exit }
                state.waiters.append(continuation)
                return nil
            }
            if let known { continuation.resume(returning: known) }
        }
    }
}
