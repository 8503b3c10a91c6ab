import Foundation
import Render

/// The planner service of the contract: `POST /create-masterplan`, bearer = the Anthropic key (forwarded).
public struct RemotePlannerClient: PlannerService {
    public let caller: ServiceCaller
    public let validator: PlanCheck

    public init(caller: ServiceCaller, validator: @escaping PlanCheck = MasterplanShape.issues) {
        self.caller = caller
        self.validator = validator
    }

    /// Asks the service for a plan of the first two songs.
    /// - Returns: the plan normalised to `{"creative_vision", "masterplan": {...}}`.
    /// - Throws: `ServiceError` (`invalid_data` naming the first issue), `CancellationError`.
    public func masterplan(for request: PlanRequest) async throws -> JSONValue {
        let body: JSONValue = [
            "song1_analysis": request.analyses[0], "song2_analysis": request.analyses[1],
            "mashability_score": request.mashabilityScore, "user_preferences": request.userPreferences,
        ]
        let validator = self.validator
        return try await caller.postJSON(path: "/create-masterplan", body: body) { response in
            try Self.validate(response, validator: validator)
        }
    }

    /// Reads a plan from the answer (JSON, or JSON wrapped in text), normalises and validates it.
    public static func validate(_ response: TransportResponse, validator: PlanCheck) throws -> JSONValue {
        let text = String(decoding: response.body, as: UTF8.self)
        guard var plan = (try? JSONValue.parse(response.body)) ?? JSONExtraction.firstObject(in: text) else {
            throw ResponseValidationError(field: "body", reason: "holds no JSON object (\(response.bodyExcerpt))")
        }
        if plan["success"]?.boolValue == false {
            throw ServiceError(
                service: .planner, kind: .rejected(plan["error"]?.stringValue ?? "success is false"), attempts: 1)
        }
        // Some deployments wrap the plan as {"success": true, "masterplan": {"creative_vision", "masterplan": {...}}}.
        if let nested = plan["masterplan"], nested["masterplan"] != nil { plan = nested }
        plan = MasterplanShape.normalized(plan)
        if let first = validator(plan).first {
            throw ResponseValidationError(field: first.field, reason: first.message)
        }
        return plan
    }
}
