import DSP
import Foundation
import Render

/// Foundation cases: FFT pairs, resampling, mixing (vectorised vs naive).
func runFoundationBenchmarks(_ runner: BenchmarkRunner) {
    let sampleRate = 44100.0
    for size in [1024, 2048, 4096] {
        let fft = RealFFT(size: size)
        fft.withInput { input in
            for i in 0..<size { input[i] = Float(sin(Double(i) * 0.01)) }
        }
        let pairs = 20000
        runner.measure("fft.pair.\(size)", extra: ["pairs": pairs]) {
            for _ in 0..<pairs {
                fft.forward()
                fft.inverse()
            }
        }
    }

    let minuteFrames = Int(sampleRate * 60)
    let stereo = AudioBuffer(
        channels: (0..<2).map { c in (0..<minuteFrames).map { i in Float(sin(Double(i) * 0.0627 + Double(c))) * 0.5 } },
        sampleRate: sampleRate)
    for quality in [ResampleQuality.best, .fastest] {
        runner.measure("resample.44k1-48k.\(quality.rawValue)", audioSeconds: 60, runs: 3) {
            _ = try? SampleRateConverter.resample(stereo, to: 48000, quality: quality)
        }
    }

    // Decode a 3-minute stereo file per format (a generated song, written once).
    let song = MusicGenerator.generate(
        .init(seed: 3, bpm: 124, tonic: 9, minor: true, barCount: 92, sampleRate: 44100, withVoice: true)
    ).mix
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-bench-\(getpid())")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    for ext in ["wav", "flac", "mp3"] {
        let url = folder.appendingPathComponent("song.\(ext)")
        guard (try? AudioFile.write(song, to: url, options: .init(sampleFormat: .pcm16))) != nil else { continue }
        runner.measure("decode.3min.\(ext)", audioSeconds: song.durationSeconds, runs: 3) {
            _ = try? AudioFile.read(url)
        }
    }

    // Mix 8 stereo 3-minute tracks onto a bus with a gain each.
    let trackFrames = Int(sampleRate * 180) * 2
    let tracks: [[Float]] = (0..<8).map { t in (0..<trackFrames).map { Float(sin(Double($0 + t) * 0.001)) } }
    var bus = [Float](repeating: 0, count: trackFrames)
    runner.measure("mix.8x3min.vectorised", audioSeconds: 180) {
        var b = bus.mutableSpan
        VectorOps.fill(&b, with: 0)
        for (t, track) in tracks.enumerated() {
            VectorOps.multiplyAdd(track.span, gain: 0.1 * Float(t + 1), into: &b)
        }
    }
    runner.measure("mix.8x3min.naive", audioSeconds: 180) {
        for i in 0..<bus.count { bus[i] = 0 }
        for t in 0..<tracks.count {
            let gain = 0.1 * Float(t + 1)
            for i in 0..<bus.count { bus[i] = bus[i] + naiveIndexGain(tracks, t, i) * gain }
        }
    }
}

/// A deliberately naive access path (nested array subscript, not inlined) as the baseline for the mix.
@inline(never)
func naiveIndexGain(_ tracks: [[Float]], _ t: Int, _ i: Int) -> Float { tracks[t][i] }
