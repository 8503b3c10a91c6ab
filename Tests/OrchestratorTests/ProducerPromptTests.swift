import Foundation
import Orchestrator
import Render
import Testing

@Suite("Claude planner prompts")
struct ProducerPromptTests {
    static let analysisA: JSONValue = [
        "harmonic": [
            "key": "A minor", "key_confidence": 0.71, "chord_progression": ["Am", "F", "C", "G"],
            "key_segments": [
                ["start_sec": 0, "end_sec": 120, "key": "A minor", "confidence": 0.8],
                ["start_sec": 120, "end_sec": 185, "key": "B minor", "confidence": 0.7],
            ],
        ],
        "rhythmic": [
            "bpm": 124, "beat_confidence": 0.92, "beats_per_bar": 4,
            "downbeats": [0.5, 2.435, 4.37, 6.305], "beats": [0.5, 0.98, 1.47],
            "tempo_candidates": [
                ["bpm": 62, "score": 0.2], ["bpm": 124, "score": 0.78], ["bpm": 248, "score": 0.02],
            ],
        ],
        "spectral": ["mfccs": [[1, 2, 3]], "dynamic_range": 14.2, "brightness": 2450],
        "vocal": ["vocal_presence": 0.63],
        "duration_sec": 185,
        "sections": [
            ["start_sec": 0, "end_sec": 30.9, "rms_db": -22],
            [
                "start_sec": 30.9, "end_sec": 61.8, "rms_db": -11.5, "role": "chorus", "label": "high",
                "repeat_group": 1,
            ],
        ],
        "energy": [["start_sec": 0, "end_sec": 15.5, "bar_count": 8, "rms_db": -22, "label": "low"]],
    ]
    static let analysisB: JSONValue = [
        "harmonic": ["key": "C major"], "rhythmic": ["bpm": 120], "vocal": ["vocal_presence": 0.1],
    ]
    static let score: JSONValue = [
        "overall_score": 72, "dimension_scores": ["harmonic": 80, "rhythmic": 70, "spectral": 60, "vocal": 50],
        "compatibility_breakdown": [
            "harmonic": ["best_shift_semitones": -2, "shifted_song": "song2"],
            "rhythmic": ["stretch_percent": 3.3, "target_bpm": 122],
        ],
        "recommendations": ["Put A's vocals over B's instrumental"],
        "warnings": ["Both songs are vocal-heavy in the chorus"],
    ]

    @Test("numbers from outside too large for an integer are written, not converted (no trap)")
    func hugeNumbers() {
        let analysis: JSONValue = [
            "rhythmic": ["bpm": 120, "beats_per_bar": 1e300],
            "sections": [["start_sec": 0, "end_sec": 10, "rms_db": -12, "repeat_group": 1e300]],
        ]
        let request = PlanRequest(
            analyses: [analysis, Self.analysisB], mashabilityScore: [:],
            songs: [PlanSongLabel(songID: "s1", name: "Big"), PlanSongLabel(songID: "s2", name: "Daylight")])
        let lines = ProducerPrompt(effectLines: []).user(for: request).split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("beats per bar") && $0.hasPrefix("- tempo 120.0 BPM") }, "\(lines)")
        #expect(lines.contains { $0.contains(", material 1") && $0.contains("0.00-10.00 s") }, "\(lines)")
    }

    @Test("a song without a pulse is described as such, not by the tracker's guess at a tempo")
    func pulselessSong() {
        func prompt(pulseClarity: Double) -> String {
            let analysis: JSONValue = [
                "rhythmic": ["bpm": 97, "beat_confidence": 0.02, "pulse_clarity": .number(pulseClarity)],
                "harmonic": ["key": "N/A"],
            ]
            let request = PlanRequest(
                analyses: [analysis, Self.analysisB], mashabilityScore: [:],
                songs: [PlanSongLabel(songID: "s1", name: "Rain"), PlanSongLabel(songID: "s2", name: "Daylight")])
            return ProducerPrompt(effectLines: []).user(for: request)
        }
        let pulseless = prompt(pulseClarity: 0.02)
        #expect(pulseless.contains("no clear pulse (pulse clarity 0.02"), "\(pulseless)")
        #expect(pulseless.contains("the render plays it at its own speed"))
        #expect(!pulseless.contains("tempo 97.0 BPM"))
        let pulsed = prompt(pulseClarity: 0.4)
        #expect(pulsed.contains("tempo 97.0 BPM") && !pulsed.contains("no clear pulse"), "\(pulsed)")
    }

    @Test("the prompt carries tempo, key, duration, grid, sections, the breakdown, schema, effects and rules")
    func content() {
        let request = PlanRequest(
            analyses: [Self.analysisA, Self.analysisB], mashabilityScore: Self.score,
            songs: [
                PlanSongLabel(songID: "s1", name: "Night Drive", artist: "Artist A"),
                PlanSongLabel(songID: "s2", name: "Daylight"),
            ])
        let prompt = ProducerPrompt(effectLines: ["high-pass-filter: removes lows (e.g. high-pass-filter-800hz)"]).user(
            for: request)
        for needle in [
            "Song songId \"s1\": \"Night Drive\" by Artist A", "tempo 124.0 BPM", "key A minor", "duration 3:05",
            "downbeat grid: 4 bars, first downbeat at 0.50 s, bar length 1.935 s",
            "30.90-61.80 s (0:31-1:02), -11.5 dB, chorus (high energy), material 2  <- loudest",
            "tempo 124.0 BPM (beat confidence 0.92), also heard at 62.0 BPM (0.20), key A minor",
            "- key changes: 0:00-2:00 A minor, 2:00-3:05 B minor (the render matches each layer",
            "energy by stretch of bars: 0:00-0:16 low", "Song songId \"s2\": \"Daylight\"", "key C major",
            "overall 72/100; harmonic 80, rhythmic 70, spectral 60, vocal 50", "\"best_shift_semitones\":-2",
            "\"stretch_percent\":3.3", "recommendation: Put A's vocals", "warning: Both songs",
            "\"songId\": \"s1\"", "source_start_sec", "high-pass-filter-800hz", "At most one lead vocal at a time",
            "phrases of 4, 8 or 16 bars", "Total length 2:00-4:00",
        ] {
            #expect(prompt.contains(needle), "missing: \(needle)")
        }
        // Bulky fields are summarised, not sent.
        #expect(!prompt.contains("mfccs") && !prompt.contains("0.98"))
        // Levels under 5 % are not offered, nor the chosen one again.
        #expect(!prompt.contains("248.0 BPM") && !prompt.contains("124.0 BPM (0.78)"))
        #expect(ProducerPrompt.system.contains("legendary professional music producer and storyteller"))
    }
}
