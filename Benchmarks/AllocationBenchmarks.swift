import CAllocationCounter
import DSP
import Foundation

/// "No allocation in `process`", measured: every processor is prepared, then heap allocations made by the
/// measuring thread are counted (malloc interposed by the CAllocationCounter target) while it processes
/// `blockCount` blocks of 1024 stereo frames, the first block after `prepare` included. Cases are prefixed
/// `alloc.`; `allocations` must be 0. The harness itself (a buffer walked block by block with a no-op
/// processor) is reported as `alloc.harness` and must be 0 too, else the other figures include it.
func runAllocationBenchmarks(_ runner: BenchmarkRunner) {
    if let filter = runner.filter, !filter.hasPrefix("alloc."), !"alloc.".hasPrefix(filter) { return }
    guard mashup_allocation_counter_active() == 1 else {
        runner.report(["name": "alloc.unavailable", "note": "the malloc interposer is not in use"])
        return
    }
    let rate = 44_100.0
    let blockFrameCount = 1024
    let blockCount = 64
    let spec = ProcessSpec(sampleRate: rate, maximumBlockFrameCount: blockFrameCount, channelCount: 2)
    let source = effectsBenchmarkSignal(seconds: Double(blockFrameCount * blockCount) / rate, sampleRate: rate)

    func count(_ name: String, _ body: (inout AudioBuffer) -> Void) {
        guard runner.wants(name) else { return }
        var work = source
        work.withMutableBlock(frames: 0..<1) { _ in } // the copy-on-write copy happens here, not counted
        mashup_allocation_count_begin()
        body(&work)
        let allocations = mashup_allocation_count_end()
        runner.report([
            "name": name, "allocations": allocations, "blocks": blockCount,
            "block_frames": blockFrameCount,
        ])
    }

    func countProcessor(_ name: String, _ make: () -> AudioProcessor) {
        let processor = make()
        do { try processor.prepare(spec) } catch {
            runner.report(["name": name, "error": "prepare failed: \(error)"])
            return
        }
        count(name) { work in
            work.forEachBlock(blockFrameCount: blockFrameCount) { block, _ in processor.process(block) }
        }
    }

    count("alloc.harness") { work in work.forEachBlock(blockFrameCount: blockFrameCount) { _, _ in } }
    // Control: one new array per block must count 64, so a 0 above means no allocation, not a blind counter.
    count("alloc.control.array-per-block") { work in
        work.forEachBlock(blockFrameCount: blockFrameCount) { block, _ in
            let scratch = [Float](repeating: 0, count: block.frameCount)
            withExtendedLifetime(scratch) {}
        }
    }
    countProcessor("alloc.biquad.highpass-12") { BiquadFilter(type: .highPass, cutoffHz: 800) }
    countProcessor("alloc.biquad.lowpass-24") {
        BiquadFilter(type: .lowPass, cutoffHz: 2000, slope: .twentyFourDecibelsPerOctave)
    }
    countProcessor("alloc.svf.lowpass-24") {
        StateVariableFilter(mode: .lowPass, cutoffHz: 2000, slope: .twentyFourDecibelsPerOctave)
    }
    countProcessor("alloc.filter-sweep.highpass-24") {
        FilterSweep(mode: .highPass, startHz: 40, endHz: 2000, durationSeconds: 1)
    }
    countProcessor("alloc.delay.eighth-124bpm") { DelayEffect(time: .note(.eighth, bpm: 124), feedback: 0.45) }
    countProcessor("alloc.delay.ping-pong") {
        DelayEffect(time: .note(.dottedEighth, bpm: 124), style: .pingPong, feedback: 0.45)
    }
    countProcessor("alloc.reverb") { Reverb(decaySeconds: 2.2, wetLevel: 0.3) }
    countProcessor("alloc.compressor.peak") { Compressor(thresholdDecibels: -18, ratio: 4) }
    countProcessor("alloc.compressor.rms") { Compressor(thresholdDecibels: -18, ratio: 4, detection: .rms) }
    countProcessor("alloc.saturation") { Saturation(driveDecibels: 12) }
    countProcessor("alloc.gain") { Gain(gainDecibels: -3) }
    countProcessor("alloc.pan") { Pan(position: 0.3) }
    countProcessor("alloc.limiter.true-peak") { TruePeakLimiter(ceilingDecibels: -1) }

    // The ducker takes a key block next to the block it processes.
    let ducker = SidechainDucker(depthDecibels: -9)
    if (try? ducker.prepare(spec)) != nil {
        var key = source
        key.withMutableBlock(frames: 0..<1) { _ in }
        count("alloc.ducker") { work in
            var start = 0
            while start < work.frameCount {
                let end = min(start + blockFrameCount, work.frameCount)
                work.withMutableBlock(frames: start..<end) { block in
                    key.withMutableBlock(frames: start..<end) { ducker.process(block, key: $0) }
                }
                start = end
            }
        }
    }

    // The loudness meter's streaming input (no `prepare`: its init sizes it).
    let meter = LoudnessMeter(sampleRate: rate, channelCount: 2)
    count("alloc.loudness-meter.append") { work in
        work.forEachBlock(blockFrameCount: blockFrameCount) { block, _ in meter.append(block) }
    }
}
