import Foundation
import Render

/// The separation service of the contract: `POST /separate` -> stems in the shared storage.
public struct RemoteSeparationClient: SeparationService {
    public let caller: ServiceCaller

    public init(caller: ServiceCaller) { self.caller = caller }

    /// - Throws: `ServiceError` (`invalid_data` naming a missing stem), `CancellationError`.
    public func separate(audioURL: URL, jobID: String) async throws -> StemPaths {
        let body: JSONValue = ["audio_url": .string(audioURL.absoluteString), "job_id": .string(jobID)]
        return try await caller.postJSON(path: "/separate", body: body) { response in
            try Self.validate(response)
        }
    }

    /// Checks a `/separate` answer.
    public static func validate(_ response: TransportResponse) throws -> StemPaths {
        let json = try ResponseValidator.parse(response)
        if json.value(at: "success")?.boolValue == false {
            throw ServiceError(
                service: .separation,
                kind: .rejected(json.value(at: "error")?.stringValue ?? "success is false"), attempts: 1)
        }
        var paths: [String: String] = [:]
        for stem in StemPaths.requiredStems {
            let path = try json.requireString("stems.\(stem)")
            guard !path.isEmpty else { throw ResponseValidationError(field: "stems.\(stem)", reason: "is empty") }
            paths[stem] = path
        }
        return StemPaths(paths: paths)
    }
}
