import Foundation

/// A crude singing voice: harmonic tone with vibrato (5.5 Hz, ±35 cents), a 60 ms glide into each note from
/// 80 cents below, and a syllable envelope.
enum VoiceSynth {
    static func sing(
        into out: inout [Float], table: Wavetable, start: Int, length: Int, hz: Double, sampleRate: Double,
        amplitude: Float, vibratoPhase: Double
    ) {
        var phase = 0.0
        let attack = Int(0.04 * sampleRate), release = Int(0.06 * sampleRate)
        for i in 0..<length {
            let s = start + i
            guard s < out.count else { break }
            let t = Double(i) / sampleRate
            let glide = -80 * max(0, 1 - t / 0.06)
            let vibrato = 35 * sin(2 * .pi * 5.5 * t + vibratoPhase) * min(1, t / 0.15)
            let f = hz * pow(2, (glide + vibrato) / 1200)
            phase += f / sampleRate
            if phase >= 1 { phase -= 1 }
            out[s] +=
                amplitude * Wavetable.envelope(i, length: length, attack: attack, release: release) * table.value(phase)
        }
    }
}
