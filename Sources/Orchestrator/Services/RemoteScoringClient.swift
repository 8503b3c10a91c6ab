import Foundation
import Render

/// The scoring service of the contract: `POST /calculate-mashability`.
public struct RemoteScoringClient: ScoringService {
    public let caller: ServiceCaller

    public init(caller: ServiceCaller) { self.caller = caller }

    /// Scores one pair. - Returns: the whole answer (`overall_score`, `dimension_scores`, ...).
    /// - Throws: `ServiceError`, `CancellationError`.
    public func mashability(
        _ first: AnalysisDocument, _ second: AnalysisDocument,
        weights: ScoringWeights?
    ) async throws -> JSONValue {
        var body: [String: JSONValue] = ["song1_analysis": first.json, "song2_analysis": second.json]
        if let weights { body["user_weights"] = weights.json }
        return try await caller.postJSON(path: "/calculate-mashability", body: .object(body)) { response in
            try Self.validate(response)
        }
    }

    /// Checks a `/calculate-mashability` answer.
    public static func validate(_ response: TransportResponse) throws -> JSONValue {
        let json = try ResponseValidator.parse(response)
        try json.requireNumber("overall_score", in: 0...100)
        for dimension in ["harmonic", "rhythmic", "spectral", "vocal"] {
            try json.requireNumber("dimension_scores.\(dimension)")
        }
        return json.root
    }
}
