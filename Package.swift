// swift-tools-version:6.0
// mashup: a native Swift engine that renders music mashups offline.
// No package dependencies: Foundation plus C libraries from Debian (see README, "Dependencies").
import PackageDescription

let package = Package(
    name: "mashup",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mashup", targets: ["mashup"]),
        .library(name: "DSP", targets: ["DSP"]),
        .library(name: "MashupModel", targets: ["MashupModel"]),
        .library(name: "Render", targets: ["Render"]),
    ],
    targets: [
        // System libraries: module map + shim header, pkg-config name, apt provider.
        .systemLibrary(
            name: "CSndFile", pkgConfig: "sndfile",
            providers: [.apt(["libsndfile1-dev"]), .brew(["libsndfile"])]),
        .systemLibrary(
            name: "CSampleRate", pkgConfig: "samplerate",
            providers: [.apt(["libsamplerate0-dev"]), .brew(["libsamplerate"])]),
        .systemLibrary(
            name: "CFFTW", pkgConfig: "fftw3f",
            providers: [.apt(["libfftw3-dev"]), .brew(["fftw"])]),
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),
        .systemLibrary(
            name: "CPostgres", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
        .systemLibrary(
            name: "CMicroHTTPD", pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"]), .brew(["libmicrohttpd"])]),
        // Fixed-arity wrappers for libmicrohttpd's C-variadic functions (Swift cannot call those).
        .target(name: "CMHDShim", dependencies: ["CMicroHTTPD"], linkerSettings: [.linkedLibrary("microhttpd")]),
        // glibc allocator settings for a process that streams large buffers (mallopt is not visible from Swift).
        .target(name: "CMemoryTuning"),

        // The values every layer shares: JSON values (strict reader, writer), musical keys, stems. Foundation only.
        .target(name: "MashupModel"),
        // Signal processing on buffers: no file or network I/O.
        .target(name: "DSP", dependencies: ["CFFTW", "CSampleRate"]),
        // Music analysis on buffers.
        .target(name: "Analysis", dependencies: ["DSP", "MashupModel"]),
        // Audio files, plans, the renderer.
        .target(name: "Render", dependencies: ["DSP", "MashupModel", "CSndFile"]),
        // Jobs, remote services with embedded defaults, the mashup pipeline.
        .target(
            name: "Orchestrator", dependencies: ["DSP", "MashupModel", "Analysis", "Render", "CSQLite", "CPostgres"]),
        // HTTP faces over libmicrohttpd: routing, limits, event streams, metrics, path and URL safety.
        .target(name: "Server", dependencies: ["CMicroHTTPD", "CMHDShim", "MashupModel", "Orchestrator"]),
        // The command-line tool.
        .executableTarget(
            name: "mashup",
            dependencies: ["DSP", "MashupModel", "Analysis", "Render", "Orchestrator", "Server", "CMemoryTuning"]),
        // Benchmarks: one JSON line per case (run by `make bench`).
        // Allocation counter (malloc interposed; Benchmarks only): counts what `process` allocates after `prepare`.
        .target(name: "CAllocationCounter"),
        .executableTarget(
            name: "Benchmarks",
            dependencies: [
                "DSP", "Analysis", "Render", "Orchestrator", "Server",
                "CAllocationCounter",
            ], path: "Benchmarks"),

        // Fuzz targets (libFuzzer): a normal build only type-checks them; `make fuzz` builds and runs them.
        .executableTarget(
            name: "MashupFuzz", dependencies: ["Analysis", "DSP", "Render", "Orchestrator", "Server"], path: "Fuzz",
            exclude: ["corpus", "README.md"]),

        // Test helpers: signal generators and measurements (the song generator is `MusicGenerator`, in Render).
        .target(name: "TestSupport", dependencies: ["DSP", "Render"], path: "Tests/TestSupport"),
        .testTarget(name: "DSPTests", dependencies: ["DSP", "TestSupport"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "DSP", "Render", "TestSupport"]),
        .testTarget(name: "RenderTests", dependencies: ["Render", "Analysis", "DSP", "TestSupport"]),
        .testTarget(name: "OrchestratorTests", dependencies: ["Orchestrator", "TestSupport", "CSQLite"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
