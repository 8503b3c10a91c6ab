/// Settings of a time stretch / pitch shift. Plain values; the defaults suit full mixes and stems at 44.1-96 kHz.
public struct StretchOptions: Sendable, Equatable {
    /// FFT (window) length in frames, a power of two in 512...16384; nil picks about 46 ms
    /// (2048 at 44.1/48 kHz, 4096 at 88.2/96 kHz).
    public var fftSize: Int?
    /// Detects onsets and copies the input unchanged around each (ratio 1 there, the stretch taken up between),
    /// so drums and clicks stay sharp and land on their mapped positions. Off gives a plain phase-locked vocoder.
    public var transientLocking: Bool
    /// When pitch shifting, keeps the spectral envelope (formants) in place: for vocals.
    public var preserveFormants: Bool
    /// The pitch shift's final resampling: nil (the default) uses the built-in 48-tap Kaiser-windowed sinc
    /// (flat to about 0.8 × Nyquist, about -85 dB images) offline and libsamplerate `.medium` when streaming;
    /// a quality picks that libsamplerate converter for both.
    public var resampleQuality: ResampleQuality?

    public init(
        fftSize: Int? = nil, transientLocking: Bool = true, preserveFormants: Bool = false,
        resampleQuality: ResampleQuality? = nil
    ) {
        self.fftSize = fftSize
        self.transientLocking = transientLocking
        self.preserveFormants = preserveFormants
        self.resampleQuality = resampleQuality
    }

    /// The FFT size used at `sampleRate`.
    func resolvedFFTSize(sampleRate: Double) -> Int {
        if let size = fftSize {
            precondition(
                size >= 512 && size <= 16384 && size & (size - 1) == 0, "fftSize must be a power of two in 512...16384")
            return size
        }
        var size = 512
        while Double(size) < sampleRate * 0.0464 * 0.75 { size *= 2 }
        return size
    }
}
