import DSP
import Foundation

/// A 128-bit content fingerprint computed block by block: two FNV-1a 64 lanes with different bases over the
/// samples frame-interleaved (L, R, L, R...) two to a 64-bit word, each lane run as four chains (frame index modulo
/// 4; four independent multiplications the processor overlaps, about three times as fast as one chain), which
/// `value` folds together with the channel count, frame count and rate. The second lane hashes each word rotated.
/// The value does not depend on how the audio was cut into blocks, so a file read in blocks and the same audio in
/// memory agree.
public struct SourceFingerprint: Sendable {
    /// The two lanes.
    public struct Value: Hashable, Sendable {
        public var a: UInt64
        public var b: UInt64
        public init(a: UInt64, b: UInt64) { self.a = a; self.b = b }

        /// 16 bytes, little-endian lanes: the audio part of a content-cache key.
        public var data: Data {
            var bytes = Data(capacity: 16)
            for lane in [a, b] {
                for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: lane >> shift)) }
            }
            return bytes
        }
    }

    private static let basisA: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let basisB: UInt64 = 0x8422_2325_cbf2_9ce4
    /// Chain k of each lane takes the frames whose index is k modulo 4.
    private var a = InlineArray<4, UInt64>(repeating: basisA)
    private var b = InlineArray<4, UInt64>(repeating: basisB)
    private var frames = 0
    private static let prime: UInt64 = 0x100_0000_01b3

    public init() {}

    /// Adds the next block (frames in order).
    public mutating func append(_ block: AudioBuffer) {
        let n = block.frameCount
        guard n > 0 else { return }
        var a = self.a, b = self.b
        let first = frames
        if block.channelCount == 2 {
            block.withSamples(ofChannel: 0) { left in
                block.withSamples(ofChannel: 1) { right in
                    @inline(__always) func word(_ i: Int) -> UInt64 {
                        UInt64(left[i].bitPattern) | UInt64(right[i].bitPattern) << 32
                    }
                    var i = 0
                    while i < n && (first + i) & 3 != 0 {
                        Self.mix(&a[(first + i) & 3], &b[(first + i) & 3], word(i))
                        i += 1
                    }
                    var a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3]
                    var b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3]
                    while i + 4 <= n {
                        Self.mix(&a0, &b0, word(i))
                        Self.mix(&a1, &b1, word(i + 1))
                        Self.mix(&a2, &b2, word(i + 2))
                        Self.mix(&a3, &b3, word(i + 3))
                        i += 4
                    }
                    a[0] = a0; a[1] = a1; a[2] = a2; a[3] = a3
                    b[0] = b0; b[1] = b1; b[2] = b2; b[3] = b3
                    while i < n {
                        Self.mix(&a[(first + i) & 3], &b[(first + i) & 3], word(i))
                        i += 1
                    }
                }
            }
        } else {
            // Any other channel count: the frame's samples two to a word (the last alone when the count is odd).
            let channels = (0..<block.channelCount).map { block.channel($0) }
            for i in 0..<n {
                let chain = (first + i) & 3
                var c = 0
                while c < channels.count {
                    var w = UInt64(channels[c][i].bitPattern)
                    if c + 1 < channels.count { w |= UInt64(channels[c + 1][i].bitPattern) << 32 }
                    Self.mix(&a[chain], &b[chain], w)
                    c += 2
                }
            }
        }
        self.a = a
        self.b = b
        frames += n
    }

    /// One FNV-1a step of each lane (the second on the word rotated by 29 bits).
    @inline(__always)
    private static func mix(_ a: inout UInt64, _ b: inout UInt64, _ w: UInt64) {
        a = (a ^ w) &* prime
        b = (b ^ (w << 29 | w >> 35)) &* prime
    }

    /// The fingerprint of everything appended, with the shape and rate.
    public func value(channelCount: Int, sampleRate: Double) -> Value {
        var a = Self.basisA, b = Self.basisB
        for k in 0..<4 {
            a = (a ^ self.a[k]) &* Self.prime
            b = (b ^ self.b[k]) &* Self.prime
        }
        for word in [UInt64(channelCount), UInt64(frames), sampleRate.bitPattern] {
            a = (a ^ word) &* Self.prime
            b = (b ^ word) &* Self.prime
        }
        return Value(a: a, b: b)
    }

    /// The fingerprint of a whole buffer.
    public static func of(_ buffer: AudioBuffer) -> Value {
        var fingerprint = SourceFingerprint()
        fingerprint.append(buffer)
        return fingerprint.value(channelCount: buffer.channelCount, sampleRate: buffer.sampleRate)
    }
}
