import DSP
import Foundation

/// A 128-bit content fingerprint computed block by block: two FNV-1a 64 lanes with different bases over the
/// samples frame-interleaved (L, R, L, R...), then the channel count, frame count and rate. The value does not
/// depend on how the audio was cut into blocks, so a file read in blocks and the same audio in memory agree.
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

    private var a: UInt64 = 0xcbf2_9ce4_8422_2325
    private var b: UInt64 = 0x8422_2325_cbf2_9ce4
    private var frames = 0
    private static let prime: UInt64 = 0x100_0000_01b3

    public init() {}

    /// Adds the next block (frames in order).
    public mutating func append(_ block: AudioBuffer) {
        let channels = (0..<block.channelCount).map { block.channel($0) }
        var a = self.a, b = self.b
        for i in 0..<block.frameCount {
            for channel in channels {
                let w = UInt64(channel[i].bitPattern)
                a = (a ^ w) &* Self.prime
                b = (b ^ (w &* 0x9E37_79B9)) &* Self.prime
            }
        }
        self.a = a
        self.b = b
        frames += block.frameCount
    }

    /// The fingerprint of everything appended, with the shape and rate.
    public func value(channelCount: Int, sampleRate: Double) -> Value {
        var a = self.a, b = self.b
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
