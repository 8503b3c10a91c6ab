// Why a registry of temporary files: a render's temporary files are large (its spools, the partial output beside
// the destination, converted copies of sources: 60-700 MB for 3-10 minute songs) and each owner removes its own
// when it is released. An interrupted command (Ctrl-C, SIGTERM, a worker whose server is gone) ends the process
// without releasing anything, so the owners also list their files here, and the interrupt handler removes whatever
// is listed before the process exits. Once `removeAll()` has run, a file registered afterwards (a writer on another
// thread that was opening one) is removed at once. A file is best created through `create(_:by:)`, which lists it in
// the same step: registered first and created after, it was left behind when the interruption fell between the two
// (an interrupted render's partial output, `scripts/hostile-cli-test.sh`), since `removeAll()` found nothing there
// yet and the writer's thread created it before the process exited.
import Foundation
import Synchronization

/// The temporary files this process holds, for removal on interruption.
public enum TemporaryFiles {
    private static let state = Mutex<(paths: Set<String>, closed: Bool)>(([], false))

    /// Lists `path` (a file that exists or is about to be created) as temporary.
    public static func register(_ path: String) {
        let closed = state.withLock { state -> Bool in
            if !state.closed { state.paths.insert(path) }
            return state.closed
        }
        if closed { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Creates a temporary file (or folder) at `path` with `create` and lists it, as one step against `removeAll()`:
    /// an interruption removes the file if it came after the creation, and if it came before, `create` is not run
    /// and this throws `CancellationError` (the process is exiting). When `create` throws, nothing is listed.
    /// `create` runs under the list's lock: it only creates the file, and must not call `TemporaryFiles` itself.
    public static func create<Created>(_ path: String, by create: () throws -> Created) throws -> Created {
        try state.withLock { state throws -> Created in
            guard !state.closed else { throw CancellationError() }
            let created = try create()
            state.paths.insert(path)
            return created
        }
    }

    /// Removes `path` from the list without touching the file (it was renamed into place or handed over).
    public static func forget(_ path: String) {
        _ = state.withLock { $0.paths.remove(path) }
    }

    /// Removes the file at `path` (if any) and its entry.
    public static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
        forget(path)
    }

    /// Removes every listed file and closes the list (later registrations are removed at once).
    /// - Returns: how many listed files existed and were removed.
    @discardableResult
    public static func removeAll() -> Int {
        let paths = state.withLock { state -> Set<String> in
            state.closed = true
            defer { state.paths = [] }
            return state.paths
        }
        var removed = 0
        for path in paths where (try? FileManager.default.removeItem(atPath: path)) != nil { removed += 1 }
        return removed
    }

    /// The paths listed now (for tests and diagnostics).
    public static var listed: Set<String> { state.withLock { $0.paths } }
}
