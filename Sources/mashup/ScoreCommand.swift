import Analysis
import Foundation

/// `mashup score A B`: the mashability of two songs (audio files, or analysis JSON from `mashup analyze`).
enum ScoreCommand: CLICommand {
    static let name = "score"
    static let summary = "score how well two songs mash up (mashability JSON)"
    static let usage = """
        mashup score A B [--weights H,R,S,V] [-o FILE]
          A and B are audio files or analysis JSON files (.json, as written by mashup analyze -o).
          --weights: harmonic, rhythmic, spectral, vocal weights (default 0.35,0.35,0.15,0.15; normalised).
        """

    static func run(_ arguments: inout Arguments) async throws {
        let output = try arguments.option("-o", "--output")
        let weightsText = try arguments.option("--weights")
        let files = try arguments.positionals()
        guard files.count == 2 else { throw CLIError.usage("expected two songs A and B") }
        var weights = MashabilityWeights.default
        if let weightsText {
            let values = weightsText.split(separator: ",").compactMap {
                Double($0.trimmingCharacters(in: .whitespaces))
            }
            guard values.count == 4, values.allSatisfy({ $0 >= 0 && $0.isFinite }), values.reduce(0, +) > 0 else {
                throw CLIError.usage("--weights expects four non-negative numbers H,R,S,V, not '\(weightsText)'")
            }
            weights = MashabilityWeights(
                harmonic: values[0], rhythmic: values[1], spectral: values[2], vocal: values[3])
        }
        async let first = load(files[0])
        async let second = load(files[1])
        let (a, b) = try await (first, second)
        let score = MashabilityScorer().score(a, b, weights: weights)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AnalyzeCommand.emit(try encoder.encode(score), to: output)
    }

    /// An analysis from a JSON file (a bare analysis or an analysis service response) or from audio.
    static func load(_ path: String) async throws -> SongAnalysis {
        guard path.lowercased().hasSuffix(".json") else { return try AnalyzeCommand.analyse(path) }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoder = JSONDecoder()
        if let analysis = try? decoder.decode(SongAnalysis.self, from: data) { return analysis }
        struct ServiceResponse: Decodable { let analysis: SongAnalysis }
        do {
            return try decoder.decode(ServiceResponse.self, from: data).analysis
        } catch {
            throw CLIError.failed("\(path): not an analysis JSON (\(error))")
        }
    }
}
