// Signed, expiring links to objects of the local storage, so that a remote service (the separation service) can
// fetch a song that only this server holds. A link names the path and its expiry and carries an HMAC-SHA-256 of both
// under a secret the server and its workers share; `GET /v1/files` serves the object to whoever presents a valid,
// unexpired link, with no bearer token (the signature is the credential, as with Supabase's signed URLs).
import Foundation
import Glibc
import MashupModel
import Orchestrator

/// Makes and checks signed links to local storage objects (`MASHUP_PUBLIC_URL`, `MASHUP_LINK_SECRET`).
public struct StorageLinkSigner: Sendable {
    /// The server's address as the other service reaches it, e.g. `https://mashup.example.com` (no query).
    public let publicBaseURL: URL
    private let key: [UInt8]

    /// Why a link is refused.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case missingField(String)
        case expired(expiresAt: Int, now: Int)
        case badSignature

        public var description: String {
            switch self {
            case .missingField(let name): "the link has no '\(name)' parameter"
            case .expired(let expiresAt, let now):
                "the link expired \(now - expiresAt) s ago (at \(expiresAt), Unix time)"
            case .badSignature: "the link's signature does not match its path and expiry"
            }
        }
    }

    /// - Parameters:
    ///   - publicBaseURL: an absolute http or https URL.
    ///   - secret: at least 16 bytes.
    public init(publicBaseURL: URL, secret: [UInt8]) {
        self.publicBaseURL = publicBaseURL
        self.key = secret
    }

    /// The link to `path`, valid until `expiresAt` (Unix seconds).
    public func link(to path: String, expiresAt: Int) -> URL {
        var components = URLComponents(url: publicBaseURL, resolvingAgainstBaseURL: false) ?? URLComponents()
        let basePath = components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
        components.path = basePath + "/v1/files"
        components.queryItems = [
            URLQueryItem(name: "path", value: path),
            URLQueryItem(name: "expires", value: String(expiresAt)),
            URLQueryItem(name: "signature", value: signature(path: path, expiresAt: expiresAt)),
        ]
        // `+` is legal in a query but read as a space by some servers: encode it.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.url ?? publicBaseURL
    }

    /// The path a link's query names when its signature holds and it has not expired at `now` (Unix seconds).
    /// - Throws: `Refusal`.
    public func verify(query: [String: String], now: Int) throws(Refusal) -> String {
        guard let path = query["path"], !path.isEmpty else { throw .missingField("path") }
        guard let text = query["expires"], let expiresAt = Int(text) else { throw .missingField("expires") }
        guard let presented = query["signature"] else { throw .missingField("signature") }
        guard
            AccessControl.constantTimeEqual(
                Array(presented.utf8), Array(signature(path: path, expiresAt: expiresAt).utf8))
        else {
            throw .badSignature
        }
        guard now <= expiresAt else { throw .expired(expiresAt: expiresAt, now: now) }
        return path
    }

    /// Hex HMAC-SHA-256 over "path\nexpiresAt".
    func signature(path: String, expiresAt: Int) -> String {
        SHA256.hex(Self.hmac(key: key, message: Array("\(path)\n\(expiresAt)".utf8)))
    }

    /// HMAC-SHA-256 (RFC 2104) of `message` under `key`.
    public static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let blockSize = 64
        var block = key.count > blockSize ? SHA256.hash(key) : key
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(inner.finalize())
        return outer.finalize()
    }

    /// The signer the environment configures, or nil when `MASHUP_PUBLIC_URL` is unset.
    /// - Parameters:
    ///   - environment: reads `MASHUP_PUBLIC_URL` (http or https, with a host) and `MASHUP_LINK_SECRET` (at least 16
    ///     characters). Without a secret, one is made once and kept in `<storageRoot>/.link-secret` (mode 0600), so
    ///     the server and its worker processes share it.
    /// - Throws: `ServerConfigurationError`-style text naming the variable, the value and the rule.
    public static func fromEnvironment(_ environment: [String: String], storageRoot: URL) throws -> StorageLinkSigner? {
        guard let text = environment["MASHUP_PUBLIC_URL"], !text.isEmpty else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty, url.query == nil
        else {
            throw StorageLinkConfigurationError(
                "MASHUP_PUBLIC_URL '\(text.prefix(200))' is not an absolute http or https URL with a host and no query")
        }
        if let secret = environment["MASHUP_LINK_SECRET"], !secret.isEmpty {
            guard secret.utf8.count >= 16 else {
                throw StorageLinkConfigurationError(
                    "MASHUP_LINK_SECRET has \(secret.utf8.count) characters; at least 16 are needed")
            }
            return StorageLinkSigner(publicBaseURL: url, secret: Array(secret.utf8))
        }
        return StorageLinkSigner(publicBaseURL: url, secret: try storedSecret(in: storageRoot))
    }

    /// The secret in `<root>/.link-secret`, created with 32 random bytes when missing (first writer wins).
    static func storedSecret(in root: URL) throws -> [UInt8] {
        let file = root.appendingPathComponent(".link-secret")
        if let existing = try? Data(contentsOf: file), existing.count >= 16 { return Array(existing) }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let temporary = root.appendingPathComponent(".link-secret-\(UUID().uuidString)")
        guard
            FileManager.default.createFile(
                atPath: temporary.path, contents: Data(bytes),
                attributes: [.posixPermissions: 0o600])
        else {
            throw StorageLinkConfigurationError("cannot write the link secret in \(root.path)")
        }
        defer { try? FileManager.default.removeItem(at: temporary) }
        // link(2) fails when another process made the file first; then its secret is the one.
        if let code = SystemCalls.link(temporary.path, as: file.path), code != EEXIST {
            throw StorageLinkConfigurationError("cannot create \(file.path): \(SystemCalls.errorText(code))")
        }
        guard let stored = try? Data(contentsOf: file), stored.count >= 16 else {
            throw StorageLinkConfigurationError("\(file.path) holds no usable secret (under 16 bytes)")
        }
        return Array(stored)
    }
}

/// A link-signing setting that cannot be used.
public struct StorageLinkConfigurationError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
