import DSP
import Foundation

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

    /// A bass-like tone at time `seconds`: partials 1...`partialCount` of `fundamentalHz` at 1/n of the
    /// fundamental's amplitude (a sawtooth's spectrum), peak about 1.6 for six partials. Real basses have partials;
    /// a pure sine bass has none of the 3rd and 5th partials that chroma's harmonic suppression removes.
    public static func bassTone(_ fundamentalHz: Double, at seconds: Double, partialCount: Int = 6) -> Double {
        var sum = 0.0
        for n in 1...max(1, partialCount) {
            sum += sin(2 * Double.pi * fundamentalHz * Double(n) * seconds) / Double(n)
        }
        return sum
    }

    /// Adds `voice(t)` (t in seconds from the voice's start) into `signal` from `startSeconds` for `seconds`, the part
    /// past the signal's end left out.
    public static func mix(
        _ voice: (Double) -> Double, at startSeconds: Double, seconds: Double, into signal: inout [Float],
        sampleRate: Double
    ) {
        let start = Int((startSeconds * sampleRate).rounded())
        for i in 0..<Int(seconds * sampleRate) where start + i >= 0 && start + i < signal.count {
            signal[start + i] += Float(voice(Double(i) / sampleRate))
        }
    }

    /// A stereo buffer with the same signal in both channels.
    public static func stereo(_ mono: [Float], sampleRate: Double) -> AudioBuffer {
        AudioBuffer(channels: [mono, mono], sampleRate: sampleRate)
    }
}
