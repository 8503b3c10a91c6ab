import DSP
import Foundation

/// Sums rendered layers onto the bus in plan order, whatever order they finish in, so that the floating-point
/// sum (and so the output) is the same on every run and thread count. Layers waiting for a sidechain key are
/// held and added, in plan order, once their section's key stems are summed and every ordinary layer that
/// touches their frames is in: each frame is the sum of its ordinary layers in plan order, then its sidechained
/// ones in plan order.
///
/// Streaming: the bus is a sliding window. Frames before the earliest start of any layer not yet added are
/// final; they go to `sink` in order (at least a second at a time) and leave memory. Frames past
/// `minimumFrameCount` (the timeline's end: tails of echoes and reverbs) stay until `finish()`, which trims their
/// trailing silence. Memory: the window (the span of the layers in flight, about a section), the held layers
/// and the sections' keys, whatever the length of the render.
///
/// Used from one task at a time (the engine's), never concurrently.
final class OrderedMixer: @unchecked Sendable {
    private var window: AudioBuffer
    /// Output frame of the window's first frame; everything before it went to the sink.
    private var windowStart = 0
    /// Longest bus, frames (layers are cut there).
    private let capacity: Int
    /// Frames always kept (the timeline's length); only silence after them is trimmed.
    private let minimumFrameCount: Int
    private let sampleRate: Double
    private let placements: [LayerPlacement]
    private let sink: (AudioBuffer) throws -> Void
    /// `suffixMinimumStart[i]`: the earliest output frame placements `i...` touch (`Int.max` past the end).
    private let suffixMinimumStart: [Int]
    private var lastIndexOfSection: [Int: Int] = [:]
    private var pending: [Int: RenderedLayer] = [:]
    private var nextIndex = 0
    private var deferred: [RenderedLayer] = []
    /// Per section and key stem: the summed key-stem layers (mono) over the section's span.
    private var keys: [Int: [Stem: (start: Int, audio: [Float])]] = [:]
    private var keyStemsBySection: [Int: Set<Stem>] = [:]
    private var lastFrame = 0
    /// The report entry of each placement, filled as layers arrive.
    private(set) var layerReports: [RenderReport.Layer?]
    /// Problems met while mixing (a sidechain with nothing to key it).
    private(set) var warnings: [String] = []

    /// - Parameters:
    ///   - frameCount: the longest bus (layers are cut there).
    ///   - minimumFrameCount: the bus is at least this long; trailing silence after it is trimmed.
    ///   - sink: receives the finished bus in order, in blocks; what it throws, `accept` and `finish` throw.
    init(
        frameCount: Int, minimumFrameCount: Int, sampleRate: Double, placements: [LayerPlacement],
        sink: @escaping (AudioBuffer) throws -> Void
    ) {
        capacity = frameCount
        self.minimumFrameCount = min(minimumFrameCount, frameCount)
        self.sampleRate = sampleRate
        self.sink = sink
        window = AudioBuffer(channelCount: 2, frameCount: 0, sampleRate: sampleRate)
        self.placements = placements
        layerReports = Array(repeating: nil, count: placements.count)
        var suffix = [Int](repeating: .max, count: placements.count + 1)
        for i in stride(from: placements.count - 1, through: 0, by: -1) {
            suffix[i] = min(suffix[i + 1], max(0, placements[i].outputStartFrame))
        }
        suffixMinimumStart = suffix
        for (index, placement) in placements.enumerated() {
            lastIndexOfSection[placement.sectionIndex] = index
            for effect in placement.effects {
                if case .sidechain(let s) = effect {
                    keyStemsBySection[placement.sectionIndex, default: []].insert(s.keyStem)
                }
            }
        }
    }

    /// The first placement not yet added (or held for a sidechain).
    var nextPlacementIndex: Int { nextIndex }

    /// Frames handed to the sink so far.
    var flushedFrameCount: Int { windowStart }

    /// Takes a finished layer, adds every layer that is now next in order, and hands on the frames now final.
    /// - Throws: what the sink throws.
    func accept(_ layer: RenderedLayer) throws {
        layerReports[layer.placementIndex] = layer.report
        pending[layer.placementIndex] = layer
        while let ready = pending.removeValue(forKey: nextIndex) {
            nextIndex += 1
            if ready.pendingSidechain != nil {
                deferred.append(ready)
                continue
            }
            let placement = placements[ready.placementIndex]
            if keyStemsBySection[placement.sectionIndex]?.contains(placement.layer.stem) == true {
                addToKey(ready, section: placement.sectionIndex, stem: placement.layer.stem)
            }
            add(ready.audio, at: ready.outputStartFrame)
        }
        addDeferred(all: false)
        var settled = min(suffixMinimumStart[nextIndex], minimumFrameCount)
        for layer in deferred { settled = min(settled, max(0, layer.outputStartFrame)) }
        if settled - windowStart >= Int(sampleRate) { try flush(upTo: settled) }
    }

    /// Adds the held layers that are ready (all of them when every layer is in), and drops finished keys.
    private func addDeferred(all: Bool) {
        while let layer = deferred.first {
            let section = placements[layer.placementIndex].sectionIndex
            let end = min(capacity, layer.outputStartFrame + layer.audio.frameCount)
            guard
                all || (nextIndex > lastIndexOfSection[section, default: .max] && suffixMinimumStart[nextIndex] >= end)
            else { break }
            deferred.removeFirst()
            duckAndAdd(layer)
        }
        for section in keys.keys
        where nextIndex > lastIndexOfSection[section, default: .max]
            && !deferred.contains(where: { placements[$0.placementIndex].sectionIndex == section })
        {
            keys[section] = nil
        }
    }

    /// Ducks a held layer by its section's key and adds it.
    private func duckAndAdd(_ held: RenderedLayer) {
        var layer = held
        guard let sidechain = layer.pendingSidechain else { return }
        let placement = placements[layer.placementIndex]
        if let key = keys[placement.sectionIndex]?[sidechain.keyStem] {
            let ducker = SidechainDucker(
                depthDecibels: -abs(sidechain.depthDecibels), attackSeconds: sidechain.attackSeconds,
                releaseSeconds: sidechain.releaseSeconds)
            let frames = layer.audio.frameCount
            var keyAudio = AudioBuffer(channelCount: 1, frameCount: frames, sampleRate: layer.audio.sampleRate)
            keyAudio.withMutableSamples(ofChannel: 0) { out in
                for i in 0..<frames {
                    let k = layer.outputStartFrame + i - key.start
                    if k >= 0 && k < key.audio.count { out[i] = key.audio[k] }
                }
            }
            do {
                let block = LayerRenderer.blockFrameCount
                try ducker.prepare(
                    ProcessSpec(
                        sampleRate: layer.audio.sampleRate, maximumBlockFrameCount: block,
                        channelCount: layer.audio.channelCount))
                var start = 0
                while start < frames {
                    let count = min(block, frames - start)
                    layer.audio.withMutableBlock(frames: start..<start + count) { audioBlock in
                        keyAudio.withMutableBlock(frames: start..<start + count) { keyBlock in
                            ducker.process(audioBlock, key: keyBlock)
                        }
                    }
                    start += count
                }
            } catch {
                warnings.append("\(placement.path): sidechain not applied: \(error)")
            }
        } else {
            warnings.append(
                "section \(placement.sectionIndex + 1): sidechain on \(placement.layer.songID) "
                    + "\(placement.layer.stem.rawValue) has no \(sidechain.keyStem.rawValue) in its section to key it; not applied"
            )
            layerReports[layer.placementIndex]?.effectsIgnored.append(
                "sidechain (no \(sidechain.keyStem.rawValue) in the section)")
            layerReports[layer.placementIndex]?.effectsApplied.removeAll { $0.contains("\"sidechain\"") }
        }
        add(layer.audio, at: layer.outputStartFrame)
    }

    /// Adds the held layers, trims the trailing silence after `minimumFrameCount`, hands the rest of the bus to the
    /// sink and returns the bus's length in frames.
    /// - Throws: what the sink throws.
    func finish() throws -> Int {
        precondition(pending.isEmpty && nextIndex == placements.count, "finish before every layer arrived")
        addDeferred(all: true)
        keys = [:]
        let silence: Float = 1e-5 // -100 dBFS
        var end = min(lastFrame, capacity)
        while end > minimumFrameCount {
            let i = end - 1 - windowStart
            if i >= 0 && i < window.frameCount
                && (abs(window[channel: 0, frame: i]) > silence || abs(window[channel: 1, frame: i]) > silence)
            {
                break
            }
            end -= 1
        }
        let length = max(minimumFrameCount, end)
        try flush(upTo: length)
        window = AudioBuffer(channelCount: 2, frameCount: 0, sampleRate: sampleRate)
        return length
    }

    /// Hands frames `windowStart ..< end` to the sink (silence where no layer reached) and drops them.
    private func flush(upTo end: Int) throws {
        guard end > windowStart else { return }
        let count = end - windowStart
        try sink(window.slice(frames: 0..<count))
        window =
            count < window.frameCount
            ? window.slice(frames: count..<window.frameCount)
            : AudioBuffer(channelCount: 2, frameCount: 0, sampleRate: sampleRate)
        windowStart = end
    }

    private func add(_ audio: AudioBuffer, at start: Int) {
        // Frames before the window were final when they left (by construction no layer reaches back there).
        let begin = max(0, start, windowStart)
        let skip = begin - start
        let count = min(audio.frameCount - skip, capacity - begin)
        guard count > 0 else { return }
        assert(begin == max(0, start), "a layer reached frames already handed on")
        let needed = begin + count - windowStart
        if window.frameCount < needed {
            window.resize(frameCount: max(needed, window.frameCount + window.frameCount / 2))
        }
        let offset = begin - windowStart
        for c in 0..<min(2, audio.channelCount) {
            audio.withSamples(ofChannel: c) { source in
                window.withMutableSamples(ofChannel: c) { destination in
                    var part = destination.extracting(offset..<offset + count)
                    VectorOps.add(source.extracting(skip..<skip + count), into: &part)
                }
            }
        }
        lastFrame = max(lastFrame, begin + count)
    }

    private func addToKey(_ layer: RenderedLayer, section: Int, stem: Stem) {
        let spanStart = placements.filter { $0.sectionIndex == section }.map(\.outputStartFrame).min() ?? 0
        let spanEnd =
            placements.filter { $0.sectionIndex == section }.map { $0.outputStartFrame + $0.frameCount }.max() ?? 0
        var entry = keys[section]?[stem] ?? (spanStart, [Float](repeating: 0, count: max(0, spanEnd - spanStart)))
        let channels = layer.audio.channelCount
        let scale = 1 / Float(channels)
        for c in 0..<channels {
            layer.audio.withSamples(ofChannel: c) { source in
                for i in 0..<source.count {
                    let k = layer.outputStartFrame + i - entry.start
                    if k >= 0 && k < entry.audio.count { entry.audio[k] += source[i] * scale }
                }
            }
        }
        keys[section, default: [:]][stem] = entry
    }
}
