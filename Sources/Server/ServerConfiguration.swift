import Foundation

/// Everything the HTTP layer can be told: where to listen, limits, access control. Every field has a safe default
/// and can be set from the environment (`fromEnvironment`) and from command-line flags (`applying(arguments:)`).
public struct ServerConfiguration: Sendable, Equatable {
    /// Host or address to bind (default 127.0.0.1: loopback only). `MASHUP_HOST`, `--host`.
    public var host: String = "127.0.0.1"
    /// TCP port; 0 picks a free one (read it back from `HTTPServer.port`). `MASHUP_PORT`, `--port`.
    public var port: UInt16 = 8001
    /// Bearer token required on every route that requires authorization. `MASHUP_API_TOKEN` (never a flag, so it
    /// does not show in process listings).
    public var apiToken: String? = nil
    /// Without a token, serve clients that are not on loopback too (default false: they get 403).
    /// `MASHUP_ALLOW_REMOTE=1`, `--allow-remote`.
    public var allowRemoteWithoutToken = false
    /// Largest in-memory (JSON) request body in bytes; larger answers 413. `MASHUP_MAX_JSON_BYTES`, `--max-json-bytes`.
    public var maxJSONBodyBytes = 2 * 1024 * 1024
    /// Largest upload body in bytes (routes with `BodyLimit.upload`); larger answers 413.
    /// `MASHUP_MAX_UPLOAD_BYTES`, `--max-upload-bytes`.
    public var maxUploadBytes = 200 * 1024 * 1024
    /// Largest request head (request line + header fields) in bytes; larger answers 431.
    /// `MASHUP_MAX_HEADER_BYTES`, `--max-header-bytes`.
    public var maxHeaderBytes = 16 * 1024
    /// Seconds of inactivity after which a connection is closed (slow or idle clients). Event streams are exempt
    /// (they send heartbeats). `MASHUP_CONNECTION_TIMEOUT`, `--connection-timeout`.
    public var connectionTimeoutSeconds = 30
    /// Maximum concurrent connections (each one is a thread); more are refused at accept.
    /// `MASHUP_MAX_CONNECTIONS`, `--max-connections`.
    public var maxConnections = 128
    /// Maximum concurrent connections from one client address (0: no per-client limit).
    /// `MASHUP_MAX_CONNECTIONS_PER_CLIENT`, `--max-connections-per-client`.
    public var maxConnectionsPerClient = 0
    /// Idle time after which an event stream sends a `: keep-alive` comment. `MASHUP_SSE_HEARTBEAT`, `--sse-heartbeat`
    /// (seconds, fractions allowed).
    public var heartbeatInterval: Duration = .seconds(15)
    /// `Access-Control-Allow-Origin` value sent on every response. `MASHUP_CORS_ORIGIN`, `--cors-origin`.
    public var corsAllowOrigin = "*"
    /// Outgoing-URL policy (song URLs, service calls). `MASHUP_ALLOW_PRIVATE_URLS=1`, `--allow-private-urls`.
    public var urlPolicy = URLPolicy()

    public init() {}

    /// Bytes of libmicrohttpd's per-connection memory pool: room for the largest head we accept plus I/O
    /// buffers, so that our own 431 JSON answer comes before MHD's built-in refusal.
    var connectionMemoryLimitBytes: Int { max(64 * 1024, 2 * maxHeaderBytes + 32 * 1024) }

    /// Errors from reading a configuration.
    public struct InvalidValue: Error, Sendable, Equatable, CustomStringConvertible {
        /// The variable or flag at fault.
        public let name: String
        public let value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
        public var description: String { "invalid value '\(value)' for \(name)" }
    }

    /// The defaults overridden by `environment` (see each field for its variable).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> ServerConfiguration
    {
        var c = ServerConfiguration()
        let map: [(String, String)] = [
            ("MASHUP_HOST", "--host"), ("MASHUP_PORT", "--port"), ("MASHUP_MAX_JSON_BYTES", "--max-json-bytes"),
            ("MASHUP_MAX_UPLOAD_BYTES", "--max-upload-bytes"), ("MASHUP_MAX_HEADER_BYTES", "--max-header-bytes"),
            ("MASHUP_CONNECTION_TIMEOUT", "--connection-timeout"), ("MASHUP_MAX_CONNECTIONS", "--max-connections"),
            ("MASHUP_MAX_CONNECTIONS_PER_CLIENT", "--max-connections-per-client"),
            ("MASHUP_SSE_HEARTBEAT", "--sse-heartbeat"), ("MASHUP_CORS_ORIGIN", "--cors-origin"),
        ]
        for (variable, flag) in map {
            if let value = environment[variable], !value.isEmpty { try c.set(flag, value, name: variable) }
        }
        if let token = environment["MASHUP_API_TOKEN"], !token.isEmpty { c.apiToken = token }
        if let value = environment["MASHUP_ALLOW_REMOTE"] {
            c.allowRemoteWithoutToken = try parseBool(value, name: "MASHUP_ALLOW_REMOTE")
        }
        if let value = environment["MASHUP_ALLOW_PRIVATE_URLS"] {
            let allow = try parseBool(value, name: "MASHUP_ALLOW_PRIVATE_URLS")
            c.urlPolicy.allowPrivate = allow
            c.urlPolicy.allowLoopback = allow
        }
        return c
    }

    /// This configuration with the flags in `arguments` applied (`--name value` or `--name=value`; boolean
    /// flags take no value). Unknown arguments are returned for the caller to handle.
    public func applying(arguments: [String]) throws -> (configuration: ServerConfiguration, unused: [String]) {
        var c = self
        var unused: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            var name = argument
            var inlineValue: String?
            if let eq = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                name = String(argument[..<eq])
                inlineValue = String(argument[argument.index(after: eq)...])
            }
            switch name {
            case "--allow-remote":
                c.allowRemoteWithoutToken = true
            case "--allow-private-urls":
                c.urlPolicy.allowPrivate = true
                c.urlPolicy.allowLoopback = true
            case _ where Self.valueFlags.contains(name):
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard index + 1 < arguments.count else { throw InvalidValue(name: name, value: "") }
                    index += 1
                    value = arguments[index]
                }
                try c.set(name, value, name: name)
            default:
                unused.append(argument)
            }
            index += 1
        }
        return (c, unused)
    }

    static let valueFlags: Set<String> = [
        "--host", "--port", "--max-json-bytes", "--max-upload-bytes", "--max-header-bytes", "--connection-timeout",
        "--max-connections", "--max-connections-per-client", "--sse-heartbeat", "--cors-origin",
    ]

    private mutating func set(_ flag: String, _ value: String, name: String) throws {
        func int(_ range: ClosedRange<Int>) throws -> Int {
            guard let n = Int(value.trimmingCharacters(in: .whitespaces)), range.contains(n) else {
                throw InvalidValue(name: name, value: value)
            }
            return n
        }
        switch flag {
        case "--host":
            guard !value.isEmpty else { throw InvalidValue(name: name, value: value) }
            host = value
        case "--port": port = UInt16(try int(0...65535))
        case "--max-json-bytes": maxJSONBodyBytes = try int(1...Int(Int32.max))
        case "--max-upload-bytes": maxUploadBytes = try int(1...Int.max)
        case "--max-header-bytes": maxHeaderBytes = try int(256...(1 << 20))
        case "--connection-timeout": connectionTimeoutSeconds = try int(1...86_400)
        case "--max-connections": maxConnections = try int(1...65_536)
        case "--max-connections-per-client": maxConnectionsPerClient = try int(0...65_536)
        case "--sse-heartbeat":
            guard let seconds = Double(value), seconds > 0, seconds <= 3600 else {
                throw InvalidValue(name: name, value: value)
            }
            heartbeatInterval = .milliseconds(Int((seconds * 1000).rounded()))
        case "--cors-origin": corsAllowOrigin = value
        default: throw InvalidValue(name: name, value: value)
        }
    }

    private static func parseBool(_ value: String, name: String) throws -> Bool {
        switch value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off", "": return false
        default: throw InvalidValue(name: name, value: value)
        }
    }
}
