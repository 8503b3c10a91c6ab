import Foundation
import Orchestrator
import Testing

@Suite("Configuration from the environment")
struct ServiceConfigurationTests {
    @Test("unset means embedded everywhere")
    func empty() throws {
        let configuration = try ServiceConfiguration.fromEnvironment([:])
        #expect(configuration.analysis == nil && configuration.scoring == nil && configuration.planner == nil)
        #expect(configuration.separation == nil && configuration.anthropic == nil)
        #expect(configuration.plannerRoute == .embedded)
        #expect(!configuration.strict)
        #expect(configuration.retryPolicy == .standard)
    }

    @Test("URLs, keys, the contract's timeouts, strict mode and the planner route")
    func full() throws {
        let configuration = try ServiceConfiguration.fromEnvironment([
            "ANALYSIS_API_URL": "https://analysis.loca.lt", "ANALYSIS_API_KEY": "ak",
            "SCORING_API_URL": "http://127.0.0.1:8002/", "ORCHESTRATOR_API_URL": "https://x.ngrok.io/api",
            "SEPARATION_API_URL": "http://sep:9000", "ANTHROPIC_API_KEY": "sk-1", "ANTHROPIC_MODEL": "claude-x",
            "MASHUP_STRICT_SERVICES": "1", "MASHUP_MAX_INLINE_AUDIO_MB": "10",
        ])
        #expect(configuration.analysis?.apiKey == "ak")
        #expect(configuration.analysis?.timeoutSeconds == 45)
        #expect(configuration.scoring?.timeoutSeconds == 30)
        #expect(
            configuration.scoring?.url(path: "/calculate-mashability").absoluteString
                == "http://127.0.0.1:8002/calculate-mashability")
        #expect(
            configuration.planner?.url(path: "/create-masterplan").absoluteString
                == "https://x.ngrok.io/api/create-masterplan")
        #expect(configuration.planner?.apiKey == "sk-1", "the planner service forwards the Anthropic key")
        #expect(configuration.planner?.timeoutSeconds == 60)
        #expect(configuration.separation?.timeoutSeconds == 300)
        #expect(configuration.anthropic?.model == "claude-x")
        #expect(configuration.anthropic?.endpoint.timeoutSeconds == 120)
        #expect(configuration.anthropic?.endpoint.baseURL.absoluteString == "https://api.anthropic.com")
        #expect(configuration.plannerRoute == .service)
        #expect(configuration.strict)
        #expect(configuration.maximumInlineAudioBytes == 10 * 1_048_576)
        let direct = try ServiceConfiguration.fromEnvironment(["ANTHROPIC_API_KEY": "sk-1"])
        #expect(direct.plannerRoute == .anthropic)
        #expect(direct.anthropic?.model == AnthropicSettings.defaultModel)
    }

    @Test("a bad value is refused naming the variable")
    func invalid() {
        #expect(throws: ConfigurationError(variable: "SCORING_API_URL", value: "ftp://x", reason: "not an http(s) URL"))
        {
            try ServiceConfiguration.fromEnvironment(["SCORING_API_URL": "ftp://x"])
        }
        #expect(throws: ConfigurationError.self) {
            try ServiceConfiguration.fromEnvironment(["MASHUP_STRICT_SERVICES": "maybe"])
        }
        #expect(throws: ConfigurationError.self) {
            try ServiceConfiguration.fromEnvironment(["MASHUP_MAX_INLINE_AUDIO_MB": "-1"])
        }
    }
}
