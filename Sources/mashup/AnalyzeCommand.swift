import Analysis
import DSP
import Foundation
import Render

/// `mashup analyze SONG... [-o FILE]`: the embedded analysis of each song as the analysis service's JSON.
enum AnalyzeCommand: CLICommand {
    static let name = "analyze"
    static let summary = "analyse songs: tempo, beats, downbeats, key, chords, energy, sections (analysis JSON)"
    static let usage = """
        mashup analyze SONG... [-o FILE]
          One song prints its analysis object; several print an array of {"song_id", "file", "analysis"}.
          -o FILE writes the JSON to FILE instead of standard output.
        """

    static func run(_ arguments: inout Arguments) async throws {
        let output = try arguments.option("-o", "--output")
        let files = try arguments.positionals()
        guard !files.isEmpty else { throw CLIError.usage("name at least one song") }
        let analyses = try await analyse(files)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        if analyses.count == 1 {
            data = try encoder.encode(analyses[0])
        } else {
            let entries = zip(files, analyses).map { file, analysis in
                AnalysisEntry(
                    songID: URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent,
                    file: file, analysis: analysis)
            }
            data = try encoder.encode(entries)
        }
        try emit(data, to: output)
    }

    /// Decodes and analyses `files` in parallel, in order.
    static func analyse(_ files: [String]) async throws -> [SongAnalysis] {
        try await withThrowingTaskGroup(of: (Int, SongAnalysis).self) { group in
            for (index, file) in files.enumerated() {
                group.addTask { (index, try analyse(file)) }
            }
            var results = [SongAnalysis?](repeating: nil, count: files.count)
            for try await (index, analysis) in group { results[index] = analysis }
            return results.compactMap { $0 }
        }
    }

    /// Analyses `file` at its own rate (the analyser resamples) in one pass over its blocks: the song is never held
    /// whole (the analyser keeps its mono input at about 22 kHz and reads full-rate windows around the beats).
    static func analyse(_ file: String) throws -> SongAnalysis {
        let url = URL(fileURLWithPath: file)
        let rate = try AudioFileReader(url: url, sampleRate: nil).info.sampleRate
        var input = SongAnalysisInput(sampleRate: rate)
        // No loudness measurement: the analysis does not use it (it took a tenth of the command's time).
        let source = try FileAudioSource(url: url, sampleRate: rate, measuresLoudness: false) { input.append($0) }
        for warning in source.warnings { printError("mashup analyze: warning: \(warning)") }
        return try SongAnalyzer().analyze(input) { range in SongAnalyzer.monoDownmix(try source.read(frames: range)) }
    }

    /// Writes `data` to `path`, or to standard output when nil.
    static func emit(_ data: Data, to path: String?) throws {
        if let path {
            try CLIError.checkOutput(path)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            printError("wrote \(path)")
        } else {
            print(String(decoding: data, as: UTF8.self))
        }
    }

    struct AnalysisEntry: Encodable {
        let songID: String
        let file: String
        let analysis: SongAnalysis
        enum CodingKeys: String, CodingKey {
            case songID = "song_id"
            case file, analysis
        }
    }
}
