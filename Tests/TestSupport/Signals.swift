import DSP
import Foundation

/// A small deterministic random generator (SplitMix64), so test signals are the same on every run.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in -1...1.
    public mutating func nextBipolar() -> Float { Float(Double(next() >> 11) / Double(1 << 53)) * 2 - 1 }
}

/// Test signal generators. Amplitudes are linear peak values; times in seconds; frequencies in Hz.
public enum Signals {
    /// A sine of `frequencyHz`, `amplitude` peak, starting at `phaseRadians`.
    public static func sine(
        frequencyHz: Double, sampleRate: Double, frameCount: Int,
        amplitude: Float = 0.5, phaseRadians: Double = 0
    ) -> [Float] {
        let w = 2 * Double.pi * frequencyHz / sampleRate
        return (0..<frameCount).map { amplitude * Float(sin(w * Double($0) + phaseRadians)) }
    }

    /// White noise, uniform in -amplitude...amplitude.
    public static func noise(frameCount: Int, amplitude: Float = 0.5, seed: UInt64 = 1) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<frameCount).map { _ in amplitude * rng.nextBipolar() }
    }

    /// Single-sample clicks of `amplitude` at every multiple of `periodSeconds`, starting at `offsetSeconds`.
    public static func clickTrain(
        periodSeconds: Double, sampleRate: Double, frameCount: Int,
        offsetSeconds: Double = 0, amplitude: Float = 0.9
    ) -> [Float] {
        var out = [Float](repeating: 0, count: frameCount)
        var t = offsetSeconds
        while true {
            let index = Int((t * sampleRate).rounded())
            if index >= frameCount { break }
            if index >= 0 { out[index] = amplitude }
            t += periodSeconds
        }
        return out
    }

    /// A sum of sines (a chord or a harmonic tone), each `amplitude` peak.
    public static func sines(
        frequenciesHz: [Double], sampleRate: Double, frameCount: Int,
        amplitude: Float = 0.2
    ) -> [Float] {
        var out = [Float](repeating: 0, count: frameCount)
        for f in frequenciesHz {
            let s = sine(frequencyHz: f, sampleRate: sampleRate, frameCount: frameCount, amplitude: amplitude)
            for i in 0..<frameCount { out[i] += s[i] }
        }
        return out
    }

    /// A stereo buffer with the same signal in both channels.
    public static func stereo(_ mono: [Float], sampleRate: Double) -> AudioBuffer {
        AudioBuffer(channels: [mono, mono], sampleRate: sampleRate)
    }
}
