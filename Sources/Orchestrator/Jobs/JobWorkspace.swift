import Foundation

/// A job's private folder for temporary files (downloads, stems, intermediate renders): `<root>/<jobID>/`.
/// Removed when the job ends and, failing that, by the TTL cleanup.
public struct JobWorkspace: Sendable, Equatable {
    public let jobID: String
    public let directory: URL

    /// - Parameter root: the folder holding all job workspaces.
    public init(root: URL, jobID: String) {
        precondition(
            !jobID.isEmpty && !jobID.contains("/") && jobID != "." && jobID != "..", "job id unusable as a folder name")
        self.jobID = jobID
        self.directory = root.appendingPathComponent(jobID, isDirectory: true)
    }

    /// Creates the folder (and its parents) when missing.
    public func create() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A path inside the workspace for `name` (a plain file name, no separators).
    public func file(_ name: String) -> URL {
        precondition(!name.contains("/") && name != ".." && !name.isEmpty, "not a plain file name: \(name)")
        return directory.appendingPathComponent(name)
    }

    /// Deletes the folder and everything in it (no error when it is already gone).
    public func remove() throws {
        try FileRemoval.remove(directory.path)
    }
}

/// Deleting job files.
public enum FileRemoval {
    /// Removes a file or folder; a missing one is not an error.
    public static func remove(_ path: String) throws {
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch let error as NSError where error.domain == NSCocoaErrorDomain && error.code == NSFileNoSuchFileError {
            return
        } catch {
            if !FileManager.default.fileExists(atPath: path) { return }
            throw error
        }
    }
}
