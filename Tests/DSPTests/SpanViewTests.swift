import DSP
import TestSupport
import Testing

/// The safe views of the DSP core: block views, the fixed-capacity buffer, FFT spans and the span forms of the
/// vector loops (which must give exactly what the pointer forms give, since both run in renders today).
@Suite("Span views: blocks, sample buffers, FFT, vector loops")
struct SpanViewTests {
    @Test("a sub-block and a read-only view see the frames of the block they come from")
    func subBlockAndReadOnly() {
        let left = Signals.noise(frameCount: 700, seed: 3)
        let right = Signals.noise(frameCount: 700, seed: 4)
        var buffer = AudioBuffer(channels: [left, right], sampleRate: 44100)
        var seen: [Float] = []
        buffer.withMutableBlock(frames: 100..<600) { block in
            let inner = block.subBlock(frames: 50..<250)
            #expect(inner.frameCount == 200 && inner.channelCount == 2)
            inner.readOnly.withSamples(ofChannel: 1) { samples in
                for i in samples.indices { seen.append(samples[i]) }
            }
            // Writing through the sub-block lands in the buffer at 100 + 50 + i.
            inner.withMutableSamples(ofChannel: 0) { samples in samples[0] = 42 }
        }
        #expect(seen == Array(right[150..<350]))
        #expect(buffer[channel: 0, frame: 150] == 42)
        #expect(buffer[channel: 0, frame: 149] == left[149])
    }

    @Test("a channel pair writes both channels, and blocks of any size cover the buffer once")
    func channelPairAndBlocks() {
        var buffer = AudioBuffer(channelCount: 2, frameCount: 1000, sampleRate: 48000)
        var visits = 0
        buffer.forEachBlock(blockFrameCount: 37) { block, start in
            block.withMutableSamples(ofChannels: 0, 1) { left, right in
                for i in left.indices {
                    left[i] += Float(start + i)
                    right[i] -= Float(start + i)
                }
            }
            visits += block.frameCount
        }
        #expect(visits == 1000)
        #expect((0..<1000).allSatisfy { buffer[channel: 0, frame: $0] == Float($0) })
        #expect((0..<1000).allSatisfy { buffer[channel: 1, frame: $0] == -Float($0) })
    }

    @Test("a sample buffer keeps its size, is zero after clear, and is read back through its spans")
    func sampleBuffer() {
        let storage = SampleBuffer(count: 64)
        storage.withMutableSpan { samples in
            for i in samples.indices { samples[i] = Float(i) }
        }
        #expect(storage.count == 64)
        #expect(storage.withSpan { $0[63] } == 63)
        storage.clear()
        #expect(storage.withSpan { samples in samples.indices.allSatisfy { samples[$0] == 0 } })
    }

    @Test("the FFT's span views give the transform of the pointer API")
    func fftSpans() {
        let size = 256
        let x = Signals.noise(frameCount: size, seed: 8)
        let fft = RealFFT(size: size)
        fft.forward(x.span)
        var real: [Float] = [], imag: [Float] = []
        fft.withSpectrumValues { re, im in
            for k in re.indices {
                real.append(re[k])
                imag.append(im[k])
            }
        }
        let reference = RealFFT(size: size).spectrum(of: x)
        #expect(real == reference.real && imag == reference.imag)
        // Identity round trip through the mutable spectrum view: inverse(forward(x)) = size · x.
        fft.inverse()
        let restored = fft.withOutput { out in (0..<size).map { out[$0] / Float(size) } }
        let worst = zip(restored, x).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < Self.roundTripTolerance)
    }

    /// Float round trip of a 256-point FFT: a few units in the last place of unit-range noise.
    static let roundTripTolerance: Float = 1e-5
}
