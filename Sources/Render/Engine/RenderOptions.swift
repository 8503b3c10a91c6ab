import DSP
import Foundation

/// How the engine renders.
public struct RenderOptions: Sendable {
    /// Layers rendered at once (default: the active processor count). The output does not depend on it.
    public var maximumConcurrentLayers: Int
    /// Stretch settings (FFT size, transient locking); formant preservation is switched on per layer for
    /// shifted vocals.
    public var stretchOptions: StretchOptions
    /// Keep formants of vocal layers shifted by more than this many semitones (default 1).
    public var formantPreservationThresholdSemitones: Double
    /// Produces stems that were not supplied (nil: the full song plays in place of a missing stem, with a warning).
    public var stems: (any StemProviding)?
    /// Reused stretched layers across renders (e.g. the server's); nil makes a cache for this render only, which
    /// keeps a stretched piece only while a later layer of the render reads the same one (a repeated section).
    public var stretchCache: StretchCache?
    /// Songs are gain-staged to this integrated loudness before the plan's gains apply (LUFS, default -16), so that
    /// `volume_db` means the same for a quiet master and a loud one; nil leaves songs at their own level. A boost is
    /// limited to `maximumStagingBoostDecibels` (a quiet recording's noise floor stays down); a song louder than the
    /// reference is always brought down to it, however loud (a float file far above full scale included: limited to
    /// -12 dB, a song at +20 LUFS stayed 24 dB over the other songs and buried them). The gain applies to all of a
    /// song's stems alike (their balance is kept).
    public var songReferenceLoudnessLUFS: Double? = -16
    /// The largest gain-staging boost, dB.
    public static let maximumStagingBoostDecibels = 12.0
    /// Called with the progress of each stage; may be called from any thread.
    public var progress: (@Sendable (RenderProgress) -> Void)?
    /// Where the caller will write the mastered audio (`RenderResult.writeAudio`), when known before the render:
    /// the master's passes then also encode their output into that file, beside the spool, and the result holds
    /// the last pass's file unpublished (`RenderResult.prewrittenAudio`), so `writeAudio` with the same URL, format
    /// and options only renames it into place instead of encoding the spool again. For WAV, AIFF and FLAC only (the
    /// lossy formats are encoded from the spool). nil (the default): the audio is encoded when written. Either way
    /// the file holds the same samples.
    public var masterFile: MasterFile?

    /// The file `masterFile` names: its URL, format (nil: from the extension) and encoding options.
    public struct MasterFile: Sendable, Equatable {
        public var url: URL
        public var format: AudioFileFormat?
        public var options: AudioFileWriteOptions
        public init(url: URL, format: AudioFileFormat? = nil, options: AudioFileWriteOptions = .init()) {
            self.url = url
            self.format = format
            self.options = options
        }
    }

    public init(
        maximumConcurrentLayers: Int = ProcessInfo.processInfo.activeProcessorCount,
        stretchOptions: StretchOptions = StretchOptions(),
        formantPreservationThresholdSemitones: Double = 1,
        stems: (any StemProviding)? = nil,
        stretchCache: StretchCache? = nil, progress: (@Sendable (RenderProgress) -> Void)? = nil
    ) {
        self.maximumConcurrentLayers = max(1, maximumConcurrentLayers)
        self.stretchOptions = stretchOptions
        self.formantPreservationThresholdSemitones = formantPreservationThresholdSemitones
        self.stems = stems
        self.stretchCache = stretchCache
        self.progress = progress
    }
}

/// A progress report: the fraction of the whole render done (0...1) and what is happening.
public struct RenderProgress: Sendable, Equatable {
    public var fraction: Double
    public var stage: String
    public var message: String
    public init(fraction: Double, stage: String, message: String) {
        self.fraction = min(max(fraction, 0), 1)
        self.stage = stage
        self.message = message
    }
}

/// Why a render failed, located where possible.
public enum RenderError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// A layer names a song the render was not given.
    case unknownSong(songID: String, path: String)
    /// The plan cannot be rendered (empty timeline, bad numbers); `path` is the plan location.
    case invalidScript(path: String, message: String)
    /// Analysis or stem separation failed for a song.
    case songPreparationFailed(songID: String, message: String)
    /// A layer failed to render (stretch or effect refused its settings).
    case layerFailed(path: String, message: String)
    /// Mastering or writing failed.
    case outputFailed(message: String)

    public var description: String {
        switch self {
        case .unknownSong(let id, let path): "\(path): no song with id '\(id)' was given"
        case .invalidScript(let path, let message): "\(path): \(message)"
        case .songPreparationFailed(let id, let message): "song '\(id)': \(message)"
        case .layerFailed(let path, let message): "\(path): \(message)"
        case .outputFailed(let message): "output: \(message)"
        }
    }

    public var errorDescription: String? { description }
}

/// What a render returns: the mastered audio (spooled on disk, not in memory), its waveform overview, and the
/// report of every decision. Write the audio with `writeAudio(to:format:options:)`; `loadAudio()` reads it whole
/// (tests, short renders). The spool file is removed when the last copy of the result is released.
public struct RenderResult: Sendable {
    /// The mastered audio.
    public let mastered: AudioSpool
    /// Min/max columns of the mastered audio at `TimelineSVG`'s default width, measured in the last master pass.
    public let waveform: WaveformOverview
    public var report: RenderReport
    /// The mastered audio already encoded into the file `RenderOptions.masterFile` named, waiting to be renamed
    /// into place by `writeAudio` (nil when none was asked for, or when it could not be written: `writeAudio`
    /// then encodes the spool).
    public let prewrittenAudio: PendingAudioFile?

    public init(
        mastered: AudioSpool, waveform: WaveformOverview, report: RenderReport,
        prewrittenAudio: PendingAudioFile? = nil
    ) {
        self.mastered = mastered
        self.waveform = waveform
        self.report = report
        self.prewrittenAudio = prewrittenAudio
    }

    /// Length of the mastered audio in seconds.
    public var durationSeconds: Double { mastered.durationSeconds }

    /// The mastered audio as one buffer (memory grows with the length: for tests and short renders).
    /// - Throws: `AudioFileError` when the spool cannot be read back.
    public func loadAudio() throws -> AudioBuffer { try mastered.readAll() }
}
