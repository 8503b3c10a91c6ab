import Foundation
import Render
import Testing

@Suite("Plan: effect parser")
struct PlanEffectParserTests {
    /// Frequencies parsed from text must be exact (they are decimal numbers times 1 or 1000); allow float rounding.
    static let frequencyToleranceHz = 1e-9
    /// Times parsed from text (ms -> s) up to float rounding.
    static let timeToleranceSeconds = 1e-12

    /// (text, expected spec) for every string the brief and the vocabulary name.
    static let table: [(String, EffectSpec)] = [
        ("high-pass-filter-800hz", .highPass(cutoffHz: 800, slopeDecibelsPerOctave: 12)),
        ("hpf 800", .highPass(cutoffHz: 800, slopeDecibelsPerOctave: 12)),
        ("HPF_800Hz", .highPass(cutoffHz: 800, slopeDecibelsPerOctave: 12)),
        ("High Pass Filter 300 Hz", .highPass(cutoffHz: 300, slopeDecibelsPerOctave: 12)),
        ("high-pass 24db", .highPass(cutoffHz: 200, slopeDecibelsPerOctave: 24)),
        ("low-cut 120hz", .highPass(cutoffHz: 120, slopeDecibelsPerOctave: 12)),
        ("lpf 2.5khz", .lowPass(cutoffHz: 2500, slopeDecibelsPerOctave: 12)),
        ("low-pass-filter-2khz", .lowPass(cutoffHz: 2000, slopeDecibelsPerOctave: 12)),
        ("lowpass", .lowPass(cutoffHz: 1500, slopeDecibelsPerOctave: 12)),
        ("underwater", .lowPass(cutoffHz: 400, slopeDecibelsPerOctave: 12)),
        ("telephone", .bandPass(centerHz: 1000, q: 1)),
        ("band-pass 1khz", .bandPass(centerHz: 1000, q: 1)),
        ("low-shelf 120hz +3db", .lowShelf(frequencyHz: 120, gainDecibels: 3)),
        ("bass-boost", .lowShelf(frequencyHz: 120, gainDecibels: 4)),
        ("air", .highShelf(frequencyHz: 10_000, gainDecibels: 3)),
        ("eq 3khz -4db", .peaking(frequencyHz: 3000, gainDecibels: -4, q: 1)),
        ("reverb", .reverb(.standard)),
        ("Reverb", .reverb(.standard)),
        (
            "reverb-large",
            .reverb(.init(decaySeconds: 3.5, preDelaySeconds: 0.03, wetMix: 0.25, size: 0.9, dampingHz: 7000))
        ),
        ("reverb 3s", .reverb(.init(decaySeconds: 3, preDelaySeconds: 0.02, wetMix: 0.25, size: 0.7, dampingHz: 7000))),
        (
            "reverb-small",
            .reverb(.init(decaySeconds: 0.9, preDelaySeconds: 0.01, wetMix: 0.25, size: 0.4, dampingHz: 7000))
        ),
        (
            "plate-reverb",
            .reverb(.init(decaySeconds: 1.6, preDelaySeconds: 0.02, wetMix: 0.25, size: 0.6, dampingHz: 9000))
        ),
        ("delay", .delay(.standard)),
        ("delay-1/8", .delay(.standard)),
        (
            "delay 1/4",
            .delay(.init(time: .note(.quarter), feedback: 0.35, wetMix: 0.25, pingPong: false, dampingHz: 6000))
        ),
        (
            "delay 375ms",
            .delay(.init(time: .seconds(0.375), feedback: 0.35, wetMix: 0.25, pingPong: false, dampingHz: 6000))
        ),
        (
            "dotted-eighth-delay",
            .delay(.init(time: .note(.dottedEighth), feedback: 0.35, wetMix: 0.25, pingPong: false, dampingHz: 6000))
        ),
        (
            "delay 1/8d",
            .delay(.init(time: .note(.dottedEighth), feedback: 0.35, wetMix: 0.25, pingPong: false, dampingHz: 6000))
        ),
        (
            "delay 1/8 40%",
            .delay(.init(time: .note(.eighth), feedback: 0.4, wetMix: 0.25, pingPong: false, dampingHz: 6000))
        ),
        (
            "ping-pong-delay",
            .delay(.init(time: .note(.eighth), feedback: 0.35, wetMix: 0.25, pingPong: true, dampingHz: 6000))
        ),
        (
            "PingPong Delay 1/4",
            .delay(.init(time: .note(.quarter), feedback: 0.35, wetMix: 0.25, pingPong: true, dampingHz: 6000))
        ),
        ("echo-out", .echoOut(.standard)),
        ("echo out 4 bars", .echoOut(.init(time: .note(.quarter), feedback: 0.55, tail: .bars(4)))),
        ("filter-sweep", .filterSweep(.defaultLowPass)),
        (
            "filter-sweep-200hz-8khz",
            .filterSweep(.init(kind: .lowPass, startHz: 200, endHz: 8000, length: nil, anchor: .start))
        ),
        ("high-pass-sweep", .filterSweep(.defaultHighPass)),
        (
            "hpf sweep 8 bars",
            .filterSweep(.init(kind: .highPass, startHz: 40, endHz: 2000, length: .bars(8), anchor: .end))
        ),
        ("sidechain", .sidechain(.standard)),
        ("sidechain-drums", .sidechain(.standard)),
        (
            "sidechain-bass",
            .sidechain(.init(keyStem: .bass, depthDecibels: 6, attackSeconds: 0.005, releaseSeconds: 0.15))
        ),
        (
            "sidechain 9db",
            .sidechain(.init(keyStem: .drums, depthDecibels: 9, attackSeconds: 0.005, releaseSeconds: 0.15))
        ),
        ("compression", .compressor(.standard)),
        ("compressor-4:1", .compressor(.standard)),
        (
            "compressor 8:1 -24db",
            .compressor(
                .init(
                    thresholdDecibels: -24, ratio: 8, attackSeconds: 0.01, releaseSeconds: 0.12, kneeDecibels: 6,
                    makeupDecibels: nil))
        ),
        ("distortion", .saturation(driveDecibels: 18, wetMix: 1)),
        ("saturation", .saturation(driveDecibels: 6, wetMix: 1)),
        ("fuzz", .saturation(driveDecibels: 30, wetMix: 1)),
        ("gain +3db", .gain(decibels: 3)),
        ("gain -6 dB", .gain(decibels: -6)),
        ("gain \u{2212}4dB", .gain(decibels: -4)),
        ("pan left", .pan(position: -0.5)),
        ("pan hard right", .pan(position: 1)),
        ("pan -0.3", .pan(position: -0.3)),
        ("fade-in 4 bars", .fadeIn(.bars(4))),
        ("fade in over 4 bars", .fadeIn(.bars(4))),
        (
            "1/4 note delay",
            .delay(.init(time: .note(.quarter), feedback: 0.35, wetMix: 0.25, pingPong: false, dampingHz: 6000))
        ),
        ("low-pass filter at 500Hz", .lowPass(cutoffHz: 500, slopeDecibelsPerOctave: 12)),
        ("reverb (medium)", .reverb(.standard)),
        ("delay throws", .delay(.standard)),
        ("fade-out", .fadeOut(.bars(2))),
    ]

    @Test("every table string parses to its spec with no notes")
    func table() {
        for (text, expected) in Self.table {
            let parsed = EffectParser.parse(text)
            #expect(parsed.spec == expected, "\(text): got \(String(describing: parsed.spec))")
            #expect(parsed.notes.isEmpty, "\(text): notes \(parsed.notes)")
        }
    }

    @Test("every vocabulary name and example is understood without notes")
    func vocabulary() {
        for entry in EffectVocabulary.entries {
            for text in (entry.requiresParameters ? [] : [entry.name]) + entry.examples {
                let parsed = EffectParser.parse(text)
                #expect(parsed.spec != nil, "\(text) not understood")
                #expect(parsed.notes.isEmpty, "\(text): \(parsed.notes)")
            }
        }
        #expect(EffectVocabulary.promptText.split(separator: "\n").count == EffectVocabulary.entries.count)
        // The names that need an amount say so instead of passing silently.
        for entry in EffectVocabulary.entries where entry.requiresParameters {
            let parsed = EffectParser.parse(entry.name)
            #expect(parsed.spec == nil && !parsed.notes.isEmpty, "\(entry.name)")
        }
    }

    @Test("unknown effects and stray words give notes, never silence")
    func unknown() {
        for text in [
            "stutter", "chorus", "bitcrush", "flanger 2hz", "", "   ", "123", String(repeating: "x", count: 5000),
            "tape stop", "white noise sweep", "reverse reverb", "pitch shift +2", "auto-pan",
        ] {
            let parsed = EffectParser.parse(text)
            #expect(parsed.spec == nil, "\(text.prefix(20)) should not be understood")
            #expect(!parsed.notes.isEmpty)
        }
        let partly = EffectParser.parse("reverb shimmer")
        #expect(partly.spec == .reverb(.standard))
        #expect(partly.notes.count == 1 && partly.notes[0].contains("shimmer"))
        let extra = EffectParser.parse("hpf 800hz 3s")
        #expect(extra.spec == .highPass(cutoffHz: 800, slopeDecibelsPerOctave: 12))
        #expect(extra.notes.contains { $0.contains("3 s") })
        #expect(EffectParser.parse(.number(3)).spec == nil)
    }

    @Test("out-of-range parameters are clamped with a note")
    func clamped() {
        let parsed = EffectParser.parse("hpf 50khz")
        #expect(parsed.spec == .highPass(cutoffHz: 20_000, slopeDecibelsPerOctave: 12))
        #expect(parsed.notes.count == 1)
        let feedback = EffectParser.parse("delay 1/4 150%")
        if case .delay(let d) = feedback.spec { #expect(d.feedback == 0.95) } else { Issue.record("not a delay") }
        #expect(feedback.notes.count == 1)
        let gain = EffectParser.parse("gain +40db")
        #expect(gain.spec == .gain(decibels: 12))
    }

    @Test("effect objects parse, and every spec's canonical object parses back to itself")
    func objects() {
        let object: JSONValue = ["type": "high-pass", "cutoff_hz": 800]
        #expect(EffectParser.parse(object).spec == .highPass(cutoffHz: 800, slopeDecibelsPerOctave: 12))
        #expect(EffectParser.parse(object).notes.isEmpty)
        let delay: JSONValue = ["type": "delay", "time": "1/4", "feedback": 50, "mix": 0.3]
        #expect(
            EffectParser.parse(delay).spec
                == .delay(.init(time: .note(.quarter), feedback: 0.5, wetMix: 0.3, pingPong: false, dampingHz: 6000)))
        let delayMs: JSONValue = ["type": "delay", "time_ms": 300]
        if case .delay(let d) = EffectParser.parse(delayMs).spec, case .seconds(let s) = d.time {
            #expect(abs(s - 0.3) < Self.timeToleranceSeconds)
        } else {
            Issue.record("delay_ms not read")
        }
        let sidechain: JSONValue = ["type": "sidechain", "key": "bass", "depth_db": 8]
        #expect(
            EffectParser.parse(sidechain).spec
                == .sidechain(.init(keyStem: .bass, depthDecibels: 8, attackSeconds: 0.005, releaseSeconds: 0.15)))
        let unknownKey: JSONValue = ["type": "reverb", "shimmer": 1]
        #expect(EffectParser.parse(unknownKey).spec == .reverb(.standard))
        #expect(EffectParser.parse(unknownKey).notes.count == 1)
        #expect(EffectParser.parse(["cutoff_hz": 800]).spec == nil)

        for (text, _) in Self.table {
            guard let spec = EffectParser.parse(text).spec else { continue }
            let back = EffectParser.parse(spec.jsonValue)
            #expect(back.spec == spec, "\(text): \(spec.jsonValue) read back as \(String(describing: back.spec))")
            #expect(back.notes.isEmpty, "\(text): \(back.notes)")
        }
    }

    @Test("a delay of 1/8 resolves to 241.94 ms at 124 BPM")
    func delayAtTempo() {
        guard case .delay(let d) = EffectParser.parse("delay").spec else { Issue.record("not a delay"); return }
        let map = TempoMap(tempoBPM: 124, sampleRate: 44_100)
        #expect(abs(d.time.seconds(in: map) - 60.0 / 124 / 2) < Self.timeToleranceSeconds)
    }
}
