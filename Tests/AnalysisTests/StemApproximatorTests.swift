import Analysis
import DSP
import Foundation
import Render
import TestSupport
import Testing

@Suite struct StemApproximatorTests {
    /// The four stems must sum back to the mix at least this far down (the issue's acceptance).
    static let sumResidualDecibels = -60.0

    static func correlation(_ a: AudioBuffer, _ b: AudioBuffer) -> Double {
        let x = a.samples, y = b.samples
        var xy = 0.0, xx = 0.0, yy = 0.0
        for i in 0..<min(x.count, y.count) {
            xy += Double(x[i]) * Double(y[i]); xx += Double(x[i]) * Double(x[i]); yy += Double(y[i]) * Double(y[i])
        }
        return xx > 0 && yy > 0 ? xy / (xx * yy).squareRoot() : 0
    }

    @Test(arguments: [22050.0, 44100.0])
    func stemsSumToTheMixAndMatchTheirTrueStems(sampleRate: Double) throws {
        let song = MusicGenerator.generate(
            .init(
                seed: 7, bpm: 112, tonic: 9, minor: true, durationSeconds: 8,
                sampleRate: sampleRate, withVoice: true))
        let stems = StemApproximator().separate(song.mix)
        #expect(stems.isApproximation)
        var sum = [Float](repeating: 0, count: song.mix.samples.count)
        for stem in [stems.vocals, stems.drums, stems.bass, stems.other] {
            #expect(stem.frameCount == song.mix.frameCount && stem.channelCount == 2)
            for (i, v) in stem.samples.enumerated() { sum[i] += v }
        }
        let residual = Measurements.residualDecibels(sum, song.mix.samples)
        #expect(residual <= StemApproximatorTests.sumResidualDecibels, "residual \(residual) dB")
        let names = ["vocals", "drums", "bass", "other"]
        var table = [String]()
        for name in names {
            let estimate = stems.byName[name]!
            let scores = names.map { StemApproximatorTests.correlation(estimate, song.stems[$0]!) }
            table.append(
                "\(name): " + zip(names, scores).map { "\($0) \(String(format: "%.2f", $1))" }.joined(separator: ", "))
            let own = scores[names.firstIndex(of: name)!]
            for (other, score) in zip(names, scores) where other != name {
                #expect(own > score, "\(name) correlates \(own) with its true stem but \(score) with \(other)")
            }
        }
        try? table.joined(separator: "\n").write(
            toFile: ".build/stem-correlations-\(Int(sampleRate)).txt", atomically: true, encoding: .utf8)
    }

    /// The vectorised running medians are those of a sort of every window, bit for bit: many ties (values drawn
    /// from 7 levels and from a continuous range), odd and even lengths, windows longer than the sequence.
    @Test(arguments: [
        (steps: 40, width: 9, length: 25), (steps: 300, width: 16, length: 17), (steps: 5, width: 3, length: 25),
        (steps: 31, width: 1, length: 4), (steps: 1, width: 5, length: 3),
    ])
    func runningMediansEqualSortedWindows(steps: Int, width: Int, length: Int) {
        var random = SeededGenerator(seed: UInt64(steps * 1000 + width * 10 + length))
        for tied in [true, false] {
            let values = (0..<(steps * width)).map { _ -> Float in
                tied ? Float(Int((random.nextBipolar() + 1) * 3.5)) / 8 : random.nextBipolar() + 1
            }
            let medians = StemApproximator.runningMedians(values, width: width, length: length)
            let half = length / 2
            var mismatches = 0
            for s in 0..<steps {
                for j in 0..<width {
                    let window = (max(0, s - half)...min(steps - 1, s + half)).map { values[$0 * width + j] }.sorted()
                    if medians[s * width + j] != window[window.count / 2] { mismatches += 1 }
                }
            }
            #expect(mismatches == 0, "\(mismatches) of \(steps * width) medians differ (tied: \(tied))")
        }
    }
}
