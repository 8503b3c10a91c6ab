import DSP
import Foundation
import Render

/// `mashup demo`: runs what the engine can do on generated songs and says where the results are.
enum DemoCommand: CLICommand {
    static let name = "demo"
    static let summary = "generate two demo songs and run the engine on them (what `make demo` runs)"
    static let usage = "mashup demo [--output-directory DIR]"

    static func run(_ arguments: inout Arguments) async throws {
        let folder = try arguments.option("--output-directory", "-o") ?? "out"
        try arguments.finish()
        let directory = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let songs = [
            ("demo-song-a", DemoSong(bpm: 120, tonicPitchClass: 9, isMinor: true, barCount: 16, firstDownbeatSeconds: 0.5, seed: 1)),
            ("demo-song-b", DemoSong(bpm: 126, tonicPitchClass: 0, isMinor: false, barCount: 16, seed: 2, hasVocals: false)),
        ]
        for (name, song) in songs {
            let start = Date()
            let mix = song.mix()
            let wav = directory.appendingPathComponent(name + ".wav")
            try AudioFile.write(mix, to: wav, options: .init(sampleFormat: .pcm24, title: name, artist: "mashup demo"))
            // Decode, convert to 48 kHz and re-encode, as the engine does with every input and output.
            let decoded = try AudioFile.read(wav, sampleRate: 48000)
            for ext in ["flac", "mp3", "opus"] {
                try AudioFile.write(decoded.buffer, to: directory.appendingPathComponent("\(name)-48k.\(ext)"),
                                    options: .init(title: name, artist: "mashup demo"))
            }
            printError(String(format: "%@: %.0f BPM, %@, %.1f s: wrote %@ and 48 kHz FLAC/MP3/Opus copies in %.2f s",
                              name, song.bpm, song.keyName, song.durationSeconds, wav.path, Date().timeIntervalSince(start)))
        }
        print(directory.path)
    }
}
