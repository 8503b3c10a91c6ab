// Why this file uses unsafe pointers: inet_pton/inet_ntop and getaddrinfo read and write `in_addr`/`in6_addr`
// structures and C strings; this file converts them to and from Swift values once, for the whole Server.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 or IPv6 address with the classification the server's access and URL checks need.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt8])

    /// Address ranges, as the URL policy names them.
    public enum Scope: String, Sendable {
        case loopback // 127/8, ::1
        case unspecified // 0/8, ::
        case linkLocal // 169.254/16 (cloud metadata), fe80::/10
        case privateNetwork // 10/8, 172.16/12, 192.168/16, 100.64/10 (carrier NAT), fc00::/7
        case multicast // 224/4, ff00::/8
        case reserved // 240/4, broadcast
        case global
    }

    /// Parses a numeric address ("10.0.0.1", "::1", "[::1]", "::ffff:127.0.0.1"); nil for anything else.
    public init?(_ text: String) {
        var s = text
        if s.hasPrefix("["), s.hasSuffix("]") { s = String(s.dropFirst().dropLast()) }
        if let percent = s.firstIndex(of: "%") { s = String(s[..<percent]) } // zone id
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 {
            self = .v4(UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, s, &v6) == 1 {
            self = .v6(withUnsafeBytes(of: &v6) { Array($0) })
            return
        }
        return nil
    }

    /// The range this address belongs to. IPv4-mapped and IPv4-compatible IPv6 addresses are classified by their IPv4 part.
    public var scope: Scope {
        switch self {
        case .v4(let a):
            let b0 = a >> 24, b1 = (a >> 16) & 0xFF
            if b0 == 127 { return .loopback }
            if b0 == 0 { return .unspecified }
            if b0 == 169 && b1 == 254 { return .linkLocal }
            if b0 == 10 || (b0 == 172 && (16...31).contains(b1)) || (b0 == 192 && b1 == 168) { return .privateNetwork }
            if b0 == 100 && (64...127).contains(b1) { return .privateNetwork }
            if (224...239).contains(b0) { return .multicast }
            if b0 >= 240 { return .reserved }
            return .global
        case .v6(let b):
            if let embedded = embeddedIPv4 { return IPAddress.v4(embedded).scope }
            if b.allSatisfy({ $0 == 0 }) { return .unspecified }
            if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return .loopback }
            if b[0] == 0xFE && (b[1] & 0xC0) == 0x80 { return .linkLocal }
            if (b[0] & 0xFE) == 0xFC { return .privateNetwork }
            if b[0] == 0xFF { return .multicast }
            return .global
        }
    }

    /// True for 127/8 and ::1 (and ::ffff:127.x).
    public var isLoopback: Bool { scope == .loopback }

    /// The IPv4 address inside ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, not :: or ::1) or 64:ff9b::/96 (NAT64).
    private var embeddedIPv4: UInt32? {
        guard case .v6(let b) = self else { return nil }
        let tail = UInt32(b[12]) << 24 | UInt32(b[13]) << 16 | UInt32(b[14]) << 8 | UInt32(b[15])
        let mapped = b[0..<10].allSatisfy { $0 == 0 } && b[10] == 0xFF && b[11] == 0xFF
        let compatible = b[0..<12].allSatisfy { $0 == 0 } && tail > 1
        let nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b[4..<12].allSatisfy { $0 == 0 }
        return (mapped || compatible || nat64) ? tail : nil
    }

    public var description: String {
        switch self {
        case .v4(let a):
            return "\(a >> 24).\((a >> 16) & 0xFF).\((a >> 8) & 0xFF).\(a & 0xFF)"
        case .v6(var b):
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            _ = b.withUnsafeMutableBytes { inet_ntop(AF_INET6, $0.baseAddress, &text, socklen_t(text.count)) }
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Every address `host` resolves to (numeric hosts parse directly). Blocking (getaddrinfo).
    public static func resolve(_ host: String) -> [IPAddress] {
        if let literal = IPAddress(host) { return [literal] }
        var hints = addrinfo()
        hints.ai_socktype = streamSocketType
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let sa = info.pointee.ai_addr {
                if info.pointee.ai_family == AF_INET {
                    let sin = UnsafeRawPointer(sa).loadUnaligned(as: sockaddr_in.self)
                    addresses.append(.v4(UInt32(bigEndian: sin.sin_addr.s_addr)))
                } else if info.pointee.ai_family == AF_INET6 {
                    var sin6 = UnsafeRawPointer(sa).loadUnaligned(as: sockaddr_in6.self)
                    addresses.append(.v6(withUnsafeBytes(of: &sin6.sin6_addr) { Array($0) }))
                }
            }
            cursor = info.pointee.ai_next
        }
        var seen = Set<IPAddress>()
        return addresses.filter { seen.insert($0).inserted }
    }
}
