/// A growable window of planar audio addressed by absolute frame position, for streaming stages that read
/// ahead of and write behind the frames they hand on.
///
/// Holds frames `startFrame ..< endFrame`. Frames are appended (or zero-extended) at the end and dropped at the
/// start; storage is compacted only when the dropped prefix outweighs the live part, so every frame is moved
/// O(1) times on average. Not thread-safe; one owner.
final class PlanarFIFO {
    let channelCount: Int
    /// Absolute position of the first held frame.
    private(set) var startFrame = 0
    /// Absolute position one past the last held frame.
    var endFrame: Int { startFrame + count }
    private var count = 0
    private var offset = 0 // index of startFrame within each channel's storage
    private var capacity: Int
    private var storage: UnsafeMutablePointer<Float> // channel c at storage + c * capacity

    init(channelCount: Int, initialCapacity: Int) {
        self.channelCount = channelCount
        self.capacity = max(initialCapacity, 16)
        self.storage = .allocate(capacity: channelCount * capacity)
        storage.initialize(repeating: 0, count: channelCount * capacity)
    }

    deinit { storage.deallocate() }

    /// Pointer to frame `frame` (in `startFrame ..< endFrame`) of channel `channel`.
    @inline(__always)
    func pointer(channel: Int, frame: Int) -> UnsafeMutablePointer<Float> {
        storage + channel * capacity + offset + (frame - startFrame)
    }

    /// Makes room for `frames` more frames after `endFrame`, compacting or growing.
    private func reserve(_ frames: Int) {
        if offset + count + frames <= capacity { return }
        let needed = count + frames
        if needed <= capacity / 2 || (offset > 0 && needed <= capacity && offset >= count) {
            for c in 0..<channelCount {
                let base = storage + c * capacity
                if count > 0 { base.update(from: base + offset, count: count) }
            }
            offset = 0
            if offset + count + frames <= capacity { return }
        }
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<Float>.allocate(capacity: channelCount * newCapacity)
        grown.initialize(repeating: 0, count: channelCount * newCapacity)
        for c in 0..<channelCount where count > 0 {
            (grown + c * newCapacity).update(from: storage + c * capacity + offset, count: count)
        }
        storage.deallocate()
        storage = grown
        capacity = newCapacity
        offset = 0
    }

    /// Appends `frames` frames; `source(c)` points at channel `c`'s samples.
    func append(frames: Int, _ source: (Int) -> UnsafePointer<Float>) {
        guard frames > 0 else { return }
        reserve(frames)
        for c in 0..<channelCount {
            (storage + c * capacity + offset + count).update(from: source(c), count: frames)
        }
        count += frames
    }

    /// Extends the window with silence up to `frame` (no-op if already there).
    func extendWithSilence(to frame: Int) {
        let extra = frame - endFrame
        guard extra > 0 else { return }
        reserve(extra)
        for c in 0..<channelCount {
            (storage + c * capacity + offset + count).update(repeating: 0, count: extra)
        }
        count += extra
    }

    /// Drops every frame before `frame`.
    func drop(before frame: Int) {
        let n = min(max(0, frame - startFrame), count)
        offset += n
        count -= n
        startFrame += n
        if frame > startFrame { startFrame = frame } // dropping past the end moves the (empty) window on
        if count == 0 { offset = 0 }
    }

    /// Moves the (empty) window to start at `frame`; only valid while it holds nothing.
    func reset(startFrame frame: Int) {
        precondition(count == 0, "PlanarFIFO.reset on a non-empty window")
        startFrame = frame
        offset = 0
    }
}
