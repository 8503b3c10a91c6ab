import DSP
import Render
import TestSupport
import Testing

@Suite("Master peaks measured a channel per core")
struct MasterPeaksTests {
    @Test("the peaks of a programme read once, channels side by side, equal one meter over all its channels")
    func peaksEqualOneMeter() throws {
        // 2.5 s of noise whose right channel is the louder, in blocks of uneven sizes.
        let frames = 110_250
        let left = Signals.noise(frameCount: frames, amplitude: 0.3, seed: 21)
        let right = Signals.noise(frameCount: frames, amplitude: 0.6, seed: 22)
        let buffer = AudioBuffer(channels: [left, right], sampleRate: 44100)
        let expected = TruePeakMeter.measure(buffer)
        let measured = try RenderEngine.peaks(of: UnevenProgramme(buffer: buffer))
        #expect(measured.truePeakDecibels == expected.truePeakDecibels)
        #expect(measured.samplePeakDecibels == expected.samplePeakDecibels)
        #expect(measured.truePeakDecibels >= measured.samplePeakDecibels)
    }
}

/// A buffer read back in blocks of 1, 4096, 5000 and 333 frames, repeated.
private struct UnevenProgramme: RereadableProgramme {
    let buffer: AudioBuffer
    var channelCount: Int { buffer.channelCount }
    var sampleRate: Double { buffer.sampleRate }
    var frameCount: Int { buffer.frameCount }
    func forEachBlock(_ body: (AudioBuffer) throws -> Void) throws {
        let sizes = [1, 4096, 5000, 333]
        var start = 0, round = 0
        while start < buffer.frameCount {
            let n = min(sizes[round % sizes.count], buffer.frameCount - start)
            try body(buffer.slice(frames: start..<(start + n)))
            start += n
            round += 1
        }
    }
}
