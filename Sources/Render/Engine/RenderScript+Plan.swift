import DSP
import Foundation

extension RenderScript {
    /// The script for a validated plan; `warnings` (the validator's, as sentences with their paths) go into the
    /// report.
    public init(plan: ValidatedPlan, warnings: [String] = []) {
        let sections = plan.sections.map { section -> Section in
            let transition: Transition
            switch section.transitionIn?.kind {
            case .crossfade?: transition = .crossfade(bars: section.transitionIn?.bars ?? 1, curve: .equalPower)
            case .cut?, nil: transition = .cut
            case .echoOut?:
                var echo = EffectSpec.EchoOut.standard
                if let bars = section.transitionIn?.bars, bars > 0 { echo.tail = .bars(bars) }
                transition = .echoOut(echo)
            case .filterSweep?: transition = .filterSweep(bars: max(section.transitionIn?.bars ?? 4, 0.25))
            }
            let layers = section.layers.map { layer in
                Layer(songID: layer.songId, stem: layer.stem, gainDecibels: layer.gainDecibels, pan: layer.pan,
                      sourceStartSeconds: layer.sourceStartSeconds,
                      // The plan's override, or the validator's automatic shift when it knew the song's key (its
                      // over-the-limit warning is already in `warnings`); nil leaves the shift to the engine, which
                      // also keeps unpitched drums where they are unless the plan says otherwise.
                      semitonesOverride: layer.pitchShiftIsOverride || layer.stem != .drums ? layer.pitchShiftSemitones : nil,
                      fadeInSeconds: layer.fadeInSeconds, fadeOutSeconds: layer.fadeOutSeconds,
                      effects: layer.effects, ignoredEffects: layer.ignoredEffects)
            }
            return Section(description: section.description, energyLevel: section.energyLevel,
                           startSeconds: section.startSeconds, durationSeconds: section.durationSeconds,
                           transitionIn: transition, layers: layers)
        }
        self.init(title: plan.title, artistCredits: plan.artistCredits, creativeVision: plan.creativeVision,
                  tempoMap: plan.tempoMap, targetKey: plan.targetKey, targetLoudnessLUFS: plan.targetLoudnessLUFS,
                  truePeakCeilingDecibels: plan.truePeakCeilingDecibels, sections: sections,
                  problemsAndSolutions: plan.problemsAndSolutions.map {
                      RenderReport.ProblemAndSolution(problem: $0.problem, solution: $0.solution)
                  },
                  warnings: warnings)
    }
}
