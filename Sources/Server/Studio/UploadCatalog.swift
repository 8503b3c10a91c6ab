// Songs uploaded earlier, for the studio to pick from and play: an upload is checked to be audio the decoder reads
// (a text file named .wav is refused at once, with the decoder's reason), and a small description is kept beside it
// (`uploads/<name>.json`: the original file name, size, duration, rate, channels, time). Listing reads the local
// storage folder, newest first; a remote storage (Supabase) is not listed (`listable: false`).
import Foundation
import MashupModel
import Orchestrator

/// What the server knows about one uploaded song.
public struct UploadDescription: Codable, Sendable, Equatable {
    public var storagePath: String
    /// The name the client gave (`?filename=`), else the stored name.
    public var filename: String
    public var bytes: Int
    public var durationSeconds: Double?
    public var sampleRate: Double?
    public var channelCount: Int?
    /// ISO 8601, UTC.
    public var uploadedAt: String

    enum CodingKeys: String, CodingKey {
        case storagePath = "storage_path", filename, bytes, durationSeconds = "duration_seconds"
        case sampleRate = "sample_rate", channelCount = "channels", uploadedAt = "uploaded_at"
    }
}

/// Upload checks, descriptions and listing.
public enum UploadCatalog {
    /// The folder uploads go to in the storage.
    public static let folder = "uploads"

    /// Opens `file` with the decoder to learn what it is. - Throws: 400 naming `body` when it is not audio.
    public static func inspect(_ file: URL, filename: String) throws -> AudioFileFacts {
        do {
            let info = try AudioFileFacts.read(file)
            guard info.declaredFrameCount > 0 else {
                throw HTTPError.badRequest("'\(filename)' holds no audio frames", field: "body")
            }
            return info
        } catch let error as HTTPError {
            throw error
        } catch {
            // The decoder names the temporary file; the client knows it by its own name.
            let reason = "\(error)".replacingOccurrences(of: file.path + ": ", with: "").replacingOccurrences(
                of: file.path, with: filename)
            throw HTTPError.badRequest(
                "'\(filename)' is not an audio file the server can read (WAV, FLAC, AIFF, OGG or MP3): \(reason)",
                field: "body")
        }
    }

    /// The description of a new upload at `path`.
    public static func describe(path: String, filename: String, bytes: Int, info: AudioFileFacts, now: Date = Date())
        -> UploadDescription
    {
        UploadDescription(
            storagePath: path, filename: String(filename.prefix(200)), bytes: bytes,
            durationSeconds: info.sampleRate > 0 ? Double(info.declaredFrameCount) / info.sampleRate : nil,
            sampleRate: info.sampleRate, channelCount: info.channelCount, uploadedAt: JobStatus.timestamp(now))
    }

    /// Stores `description` beside its upload (`<path>.json`); a failure only loses the original name.
    public static func record(_ description: UploadDescription, storage: any SongStorage) async {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(description) else { return }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mashup-upload-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: temporary) }
        guard (try? data.write(to: temporary)) != nil else { return }
        try? await storage.upload(temporary, to: description.storagePath + ".json", contentType: "application/json")
    }

    /// `{"uploads": [...], "listable": true}`, newest first, at most `limit`.
    public static func listing(storage: any SongStorage, limit: Int) throws -> JSONValue {
        guard let directory = try storage.localFile(folder) else { return ["uploads": [], "listable": false] }
        let manager = FileManager.default
        let keys: [URLResourceKey] = [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey]
        let entries =
            (try? manager.contentsOfDirectory(
                at: directory, includingPropertiesForKeys: keys,
                options: [.skipsHiddenFiles])) ?? []
        var found: [(modified: Date, url: URL, bytes: Int)] = []
        for url in entries where url.pathExtension.lowercased() != "json" {
            guard let values = try? url.resourceValues(forKeys: Set(keys)), values.isRegularFile == true else {
                continue
            }
            found.append((values.contentModificationDate ?? .distantPast, url, values.fileSize ?? 0))
        }
        found.sort {
            $0.modified != $1.modified ? $0.modified > $1.modified : $0.url.lastPathComponent < $1.url.lastPathComponent
        }
        let decoder = JSONDecoder()
        var items: [JSONValue] = []
        for entry in found.prefix(limit) {
            let name = entry.url.lastPathComponent
            let path = "\(folder)/\(name)"
            var description = UploadDescription(
                storagePath: path, filename: name, bytes: entry.bytes, durationSeconds: nil,
                sampleRate: nil, channelCount: nil, uploadedAt: JobStatus.timestamp(entry.modified))
            if let data = try? Data(contentsOf: entry.url.appendingPathExtension("json")),
                let stored = try? decoder.decode(UploadDescription.self, from: data), stored.storagePath == path
            {
                description = stored
                description.bytes = entry.bytes
            }
            var item = try JSONValue.parse(JSONEncoder().encode(description))
            if case .object(var members) = item {
                members["url"] = .string("/v1/uploads/\(name)")
                item = .object(members)
            }
            items.append(item)
        }
        return ["uploads": .array(items), "listable": true, "total": .number(Double(found.count))]
    }

    /// `GET /v1/uploads/{name}`: the song itself, with `Range` (a single file name under `uploads/`, checked by
    /// `StoragePath`; remote storage is fetched once into the node's cache).
    public static func file(named name: String, runner: DurableJobRunner) async throws -> HTTPResponse {
        guard !name.hasPrefix("."), name.count <= 200,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") })
        else {
            throw HTTPError.badRequest(
                "an upload name is letters, digits, '.', '-' and '_' (not starting with '.')", field: "name")
        }
        let path = "\(folder)/\(name)"
        if let local = try StoragePath.resolveOrRefuse(path, storage: runner.storage) {
            guard FileManager.default.fileExists(atPath: local.path) else {
                throw HTTPError.notFound("no upload \(name)", field: "name")
            }
            return .file(local)
        }
        let cached = runner.resultCacheDirectory.appendingPathComponent("uploads", isDirectory: true)
        try FileManager.default.createDirectory(at: cached, withIntermediateDirectories: true)
        let file = cached.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: file.path) {
            do { try await runner.storage.download(path, to: file) } catch SongStorageError.notFound {
                throw HTTPError.notFound("no upload \(name)", field: "name")
            }
        }
        return .file(file)
    }
}

extension StoragePath {
    /// The local file of `path` in `storage` (nil for remote storage); a refused path answers 400 naming `name`.
    static func resolveOrRefuse(_ path: String, storage: any SongStorage) throws -> URL? {
        do {
            return try storage.localFile(path)
        } catch let refusal as StoragePath.Refusal {
            throw refusal.httpError(field: "name")
        }
    }
}
