// Where songs come from and results go: the shared storage of the contract, named by `storage_path`
// (`uploads/...`, `generated/<job>.wav`). Two backends: a local directory (the embedded default) and Supabase-style
// HTTP object storage. Writes are all-or-nothing: a reader never sees a partial object.
import Foundation
import MashupModel
import Orchestrator

/// Errors of a storage backend.
public enum SongStorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No object at the path.
    case notFound(path: String)
    /// The backend refused or failed (HTTP status, I/O error text).
    case failed(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let path): "storage: no object at '\(path)'"
        case .failed(let path, let reason): "storage: '\(path)': \(reason)"
        }
    }
}

/// The shared storage: objects named by relative paths inside one bucket or root.
public protocol SongStorage: Sendable {
    /// A short name for logs and `/readyz` ("local /data", "supabase https://x/mashups").
    var label: String { get }
    /// Copies the object at `path` to the local file `destination` (created or replaced).
    /// - Throws: `StoragePath.Refusal` for a path that leaves the root, `SongStorageError`.
    func download(_ path: String, to destination: URL) async throws
    /// Stores the local file `source` as the object `path` (replacing it), atomically.
    func upload(_ source: URL, to path: String, contentType: String) async throws
    /// Whether an object exists at `path`.
    func exists(_ path: String) async throws -> Bool
    /// Removes the object at `path` (missing is not an error).
    func remove(_ path: String) async throws
    /// A local file holding the object when the backend is a local directory (served directly), else nil.
    func localFile(_ path: String) throws -> URL?
    /// Whether the storage accepts writes now (`/readyz`).
    func isWritable() async -> Bool
    /// A URL another service (the separation service) can fetch the object from for `expiresInSeconds`, or nil
    /// when this backend has none (a local directory).
    func fetchableURL(_ path: String, expiresInSeconds: Int) async throws -> URL?
}

extension SongStorage {
    public func fetchableURL(_ path: String, expiresInSeconds: Int) async throws -> URL? { nil }

    /// A local file with the object at `path`: the backend's own file, or a copy downloaded into `folder`.
    public func localCopy(_ path: String, in folder: URL) async throws -> URL {
        if let file = try localFile(path) {
            guard FileManager.default.fileExists(atPath: file.path) else { throw SongStorageError.notFound(path: path) }
            return file
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let name = path.split(separator: "/").joined(separator: "_").filter {
            $0.isLetter || $0.isNumber || "._-".contains($0)
        }
        let destination = folder.appendingPathComponent(String(name.suffix(120)))
        try await download(path, to: destination)
        return destination
    }
}

/// A local directory as the storage root (`./data` by default). Every path goes through `StoragePath.resolve`, so
/// nothing outside the root is read or written (no `..`, no absolute path, no symbolic link out).
public struct LocalDirectoryStorage: SongStorage {
    public let root: URL
    /// Signs links another service can fetch objects by (`MASHUP_PUBLIC_URL`); nil: objects have no fetchable URL.
    public var linkSigner: StorageLinkSigner?

    /// - Parameter root: the storage folder; created when missing.
    public init(root: URL) throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        self.root = root.standardizedFileURL.resolvingSymlinksInPath()
    }

    public var label: String { "local \(root.path)" }

    /// The file for `path` under the root. - Throws: `StoragePath.Refusal`.
    public func resolve(_ path: String) throws -> URL { try StoragePath.resolve(path, under: root) }

    public func download(_ path: String, to destination: URL) async throws {
        let source = try resolve(path)
        guard FileManager.default.fileExists(atPath: source.path) else { throw SongStorageError.notFound(path: path) }
        try? FileManager.default.removeItem(at: destination)
        do { try FileManager.default.copyItem(at: source, to: destination) } catch {
            throw SongStorageError.failed(path: path, reason: error.localizedDescription)
        }
    }

    public func upload(_ source: URL, to path: String, contentType: String) async throws {
        let target = try resolve(path)
        let folder = target.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            // Copy beside the target under a temporary name, then rename: readers see all of it or nothing.
            let incoming = folder.appendingPathComponent(".incoming-\(UUID().uuidString)")
            try FileManager.default.copyItem(at: source, to: incoming)
            if let code = SystemCalls.rename(incoming.path, over: target.path) {
                try? FileManager.default.removeItem(at: incoming)
                throw SongStorageError.failed(path: path, reason: SystemCalls.errorText(code))
            }
        } catch let error as SongStorageError {
            throw error
        } catch {
            throw SongStorageError.failed(path: path, reason: error.localizedDescription)
        }
    }

    public func exists(_ path: String) async throws -> Bool {
        FileManager.default.fileExists(atPath: try resolve(path).path)
    }

    public func remove(_ path: String) async throws {
        try FileRemoval.remove(try resolve(path).path)
    }

    public func localFile(_ path: String) throws -> URL? { try resolve(path) }

    /// A signed link to `path` on this server's `GET /v1/files` when a public URL is configured, else nil.
    public func fetchableURL(_ path: String, expiresInSeconds: Int) async throws -> URL? {
        guard let linkSigner else { return nil }
        guard FileManager.default.fileExists(atPath: try resolve(path).path) else {
            throw SongStorageError.notFound(path: path)
        }
        let now = Int(Date().timeIntervalSince1970)
        return linkSigner.link(to: path, expiresAt: now + max(1, expiresInSeconds))
    }

    public func isWritable() async -> Bool {
        let probe = root.appendingPathComponent(".write-probe-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: probe.path, contents: Data([0])) else { return false }
        try? FileManager.default.removeItem(at: probe)
        return true
    }
}

extension SongStorageError: ClassifiableError {
    /// A missing upload is the user's input (upload it again); a failing backend is this system's problem.
    public var jobFailure: JobFailure {
        switch self {
        case .notFound(let path):
            JobFailure(
                .invalidAudio, "The song '\(path)' is not in the storage (it was never uploaded, or was removed)",
                suggestedAction: "Upload the song again and start the mashup with its new storage_path.")
        case .failed:
            JobFailure(
                .system, description, suggestedAction: "Check the storage service and its credentials, then try again.")
        }
    }
}
