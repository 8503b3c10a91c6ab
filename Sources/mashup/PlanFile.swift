import Foundation
import Render

/// Reads a plan file (or standard input) for `validate` and `render`, bounded before anything is read: a file over
/// `maximumByteCount` is refused by its size; up to it, the bytes go to the JSON reader, whose own 16 MiB limit
/// names the string that makes a document too large.
enum PlanFile {
    /// Largest plan file read, bytes (64 MiB: four times the reader's document limit, so that an oversized plan is
    /// still scanned and its longest field named).
    static let maximumByteCount = 64 << 20

    static func read(_ path: String) throws -> Data {
        if path == "-" {
            let data = FileHandle.standardInput.readData(ofLength: maximumByteCount + 1)
            guard data.count <= maximumByteCount else {
                throw CLIError.failed(
                    "standard input: the plan is over the limit of \(JSONReader.grouped(maximumByteCount)) bytes")
            }
            return data
        }
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw CLIError.failed(
                "\(path): cannot be read (\(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"))"
            )
        }
        if (attributes[.type] as? FileAttributeType) == .typeDirectory {
            throw CLIError.failed("\(path): is a directory, not a plan")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maximumByteCount else {
            throw CLIError.failed(
                "\(path): the plan file is \(JSONReader.grouped(size)) bytes, over the limit of \(JSONReader.grouped(maximumByteCount))"
            )
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError.failed("\(path): cannot be read") }
        defer { try? handle.close() }
        let data = handle.readData(ofLength: maximumByteCount + 1)
        guard data.count <= maximumByteCount else {
            throw CLIError.failed(
                "\(path): the plan file is over the limit of \(JSONReader.grouped(maximumByteCount)) bytes")
        }
        return data
    }
}
