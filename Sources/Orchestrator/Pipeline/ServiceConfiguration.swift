import Foundation

/// Where one remote service lives and how to call it.
public struct ServiceEndpoint: Sendable, Equatable {
    /// The base URL; paths such as `/analyze` are appended.
    public var baseURL: URL
    /// Sent as `Authorization: Bearer <apiKey>` when set (for Claude directly: `x-api-key`).
    public var apiKey: String?
    /// Total time allowed per attempt, in seconds.
    public var timeoutSeconds: Double

    public init(baseURL: URL, apiKey: String? = nil, timeoutSeconds: Double) {
        precondition(timeoutSeconds > 0, "timeout must be positive")
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.timeoutSeconds = timeoutSeconds
    }

    /// `baseURL` joined with `path` (exactly one slash between them; a base path such as `/api` is kept).
    public func url(path: String) -> URL {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let suffix = path.hasPrefix("/") ? path : "/" + path
        return URL(string: base + suffix) ?? baseURL.appendingPathComponent(path)
    }
}

/// Per-service timeouts of the contract, in seconds.
public struct ServiceTimeouts: Sendable, Equatable {
    public var analysisSeconds: Double = 45
    public var scoringSeconds: Double = 30
    public var plannerSeconds: Double = 60
    public var anthropicSeconds: Double = 120
    public var separationSeconds: Double = 300
    public var downloadSeconds: Double = 30
    public init() {}
}

/// Settings of the Anthropic Messages API (Claude as the planner, directly).
public struct AnthropicSettings: Sendable, Equatable {
    /// The model used when `ANTHROPIC_MODEL` is unset.
    public static let defaultModel = "claude-sonnet-4-5"
    public static let defaultBaseURL = URL(string: "https://api.anthropic.com")!

    public var endpoint: ServiceEndpoint
    public var model: String
    /// Output token budget of the first request; doubled once (up to `maximumTokensCeiling`) after `max_tokens`.
    public var maximumTokens: Int = 8192
    public var maximumTokensCeiling: Int = 16384
    /// Sampling temperature 0...1.
    public var temperature: Double = 0.7

    public init(
        apiKey: String, model: String = AnthropicSettings.defaultModel,
        baseURL: URL = AnthropicSettings.defaultBaseURL, timeoutSeconds: Double = 120
    ) {
        endpoint = ServiceEndpoint(baseURL: baseURL, apiKey: apiKey, timeoutSeconds: timeoutSeconds)
        self.model = model
    }
}

/// A configuration value in the environment that cannot be used.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var variable: String
    public var value: String
    public var reason: String
    public var description: String { "\(variable)=\"\(value)\": \(reason)" }

    public init(variable: String, value: String, reason: String) {
        self.variable = variable
        self.value = value
        self.reason = reason
    }
}

/// Which remote services to call (nil = the embedded default) and how.
///
/// Environment variables (unset or empty = embedded default):
/// `ANALYSIS_API_URL`, `SCORING_API_URL`, `ORCHESTRATOR_API_URL` (the planner service), `SEPARATION_API_URL`;
/// per-service bearer keys `ANALYSIS_API_KEY`, `SCORING_API_KEY`, `ORCHESTRATOR_API_KEY` (default: the Anthropic key,
/// which the planner service forwards), `SEPARATION_API_KEY`; `ANTHROPIC_API_KEY`, `ANTHROPIC_MODEL`,
/// `ANTHROPIC_BASE_URL`; `MASHUP_STRICT_SERVICES` (1/true/yes: fail instead of falling back);
/// `MASHUP_MAX_INLINE_AUDIO_MB` (largest song sent inline as base64, default 25).
public struct ServiceConfiguration: Sendable, Equatable {
    public var analysis: ServiceEndpoint?
    public var scoring: ServiceEndpoint?
    /// The planner service of the contract (`/create-masterplan`).
    public var planner: ServiceEndpoint?
    public var separation: ServiceEndpoint?
    /// Claude directly; used for planning when `planner` is nil.
    public var anthropic: AnthropicSettings?
    /// Fail a job when a configured service fails for good, instead of using the embedded default.
    public var strict: Bool = false
    public var retryPolicy: RetryPolicy = .standard
    /// Consecutive failed calls that open a service's circuit (contract: 3).
    public var breakerFailureThreshold: Int = 3
    /// How long an open circuit sends calls to the embedded default, in seconds (contract: 300).
    public var breakerOpenSeconds: Double = 300
    /// Largest song sent inline (base64) to the analysis service, in bytes.
    public var maximumInlineAudioBytes: Int = 25 * 1_048_576
    public var timeouts = ServiceTimeouts()

    public init() {}

    /// How the masterplan is made.
    public enum PlannerRoute: Sendable, Equatable {
        /// The planner service (which asks Claude).
        case service
        /// The Anthropic Messages API directly.
        case anthropic
        /// The embedded planner.
        case embedded
    }

    /// The planner service when configured, else Claude directly when a key is set, else embedded.
    public var plannerRoute: PlannerRoute {
        if planner != nil { return .service }
        if anthropic != nil { return .anthropic }
        return .embedded
    }

    /// Reads the configuration from environment variables (see the type's documentation).
    /// - Throws: `ConfigurationError` naming a variable whose value is not a usable http(s) URL or number.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> ServiceConfiguration
    {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                return nil
            }
            return text
        }
        func url(_ name: String) throws -> URL? {
            guard let text = value(name) else { return nil }
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
                ["http", "https"].contains(scheme),
                url.host != nil
            else {
                throw ConfigurationError(variable: name, value: text, reason: "not an http(s) URL")
            }
            return url
        }
        var configuration = ServiceConfiguration()
        let timeouts = configuration.timeouts
        let anthropicKey = value("ANTHROPIC_API_KEY")
        if let base = try url("ANALYSIS_API_URL") {
            configuration.analysis = ServiceEndpoint(
                baseURL: base, apiKey: value("ANALYSIS_API_KEY"), timeoutSeconds: timeouts.analysisSeconds)
        }
        if let base = try url("SCORING_API_URL") {
            configuration.scoring = ServiceEndpoint(
                baseURL: base, apiKey: value("SCORING_API_KEY"), timeoutSeconds: timeouts.scoringSeconds)
        }
        if let base = try url("ORCHESTRATOR_API_URL") {
            configuration.planner = ServiceEndpoint(
                baseURL: base, apiKey: value("ORCHESTRATOR_API_KEY") ?? anthropicKey,
                timeoutSeconds: timeouts.plannerSeconds)
        }
        if let base = try url("SEPARATION_API_URL") {
            configuration.separation = ServiceEndpoint(
                baseURL: base, apiKey: value("SEPARATION_API_KEY"),
                timeoutSeconds: timeouts.separationSeconds)
        }
        if let anthropicKey {
            configuration.anthropic = AnthropicSettings(
                apiKey: anthropicKey, model: value("ANTHROPIC_MODEL") ?? AnthropicSettings.defaultModel,
                baseURL: try url("ANTHROPIC_BASE_URL") ?? AnthropicSettings.defaultBaseURL,
                timeoutSeconds: timeouts.anthropicSeconds)
        }
        if let strict = value("MASHUP_STRICT_SERVICES") {
            switch strict.lowercased() {
            case "1", "true", "yes", "on": configuration.strict = true
            case "0", "false", "no", "off": configuration.strict = false
            default:
                throw ConfigurationError(variable: "MASHUP_STRICT_SERVICES", value: strict, reason: "expected 1 or 0")
            }
        }
        if let megabytes = value("MASHUP_MAX_INLINE_AUDIO_MB") {
            guard let number = Double(megabytes), number > 0, number < 4096 else {
                throw ConfigurationError(
                    variable: "MASHUP_MAX_INLINE_AUDIO_MB", value: megabytes,
                    reason: "expected a size in MB between 0 and 4096")
            }
            configuration.maximumInlineAudioBytes = Int(number * 1_048_576)
        }
        return configuration
    }
}
