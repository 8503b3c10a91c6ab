// Design: one triad per beat by template matching on beat-synchronous chroma.
// - Each beat's chroma (sum of chroma frames between this beat and the next) is L2-normalised and compared
//   (cosine) with the 24 major/minor triad templates (root, third, fifth = 1); the bass chroma adds 0.2 × the
//   share of bass energy on the template's root.
// - Beats whose chroma is 40 dB below the loudest beat are "no chord".
// - A 3-beat majority filter removes one-beat flickers.
// - Progression: consecutive equal labels merge; the distinct triads covering at least 2 beats are listed in
//   order of first appearance (at most 8).
// - Complexity (0...1): 0.6 × the mean template misfit (1 − cosine: energy beyond plain triads, sevenths,
//   tensions, dissonance), normalised by 0.5, plus 0.4 × (distinct chords − 1) / 11.
import Foundation

/// Chords from beat-synchronous chroma.
struct ChordEstimator: Sendable {
    /// Flat-leaning spelling used in chord names.
    static let rootNames = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]

    struct Result: Sendable {
        /// Chord per beat interval: index 0...23 (root + 12 for minor) or -1.
        var beatChords: [Int]
        /// Distinct chord names in order of first appearance.
        var progression: [String]
        /// 0...1.
        var complexity: Double
        /// Share of labelled beats on each of the 24 triads.
        var triadShare: [Double]
        /// Cosine distance of the chroma before and after each beat (2 beats each side): chord-change strength.
        var changeStrength: [Double]
    }

    static func name(_ index: Int) -> String {
        rootNames[index % 12] + (index >= 12 ? "m" : "")
    }

    func estimate(_ chroma: ChromaFrames, beatTimes: [Double]) -> Result {
        let beats = beatTimes.count
        guard beats >= 2 else {
            return Result(beatChords: [], progression: [], complexity: 0, triadShare: [], changeStrength: [])
        }
        let frames = beatTimes.map { chroma.frame(atTime: $0) }
        var vectors = [[Float]]()
        var bassVectors = [[Float]]()
        var energies = [Float]()
        for i in 0..<beats {
            let start = frames[i]
            let end = i + 1 < beats ? frames[i + 1] : start + max(1, frames[i] - frames[i - 1])
            let v = chroma.sum(frames: start..<max(start + 1, end))
            var b = [Float](repeating: 0, count: 12)
            let lo = max(0, start), hi = min(chroma.frameCount, max(start + 1, end))
            if hi > lo { for f in lo..<hi { for p in 0..<12 { b[p] += chroma.bass[f * 12 + p] } } }
            vectors.append(v)
            bassVectors.append(b)
            energies.append(v.reduce(0, +))
        }
        let loudest = energies.max() ?? 0
        var labels = [Int](repeating: -1, count: beats)
        var fits = [Double]()
        for i in 0..<beats where energies[i] > loudest * 0.01 && loudest > 1e-9 {
            let v = vectors[i]
            let norm = v.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { continue }
            let bassTotal = bassVectors[i].reduce(0, +)
            var best = -1, bestScore = -Double.infinity, bestCos = 0.0
            for chord in 0..<24 {
                let root = chord % 12
                let third = (root + (chord >= 12 ? 3 : 4)) % 12
                let fifth = (root + 7) % 12
                let cosine = Double(v[root] + v[third] + v[fifth]) / (Double(norm) * 3.0.squareRoot())
                let bassShare = bassTotal > 1e-9 ? Double(bassVectors[i][root] / bassTotal) : 0
                let score = cosine + 0.2 * bassShare
                if score > bestScore { bestScore = score; best = chord; bestCos = cosine }
            }
            labels[i] = best
            fits.append(bestCos)
        }
        // 3-beat majority: a label differing from equal neighbours takes theirs.
        var smoothed = labels
        if beats >= 3 {
            for i in 1..<(beats - 1) where labels[i - 1] == labels[i + 1] && labels[i] != labels[i - 1] {
                smoothed[i] = labels[i - 1]
            }
        }
        var share = [Double](repeating: 0, count: 24)
        var labelled = 0
        var counts = [Int](repeating: 0, count: 24)
        for l in smoothed where l >= 0 { share[l] += 1; counts[l] += 1; labelled += 1 }
        if labelled > 0 { share = share.map { $0 / Double(labelled) } }
        var progression = [String]()
        var seen = Set<Int>()
        for l in smoothed where l >= 0 && counts[l] >= 2 && !seen.contains(l) && seen.count < 8 {
            seen.insert(l)
            progression.append(ChordEstimator.name(l))
        }
        let misfit = fits.isEmpty ? 0 : 1 - fits.reduce(0, +) / Double(fits.count)
        let distinct = max(0, seen.count - 1)
        let complexity = min(1, max(0, 0.6 * min(1, misfit / 0.5) + 0.4 * Double(distinct) / 11))
        // Chord-change strength at each beat: 2-beat windows either side.
        var change = [Double](repeating: 0, count: beats)
        for i in 0..<beats {
            var before = [Float](repeating: 0, count: 12), after = [Float](repeating: 0, count: 12)
            for j in max(0, i - 2)..<i { for p in 0..<12 { before[p] += vectors[j][p] } }
            for j in i..<min(beats, i + 2) { for p in 0..<12 { after[p] += vectors[j][p] } }
            change[i] = 1 - ChordEstimator.cosine(before, after)
        }
        return Result(
            beatChords: smoothed, progression: progression, complexity: complexity,
            triadShare: share, changeStrength: change)
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot: Float = 0, na: Float = 0, nb: Float = 0
        for i in 0..<a.count { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i] }
        let den = (na * nb).squareRoot()
        return den > 1e-12 ? Double(dot / den) : 1
    }
}
