import Foundation

/// Who may call the server: a bearer token when one is configured (compared in constant time), otherwise
/// loopback clients only unless remote clients are explicitly allowed.
public struct AccessControl: Sendable {
    let token: [UInt8]?
    let allowRemoteWithoutToken: Bool

    public init(configuration: ServerConfiguration) {
        token = configuration.apiToken.map { Array($0.utf8) }
        allowRemoteWithoutToken = configuration.allowRemoteWithoutToken
    }

    /// nil when the request may proceed, else the refusal (401 or 403).
    /// - Parameter queryToken: the `?token=` parameter, for routes that accept one (`RouteOptions.acceptsQueryToken`);
    ///   used only when no `Authorization` header is sent.
    public func check(headers: HTTPHeaders, remoteAddress: String, queryToken: String? = nil) -> HTTPError? {
        if let token {
            guard let presented = Self.bearerToken(headers["Authorization"]) ?? queryToken,
                Self.constantTimeEqual(Array(presented.utf8), token)
            else {
                return HTTPError(
                    status: 401, "missing or invalid bearer token", field: "authorization",
                    headers: ["WWW-Authenticate": "Bearer"])
            }
            return nil
        }
        if allowRemoteWithoutToken { return nil }
        guard IPAddress(remoteAddress)?.isLoopback == true else {
            return HTTPError(
                status: 403, "only loopback clients are served without an API token (set MASHUP_API_TOKEN)",
                field: "remote_address")
        }
        return nil
    }

    /// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive).
    public static func bearerToken(_ value: String?) -> String? {
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        return String(trimmed.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    /// Equality whose running time depends only on the lengths, not on where the bytes differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let length = max(a.count, b.count)
        var difference = UInt64(a.count ^ b.count)
        for i in 0..<length {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= UInt64(x ^ y)
        }
        return difference == 0
    }
}
