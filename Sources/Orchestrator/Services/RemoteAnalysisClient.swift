import Foundation
import Render

/// The analysis service of the contract: `POST /analyze` with `file_url` or base64 `audio_data`.
public struct RemoteAnalysisClient: AnalysisService {
    public let caller: ServiceCaller
    /// Largest song sent inline, in bytes (the base64 text is 4/3 of this).
    public let maximumInlineBytes: Int

    public init(caller: ServiceCaller, maximumInlineBytes: Int = 25 * 1_048_576) {
        self.caller = caller
        self.maximumInlineBytes = maximumInlineBytes
    }

    /// The request body for `song`.
    /// - Throws: `ServiceError` `.requestTooLarge` above `maximumInlineBytes`; file-system errors reading a local file.
    public func requestBody(for song: SongAudioInput) throws -> JSONValue {
        let bytes: Data
        switch song.source {
        case .url(let url):
            return ["song_id": .string(song.songID), "file_url": .string(url.absoluteString)]
        case .bytes(let data):
            bytes = data
        case .file(let url):
            let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
            if let size = (attributes?[.size] as? NSNumber)?.intValue, size > maximumInlineBytes {
                throw ServiceError(
                    service: .analysis, kind: .requestTooLarge(bytes: size, limitBytes: maximumInlineBytes), attempts: 0
                )
            }
            bytes = try Data(contentsOf: url)
        }
        guard bytes.count <= maximumInlineBytes else {
            throw ServiceError(
                service: .analysis, kind: .requestTooLarge(bytes: bytes.count, limitBytes: maximumInlineBytes),
                attempts: 0)
        }
        return ["song_id": .string(song.songID), "audio_data": .string(bytes.base64EncodedString())]
    }

    /// Analyses one song. - Returns: the analysis object `A`, read once here.
    /// - Throws: `ServiceError` (`invalid_data` naming the field when the answer lacks one), `CancellationError`.
    public func analyze(_ song: SongAudioInput) async throws -> AnalysisDocument {
        let body = try requestBody(for: song)
        let json = try await caller.postJSON(path: "/analyze", body: body) { response in
            try Self.validate(response)
        }
        return AnalysisDocument(json: json)
    }

    /// Checks an `/analyze` answer and returns its `analysis`.
    public static func validate(_ response: TransportResponse) throws -> JSONValue {
        let json = try ResponseValidator.parse(response)
        if json.value(at: "success")?.boolValue == false {
            let message =
                json.value(at: "error")?.stringValue ?? json.value(at: "message")?.stringValue ?? "success is false"
            throw ServiceError(service: .analysis, kind: .rejected(message), attempts: 1)
        }
        try json.requireObject("analysis")
        try json.requireString("analysis.harmonic.key")
        try json.requireNumber("analysis.harmonic.key_confidence", in: 0...1)
        try json.requireNumber("analysis.rhythmic.bpm", in: 0...400)
        try json.requireNumber("analysis.rhythmic.beat_confidence", in: 0...1)
        try json.requireObject("analysis.spectral")
        try json.requireNumber("analysis.vocal.vocal_presence", in: 0...1)
        return try json.require("analysis")
    }
}
