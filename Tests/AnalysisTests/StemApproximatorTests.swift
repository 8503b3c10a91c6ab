import Analysis
import DSP
import Foundation
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
}
