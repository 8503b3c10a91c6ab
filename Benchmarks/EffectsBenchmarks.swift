import DSP
import Foundation
import Render

/// Effects cases: each processor's x realtime on a 3-minute stereo signal, the per-layer chain, sox on the same
/// operations (file to file, with our own file-to-file time for a fair ratio), and the loudness meter against
/// `ffmpeg -af ebur128=peak=true`.
func runEffectsBenchmarks(_ runner: BenchmarkRunner) {
    let rate = 44100.0
    let seconds = 180.0
    let source = effectsBenchmarkSignal(seconds: seconds, sampleRate: rate)
    let block = 1024
    let spec = ProcessSpec(sampleRate: rate, maximumBlockFrameCount: block, channelCount: 2)

    func timeProcessor(_ name: String, _ make: () -> AudioProcessor) {
        guard runner.wants(name) else { return }
        let processor = make()
        try? processor.prepare(spec)
        var work = source
        measureWithCPU(runner, name, audioSeconds: seconds) {
            processor.reset()
            processor.process(buffer: &work, blockFrameCount: block)
        }
    }

    timeProcessor("effects.biquad.highpass-12") { BiquadFilter(type: .highPass, cutoffHz: 800) }
    timeProcessor("effects.biquad.lowpass-24") {
        BiquadFilter(type: .lowPass, cutoffHz: 2000, slope: .twentyFourDecibelsPerOctave)
    }
    timeProcessor("effects.svf.lowpass-24") {
        StateVariableFilter(mode: .lowPass, cutoffHz: 2000, slope: .twentyFourDecibelsPerOctave)
    }
    timeProcessor("effects.filter-sweep.highpass-24") {
        FilterSweep(mode: .highPass, startHz: 40, endHz: 2000, durationSeconds: seconds)
    }
    timeProcessor("effects.delay.eighth-124bpm") { DelayEffect(time: .note(.eighth, bpm: 124), feedback: 0.45) }
    timeProcessor("effects.delay.ping-pong") {
        DelayEffect(time: .note(.dottedEighth, bpm: 124), style: .pingPong, feedback: 0.45)
    }
    timeProcessor("effects.reverb") { Reverb(decaySeconds: 2.2, wetLevel: 0.3) }
    timeProcessor("effects.compressor.peak") { Compressor(thresholdDecibels: -18, ratio: 4) }
    timeProcessor("effects.compressor.rms") { Compressor(thresholdDecibels: -18, ratio: 4, detection: .rms) }
    timeProcessor("effects.saturation") { Saturation(driveDecibels: 12) }
    timeProcessor("effects.gain") { Gain(gainDecibels: -3) }
    timeProcessor("effects.pan") { Pan(position: 0.3) }
    timeProcessor("effects.limiter.true-peak") { TruePeakLimiter(ceilingDecibels: -1) }

    if runner.wants("effects.ducker") {
        let ducker = SidechainDucker(depthDecibels: -9)
        try? ducker.prepare(spec)
        var work = source
        let key = source
        measureWithCPU(runner, "effects.ducker", audioSeconds: seconds) {
            ducker.reset()
            var keyCopy = key
            var start = 0
            while start < work.frameCount {
                let end = min(start + block, work.frameCount)
                work.withMutableBlock(frames: start..<end) { b in
                    keyCopy.withMutableBlock(frames: start..<end) { ducker.process(b, key: $0) }
                }
                start = end
            }
        }
    }

    // The full per-layer chain: high-pass, delay, reverb, compressor on one core.
    if runner.wants("effects.chain") {
        let chain: [AudioProcessor] = [
            BiquadFilter(type: .highPass, cutoffHz: 120), DelayEffect(time: .note(.eighth, bpm: 124)),
            Reverb(decaySeconds: 2), Compressor(),
        ]
        for p in chain { try? p.prepare(spec) }
        var work = source
        measureWithCPU(
            runner, "effects.chain.filter-delay-reverb-compressor", audioSeconds: seconds,
            extra: ["goal_x_realtime": 200]
        ) {
            for p in chain { p.reset() }
            work.forEachBlock(blockFrameCount: block) { b, _ in for p in chain { p.process(b) } }
        }
    }

    if runner.wants("effects.loudness") {
        measureWithCPU(runner, "effects.loudness.meter+true-peak", audioSeconds: seconds) {
            _ = LoudnessMeter.measure(source)
        }
        measureWithCPU(runner, "effects.loudness.normalise", audioSeconds: seconds, runs: 1) {
            _ = try? LoudnessNormalizer().normalize(source)
        }
    }

    compareWithSox(runner, source: source, seconds: seconds, block: block, spec: spec)
    compareWithFFmpeg(runner, source: source)
}

/// Like `runner.measure`, and also the thread's CPU time per run (`cpu_median_ms`, `cpu_x_realtime`): on a
/// machine shared with other builds, wall time includes waiting for a core, CPU time does not.
func measureWithCPU(
    _ runner: BenchmarkRunner, _ name: String, audioSeconds: Double, runs: Int = 3,
    extra: [String: Any] = [:], _ body: () -> Void
) {
    guard runner.wants(name) else { return }
    func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
    body()
    var wall: [Double] = [], cpu: [Double] = []
    for _ in 0..<runs {
        let w0 = DispatchTime.now().uptimeNanoseconds, c0 = cpuSeconds()
        body()
        cpu.append(cpuSeconds() - c0)
        wall.append(Double(DispatchTime.now().uptimeNanoseconds - w0) / 1e9)
    }
    wall.sort(); cpu.sort()
    var fields: [String: Any] = [
        "name": name, "median_ms": wall[runs / 2] * 1000, "min_ms": wall[0] * 1000,
        "max_ms": wall[runs - 1] * 1000, "runs": runs, "x_realtime": audioSeconds / wall[runs / 2],
        "cpu_median_ms": cpu[runs / 2] * 1000, "cpu_x_realtime": audioSeconds / cpu[runs / 2],
    ]
    fields.merge(extra) { _, new in new }
    runner.report(fields)
}

/// A music-like test signal: kicks on the beat at 124 BPM, a bass line, noise hats, a pad chord with slow
/// level changes, decorrelated between channels (deterministic).
func effectsBenchmarkSignal(seconds: Double, sampleRate: Double) -> AudioBuffer {
    let n = Int(seconds * sampleRate)
    var channels = [[Float]](repeating: [Float](repeating: 0, count: n), count: 2)
    var seed: UInt64 = 0x2545_F491_4F6C_DD1D
    let beat = 60.0 / 124
    for c in 0..<2 {
        for i in 0..<n {
            seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
            let noise = Float(Double(seed >> 11) / Double(1 << 53) * 2 - 1)
            let t = Double(i) / sampleRate
            let inBeat = t.truncatingRemainder(dividingBy: beat)
            let kick = exp(-inBeat * 14) * sin(2 * Double.pi * (48 + 90 * exp(-inBeat * 35)) * inBeat)
            let offBeat = (t + beat / 2).truncatingRemainder(dividingBy: beat)
            let hat = Double(noise) * exp(-offBeat * 60) * 0.25
            let bass = 0.3 * sin(2 * Double.pi * 55 * t) * (0.6 + 0.4 * sin(2 * Double.pi * t / (beat * 4)))
            let swell = 0.5 + 0.5 * sin(2 * Double.pi * t / 23 + Double(c))
            let pad =
                0.08 * swell
                * (sin(2 * Double.pi * 220 * t) + sin(2 * Double.pi * 277.18 * t + 1)
                    + sin(2 * Double.pi * 329.63 * t + 2))
            channels[c][i] = Float(0.55 * kick + hat + bass + pad + 0.02 * Double(noise))
        }
    }
    return AudioBuffer(channels: channels, sampleRate: sampleRate)
}

/// Times sox and ourselves, file to file, on the operations sox has.
private func compareWithSox(
    _ runner: BenchmarkRunner, source: AudioBuffer, seconds: Double, block: Int, spec: ProcessSpec
) {
    guard runner.wants("effects.sox"), runner.hasTool("sox") else { return }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-effects-bench-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("in.wav"), output = dir.appendingPathComponent("out.wav")
    let float = AudioFileWriteOptions(sampleFormat: .float32)
    guard (try? AudioFile.write(source, to: input, options: float)) != nil else { return }
    let cases: [(String, [String], () -> AudioProcessor)] = [
        ("highpass", ["highpass", "800"], { BiquadFilter(type: .highPass, cutoffHz: 800) }),
        ("reverb", ["reverb", "50", "50", "100", "100", "20"], { Reverb(decaySeconds: 2, preDelaySeconds: 0.02) }),
        (
            "compand", ["compand", "0.01,0.15", "6:-70,-60,-18,-18,0,-13.5", "0"],
            { Compressor(thresholdDecibels: -18, ratio: 4) }
        ),
        (
            "echo", ["echo", "0.8", "0.9", "241.94", "0.45"],
            { DelayEffect(time: .note(.eighth, bpm: 124), feedback: 0.45) }
        ),
    ]
    for (name, effect, make) in cases {
        var soxTimes: [Double] = []
        for _ in 0..<3 {
            if let t = runner.timeCommand(
                "sox", ["-q", input.path, "-b", "32", "-e", "floating-point", output.path] + effect)
            {
                soxTimes.append(t)
            }
        }
        guard !soxTimes.isEmpty else { continue }
        soxTimes.sort()
        let sox = soxTimes[soxTimes.count / 2]
        let processor = make()
        try? processor.prepare(spec)
        let ours = runner.measure("effects.sox.\(name).ours-file-to-file", audioSeconds: seconds, runs: 3) {
            guard var audio = try? AudioFile.read(input, sampleRate: nil).buffer else { return }
            processor.reset()
            processor.process(buffer: &audio, blockFrameCount: block)
            try? AudioFile.write(audio, to: output, options: float)
        }
        if let ours {
            runner.report([
                "name": "effects.sox.\(name).ratio", "sox_ms": sox * 1000, "ours_ms": ours * 1000,
                "sox_x_realtime": seconds / sox, "speedup_vs_sox": sox / ours,
            ])
        }
    }
}

/// Our loudness figures against ffmpeg's ebur128 filter on the same file (raw and normalised).
private func compareWithFFmpeg(_ runner: BenchmarkRunner, source: AudioBuffer) {
    guard runner.wants("effects.ffmpeg"), runner.hasTool("ffmpeg") else { return }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-loudness-bench-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    guard let normalised = try? LoudnessNormalizer().normalize(source).0 else { return }
    let quiet = AudioBuffer(
        planarSamples: source.samples.map { $0 * 0.1 }, channelCount: 2, sampleRate: source.sampleRate)
    for (label, buffer) in [("raw", source), ("quiet", quiet), ("normalised", normalised)] {
        let url = dir.appendingPathComponent("\(label).wav")
        guard (try? AudioFile.write(buffer, to: url, options: AudioFileWriteOptions(sampleFormat: .float32))) != nil,
            let reread = try? AudioFile.read(url, sampleRate: nil).buffer,
            let theirs = ffmpegLoudness(url)
        else { continue }
        let ours = LoudnessMeter.measure(reread)
        runner.report([
            "name": "effects.ffmpeg.ebur128.\(label)",
            "ours_integrated_lufs": ours.integratedLUFS, "ffmpeg_integrated_lufs": theirs.integrated,
            "ours_lra_lu": ours.loudnessRangeLU, "ffmpeg_lra_lu": theirs.range,
            "ours_true_peak_dbtp": ours.truePeakDecibels, "ffmpeg_true_peak_dbtp": theirs.truePeak,
            "integrated_difference_lu": ours.integratedLUFS - theirs.integrated,
            "true_peak_difference_db": ours.truePeakDecibels - theirs.truePeak,
        ])
    }
}

/// Runs `ffmpeg -af ebur128=peak=true` and parses its summary (I, LRA, true Peak).
private func ffmpegLoudness(_ url: URL) -> (integrated: Double, range: Double, truePeak: Double)? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "ffmpeg", "-nostats", "-hide_banner", "-i", url.path, "-af", "ebur128=peak=true", "-f", "null", "-",
    ]
    let pipe = Pipe()
    process.standardError = pipe
    process.standardOutput = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard let summary = text.range(of: "Summary:") else { return nil }
    var integrated: Double?, range: Double?, peak: Double?
    for line in text[summary.upperBound...].split(separator: "\n") {
        let parts = line.split(separator: " ").map(String.init)
        guard parts.count >= 2 else { continue }
        switch parts[0] {
        case "I:": integrated = Double(parts[1])
        case "LRA:": range = Double(parts[1])
        case "Peak:": peak = Double(parts[1])
        default: break
        }
    }
    guard let integrated, let range, let peak else { return nil }
    return (integrated, range, peak)
}
