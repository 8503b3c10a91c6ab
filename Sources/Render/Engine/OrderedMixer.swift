import DSP
import Foundation

/// Sums rendered layers onto the bus in plan order, whatever order they finish in, so that the floating-point
/// sum (and so the output) is the same on every run and thread count. Layers waiting for a sidechain key are
/// held and added in a second ordered pass, once every section's key stems are summed.
///
/// Used from one task at a time (the engine's), never concurrently.
final class OrderedMixer: @unchecked Sendable {
    private var bus: AudioBuffer
    private let placements: [LayerPlacement]
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

    init(frameCount: Int, sampleRate: Double, placements: [LayerPlacement]) {
        bus = AudioBuffer(channelCount: 2, frameCount: frameCount, sampleRate: sampleRate)
        self.placements = placements
        layerReports = Array(repeating: nil, count: placements.count)
        for placement in placements {
            for effect in placement.effects {
                if case .sidechain(let s) = effect { keyStemsBySection[placement.sectionIndex, default: []].insert(s.keyStem) }
            }
        }
    }

    /// The first placement not yet added (or held for a sidechain).
    var nextPlacementIndex: Int { nextIndex }

    /// Takes a finished layer and adds every layer that is now next in order.
    func accept(_ layer: RenderedLayer) {
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
    }

    /// Ducks each held layer by its section's key and adds it, in plan order.
    func applySidechains(tempoMap: TempoMap) {
        precondition(pending.isEmpty, "applySidechains before every layer arrived")
        for var layer in deferred {
            guard let sidechain = layer.pendingSidechain else { continue }
            let placement = placements[layer.placementIndex]
            if let key = keys[placement.sectionIndex]?[sidechain.keyStem] {
                let ducker = SidechainDucker(depthDecibels: -abs(sidechain.depthDecibels), attackSeconds: sidechain.attackSeconds,
                                             releaseSeconds: sidechain.releaseSeconds)
                let frames = layer.audio.frameCount
                var keyAudio = AudioBuffer(channelCount: 1, frameCount: frames, sampleRate: layer.audio.sampleRate)
                keyAudio.withMutableChannel(0) { out in
                    for i in 0..<frames {
                        let k = layer.outputStartFrame + i - key.start
                        if k >= 0 && k < key.audio.count { out[i] = key.audio[k] }
                    }
                }
                do {
                    let block = LayerRenderer.blockFrameCount
                    try ducker.prepare(ProcessSpec(sampleRate: layer.audio.sampleRate, maximumBlockFrameCount: block,
                                                   channelCount: layer.audio.channelCount))
                    var start = 0
                    while start < frames {
                        let count = min(block, frames - start)
                        layer.audio.withMutableBlock(frames: start ..< start + count) { audioBlock in
                            keyAudio.withMutableBlock(frames: start ..< start + count) { keyBlock in
                                ducker.process(audioBlock, key: keyBlock)
                            }
                        }
                        start += count
                    }
                } catch {
                    warnings.append("\(placement.path): sidechain not applied: \(error)")
                }
            } else {
                warnings.append("section \(placement.sectionIndex + 1): sidechain on \(placement.layer.songID) "
                                + "\(placement.layer.stem.rawValue) has no \(sidechain.keyStem.rawValue) in its section to key it; not applied")
                layerReports[layer.placementIndex]?.effectsIgnored.append("sidechain (no \(sidechain.keyStem.rawValue) in the section)")
                layerReports[layer.placementIndex]?.effectsApplied.removeAll { $0.contains("\"sidechain\"") }
            }
            add(layer.audio, at: layer.outputStartFrame)
        }
        deferred = []
    }

    /// The bus, at least `minimumFrameCount` long, with trailing silence after that trimmed.
    func finishedBus(minimumFrameCount: Int) -> AudioBuffer {
        var result = bus
        let silence: Float = 1e-5  // -100 dBFS
        var end = min(lastFrame, result.frameCount)
        while end > minimumFrameCount {
            let i = end - 1
            if abs(result[channel: 0, frame: i]) > silence || abs(result[channel: 1, frame: i]) > silence { break }
            end -= 1
        }
        result.resize(frameCount: max(minimumFrameCount, end))
        return result
    }

    private func add(_ audio: AudioBuffer, at start: Int) {
        let begin = max(0, start)
        let skip = begin - start
        let count = min(audio.frameCount - skip, bus.frameCount - begin)
        guard count > 0 else { return }
        for c in 0..<min(2, audio.channelCount) {
            audio.withChannel(c) { source in
                bus.withMutableChannel(c) { destination in
                    VectorOps.add(UnsafeBufferPointer(rebasing: source[skip ..< skip + count]),
                                  into: UnsafeMutableBufferPointer(rebasing: destination[begin ..< begin + count]))
                }
            }
        }
        lastFrame = max(lastFrame, begin + count)
    }

    private func addToKey(_ layer: RenderedLayer, section: Int, stem: Stem) {
        let spanStart = placements.filter { $0.sectionIndex == section }.map(\.outputStartFrame).min() ?? 0
        let spanEnd = placements.filter { $0.sectionIndex == section }.map { $0.outputStartFrame + $0.frameCount }.max() ?? 0
        var entry = keys[section]?[stem] ?? (spanStart, [Float](repeating: 0, count: max(0, spanEnd - spanStart)))
        let channels = layer.audio.channelCount
        let scale = 1 / Float(channels)
        for c in 0..<channels {
            layer.audio.withChannel(c) { source in
                for i in 0..<source.count {
                    let k = layer.outputStartFrame + i - entry.start
                    if k >= 0 && k < entry.audio.count { entry.audio[k] += source[i] * scale }
                }
            }
        }
        keys[section, default: [:]][stem] = entry
    }
}
