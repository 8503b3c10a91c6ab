import Foundation

/// Reads the sample rate and channel count straight from a WAV, AIFF or FLAC header, for a better message when
/// libsndfile refuses a file: libsndfile says "SF_INFO struct incomplete" for a WAV at 0 Hz, this says
/// "sample rate 0 Hz is not a valid sample rate".
///
/// Bounded: reads at most the first 64 KiB and walks at most 64 chunks; every offset is checked against the bytes
/// read. Returns nil for anything it does not recognise.
enum AudioHeaderSniffer {
    struct Header: Equatable {
        var sampleRateHz: Double
        var channelCount: Int
    }

    static func header(atPath path: String) -> Header? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 65_536) else { return nil }
        return header(in: [UInt8](data))
    }

    static func header(in b: [UInt8]) -> Header? {
        func tag(_ offset: Int) -> String? {
            guard offset >= 0, offset + 4 <= b.count else { return nil }
            return String(decoding: b[offset..<(offset + 4)], as: UTF8.self)
        }
        func le32(_ o: Int) -> UInt32 {
            UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
        }
        func le16(_ o: Int) -> UInt16 { UInt16(b[o]) | UInt16(b[o + 1]) << 8 }
        func be32(_ o: Int) -> UInt32 {
            UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
        }
        func be16(_ o: Int) -> UInt16 { UInt16(b[o]) << 8 | UInt16(b[o + 1]) }

        switch tag(0) {
        case "RIFF"?, "RIFX"?:
            guard tag(8) == "WAVE" else { return nil }
            var offset = 12
            for _ in 0..<64 {
                guard offset + 8 <= b.count, let id = tag(offset) else { return nil }
                let size = Int(le32(offset + 4))
                if id == "fmt " {
                    guard offset + 16 <= b.count else { return nil }
                    return Header(sampleRateHz: Double(le32(offset + 12)), channelCount: Int(le16(offset + 10)))
                }
                let next = offset + 8 + size + (size & 1)
                guard next > offset else { return nil }
                offset = next
            }
            return nil
        case "FORM"?:
            guard tag(8) == "AIFF" || tag(8) == "AIFC" else { return nil }
            var offset = 12
            for _ in 0..<64 {
                guard offset + 8 <= b.count, let id = tag(offset) else { return nil }
                let size = Int(be32(offset + 4))
                if id == "COMM" {
                    guard offset + 26 <= b.count else { return nil }
                    return Header(
                        sampleRateHz: extended80(Array(b[(offset + 16)..<(offset + 26)])),
                        channelCount: Int(be16(offset + 8)))
                }
                let next = offset + 8 + size + (size & 1)
                guard next > offset else { return nil }
                offset = next
            }
            return nil
        case "fLaC"?:
            // STREAMINFO is the first metadata block: 4-byte block header, then min/max block and frame sizes
            // (10 bytes), then 20 bits of sample rate and 3 bits of channels - 1.
            guard b.count >= 22 else { return nil }
            let rate = UInt32(b[18]) << 12 | UInt32(b[19]) << 4 | UInt32(b[20]) >> 4
            return Header(sampleRateHz: Double(rate), channelCount: Int((b[20] >> 1) & 0x07) + 1)
        default:
            return nil
        }
    }

    /// An IEEE 754 80-bit extended float (AIFF's sample rate), big-endian; 0 for zero, NaN-free.
    static func extended80(_ b: [UInt8]) -> Double {
        let exponent = Int(UInt16(b[0] & 0x7F) << 8 | UInt16(b[1]))
        var mantissa: UInt64 = 0
        for k in 2..<10 { mantissa = mantissa << 8 | UInt64(b[k]) }
        guard mantissa != 0, exponent != 0x7FFF else { return exponent == 0x7FFF ? .infinity : 0 }
        let value = Double(mantissa) * pow(2, Double(exponent - 16383 - 63))
        return b[0] & 0x80 != 0 ? -value : value
    }
}
