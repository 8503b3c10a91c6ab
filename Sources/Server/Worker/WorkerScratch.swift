// Why a worker gets a scratch folder of its own: a render writes temporary files (its mix spool and master passes,
// converted copies of sources, 60-250 MB for a 3-10 minute mashup) and removes them as it ends. A worker killed
// with SIGKILL (cancelled, over its time limit, out of memory, crashed) runs none of that, so every cancelled job
// used to leave its files in the system's temporary folder. The worker's TMPDIR and MASHUP_SPOOL_DIR point into
// `mashup-worker-<server pid>-<uuid>` instead, which the server removes when the worker has ended, however it ended;
// a server killed with its workers leaves the folders of its pid, which the next server to start on the same root
// removes (`sweep`).
import Foundation
import Orchestrator

#if canImport(Glibc)
    import Glibc
#endif

/// Per-worker scratch folders and their clean-up.
public enum WorkerScratch {
    /// Name prefix of every worker scratch folder.
    static let prefix = "mashup-worker-"

    /// Creates a new scratch folder for a worker of this process under `root` (created too when missing).
    /// - Throws: `JobFailure(.system)` naming the folder and `MASHUP_SPOOL_DIR` (a read-only or full disk).
    public static func create(in root: URL) throws -> URL {
        let folder = root.appendingPathComponent("\(prefix)\(getpid())-\(UUID().uuidString)", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw JobFailure(
                .system,
                "The worker's scratch folder \(folder.path) could not be created (MASHUP_SPOOL_DIR or the system's "
                    + "temporary folder): \(error.localizedDescription)")
        }
        return folder
    }

    /// Removes `folder` and everything in it (a missing folder is fine).
    public static func remove(_ folder: URL) {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Removes the scratch folders under `root` whose server process is gone (not this process, and no process of
    /// that id exists). - Returns: how many were removed.
    @discardableResult
    public static func sweep(in root: URL) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(prefix) {
            guard let owner = ownerPID(ofFolderNamed: name), owner != getpid(), !processExists(owner) else { continue }
            if (try? FileManager.default.removeItem(at: root.appendingPathComponent(name))) != nil { removed += 1 }
        }
        return removed
    }

    /// The server pid in a scratch folder's name (`mashup-worker-<pid>-<uuid>`), nil for any other name.
    static func ownerPID(ofFolderNamed name: String) -> pid_t? {
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        guard let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[rest.startIndex..<dash]), pid > 0 else {
            return nil
        }
        return pid
    }

    /// Whether a process with id `pid` exists (signal 0: EPERM means it exists under another user).
    static func processExists(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
