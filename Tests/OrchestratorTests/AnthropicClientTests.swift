import Foundation
import Orchestrator
import Render
import TestSupport
import Testing

@Suite("Claude through the Messages API")
struct AnthropicClientTests {
    static func planner(_ transport: ScriptedTransport, maximumTokens: Int = 4096) -> (
        AnthropicPlanner, AnthropicSettings
    ) {
        var settings = AnthropicSettings(
            apiKey: "sk-test", model: "claude-test", baseURL: URL(string: "http://claude.test")!)
        settings.maximumTokens = maximumTokens
        settings.maximumTokensCeiling = 8192
        let caller = ServiceCaller(
            service: .anthropic, endpoint: settings.endpoint, transport: transport,
            clock: TestClock(), unitRandom: fixedRandom(0))
        let client = AnthropicClient(settings: settings, caller: caller)
        return (
            AnthropicPlanner(
                client: client, systemPrompt: "You are a legendary producer.",
                promptBuilder: { "Plan \($0.analyses.count) songs." }), settings
        )
    }

    static let request = PlanRequest(analyses: [["a": 1], ["b": 2]], mashabilityScore: ["overall_score": 70])

    @Test("the plan is extracted from prose; the headers are the Messages API's")
    func proseWrapped() async throws {
        let transport = ScriptedTransport([
            .respond(200, body: PlanFixtures.messagesReply(PlanFixtures.prose(PlanFixtures.validPlan)))
        ])
        let plan = try await Self.planner(transport).0.masterplan(for: Self.request)
        #expect(plan["masterplan"]?["title"]?.stringValue == "Red Light")
        let request = try #require(transport.requests.first)
        #expect(request.url.absoluteString == "http://claude.test/v1/messages")
        #expect(request.headers["x-api-key"] == "sk-test")
        #expect(request.headers["anthropic-version"] == "2023-06-01")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["Authorization"] == nil)
        let body = try JSONValue.parse(try #require(request.body))
        #expect(body["model"]?.stringValue == "claude-test")
        #expect(body["max_tokens"]?.doubleValue == 4096)
        #expect(body["system"]?.stringValue == "You are a legendary producer.")
        #expect(body["messages"]?[0]?["content"]?.stringValue == "Plan 2 songs.")
        #expect(body["temperature"] != nil)
    }

    @Test("an invalid plan is sent back once with its issues, and the correction is used")
    func correction() async throws {
        let transport = ScriptedTransport([
            .respond(200, body: PlanFixtures.messagesReply(PlanFixtures.invalidPlan)),
            .respond(200, body: PlanFixtures.messagesReply(PlanFixtures.validPlan)),
        ])
        let (planner, _) = Self.planner(transport)
        let result = try await planner.client.requestJSONObject(
            system: "s", prompt: "p", normalize: MasterplanShape.normalized,
            validate: MasterplanShape.issues)
        #expect(result.wasCorrected)
        #expect(result.requestCount == 2)
        #expect(result.correctedIssues.map(\.field) == ["masterplan.timeline[1].layers[0].stem"])
        let second = try JSONValue.parse(try #require(transport.requests.last?.body))
        let messages = try #require(second["messages"]?.arrayValue)
        #expect(messages.count == 3)
        #expect(messages[1]["role"]?.stringValue == "assistant")
        #expect(messages[2]["content"]?.stringValue?.contains("masterplan.timeline[1].layers[0].stem") == true)
    }

    @Test("still invalid after the correction: invalid_data naming the field, an invalid-plan failure")
    func stillInvalid() async throws {
        let transport = ScriptedTransport([
            .respond(200, body: PlanFixtures.messagesReply(PlanFixtures.invalidPlan)),
            .respond(200, body: PlanFixtures.messagesReply("Sorry, I cannot do that.")),
        ])
        do {
            _ = try await Self.planner(transport).0.masterplan(for: Self.request)
            Issue.record("expected a failure")
        } catch let error as ServiceError {
            guard case .invalidData(let field, _) = error.kind else { Issue.record("wrong kind \(error.kind)"); return }
            #expect(field == "reply")
            #expect(error.jobFailure.details.type == .invalidPlan)
        }
        #expect(transport.requests.count == 2)
    }

    @Test("stop_reason max_tokens: asked again with twice the budget, then truncated is an error")
    func maxTokens() async throws {
        let truncated = PlanFixtures.messagesReply(String(PlanFixtures.validPlan.prefix(200)), stopReason: "max_tokens")
        let transport = ScriptedTransport([
            .respond(200, body: truncated), .respond(200, body: PlanFixtures.messagesReply(PlanFixtures.validPlan)),
        ])
        _ = try await Self.planner(transport).0.masterplan(for: Self.request)
        let budgets = try transport.requests.map { try JSONValue.parse($0.body!)["max_tokens"]?.doubleValue }
        #expect(budgets == [4096, 8192])

        let always = ScriptedTransport([.respond(200, body: truncated), .respond(200, body: truncated)])
        await #expect(throws: ServiceError(service: .anthropic, kind: .truncated(maxTokens: 8192), attempts: 2)) {
            _ = try await Self.planner(always).0.masterplan(for: Self.request)
        }
    }

    @Test("529 overloaded is retried, 401 is final with the API's message")
    func errors() async throws {
        let overloaded = #"{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"#
        let transport = ScriptedTransport([
            .respond(529, body: overloaded),
            .respond(200, body: PlanFixtures.messagesReply(PlanFixtures.validPlan)),
        ])
        _ = try await Self.planner(transport).0.masterplan(for: Self.request)
        #expect(transport.requests.count == 2)
        let unauthorized =
            #"{"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}"#
        let denied = ScriptedTransport([.respond(401, body: unauthorized)])
        await #expect(
            throws: ServiceError(service: .anthropic, kind: .httpStatus(401, message: "invalid x-api-key"), attempts: 1)
        ) {
            _ = try await Self.planner(denied).0.masterplan(for: Self.request)
        }
    }
}
