import DSP
import Foundation
import Render

/// `mashup demo`: the main job on two generated songs: writes them, then runs `mashup create` on them.
enum DemoCommand: CLICommand {
    static let name = "demo"
    static let summary = "generate two songs and make a mashup of them with the whole pipeline (what `make demo` runs)"
    static let usage = "mashup demo [-o|--output-directory DIR] [--json-progress]"

    static func run(_ arguments: inout Arguments) async throws {
        let folder = try arguments.option("--output-directory", "-o") ?? "out"
        let json = arguments.flag("--json-progress")
        try arguments.finish()
        let directory = URL(fileURLWithPath: folder).standardizedFileURL
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Two songs that need a tempo and a key match: 118 BPM in A minor with a voice, 126 BPM in D major without.
        let songs = [
            (
                "night-drive",
                MusicGenerator.Parameters(
                    seed: 1, bpm: 118, tonic: 9, minor: true, barCount: 40, sampleRate: 44100, withVoice: true,
                    leadInSeconds: 0.4)
            ),
            (
                "neon-arcade",
                MusicGenerator.Parameters(seed: 2, bpm: 126, tonic: 2, minor: false, barCount: 44, sampleRate: 44100)
            ),
        ]
        var paths: [String] = []
        for (name, parameters) in songs {
            let song = MusicGenerator.generate(parameters)
            let url = directory.appendingPathComponent(name + ".wav")
            try AudioFile.write(
                song.mix, to: url, options: .init(sampleFormat: .pcm24, title: name, artist: "mashup demo"))
            printError(
                String(
                    format: "generated %@: %.0f BPM, %@, %.0f s", url.path, song.bpm, song.keyName, song.durationSeconds
                ))
            paths.append(url.path)
        }
        var create = Arguments(
            paths + ["-o", directory.appendingPathComponent("mashup.wav").path] + (json ? ["--json-progress"] : []))
        try await CreateCommand.run(&create)
    }
}
