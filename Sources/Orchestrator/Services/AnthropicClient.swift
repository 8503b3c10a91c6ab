// Claude through the Anthropic Messages API (`POST /v1/messages`).
// Headers: `x-api-key`, `anthropic-version: 2023-06-01`, `content-type: application/json` (plus the common ones,
// without a bearer). Body: model, max_tokens, system, messages, temperature. The text is in `content[*].text`;
// `stop_reason` is `end_turn`, `max_tokens` (truncated), `stop_sequence`...
// Errors 400/401/403/404 are final; 429 (retry-after), 500 and 529 (overloaded) are retried by the ServiceCaller.
//
// `requestJSONObject` implements the planner conversation: ask; if truncated, ask again once with twice the budget
// (up to the ceiling); extract the first complete JSON object; validate it; on issues, send them back once for a
// corrected object; if it is still invalid, fail with `invalid_data` naming the first issue.
import Foundation
import Render

/// One message of a conversation.
public struct AnthropicMessage: Sendable, Equatable {
    public enum Role: String, Sendable { case user, assistant }
    public var role: Role
    public var text: String
    public init(role: Role, text: String) {
        self.role = role
        self.text = text
    }
}

/// One reply of the Messages API.
public struct AnthropicReply: Sendable, Equatable {
    /// The concatenated text blocks.
    public var text: String
    /// `end_turn`, `max_tokens`, `stop_sequence`, `tool_use`...
    public var stopReason: String
    public var model: String?
    public var inputTokens: Int?
    public var outputTokens: Int?

    /// Whether the reply was cut off at the token budget.
    public var isTruncated: Bool { stopReason == "max_tokens" }
}

/// A validated JSON object obtained from Claude.
public struct AnthropicJSONResult: Sendable, Equatable {
    public var object: JSONValue
    /// Requests made (1 when the first reply was good; more after a truncation or a correction).
    public var requestCount: Int
    /// Whether a corrected object was asked for after validation issues.
    public var wasCorrected: Bool
    /// Issues of the first object, when it was corrected.
    public var correctedIssues: [PlanProblem]
}

/// A client of the Anthropic Messages API.
public struct AnthropicClient: Sendable {
    public static let apiVersion = "2023-06-01"
    public let settings: AnthropicSettings
    public let caller: ServiceCaller

    /// - Parameter caller: a caller for service `.anthropic` whose endpoint is `settings.endpoint`.
    public init(settings: AnthropicSettings, caller: ServiceCaller) {
        self.settings = settings
        self.caller = caller
    }

    /// The request body.
    public func requestBody(system: String, messages: [AnthropicMessage], maximumTokens: Int) -> JSONValue {
        [
            "model": .string(settings.model),
            "max_tokens": .number(Double(maximumTokens)),
            "system": .string(system),
            "temperature": .number(settings.temperature),
            "messages": .array(messages.map { ["role": .string($0.role.rawValue), "content": .string($0.text)] }),
        ]
    }

    /// One request to `/v1/messages`.
    /// - Throws: `ServiceError` for service `.anthropic`, `CancellationError`.
    public func complete(system: String, messages: [AnthropicMessage], maximumTokens: Int? = nil) async throws
        -> AnthropicReply
    {
        let body = requestBody(
            system: system, messages: messages, maximumTokens: maximumTokens ?? settings.maximumTokens)
        let headers = [
            "x-api-key": settings.endpoint.apiKey ?? "", "anthropic-version": Self.apiVersion,
            "content-type": "application/json",
        ]
        return try await caller.postJSON(path: "/v1/messages", body: body, extraHeaders: headers, sendsBearer: false) {
            response in
            try Self.validate(response)
        }
    }

    /// Checks a Messages API answer.
    public static func validate(_ response: TransportResponse) throws -> AnthropicReply {
        let json = try ResponseValidator.parse(response)
        let content = try json.requireArray("content", minimumCount: 1)
        let texts = content.compactMap { block -> String? in
            guard block["type"]?.stringValue ?? "text" == "text" else { return nil }
            return block["text"]?.stringValue
        }
        guard !texts.isEmpty else { throw ResponseValidationError(field: "content[0].text", reason: "is missing") }
        let stopReason = try json.requireString("stop_reason")
        return AnthropicReply(
            text: texts.joined(), stopReason: stopReason,
            model: json.value(at: "model")?.stringValue,
            inputTokens: json.value(at: "usage.input_tokens")?.doubleValue.map { Int(saturating: $0) },
            outputTokens: json.value(at: "usage.output_tokens")?.doubleValue.map { Int(saturating: $0) })
    }

    /// Asks for one JSON object, validates it and asks once for a correction (see the file's design note).
    /// - Parameters:
    ///   - normalize: applied to the extracted object before validation (e.g. `MasterplanShape.normalized`).
    ///   - validate: issues of an object; empty means valid.
    /// - Throws: `ServiceError` (`.truncated`, or `.invalidData` naming the first remaining issue), `CancellationError`.
    public func requestJSONObject(
        system: String, prompt: String,
        normalize: @Sendable (JSONValue) -> JSONValue = { $0 },
        validate: PlanCheck
    ) async throws -> AnthropicJSONResult {
        var messages = [AnthropicMessage(role: .user, text: prompt)]
        var maximumTokens = settings.maximumTokens
        var requestCount = 0
        var firstIssues: [PlanProblem]?
        while true {
            var reply = try await complete(system: system, messages: messages, maximumTokens: maximumTokens)
            requestCount += 1
            if reply.isTruncated {
                guard maximumTokens < settings.maximumTokensCeiling else {
                    throw ServiceError(
                        service: .anthropic, kind: .truncated(maxTokens: maximumTokens), attempts: requestCount)
                }
                maximumTokens = min(maximumTokens * 2, settings.maximumTokensCeiling)
                reply = try await complete(system: system, messages: messages, maximumTokens: maximumTokens)
                requestCount += 1
                if reply.isTruncated {
                    throw ServiceError(
                        service: .anthropic, kind: .truncated(maxTokens: maximumTokens), attempts: requestCount)
                }
            }
            let issues: [PlanProblem]
            let object = JSONExtraction.firstObject(in: reply.text).map(normalize)
            if let object {
                issues = validate(object)
                // Only blocking problems ask for a correction (advice travels with them); advice alone is accepted
                // and recorded by the caller's own review.
                if !issues.contains(where: \.isBlocking) {
                    return AnthropicJSONResult(
                        object: object, requestCount: requestCount, wasCorrected: firstIssues != nil,
                        correctedIssues: firstIssues ?? [])
                }
            } else {
                issues = [PlanProblem(field: "reply", message: "holds no complete JSON object")]
            }
            if firstIssues != nil {
                let first = issues.first(where: \.isBlocking)!
                throw ServiceError(
                    service: .anthropic,
                    kind: .invalidData(
                        field: first.field,
                        reason: "\(first.message) (still invalid after one correction; \(issues.count) issues)"),
                    attempts: requestCount)
            }
            firstIssues = issues
            messages.append(AnthropicMessage(role: .assistant, text: reply.text))
            messages.append(AnthropicMessage(role: .user, text: Self.correctionPrompt(issues)))
        }
    }

    /// The follow-up message listing the issues of the previous answer.
    public static func correctionPrompt(_ issues: [PlanProblem]) -> String {
        let list = issues.prefix(30).map { "- \($0.field): \($0.message)" }.joined(separator: "\n")
        return """
            Your previous answer could not be used. Problems found:
            \(list)
            Reply with the complete corrected JSON object only: no prose, no code fence.
            """
    }
}

/// Claude as the planner: the producer's prompt is built by the caller (`promptBuilder`) from the plan request.
public struct AnthropicPlanner: PlannerService {
    public let client: AnthropicClient
    public let systemPrompt: String
    public let promptBuilder: @Sendable (PlanRequest) -> String
    /// The check of a reply for one request (it knows the request's songs).
    public let validator: @Sendable (PlanRequest) -> PlanCheck

    /// Member of the returned plan that lists the problems Claude was asked to correct (`["field: message"]`);
    /// the pipeline records them as a warning and removes the member.
    public static let correctionsMember = "planner_corrections"

    public init(
        client: AnthropicClient, systemPrompt: String, promptBuilder: @escaping @Sendable (PlanRequest) -> String,
        validator: @escaping PlanCheck = MasterplanShape.issues
    ) {
        self.init(
            client: client, systemPrompt: systemPrompt, promptBuilder: promptBuilder, reviewer: { _ in validator })
    }

    public init(
        client: AnthropicClient, systemPrompt: String, promptBuilder: @escaping @Sendable (PlanRequest) -> String,
        reviewer: @escaping @Sendable (PlanRequest) -> PlanCheck
    ) {
        self.client = client
        self.systemPrompt = systemPrompt
        self.promptBuilder = promptBuilder
        self.validator = reviewer
    }

    /// - Returns: the plan normalised to `{"creative_vision", "masterplan": {...}}`, with `planner_corrections`
    ///   when a correction round was needed.
    public func masterplan(for request: PlanRequest) async throws -> JSONValue {
        let result = try await client.requestJSONObject(
            system: systemPrompt, prompt: promptBuilder(request),
            normalize: MasterplanShape.normalized, validate: validator(request))
        guard result.wasCorrected, case .object(var members) = result.object else { return result.object }
        members[Self.correctionsMember] = .array(result.correctedIssues.map { .string($0.description) })
        return .object(members)
    }
}
