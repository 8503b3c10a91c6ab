import Foundation
import MashupModel

#if canImport(Glibc)
    import Glibc
#endif

/// Maps a client-supplied `storage_path` onto a file under a storage root, refusing anything that could leave it.
///
/// Refused: empty paths, NUL bytes, absolute paths (`/x`, `\x`, `C:`), `..` components, backslashes, and any
/// existing component that is a symbolic link resolving outside the root (or dangling). Components that do not
/// exist yet (a file about to be written) are appended literally, so they cannot be links. `.` and empty
/// components are dropped. The check is made at call time; a link created under the root afterwards is not seen,
/// so the root must not be writable by untrusted parties.
public enum StoragePath {
    /// Why a path was refused. Each maps to a 400 `HTTPError` naming the field.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        case empty
        case nulByte
        case absolute(String)
        case parentComponent(String)
        case backslash(String)
        case escapesRoot(String)
        case rootUnavailable(String)

        public var description: String {
            switch self {
            case .empty: return "path is empty"
            case .nulByte: return "path contains a NUL byte"
            case .absolute(let p): return "path '\(p)' is absolute"
            case .parentComponent(let p): return "path '\(p)' contains '..'"
            case .backslash(let p): return "path '\(p)' contains a backslash"
            case .escapesRoot(let p): return "path '\(p)' leaves the storage root through a symbolic link"
            case .rootUnavailable(let p): return "storage root '\(p)' does not exist"
            }
        }

        /// The refusal as a 400 JSON error for `field`.
        public func httpError(field: String) -> HTTPError { HTTPError.badRequest(description, field: field) }
    }

    /// The file `relative` names under `root`.
    /// - Throws: `Refusal` when the path is not acceptable.
    public static func resolve(_ relative: String, under root: URL) throws -> URL {
        guard !relative.isEmpty else { throw Refusal.empty }
        guard !relative.utf8.contains(0) else { throw Refusal.nulByte }
        guard !relative.contains("\\") else { throw Refusal.backslash(relative) }
        if relative.hasPrefix("/") || relative.hasPrefix("~") { throw Refusal.absolute(relative) }
        if relative.count >= 2, relative.dropFirst().first == ":", relative.first!.isLetter {
            throw Refusal.absolute(relative)
        }
        let components = relative.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !components.contains("..") else { throw Refusal.parentComponent(relative) }
        let parts = components.filter { $0 != "." }
        guard !parts.isEmpty else { throw Refusal.empty }

        guard let rootReal = realPath(root.path) else { throw Refusal.rootUnavailable(root.path) }
        var current = rootReal
        for (index, part) in parts.enumerated() {
            let next = current == "/" ? "/" + part : current + "/" + part
            guard let isLink = SystemCalls.isSymbolicLink(next) else {
                // Does not exist: the rest is new and cannot contain links.
                let rest = parts[index...].joined(separator: "/")
                return URL(fileURLWithPath: (current == "/" ? "/" : current + "/") + rest)
            }
            if isLink {
                guard let target = realPath(next), isInside(target, root: rootReal) else {
                    throw Refusal.escapesRoot(relative)
                }
                current = target
            } else {
                current = next
            }
        }
        return URL(fileURLWithPath: current)
    }

    /// `resolve`, with the refusal turned into a 400 `HTTPError` naming `field`.
    public static func resolveForRequest(_ relative: String, under root: URL, field: String = "storage_path") throws
        -> URL
    {
        do {
            return try resolve(relative, under: root)
        } catch let refusal as Refusal {
            throw refusal.httpError(field: field)
        }
    }

    static func isInside(_ path: String, root: String) -> Bool {
        path == root || path.hasPrefix(root == "/" ? "/" : root + "/")
    }

    static func realPath(_ path: String) -> String? { SystemCalls.realPath(path) }
}
