import DSP
import Foundation

/// Time-stretch and pitch-shift: x realtime on a 3-minute music-like stereo signal at ratios 1.08 / 0.92 and
/// +2 semitones, peak memory of a 10-minute streaming stretch, and, when `rubberband` is on the PATH, the same
/// jobs and quality probes through Rubber Band R2 (default) and R3 (`--fine`) side by side.
func runStretchBenchmarks(_ runner: BenchmarkRunner) {
    let sampleRate = 44100.0
    let seconds = 180.0
    let jobs: [(name: String, timeRatio: Double, semitones: Double)] = [
        ("stretch.1.08", 1.08, 0), ("stretch.0.92", 0.92, 0), ("stretch.pitch+2", 1, 2),
    ]
    let wantsRubberBand = runner.wants("stretch.rubberband")
    let wantsQuality = runner.wants("stretch.quality")
    let anyJob = jobs.contains { runner.wants($0.name) } || wantsRubberBand || wantsQuality

    // Streaming first, so the peak resident size is not inflated by the 3-minute buffers of the other cases.
    if runner.wants("stretch.streaming") { streamingMemoryCase(runner, sampleRate: sampleRate) }
    guard anyJob else { return }

    let music = StretchBenchmarkSignals.music(seconds: seconds, sampleRate: sampleRate)
    var ours: [String: Double] = [:]
    for job in jobs where runner.wants(job.name) || wantsRubberBand {
        // Wall time (the runner's median) and this thread's CPU time (robust when the machine is shared).
        let stretcher = TimeStretcher()
        var cpuSeconds: [Double] = []
        let runs = 3
        for _ in 0..<runs {
            let start = threadCPUSeconds()
            _ = try? stretcher.process(music, timeRatio: job.timeRatio, semitones: job.semitones)
            cpuSeconds.append(threadCPUSeconds() - start)
        }
        cpuSeconds.sort()
        let cpuMedian = cpuSeconds[runs / 2]
        ours[job.name] = cpuMedian
        runner.measure(
            job.name, audioSeconds: seconds, runs: runs, warmup: false,
            extra: [
                "time_ratio": job.timeRatio, "semitones": job.semitones, "cpu_ms": cpuMedian * 1000,
                "x_realtime_cpu": seconds / cpuMedian,
            ]
        ) {
            _ = try? stretcher.process(music, timeRatio: job.timeRatio, semitones: job.semitones)
        }
    }

    guard wantsRubberBand || wantsQuality else { return }
    guard runner.hasTool("rubberband") else {
        runner.report([
            "name": "stretch.rubberband", "skipped": "rubberband not on PATH (apt-get install rubberband-cli)",
        ])
        return
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mashup-stretch-bench-\(getpid())")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let inputPath = directory.appendingPathComponent("music.wav").path
    let outputPath = directory.appendingPathComponent("out.wav").path
    guard (try? FloatWAV.write(music, to: inputPath)) != nil else { return }
    for job in jobs where wantsRubberBand {
        for (engine, flags) in [("r2", [String]()), ("r3", ["--fine"])] {
            var arguments = ["--ignore-clipping"] + flags
            arguments += job.semitones != 0 ? ["-p", "\(job.semitones)"] : ["-t", "\(job.timeRatio)"]
            arguments += [inputPath, outputPath]
            var times: [Double] = [], cpuTimes: [Double] = []
            for _ in 0..<2 {
                let cpuBefore = childrenCPUSeconds()
                if let t = runner.timeCommand("rubberband", arguments) {
                    times.append(t)
                    cpuTimes.append(childrenCPUSeconds() - cpuBefore)
                }
            }
            guard let best = times.min(), let bestCPU = cpuTimes.min() else { continue }
            var fields: [String: Any] = [
                "name": "\(job.name).rubberband-\(engine)", "min_ms": best * 1000,
                "x_realtime": seconds / best, "cpu_ms": bestCPU * 1000,
                "x_realtime_cpu": seconds / bestCPU, "runs": times.count,
            ]
            // Throughput ratio on CPU time: how many times faster ours is than this Rubber Band engine.
            if let mine = ours[job.name] { fields["ours_speedup_cpu"] = bestCPU / mine }
            runner.report(fields)
        }
    }
    if wantsQuality { qualityProbes(runner, directory: directory, sampleRate: sampleRate) }
}

/// CPU seconds used by the calling thread.
private func threadCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// CPU seconds (user + system) used by finished child processes.
private func childrenCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Peak resident memory while stretching 10 minutes of stereo in 4096-frame blocks (generated on the fly).
private func streamingMemoryCase(_ runner: BenchmarkRunner, sampleRate: Double) {
    // Reset the high-water mark (Linux: writing 5 to clear_refs), so the figure is this case's own peak.
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    let before = runner.peakResidentMegabytes()
    let totalFrames = Int(600 * sampleRate)
    let blockFrames = 4096
    var produced = 0
    let cpuStart = threadCPUSeconds()
    runner.measure("stretch.streaming.10min.1.08", audioSeconds: 600, runs: 1, warmup: false) {
        guard let stretcher = try? StreamingTimeStretcher(channelCount: 2, sampleRate: sampleRate, timeRatio: 1.08)
        else { return }
        var generator = StretchBenchmarkSignals.StreamingMusic(sampleRate: sampleRate, seed: 7)
        var start = 0
        while start < totalFrames {
            let count = min(blockFrames, totalFrames - start)
            let block = generator.next(frameCount: count)
            produced += (try? stretcher.process(block))?.frameCount ?? 0
            start += count
        }
        produced += (try? stretcher.finish())?.frameCount ?? 0
    }
    let cpuSeconds = threadCPUSeconds() - cpuStart // includes generating the signal block by block
    runner.report([
        "name": "stretch.streaming.10min.memory", "peak_resident_mb": runner.peakResidentMegabytes(),
        "cpu_ms_including_generation": cpuSeconds * 1000,
        "resident_before_mb": before, "output_frames": produced,
        "expected_frames": Int((Double(totalFrames) * 1.08).rounded()),
    ])
}

/// The acceptance probes of issue 3 run on our output and on Rubber Band's, side by side.
private func qualityProbes(_ runner: BenchmarkRunner, directory: URL, sampleRate: Double) {
    let probeIn = directory.appendingPathComponent("probe-in.wav").path
    let probeOut = directory.appendingPathComponent("probe-out.wav").path
    func rubberband(_ buffer: AudioBuffer, _ arguments: [String]) -> AudioBuffer? {
        guard (try? FloatWAV.write(buffer, to: probeIn)) != nil,
            runner.timeCommand("rubberband", ["--ignore-clipping"] + arguments + [probeIn, probeOut]) != nil
        else { return nil }
        return try? FloatWAV.read(probeOut)
    }
    let engines: [(String, (AudioBuffer, Double, Double) -> AudioBuffer?)] = [
        ("ours", { try? TimeStretcher().process($0, timeRatio: $1, semitones: $2) }),
        ("rubberband-r2", { b, t, s in rubberband(b, s != 0 ? ["-p", "\(s)"] : ["-t", "\(t)"]) }),
        ("rubberband-r3", { b, t, s in rubberband(b, ["--fine"] + (s != 0 ? ["-p", "\(s)"] : ["-t", "\(t)"])) }),
    ]
    let frames = Int(2 * sampleRate)
    let sine = (0..<frames).map { Float(0.5 * sin(2 * Double.pi * 440 * Double($0) / sampleRate)) }
    var clicks = [Float](repeating: 0, count: Int(3.2 * sampleRate))
    var clickFrames: [Int] = []
    var t = 0.25
    while Int(t * sampleRate) < clicks.count {
        clickFrames.append(Int(t * sampleRate)); clicks[Int(t * sampleRate)] = 0.9; t += 0.5
    }
    var stereoLeft = [Float](repeating: 0, count: frames), stereoRight = stereoLeft
    for i in 0..<frames {
        let phase = 2 * Double.pi * 440 * Double(i) / sampleRate
        stereoLeft[i] = Float(0.4 * sin(phase))
        stereoRight[i] = Float(0.4 * sin(phase + Double.pi / 6))
    }
    for (engine, run) in engines {
        var fields: [String: Any] = ["name": "stretch.quality.\(engine)"]
        let edge = Int(0.1 * sampleRate)
        if let out = run(AudioBuffer(channels: [sine, sine], sampleRate: sampleRate), 1.25, 0) {
            let body = Array(out.channel(0)[edge..<max(edge + 1, out.frameCount - edge)])
            let f = StretchProbe.peakFrequency(body, sampleRate: sampleRate)
            fields["sine_1.25_error_cents"] = 1200 * log2(f / 440)
            fields["sine_1.25_out_of_band_db"] = StretchProbe.outOfBandDecibels(
                body, centerHz: f, sampleRate: sampleRate)
            fields["sine_1.25_length_error_frames"] = out.frameCount - Int((Double(frames) * 1.25).rounded())
        }
        if let out = run(AudioBuffer(channels: [clicks, clicks], sampleRate: sampleRate), 1.25, 0) {
            let y = out.channel(0)
            var worstErrorMs = 0.0, worstShare = 1.0
            for frame in clickFrames {
                let expected = Int((Double(frame) * 1.25).rounded())
                guard expected + 2205 < y.count else { continue }
                let found = StretchProbe.peakFrame(y, near: expected, radius: 2205)
                worstErrorMs = max(worstErrorMs, abs(Double(found - expected)) / sampleRate * 1000)
                worstShare = min(worstShare, StretchProbe.concentration(y, center: found, inner: 110, outer: 2205))
            }
            fields["clicks_1.25_worst_position_error_ms"] = worstErrorMs
            fields["clicks_1.25_worst_energy_within_2.5ms"] = worstShare
        }
        if let out = run(AudioBuffer(channels: [sine, sine], sampleRate: sampleRate), 1, 3) {
            let body = Array(out.channel(0)[edge..<max(edge + 1, out.frameCount - edge)])
            let target = 440 * pow(2, 3.0 / 12)
            fields["pitch+3_error_cents"] =
                1200 * log2(StretchProbe.peakFrequency(body, sampleRate: sampleRate) / target)
            fields["pitch+3_length_error_frames"] = out.frameCount - frames
        }
        if let out = run(AudioBuffer(channels: [stereoLeft, stereoRight], sampleRate: sampleRate), 1.25, 0) {
            let l = Array(out.channel(0)[edge..<out.frameCount - edge]),
                r = Array(out.channel(1)[edge..<out.frameCount - edge])
            var d =
                (StretchProbe.phase(r, hz: 440, sampleRate: sampleRate)
                    - StretchProbe.phase(l, hz: 440, sampleRate: sampleRate)) * 180 / Double.pi
            while d > 180 { d -= 360 }
            while d < -180 { d += 360 }
            fields["stereo_30deg_error_deg"] = d - 30
        }
        runner.report(fields)
    }
}

/// Small measurements for the probes (the test-support target is not linked into the benchmarks).
enum StretchProbe {
    static func spectrum(_ x: [Float], size: Int) -> [Double] {
        let n = min(x.count, size)
        let fft = RealFFT(size: size)
        var windowed = [Float](repeating: 0, count: size)
        for i in 0..<n {
            let t = 2 * Double.pi * Double(i) / Double(max(n - 1, 1))
            windowed[i] = x[i] * Float(0.35875 - 0.48829 * cos(t) + 0.14128 * cos(2 * t) - 0.01168 * cos(3 * t))
        }
        let (re, im) = fft.spectrum(of: windowed)
        return (0..<re.count).map { Double(re[$0]) * Double(re[$0]) + Double(im[$0]) * Double(im[$0]) }
    }

    static func peakFrequency(_ x: [Float], sampleRate: Double) -> Double {
        let size = 1 << 18
        let p = spectrum(x, size: size)
        var best = 1
        for k in 1..<(p.count - 1) where p[k] > p[best] { best = k }
        let a = log(max(p[best - 1], 1e-300)), b = log(max(p[best], 1e-300)), c = log(max(p[best + 1], 1e-300))
        let denominator = a - 2 * b + c
        return (Double(best) + (denominator != 0 ? 0.5 * (a - c) / denominator : 0)) * sampleRate / Double(size)
    }

    static func outOfBandDecibels(_ x: [Float], centerHz: Double, sampleRate: Double) -> Double {
        let size = 1 << 17
        let p = spectrum(x, size: size)
        var inside = 0.0, outside = 0.0
        for k in 1..<p.count {
            let f = Double(k) * sampleRate / Double(size)
            if abs(1200 * log2(f / centerHz)) <= 100 { inside += p[k] } else { outside += p[k] }
        }
        return 10 * log10(max(outside, 1e-30) / max(inside, 1e-30))
    }

    static func peakFrame(_ x: [Float], near center: Int, radius: Int) -> Int {
        var best = max(0, center - radius)
        for i in max(0, center - radius)...min(x.count - 1, center + radius) where abs(x[i]) > abs(x[best]) { best = i }
        return best
    }

    static func concentration(_ x: [Float], center: Int, inner: Int, outer: Int) -> Double {
        func energy(_ r: Int) -> Double {
            var sum = 0.0
            for i in max(0, center - r)...min(x.count - 1, center + r) { sum += Double(x[i] * x[i]) }
            return sum
        }
        return energy(inner) / max(energy(outer), 1e-30)
    }

    static func phase(_ x: [Float], hz: Double, sampleRate: Double) -> Double {
        var re = 0.0, im = 0.0
        for i in 0..<x.count {
            let w = 0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(x.count))
            let a = 2 * Double.pi * hz * Double(i) / sampleRate
            re += Double(x[i]) * w * cos(a)
            im -= Double(x[i]) * w * sin(a)
        }
        return atan2(im, re)
    }
}

/// Music-like test material: a chord progression of soft saw-ish tones, a bass line and noise-burst drums.
enum StretchBenchmarkSignals {
    static func music(seconds: Double, sampleRate: Double) -> AudioBuffer {
        var generator = StreamingMusic(sampleRate: sampleRate, seed: 1)
        return generator.next(frameCount: Int(seconds * sampleRate))
    }

    /// Generates the material block by block (for the streaming cases), deterministic from `seed`. Not the songs of
    /// `MusicGenerator` (Render), which are made whole in memory: the 10-minute streaming cases measure peak memory
    /// and must not hold their input.
    struct StreamingMusic {
        let sampleRate: Double
        var frame = 0
        var rng: UInt64
        var kickPhase = 0.0
        init(sampleRate: Double, seed: UInt64) {
            self.sampleRate = sampleRate
            rng = seed
        }

        mutating func noise() -> Float {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: rng >> 1) >> 31) / Float(1 << 31) - 0.0
        }

        mutating func next(frameCount: Int) -> AudioBuffer {
            var left = [Float](repeating: 0, count: frameCount), right = left
            let beatFrames = 60.0 / 124 * sampleRate // 124 BPM
            let chords: [[Double]] = [
                [220, 261.63, 329.63], [174.61, 220, 261.63], [261.63, 329.63, 392], [196, 246.94, 293.66],
            ]
            let bass: [Double] = [55, 43.65, 65.41, 49]
            for i in 0..<frameCount {
                let n = frame + i
                let t = Double(n) / sampleRate
                let beat = Double(n) / beatFrames
                let bar = Int(beat / 4) % 4
                let inBeat = beat - beat.rounded(.down)
                let sinceBeat = inBeat * beatFrames / sampleRate // seconds since the beat
                var l = 0.0, r = 0.0
                for (j, f) in chords[bar].enumerated() {
                    // Two harmonics per voice, slight stereo spread.
                    let s = 0.06 * sin(2 * Double.pi * f * t) + 0.02 * sin(4 * Double.pi * f * t + 0.3)
                    l += s * (j == 0 ? 1.0 : 0.7)
                    r += s * (j == 2 ? 1.0 : 0.7)
                }
                let b = 0.18 * sin(2 * Double.pi * bass[bar] * t) * min(1, inBeat * 20)
                l += b
                r += b
                // Kick on every beat: a falling sine; snare on 2 and 4: noise; hats on off-beats: short noise.
                let kick =
                    0.5 * exp(-sinceBeat * 25) * sin(2 * Double.pi * (50 + 90 * exp(-sinceBeat * 40)) * sinceBeat)
                l += kick
                r += kick
                let beatIndex = Int(beat.rounded(.down))
                let noiseSample = Double(noise())
                if beatIndex % 2 == 1 {
                    let snare = 0.3 * exp(-sinceBeat * 30) * noiseSample
                    l += snare
                    r += snare * 0.9
                }
                let sinceOffbeat = (inBeat >= 0.5 ? inBeat - 0.5 : inBeat + 0.5) * beatFrames / sampleRate
                let hat = 0.08 * exp(-sinceOffbeat * 120) * Double(noise())
                l += hat * 0.8
                r += hat
                // Master level: peaks stay below full scale (about -2 dBFS), so no tool has to handle clipping.
                left[i] = Float(l * 0.6)
                right[i] = Float(r * 0.6)
            }
            frame += frameCount
            return AudioBuffer(channels: [left, right], sampleRate: sampleRate)
        }
    }
}

/// A minimal 32-bit float WAV writer/reader for handing signals to the `rubberband` CLI (benchmark only).
enum FloatWAV {
    struct FormatError: Error {}

    static func write(_ buffer: AudioBuffer, to path: String) throws {
        let channels = buffer.channelCount, frames = buffer.frameCount
        var data = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        let dataBytes = UInt32(frames * channels * 4)
        data.append(contentsOf: Array("RIFF".utf8)); u32(36 + dataBytes)
        data.append(contentsOf: Array("WAVE".utf8))
        data.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(3); u16(UInt16(channels))
        u32(UInt32(buffer.sampleRate)); u32(UInt32(buffer.sampleRate) * UInt32(channels * 4));
        u16(UInt16(channels * 4)); u16(32)
        data.append(contentsOf: Array("data".utf8)); u32(dataBytes)
        var interleaved = [Float](repeating: 0, count: frames * channels)
        do {
            var out = interleaved.mutableSpan
            VectorOps.interleave(buffer.samples.span, channelCount: channels, frameCount: frames, into: &out)
        }
        interleaved.withUnsafeBytes { data.append(contentsOf: $0) }
        try data.write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> AudioBuffer {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        func u32(_ at: Int) -> Int {
            Int(data[at]) | Int(data[at + 1]) << 8 | Int(data[at + 2]) << 16 | Int(data[at + 3]) << 24
        }
        func u16(_ at: Int) -> Int { Int(data[at]) | Int(data[at + 1]) << 8 }
        var offset = 12
        var channels = 0, rate = 0, format = 0, bits = 0
        while offset + 8 <= data.count {
            let id = String(decoding: data[offset..<offset + 4], as: UTF8.self)
            let size = u32(offset + 4)
            if id == "fmt " {
                format = u16(offset + 8); channels = u16(offset + 10); rate = u32(offset + 12); bits = u16(offset + 22)
                if format == 0xFFFE { format = u16(offset + 32) }
            } else if id == "data" {
                guard format == 3, bits == 32, channels > 0 else { throw FormatError() }
                let frames = min(size, data.count - offset - 8) / (4 * channels)
                var interleaved = [Float](repeating: 0, count: frames * channels)
                interleaved.withUnsafeMutableBytes { dest in
                    data.copyBytes(
                        to: dest.bindMemory(to: UInt8.self), from: (offset + 8)..<(offset + 8 + frames * channels * 4))
                }
                var planar = [Float](repeating: 0, count: frames * channels)
                do {
                    var out = planar.mutableSpan
                    VectorOps.deinterleave(
                        interleaved.span, channelCount: channels, frameCount: frames, into: &out,
                        destinationStride: frames)
                }
                return AudioBuffer(planarSamples: planar, channelCount: channels, sampleRate: Double(rate))
            }
            offset += 8 + size + (size & 1)
        }
        throw FormatError()
    }
}
