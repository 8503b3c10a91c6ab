import Foundation

/// Which outgoing URLs the engine may fetch (song `file_url`s, remote services): guards against server-side
/// request forgery. Only `http`/`https`; and the host's resolved addresses must not be loopback, unspecified,
/// link-local (169.254/16 is where cloud metadata lives, fe80::/10), private (10/8, 172.16/12, 192.168/16,
/// 100.64/10, fc00::/7), multicast or reserved, unless allowed here.
public struct URLPolicy: Sendable, Equatable, Codable {
    /// Allow 127/8 and ::1 (local services, tests).
    public var allowLoopback = false
    /// Allow private ranges (services on the same private network).
    public var allowPrivate = false
    /// Allow link-local, including cloud metadata addresses. Almost never wanted.
    public var allowLinkLocal = false
    /// Hosts always allowed whatever they resolve to (exact, case-insensitive), e.g. a configured service host.
    public var allowedHosts: Set<String> = []

    public init(
        allowLoopback: Bool = false, allowPrivate: Bool = false, allowLinkLocal: Bool = false,
        allowedHosts: Set<String> = []
    ) {
        self.allowLoopback = allowLoopback
        self.allowPrivate = allowPrivate
        self.allowLinkLocal = allowLinkLocal
        self.allowedHosts = Set(allowedHosts.map { $0.lowercased() })
    }

    /// Checks `text` and returns the parsed URL with the addresses its host resolved to (connect to one of these to
    /// avoid a second, different DNS answer). Throws a 400 `HTTPError` naming `field` when refused.
    /// Blocking: resolves the host name.
    @discardableResult
    public func check(_ text: String, field: String = "url") throws -> (url: URL, addresses: [IPAddress]) {
        guard !text.contains("\0"), let url = URL(string: text), let components = URLComponents(string: text) else {
            throw HTTPError.badRequest("not a valid URL", field: field)
        }
        let scheme = (components.scheme ?? "").lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw HTTPError.badRequest("URL scheme '\(scheme)' is not allowed (only http and https)", field: field)
        }
        guard var host = components.host, !host.isEmpty else {
            throw HTTPError.badRequest("URL has no host", field: field)
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if allowedHosts.contains(host.lowercased()) {
            return (url, IPAddress.resolve(host))
        }
        let addresses = IPAddress.resolve(host)
        guard !addresses.isEmpty else {
            throw HTTPError.badRequest("URL host '\(host)' does not resolve", field: field)
        }
        for address in addresses {
            if let reason = refusal(for: address.scope) {
                throw HTTPError.badRequest("URL host '\(host)' resolves to \(address), \(reason)", field: field)
            }
        }
        return (url, addresses)
    }

    /// Why an address of `scope` is refused, or nil when allowed.
    func refusal(for scope: IPAddress.Scope) -> String? {
        switch scope {
        case .global: return nil
        case .loopback: return allowLoopback ? nil : "a loopback address"
        case .privateNetwork: return allowPrivate ? nil : "a private-network address"
        case .linkLocal: return allowLinkLocal ? nil : "a link-local address (cloud metadata range)"
        case .unspecified: return "an unspecified address"
        case .multicast: return "a multicast address"
        case .reserved: return "a reserved address"
        }
    }
}
