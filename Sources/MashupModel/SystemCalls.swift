// Why this file uses unsafe constructs: the few libc calls the engine needs where Foundation has nothing with the
// same meaning (an atomic rename over an existing file, a hard link that fails when the name exists, lstat and
// realpath for storage paths, an exclusive lock file, the worker's address-space limit, whole reads and writes on
// a pipe) take C strings, raw buffers or out-parameters, and their errors are errno codes whose text comes from
// strerror. Each is wrapped here once, so every caller passes Swift values and gets Swift values back.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Thin Swift faces over libc calls (one function each; errors as errno codes or their text).
public enum SystemCalls {
    /// The text of errno code `code`, e.g. "No such file or directory".
    public static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// Whether `path` names a folder (following symbolic links); nil when nothing is there.
    public static func isDirectory(_ path: String) -> Bool? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        return isDirectory.boolValue
    }

    /// rename(2): puts `source` in place of `destination` in one step. - Returns: nil, or the errno code.
    public static func rename(_ source: String, over destination: String) -> Int32? {
        Glibc.rename(source, destination) == 0 ? nil : errno
    }

    /// link(2): a second name `newName` for `existing`; fails with EEXIST when `newName` exists.
    /// - Returns: nil, or the errno code.
    public static func link(_ existing: String, as newName: String) -> Int32? {
        Glibc.link(existing, newName) == 0 ? nil : errno
    }

    /// lstat(2) of `path` (the last component not followed): nil when it does not exist, else whether it is a
    /// symbolic link.
    public static func isSymbolicLink(_ path: String) -> Bool? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return (info.st_mode & S_IFMT) == S_IFLNK
    }

    /// realpath(3): the absolute path with every link, "." and ".." resolved; nil when it does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Opens (creating, mode `permissions`) and locks `path` exclusively without waiting (flock LOCK_EX|LOCK_NB).
    /// The descriptor stays open, the lock held, until the process ends. - Returns: whether the lock was taken.
    public static func holdExclusiveLock(_ path: String, permissions: mode_t = 0o600) -> Bool {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, permissions)
        guard fd >= 0 else { return false }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
        close(fd)
        return false
    }

    /// setrlimit(RLIMIT_AS): bounds this process's address space to `bytes`. - Returns: nil, or the errno code.
    public static func limitAddressSpace(bytes: UInt64) -> Int32? {
        var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
        return setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0 ? nil : errno
    }

    /// Whether signal `number` is ignored in this process (SIG_IGN), as a shell leaves SIGINT for a background job
    /// and `nohup` SIGHUP.
    public static func isIgnored(signal number: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(number, nil, &current) == 0 else { return false }
        return unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self)
            == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    /// Writes all of `data` to `fd`, retrying when a signal interrupts (EINTR).
    /// - Returns: false when the other end is gone or the write failed.
    public static func writeAll(_ data: Data, to fd: Int32) -> Bool {
        data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let count = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += count
            }
            return true
        }
    }

    /// Reads what is available from `fd` into the start of `buffer`, waiting for at least one byte and retrying
    /// when a signal interrupts (EINTR). - Returns: the byte count; 0 at end of file; negative on an error.
    public static func read(_ fd: Int32, into buffer: inout [UInt8]) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            return count
        }
    }
}
