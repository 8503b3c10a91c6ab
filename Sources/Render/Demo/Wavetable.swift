import Foundation

/// One cycle of an additive waveform, read with linear interpolation.
struct Wavetable: Sendable {
    static let size = 2048
    let table: [Float]

    init(harmonics: [Double]) {
        var t = [Float](repeating: 0, count: Wavetable.size + 1)
        var peak: Float = 0
        for i in 0..<Wavetable.size {
            var v = 0.0
            for (h, a) in harmonics.enumerated() {
                v += a * sin(2 * .pi * Double(h + 1) * Double(i) / Double(Wavetable.size))
            }
            t[i] = Float(v)
            peak = max(peak, abs(t[i]))
        }
        t[Wavetable.size] = t[0]
        table = t.map { $0 / max(peak, 1e-9) }
    }

    @inline(__always) func value(_ phase: Double) -> Float {
        let x = phase * Double(Wavetable.size)
        let i = Int(x)
        let frac = Float(x - Double(i))
        return table[i] * (1 - frac) + table[i + 1] * frac
    }

    /// Attack/sustain/release envelope with a gentle decay to 70% over the note.
    static func envelope(_ i: Int, length: Int, attack: Int, release: Int) -> Float {
        let a = attack > 0 ? min(1, Float(i) / Float(attack)) : 1
        let r = release > 0 ? min(1, Float(length - i) / Float(release)) : 1
        let decay = 1 - 0.3 * Float(i) / Float(max(1, length))
        return max(0, a * r * decay)
    }

    func render(
        into out: inout [Float], start: Int, length: Int, hz: Double, sampleRate: Double, amplitude: Float,
        attack: Double, release: Double
    ) {
        let inc = hz / sampleRate
        var phase = 0.0
        let a = Int(attack * sampleRate), r = Int(release * sampleRate)
        for i in 0..<length {
            let s = start + i
            guard s >= 0 else { phase += inc; continue }
            guard s < out.count else { break }
            out[s] += amplitude * Wavetable.envelope(i, length: length, attack: a, release: r) * value(phase)
            phase += inc
            if phase >= 1 { phase -= 1 }
        }
    }

    func renderPanned(
        left: inout [Float], right: inout [Float], start: Int, length: Int, hz: Double, sampleRate: Double,
        amplitude: Float, pan: Float, attack: Double, release: Double
    ) {
        let inc = hz / sampleRate
        var phase = 0.0
        let a = Int(attack * sampleRate), r = Int(release * sampleRate)
        let gl = amplitude * (1 - pan).squareRoot() * 1.4, gr = amplitude * pan.squareRoot() * 1.4
        for i in 0..<length {
            let s = start + i
            guard s < left.count else { break }
            let v = Wavetable.envelope(i, length: length, attack: a, release: r) * value(phase)
            left[s] += gl * v
            right[s] += gr * v
            phase += inc
            if phase >= 1 { phase -= 1 }
        }
    }
}
