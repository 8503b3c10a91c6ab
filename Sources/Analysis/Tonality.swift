// Design: whether a song's pitches can have a key, from three measures of its sustained partials (`ChromaFrames`):
// how much of the power they carry (tonalness), how much of the time they sound (time share), and how much of
// their power glides instead of holding a pitch (glide share). A key is a set of pitches that are held and
// returned to; noise and drums carry no sustained partials, tom rings sound only after hits, and a sweep or a
// slow siren holds no pitch. `KeyEstimator.isTonal` applies the bounds.

/// What the chroma front end measured of a song's sustained partials, each 0...1.
struct Tonality: Sendable, Equatable {
    /// Share of the 150-2000 Hz power in sustained partials.
    var tonalness: Double
    /// Share of the sounding frames whose sustained partials carry at least `ChromaFrames.tonalFrameShare` of
    /// their 150-2000 Hz power.
    var timeShare: Double
    /// Share of the sustained partials' power whose pitch moves one way by at least
    /// `ChromaFrames.glideCentsPerSecond` on both sides of the frame (a sweep, a slide).
    var glideShare: Double

    /// Fully tonal, nothing gliding: for callers that hand `KeyEstimator` a distribution of their own.
    static let certain = Tonality(tonalness: 1, timeShare: 1, glideShare: 0)
}
