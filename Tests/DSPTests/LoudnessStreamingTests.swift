import DSP
import Foundation
import TestSupport
import Testing

/// A programme handed out in uneven blocks, as a spool file would be.
struct SplitProgramme: RereadableProgramme {
    let buffer: AudioBuffer
    let firstBlock: Int
    var channelCount: Int { buffer.channelCount }
    var sampleRate: Double { buffer.sampleRate }
    var frameCount: Int { buffer.frameCount }
    func forEachBlock(_ body: (AudioBuffer) throws -> Void) throws {
        var start = 0
        var block = firstBlock
        while start < buffer.frameCount {
            let end = min(buffer.frameCount, start + block)
            try body(buffer.slice(frames: start..<end))
            start = end
            block = block * 5 % 30000 + 1
        }
    }
}

@Suite("Loudness, streamed: meters and normalisation over blocks")
struct LoudnessStreamingTests {
    @Test("the meters give the same figures, bit for bit, however the programme is split")
    func metersIndependentOfBlocks() throws {
        let mix = LoudnessTests.denseMaterial(seconds: 7, sampleRate: 44100, gainDecibels: -6)
        let whole = LoudnessMeter(sampleRate: 44100, channelCount: 2)
        whole.append(mix)
        let split = LoudnessMeter(sampleRate: 44100, channelCount: 2)
        let peaks = TruePeakMeter(channelCount: 2, maximumBlockFrameCount: 4096)
        try SplitProgramme(buffer: mix, firstBlock: 333).forEachBlock { block in
            split.append(block)
            var start = 0
            while start < block.frameCount {
                let end = min(block.frameCount, start + 4096)
                peaks.append(block.slice(frames: start..<end))
                start = end
            }
        }
        peaks.finish()
        #expect(split.integratedLUFS == whole.integratedLUFS)
        #expect(split.loudnessRangeLU == whole.loudnessRangeLU)
        #expect(split.shortTermSeries(hopSteps: 10) == whole.shortTermSeries(hopSteps: 10))
        let reference = TruePeakMeter.measure(mix)
        #expect(peaks.truePeakDecibels == reference.truePeakDecibels)
        #expect(peaks.samplePeakDecibels == reference.samplePeakDecibels)
    }

    @Test("true peak fed one frame at a time (the oversampler's one-sample loops) equals the whole-buffer figure")
    func truePeakFrameByFrame() {
        let mix = LoudnessTests.peakyMaterial(seconds: 0.5, sampleRate: 44100, gainDecibels: -1)
        let meter = TruePeakMeter(channelCount: 2, maximumBlockFrameCount: 4096)
        for i in 0..<mix.frameCount { meter.append(mix.slice(frames: i..<i + 1)) }
        meter.finish()
        let whole = TruePeakMeter.measure(mix)
        #expect(meter.truePeakDecibels == whole.truePeakDecibels)
        #expect(meter.samplePeakDecibels == whole.samplePeakDecibels)
    }

    @Test("saturation (4x oversampled) in 1-frame blocks (the oversampler's one-sample loops) equals 4096-frame blocks")
    func oversampledFrameByFrame() throws {
        let input = LoudnessTests.peakyMaterial(seconds: 0.3, sampleRate: 44100, gainDecibels: -3)
        let reference = try EffectsMeasurements.run(Saturation(driveDecibels: 20), on: input, blockFrameCount: 4096)
        let single = try EffectsMeasurements.run(Saturation(driveDecibels: 20), on: input, blockFrameCount: 1)
        #expect(single == reference)
    }

    @Test("the stereo path (both channels in one loop) gives the general path's figures, bit for bit")
    func stereoPathEqualsGeneralPath() throws {
        let mix = LoudnessTests.denseMaterial(seconds: 5, sampleRate: 48000, gainDecibels: -9, seed: 3)
        let stereo = LoudnessMeter(sampleRate: 48000, channelCount: 2)
        try SplitProgramme(buffer: mix, firstBlock: 777).forEachBlock { stereo.append($0) }
        // Three channels, the third silent: the general per-channel path, whose step sums add an exact zero.
        let silent = [Float](repeating: 0, count: mix.frameCount)
        let general = LoudnessMeter(sampleRate: 48000, channelCount: 3)
        general.append(AudioBuffer(channels: [mix.channel(0), mix.channel(1), silent], sampleRate: 48000))
        #expect(stereo.integratedLUFS == general.integratedLUFS)
        #expect(stereo.loudnessRangeLU == general.loudnessRangeLU)
        #expect(stereo.maximumMomentaryLUFS == general.maximumMomentaryLUFS)
        #expect(stereo.shortTermSeries(hopSteps: 1) == general.shortTermSeries(hopSteps: 1))
    }

    @Test(
        "streamed normalisation gives the whole-buffer result sample for sample, in every pass",
        arguments: [("dense", -30.0), ("peaky", -10.0)])
    func streamedEqualsWhole(material: String, inputGain: Double) throws {
        let mix =
            material == "dense"
            ? LoudnessTests.denseMaterial(seconds: 6, sampleRate: 44100, gainDecibels: inputGain, seed: 5)
            : LoudnessTests.peakyMaterial(seconds: 6, sampleRate: 44100, gainDecibels: inputGain)
        let normalizer = LoudnessNormalizer()
        let (whole, wholeReport) = try normalizer.normalize(mix)
        var channels: [[Float]] = [[], []]
        var largestBlock = 0
        var passesSeen: [Int] = []
        let report = try normalizer.normalize(
            SplitProgramme(buffer: mix, firstBlock: 1001),
            beginPass: { pass in
                passesSeen.append(pass)
                channels = [[], []]
            },
            emit: { block in
                largestBlock = max(largestBlock, block.frameCount)
                for c in 0..<2 { channels[c] += block.channel(c) }
            })
        #expect(passesSeen == Array(1...report.passes))
        #expect(report == wholeReport)
        #expect(AudioBuffer(channels: channels, sampleRate: 44100) == whole)
        #expect(largestBlock <= LoudnessNormalizer.blockFrameCount)
        #expect(report.outputSamplePeakDecibels == TruePeakMeter.measure(whole).samplePeakDecibels)
    }

    @Test("without peak metering the passes give the same output and loudness; the result's peaks measured after")
    func peaksMeasuredAfterTheLastPass() throws {
        let mix = LoudnessTests.peakyMaterial(seconds: 6, sampleRate: 44100, gainDecibels: -10)
        let normalizer = LoudnessNormalizer()
        func run(measuresPeaks: Bool) throws -> (LoudnessNormalizationReport, [[Float]]) {
            var channels: [[Float]] = [[], []]
            let report = try normalizer.normalize(
                SplitProgramme(buffer: mix, firstBlock: 777), measuresPeaks: measuresPeaks,
                beginPass: { _ in channels = [[], []] },
                emit: { block in for c in 0..<2 { channels[c] += block.channel(c) } })
            return (report, channels)
        }
        let (measured, output) = try run(measuresPeaks: true)
        let (unmeasured, sameOutput) = try run(measuresPeaks: false)
        #expect(measured.passes >= 1)
        #expect(sameOutput == output)
        #expect(unmeasured.passes == measured.passes)
        #expect(unmeasured.outputIntegratedLUFS == measured.outputIntegratedLUFS)
        #expect(unmeasured.outputShortTermLUFS == measured.outputShortTermLUFS)
        #expect(unmeasured.outputTruePeakDecibels == Decibels.silenceFloorDecibels)
        // The result measured once afterwards gives the figures the passes would have.
        let after = TruePeakMeter.measure(AudioBuffer(channels: output, sampleRate: 44100))
        #expect(after.truePeakDecibels == measured.outputTruePeakDecibels)
        #expect(after.samplePeakDecibels == measured.outputSamplePeakDecibels)
    }

    @Test("an error thrown by emit ends the normalisation with that error, and emit is not called again")
    func emitErrorStopsThePass() throws {
        struct DiskFull: Error, Equatable {}
        // 6 s in uneven blocks: several batches of the pass's two-stage pipeline.
        let mix = LoudnessTests.denseMaterial(seconds: 6, sampleRate: 44100, gainDecibels: -30, seed: 5)
        let failingCall = 20
        var calls = 0
        #expect(throws: DiskFull()) {
            _ = try LoudnessNormalizer().normalize(
                SplitProgramme(buffer: mix, firstBlock: 1001), beginPass: { _ in },
                emit: { _ in
                    calls += 1
                    if calls == failingCall { throw DiskFull() }
                })
        }
        #expect(calls == failingCall)
    }

    @Test("consumers alongside get the blocks emit gets, in order, every pass; their errors end the normalisation")
    func consumersAlongside() throws {
        struct EncoderFailed: Error, Equatable {}
        let mix = LoudnessTests.peakyMaterial(seconds: 6, sampleRate: 44100, gainDecibels: -10)
        let normalizer = LoudnessNormalizer()
        var emitted: [[Float]] = [[], []], first: [[Float]] = [[], []], second: [[Float]] = [[], []]
        var firstPasses = 0
        let report = try normalizer.normalize(
            SplitProgramme(buffer: mix, firstBlock: 777),
            beginPass: { _ in
                emitted = [[], []]
                first = [[], []]
                second = [[], []]
                firstPasses += 1
            },
            emit: { block in for c in 0..<2 { emitted[c] += block.channel(c) } },
            alongside: [
                { block in for c in 0..<2 { first[c] += block.channel(c) } },
                { block in for c in 0..<2 { second[c] += block.channel(c) } },
            ])
        #expect(firstPasses == report.passes)
        #expect(emitted[0].count == mix.frameCount)
        #expect(first == emitted && second == emitted)
        // The same run without consumers: the same output and figures.
        var alone: [[Float]] = [[], []]
        let aloneReport = try normalizer.normalize(
            SplitProgramme(buffer: mix, firstBlock: 777), beginPass: { _ in alone = [[], []] },
            emit: { block in for c in 0..<2 { alone[c] += block.channel(c) } })
        #expect(alone == emitted && aloneReport == report)
        // The per-channel peak jobs give one two-channel meter's figures over the output.
        let whole = TruePeakMeter.measure(AudioBuffer(channels: emitted, sampleRate: 44100))
        #expect(report.outputTruePeakDecibels == whole.truePeakDecibels)
        #expect(report.outputSamplePeakDecibels == whole.samplePeakDecibels)
        // A consumer's error ends the normalisation, and that consumer is not called again.
        var calls = 0
        #expect(throws: EncoderFailed()) {
            _ = try normalizer.normalize(
                SplitProgramme(buffer: mix, firstBlock: 1001), beginPass: { _ in }, emit: { _ in },
                alongside: [
                    { _ in
                        calls += 1
                        if calls == 20 { throw EncoderFailed() }
                    }
                ])
        }
        #expect(calls == 20)
    }

    @Test("a single-channel meter per channel gives the figures one meter gives for that channel")
    func channelMeters() {
        let left = Signals.noise(frameCount: 30_000, amplitude: 0.7, seed: 4)
        let right = Signals.sine(
            frequencyHz: 11_025, sampleRate: 44100, frameCount: 30_000, amplitude: 0.5, phaseRadians: 0.7)
        let buffer = AudioBuffer(channels: [left, right], sampleRate: 44100)
        let both = TruePeakMeter(channelCount: 2, maximumBlockFrameCount: 4096)
        both.append(buffer)
        both.finish()
        for c in 0..<2 {
            let one = TruePeakMeter(channelCount: 1, maximumBlockFrameCount: 4096)
            var start = 0
            for size in [1, 4096, 9000, 333, 20_000] where start < buffer.frameCount {
                let end = min(buffer.frameCount, start + size)
                one.append(channel: c, of: buffer.slice(frames: start..<end))
                start = end
            }
            one.finish()
            #expect(one.truePeaks[0] == both.truePeaks[c])
            #expect(one.samplePeaks[0] == both.samplePeaks[c])
        }
    }

    @Test("silence runs no pass and reports the floor")
    func silence() throws {
        let mix = AudioBuffer(channelCount: 2, frameCount: 44100, sampleRate: 44100)
        var emitted = 0
        let report = try LoudnessNormalizer().normalize(
            BufferProgramme(buffer: mix), beginPass: { _ in },
            emit: { emitted += $0.frameCount })
        #expect(report.passes == 0)
        #expect(emitted == 0)
        #expect(report.outputTruePeakDecibels == Decibels.silenceFloorDecibels)
    }
}
