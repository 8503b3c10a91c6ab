import DSP
import TestSupport
import Testing

@Suite("Buffers and vector loops")
struct VectorAndBufferTests {
    /// Relative tolerance of the blocked Float sum of squares against a Double sum (1027 samples).
    static let sumOfSquaresRelativeTolerance = 1e-5

    @Test("multiply-add, scale and interleave match naive loops exactly")
    func vectorOpsMatchNaive() {
        let a = Signals.noise(frameCount: 1027, seed: 1)
        let b = Signals.noise(frameCount: 1027, seed: 2)
        var fast = b
        do {
            var out = fast.mutableSpan
            VectorOps.multiplyAdd(a.span, gain: 0.3, into: &out)
        }
        let naive = (0..<a.count).map { b[$0] + a[$0] * 0.3 }
        #expect(fast == naive)
        do {
            var out = fast.mutableSpan
            VectorOps.scale(&out, rampFrom: 1, to: 0.25)
        }
        let step = (Float(0.25) - 1) / Float(a.count)
        #expect(fast == (0..<a.count).map { naive[$0] * (1 + step * Float($0)) })
        let reference = a.reduce(0.0) { $0 + Double($1) * Double($1) }
        #expect(abs(VectorOps.sumOfSquares(a.span) - reference) <= Self.sumOfSquaresRelativeTolerance * reference)
        #expect(VectorOps.peakMagnitude(a.span) == a.map(abs).max())

        let planar = a + b
        var interleaved = [Float](repeating: 0, count: planar.count)
        var back = [Float](repeating: 0, count: planar.count)
        do {
            var out = interleaved.mutableSpan
            VectorOps.interleave(planar.span, channelCount: 2, frameCount: a.count, into: &out)
        }
        #expect(interleaved[0] == a[0] && interleaved[1] == b[0] && interleaved[2 * 1026 + 1] == b[1026])
        do {
            var out = back.mutableSpan
            VectorOps.deinterleave(
                interleaved.span, channelCount: 2, frameCount: a.count, into: &out, destinationStride: a.count)
        }
        #expect(back == planar)
    }

    @Test("three-channel interleave round trip")
    func threeChannels() {
        let planar = Signals.noise(frameCount: 300, seed: 9)
        var interleaved = [Float](repeating: 0, count: 300)
        var back = [Float](repeating: 0, count: 300)
        do {
            var out = interleaved.mutableSpan
            VectorOps.interleave(planar.span, channelCount: 3, frameCount: 100, into: &out)
        }
        #expect(interleaved[3 * 5 + 2] == planar[200 + 5])
        do {
            var out = back.mutableSpan
            VectorOps.deinterleave(
                interleaved.span, channelCount: 3, frameCount: 100, into: &out, destinationStride: 100)
        }
        #expect(back == planar)
    }

    @Test("blocks walk every frame once and slices pad with silence")
    func blocksAndSlices() {
        var buffer = AudioBuffer(
            channels: [
                Signals.noise(frameCount: 1000, seed: 1),
                Signals.noise(frameCount: 1000, seed: 2),
            ], sampleRate: 44100)
        let original = buffer
        var visited = 0
        buffer.forEachBlock(blockFrameCount: 300) { block, start in
            #expect(start == visited)
            visited += block.frameCount
            for c in 0..<block.channelCount { block.withMutableSamples(ofChannel: c) { VectorOps.scale(&$0, by: 2) } }
        }
        #expect(visited == 1000)
        #expect(buffer[channel: 1, frame: 999] == 2 * original[channel: 1, frame: 999])
        let slice = original.slice(frames: 990..<1010)
        #expect(slice.frameCount == 20)
        #expect(slice[channel: 0, frame: 9] == original[channel: 0, frame: 999])
        #expect(slice[channel: 0, frame: 10] == 0)
        var grown = original
        grown.resize(frameCount: 1500)
        #expect(grown.channel(1).prefix(1000).elementsEqual(original.channel(1)))
        #expect(grown[channel: 1, frame: 1200] == 0)
    }

    @Test("smoothed values ramp linearly to their target")
    func smoothing() {
        var value = SmoothedValue(0)
        value.prepare(sampleRate: 1000, rampSeconds: 0.01)
        value.setTarget(1)
        var last: Float = 0
        for _ in 0..<10 { last = value.next() }
        #expect(abs(last - 1) < 1e-6)
        #expect(!value.isSmoothing)
    }
}
