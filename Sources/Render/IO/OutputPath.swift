import Foundation

/// Checks on a path the project is about to write by temp-and-rename.
public enum OutputPath {
    /// Nil when `path` may be replaced by a rename (it does not exist, or is a regular file or a link); else why
    /// not. A rename over a device (`-o /dev/null`), a FIFO, a socket or a folder would replace that node with a
    /// regular file (run as root, `/dev/null` itself), so those are refused.
    public static func refusal(_ path: String) -> String? {
        guard let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType else {
            return nil
        }
        switch type {
        case .typeRegular, .typeSymbolicLink: return nil
        case .typeDirectory: return "is a folder, not a file"
        case .typeCharacterSpecial, .typeBlockSpecial:
            return "is a device; the output is written to a new file and renamed into place, which would replace it"
        default: return "is not a regular file (a FIFO or socket); the output is renamed into place"
        }
    }
}
