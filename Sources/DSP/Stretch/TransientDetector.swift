// Design: a streaming onset detector for the stretcher's transient locks. It measures the energy of the
// first difference (a +6 dB/octave tilt, so attacks outweigh sustained bass) summed over channels, in blocks of
// `blockFrameCount` frames, and reports an onset where a block's energy exceeds the mean of the previous
// `historyBlockCount` blocks by `riseRatio` and is a local maximum of that ratio. The onset position is refined
// to the first sample of the block whose difference energy reaches a quarter of the block's largest.
// Blocks are fixed in absolute frame positions, so the result does not depend on how input is pushed.
// Latency: one block of look-ahead (the local-maximum test), plus the partial block.

/// Finds percussive onsets (clicks, drum hits) in a stream of planar audio.
final class TransientDetector {
    /// Frames per analysis block (128 at 44.1 kHz, about 2.9 ms).
    let blockFrameCount: Int
    /// Blocks averaged as the reference level before each block.
    let historyBlockCount = 8
    /// A block must carry this much more difference energy than the reference (10 dB).
    let riseRatio: Float = 10
    /// Blocks quieter than this mean difference power per frame are never onsets (about -66 dB).
    let floorPowerPerFrame: Float = 2.5e-7
    /// Minimum distance between reported onsets, in frames (40 ms).
    let minimumSpacingFrames: Int

    private let channelCount: Int
    private var previousSample: [Float]
    // The block being filled.
    private var blockEnergy: Float = 0
    private var blockPeak: Float = 0
    private var blockPeakOffset = 0
    private var blockFill = 0
    private var blockIndex = 0
    // Per-sample difference power of the current block (to refine the attack position).
    private let samplePower: SampleBuffer
    // Finished blocks not yet decided: (index, energy, attack frame).
    private var history: [Float] = []
    private var candidate: (index: Int, ratio: Float, frame: Int)?
    private var lastOnsetFrame = Int.min / 2
    /// Onsets found, in frames, increasing; the caller drains them.
    private(set) var onsets: [Int] = []
    /// Every onset before this frame has been reported.
    private(set) var decidedFrame = 0

    init(channelCount: Int, sampleRate: Double) {
        self.channelCount = channelCount
        self.blockFrameCount = max(32, Int((sampleRate * 128 / 44100).rounded()))
        self.minimumSpacingFrames = Int(sampleRate * 0.040)
        self.previousSample = [Float](repeating: 0, count: channelCount)
        self.samplePower = SampleBuffer(count: blockFrameCount)
    }

    /// Removes and returns the onsets found so far.
    func drainOnsets() -> [Int] {
        defer { onsets.removeAll(keepingCapacity: true) }
        return onsets
    }

    /// Feeds frames `range` of every channel of `buffer`.
    func process(_ buffer: AudioBuffer, frames range: Range<Int>) {
        var start = range.lowerBound
        while start < range.upperBound {
            let count = min(blockFrameCount - blockFill, range.upperBound - start)
            let fill = blockFill
            samplePower.withMutableSpan { power in
                for i in fill..<(fill + count) { power[i] = 0 }
            }
            for c in 0..<channelCount {
                let previous = previousSample[c]
                previousSample[c] = buffer.withSamples(ofChannel: c) { x in
                    samplePower.withMutableSpan { power in
                        Self.addDifferencePower(
                            x.extracting(start..<(start + count)), previous: previous, into: &power, at: fill)
                    }
                }
            }
            // The running sums live in locals during the loop (the same additions in the same order).
            var energy = blockEnergy, peak = blockPeak
            samplePower.withSpan { power in
                for i in fill..<(fill + count) {
                    energy += power[i]
                    if power[i] > peak { peak = power[i] }
                }
            }
            blockEnergy = energy
            blockPeak = peak
            blockFill += count
            start += count
            if blockFill == blockFrameCount { finishBlock() }
        }
    }

    /// Adds each sample's squared first difference, (x[i] − x[i − 1])² with x[−1] = `previous`, to
    /// `power[offset + i]`, eight samples at a time (each value what the one-sample loop gives, bit for bit);
    /// returns the last sample.
    @inline(never)
    private static func addDifferencePower(
        _ x: Span<Float>, previous: Float, into power: inout MutableSpan<Float>, at offset: Int
    ) -> Float {
        let n = x.count
        guard n > 0 else { return previous }
        let first = x[0] - previous
        power[offset] += first * first
        var i = 1
        while i + 8 <= n {
            let d = x.simd8(at: i) - x.simd8(at: i - 1)
            power.setSIMD8(power.span.simd8(at: offset + i) + d * d, at: offset + i)
            i += 8
        }
        while i < n {
            let d = x[i] - x[i - 1]
            power[offset + i] += d * d
            i += 1
        }
        return x[n - 1]
    }

    /// Flushes the partial block and the pending decision; call once at the end of the input.
    func finish() {
        if blockFill > 0 { finishBlock() }
        decide(nextRatio: 0)
        decidedFrame = Int.max
    }

    private func finishBlock() {
        // Attack position: first sample reaching a quarter of the block's largest difference power.
        var attack = 0
        let threshold = blockPeak * 0.25
        while attack < blockFill - 1 && samplePower[attack] < threshold { attack += 1 }
        let frame = blockIndex * blockFrameCount + attack
        let reference = history.isEmpty ? 0 : history.reduce(0, +) / Float(history.count)
        let floorEnergy = floorPowerPerFrame * Float(blockFrameCount)
        let ratio = blockEnergy >= floorEnergy ? blockEnergy / max(reference, floorEnergy) : 0
        decide(nextRatio: ratio)
        if ratio >= riseRatio { candidate = (blockIndex, ratio, frame) }
        history.append(blockEnergy)
        if history.count > historyBlockCount { history.removeFirst() }
        blockIndex += 1
        blockEnergy = 0
        blockPeak = 0
        blockFill = 0
        decidedFrame = max(0, (blockIndex - 1) * blockFrameCount)
    }

    /// Confirms the pending candidate unless the next block rises even more.
    private func decide(nextRatio: Float) {
        guard let c = candidate else { return }
        if nextRatio > c.ratio { return } // the next block replaces it (set by the caller)
        candidate = nil
        if c.frame - lastOnsetFrame >= minimumSpacingFrames {
            onsets.append(c.frame)
            lastOnsetFrame = c.frame
        }
    }
}
