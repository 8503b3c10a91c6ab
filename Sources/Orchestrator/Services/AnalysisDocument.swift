// Design: one song's analysis as it travels through a job. The wire form (`A` of the contract, the fields a remote
// service sent that we do not model included) is kept for the faces that pass it on unchanged (the planner
// service, Claude's prompt, job metadata); the typed `SongAnalysis` is made once, when the document is made, and
// every typed consumer (the scorer, the embedded planner, the render) reads it from here. The embedded analyser's
// documents are built from the value (encoded once, never decoded); a service's answer is decoded once, at its
// client. There is no other way from analysis JSON to a `SongAnalysis` in the Orchestrator, so an analysis cannot
// be decoded twice in a job by accident; `decodeCount` counts the decodes of a task (tests).
import Analysis
import Foundation
import Render
import Synchronization

/// One song's analysis: the wire document and the typed value read from it once.
public struct AnalysisDocument: Sendable, Equatable {
    /// Why a document could not be read as a `SongAnalysis` (the decoder's message).
    public struct Unreadable: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The analysis as the wire carries it (`A`); `[:]` for a song that has none.
    public let json: JSONValue
    /// The analysis read strictly (every required field with its type), or why it could not be.
    public let strict: Result<SongAnalysis, Unreadable>
    /// The analysis as the embedded planner reads it: `strict`, else the contract's core fields read one by one
    /// (numbers also from strings); nil when neither a key nor a tempo is there.
    public let lenient: SongAnalysis?

    /// Counts the JSON decodes made in the current task (bound by tests; nil: not counted).
    @TaskLocal public static var decodeCounter: DecodeCounter?

    /// A document for the embedded analyser's value: encoded once for the wire, not decoded.
    /// - Throws: `EncodingError` (not for finite analyses).
    public init(_ analysis: SongAnalysis) throws {
        json = try JSONValue.parse(try JSONEncoder().encode(analysis))
        strict = .success(analysis)
        lenient = analysis
    }

    /// A document for analysis JSON received at an edge (a service's answer, a request body, a file): decoded once.
    /// `{"analysis": A}` is read as `A`.
    public init(json: JSONValue) {
        self.json = json
        var value = json
        if value["harmonic"] == nil, value["rhythmic"] == nil, let inner = value["analysis"] { value = inner }
        Self.decodeCounter?.increment()
        do {
            guard case .object = value else { throw Unreadable(description: "not a JSON object") }
            let analysis = try JSONDecoder().decode(SongAnalysis.self, from: try value.encoded())
            strict = .success(analysis)
            lenient = analysis
        } catch {
            strict = .failure(error as? Unreadable ?? Unreadable(description: "\(error)"))
            lenient = value.objectValue == nil ? nil : Self.lenientAnalysis(value)
        }
    }

    /// A song without an analysis (`{}`).
    public static let empty = AnalysisDocument(json: [:])

    /// The strictly read analysis. - Throws: `Unreadable`.
    public func analysis() throws -> SongAnalysis {
        try strict.get()
    }

    /// The contract's core fields read one by one, numbers also from strings ("124"), for analyses whose other
    /// fields have unexpected types; nil when neither a key nor a tempo is there.
    static func lenientAnalysis(_ value: JSONValue) -> SongAnalysis? {
        let key = value["harmonic"]?["key"]?.stringValue
        let bpm = value["rhythmic"]?["bpm"]?.doubleValue
        guard key != nil || bpm != nil else { return nil }
        func numbers(_ v: JSONValue?) -> [Double]? { v?.arrayValue?.compactMap(\.doubleValue) }
        return SongAnalysis(
            harmonic: HarmonicFeatures(key: key ?? "N/A", keyConfidence: 0, chordProgression: [], chordComplexity: 0),
            rhythmic: RhythmicFeatures(
                bpm: bpm ?? 0, beatConfidence: 0, grooveStability: 0, swingFactor: 0,
                beats: numbers(value["rhythmic"]?["beats"]), downbeats: numbers(value["rhythmic"]?["downbeats"])),
            spectral: SpectralFeatures(),
            vocal: VocalFeatures(vocalPresence: value["vocal"]?["vocal_presence"]?.doubleValue ?? 0),
            durationSeconds: value["duration_sec"]?.doubleValue)
    }

    public static func == (lhs: AnalysisDocument, rhs: AnalysisDocument) -> Bool {
        lhs.json == rhs.json
    }
}

/// Counts JSON decodes of analyses (see `AnalysisDocument.decodeCounter`).
public final class DecodeCounter: Sendable {
    private let count = Mutex(0)

    public init() {}

    func increment() { count.withLock { $0 += 1 } }

    /// Decodes so far.
    public var value: Int { count.withLock { $0 } }
}
