import Foundation

/// Times benchmark cases and prints one JSON line per case:
/// `{"name", "median_ms", "min_ms", "max_ms", "runs", "x_realtime"?, ...extra}`.
///
/// Cases run `runs` times after one warm-up; the median is the figure to quote, the min/max its spread.
/// `MASHUP_BENCH_RUNS` overrides the run count; `MASHUP_BENCH_FILTER` keeps only cases whose name contains it.
final class BenchmarkRunner {
    let defaultRuns: Int
    let filter: String?

    init() {
        let env = ProcessInfo.processInfo.environment
        defaultRuns = env["MASHUP_BENCH_RUNS"].flatMap(Int.init) ?? 5
        filter = env["MASHUP_BENCH_FILTER"]
    }

    /// True when `name` passes the filter.
    func wants(_ name: String) -> Bool { filter.map { name.contains($0) } ?? true }

    /// Times `body` and prints its line. `audioSeconds` (the audio processed per run) adds `x_realtime`.
    /// Returns the median in seconds (nil when filtered out).
    @discardableResult
    func measure(
        _ name: String, audioSeconds: Double? = nil, runs: Int? = nil, warmup: Bool = true,
        extra: [String: Any] = [:], _ body: () throws -> Void
    ) rethrows -> Double? {
        guard wants(name) else { return nil }
        if warmup { try body() }
        var times: [Double] = []
        for _ in 0..<(runs ?? defaultRuns) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        times.sort()
        let median = times[times.count / 2]
        var fields: [String: Any] = [
            "name": name, "median_ms": median * 1000, "min_ms": times.first! * 1000,
            "max_ms": times.last! * 1000, "runs": times.count,
        ]
        if let audioSeconds { fields["x_realtime"] = audioSeconds / median }
        fields.merge(extra) { _, new in new }
        report(fields)
        return median
    }

    /// Prints one JSON line of arbitrary fields (for ratios and comparisons computed by a case).
    func report(_ fields: [String: Any]) {
        let rounded = fields.mapValues { value -> Any in
            if let d = value as? Double { return (d * 1000).rounded() / 1000 }
            return value
        }
        if let data = try? JSONSerialization.data(withJSONObject: rounded, options: [.sortedKeys]),
            let line = String(data: data, encoding: .utf8)
        {
            print(line)
            fflush(nil)
        }
    }

    /// Runs a shell command and returns its wall time in seconds (nil if it failed or is not installed).
    func timeCommand(_ executable: String, _ arguments: [String]) -> Double? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let start = DispatchTime.now().uptimeNanoseconds
        do { try process.run() } catch { return nil }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// True when `tool` is on the PATH.
    func hasTool(_ tool: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sh", "-c", "command -v \(tool)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Resets this process's resident high-water mark (Linux: 5 written to /proc/self/clear_refs), so that the next
    /// `peakResidentMegabytes()` is the peak from here on.
    func resetPeakResident() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// Current resident set size of this process, in MiB (VmRSS).
    func residentMegabytes() -> Double { statusField("VmRSS:") }

    /// Runs `Benchmarks --case NAME` in a child process (same binary, same environment) and relays its JSON lines:
    /// a case's peak resident memory is then its own, not that of the cases before it. Returns false when the child
    /// could not run or failed.
    @discardableResult
    func runChildCase(_ name: String) -> Bool {
        guard wants(name) else { return true }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["--case", name]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch {
            report(["name": name, "skipped": "could not start the child process: \(error)"])
            return false
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if let text = String(data: output, encoding: .utf8) {
            for line in text.split(separator: "\n") { print(line) }
            fflush(nil)
        }
        if process.terminationStatus != 0 {
            report(["name": name, "failed": "child exited with status \(process.terminationStatus)"])
            return false
        }
        return true
    }

    /// Peak resident set size of this process so far, in MiB (from /proc/self/status VmHWM).
    func peakResidentMegabytes() -> Double { statusField("VmHWM:") }

    /// CPU time this process has used so far (user + system, all threads), seconds.
    func cpuSeconds() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// A kB field of /proc/self/status, in MiB (0 where there is none).
    private func statusField(_ field: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field) {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
        return 0
    }
}
