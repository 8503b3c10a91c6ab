// SHA-256 (FIPS 180-4), written from the standard: 512-bit blocks, 64 rounds of the compression function over a
// message schedule of 64 words, big-endian length padding. Used for content keys of the cache (no crypto package
// is available); checked against the standard's test vectors. Streaming: `update` any number of times, then
// `finalize`. Pointer-free: bytes are read through bounds-checked `Span`s and the message schedule is an
// `InlineArray` (no heap, no unsafe code).
import Foundation

/// A streaming SHA-256 digest.
public struct SHA256: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19)
    /// Bytes waiting for a full 64-byte block.
    private var pending: [UInt8] = []
    /// Message length so far, in bytes.
    private var byteCount: UInt64 = 0

    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    public init() { pending.reserveCapacity(64) }

    /// The digest of `data` in one call.
    public static func hash(_ data: some DataProtocol) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data)
        return hasher.finalize()
    }

    /// Adds bytes to the message.
    public mutating func update(_ data: some DataProtocol) {
        for region in data.regions {
            let bytes = region as? Data ?? Data(region)
            update(span: bytes.span)
        }
    }

    /// Adds the bytes `handle` reads from its position to its end, `chunkBytes` at a time (a large file is not
    /// loaded whole).
    /// - Throws: the handle's read error.
    public mutating func update(readingToEndOf handle: FileHandle, chunkBytes: Int = 1 << 20) throws {
        while let chunk = try handle.read(upToCount: chunkBytes), !chunk.isEmpty { update(chunk) }
    }

    /// Adds bytes to the message (bounds-checked views, no pointers).
    private mutating func update(span bytes: Span<UInt8>) {
        byteCount &+= UInt64(bytes.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            for index in 0..<take { pending.append(bytes[index]) }
            offset = take
            guard pending.count == 64 else { return }
            let block = pending
            compress(blocks: block.span, from: 0, count: 1)
            pending.removeAll(keepingCapacity: true)
        }
        let wholeBlocks = (bytes.count - offset) / 64
        if wholeBlocks > 0 {
            compress(blocks: bytes, from: offset, count: wholeBlocks)
            offset += wholeBlocks * 64
        }
        for index in offset..<bytes.count { pending.append(bytes[index]) }
    }

    /// Pads the message and returns the 32-byte digest.
    public mutating func finalize() -> [UInt8] {
        let bitLength = byteCount &* 8
        var padding: [UInt8] = [0x80]
        let remainder = (pending.count + 1) % 64
        padding += [UInt8](repeating: 0, count: remainder <= 56 ? 56 - remainder : 120 - remainder)
        for shift in stride(from: 56, through: 0, by: -8) {
            padding.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        let savedCount = byteCount
        update(span: padding.span)
        byteCount = savedCount
        precondition(pending.isEmpty)
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
            digest += [
                UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8),
                UInt8(truncatingIfNeeded: word),
            ]
        }
        return digest
    }

    /// Lowercase hexadecimal of a digest.
    public static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(digest.count * 2)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    @inline(__always)
    private static func rotateRight(_ value: UInt32, _ count: UInt32) -> UInt32 {
        // Masking shifts: no over-shift branches in the hot loop.
        (value &>> count) | (value &<< (32 &- count))
    }

    /// Runs the compression function over `count` consecutive 64-byte blocks of `bytes` from byte `start`.
    private mutating func compress(blocks bytes: Span<UInt8>, from start: Int, count: Int) {
        var (h0, h1, h2, h3, h4, h5, h6, h7) = state
        var schedule = InlineArray<64, UInt32>(repeating: 0)
        for blockIndex in 0..<count {
            let block = start &+ blockIndex &* 64
            for index in 0..<16 {
                let byte = block &+ index &* 4
                schedule[index] =
                    UInt32(bytes[byte]) << 24 | UInt32(bytes[byte &+ 1]) << 16
                    | UInt32(bytes[byte &+ 2]) << 8 | UInt32(bytes[byte &+ 3])
            }
            for index in 16..<64 {
                let w15 = schedule[index &- 15], w2 = schedule[index &- 2]
                let sigma0 = Self.rotateRight(w15, 7) ^ Self.rotateRight(w15, 18) ^ (w15 &>> 3)
                let sigma1 = Self.rotateRight(w2, 17) ^ Self.rotateRight(w2, 19) ^ (w2 &>> 10)
                schedule[index] = schedule[index &- 16] &+ sigma0 &+ schedule[index &- 7] &+ sigma1
            }
            var (a, b, c, d, e, f, g, h) = (h0, h1, h2, h3, h4, h5, h6, h7)
            for index in 0..<64 {
                let sum1 = Self.rotateRight(e, 6) ^ Self.rotateRight(e, 11) ^ Self.rotateRight(e, 25)
                let choice = (e & f) ^ (~e & g)
                let temp1 = h &+ sum1 &+ choice &+ Self.roundConstants[index] &+ schedule[index]
                let sum0 = Self.rotateRight(a, 2) ^ Self.rotateRight(a, 13) ^ Self.rotateRight(a, 22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                h = g; g = f; f = e; e = d &+ temp1
                d = c; c = b; b = a; a = temp1 &+ sum0 &+ majority
            }
            h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
        }
        state = (h0, h1, h2, h3, h4, h5, h6, h7)
    }
}
