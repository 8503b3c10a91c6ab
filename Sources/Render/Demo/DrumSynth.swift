import DSP
import Foundation

/// Synthetic drum sounds.
enum DrumSynth {
    static func kick(into out: inout [Float], start: Int, sampleRate: Double, amplitude: Float) {
        let length = Int(0.3 * sampleRate)
        var phase = 0.0
        for i in 0..<length {
            let s = start + i
            guard s < out.count else { break }
            let t = Double(i) / sampleRate
            let f = 50 + 90 * exp(-t / 0.03)
            phase += f / sampleRate
            out[s] += amplitude * Float(exp(-t / 0.18) * sin(2 * .pi * phase))
        }
    }

    static func snare(
        into out: inout [Float], start: Int, sampleRate: Double, amplitude: Float, rng: inout SeededGenerator
    ) {
        let length = Int(0.2 * sampleRate)
        var previous: Float = 0
        for i in 0..<length {
            let s = start + i
            guard s < out.count else { break }
            let t = Double(i) / sampleRate
            let noise = rng.nextBipolar()
            let bright = noise - 0.6 * previous
            previous = noise
            let tone = Float(sin(2 * .pi * 185 * t) * exp(-t / 0.05))
            out[s] += amplitude * (Float(exp(-t / 0.09)) * bright * 0.8 + 0.6 * tone)
        }
    }

    static func hat(
        into out: inout [Float], start: Int, sampleRate: Double, amplitude: Float, rng: inout SeededGenerator
    ) {
        let length = Int(0.06 * sampleRate)
        var p1: Float = 0, p2: Float = 0
        for i in 0..<length {
            let s = start + i
            guard s < out.count else { break }
            let t = Double(i) / sampleRate
            let noise = rng.nextBipolar()
            let hp = noise - 2 * p1 + p2
            p2 = p1
            p1 = noise
            out[s] += amplitude * Float(exp(-t / 0.02)) * hp * 0.5
        }
    }
}
