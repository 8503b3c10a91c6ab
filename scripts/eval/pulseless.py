#!/usr/bin/env python3
"""Audio without a pulse: does `mashup analyze` say so?

Noise, rain, speech-like babble, pads, drones and notes or hits at random times have no beat to tap, and a render
must not warp them to one. The analyser reports `rhythmic.pulse_clarity` (the periodicity of its onset envelope)
and scales `bpm_confidence` and `beat_confidence` by the probability that there is a pulse; the engine plays a song
whose pulse it does not trust at its own speed (docs/README-analysis.md, "Audio without a pulse").

This check generates signals of ten kinds in code (30 s each, 44.1 kHz mono, four seeds per kind) and splits them by
kind, so that the kinds on which the threshold was chosen are not those it is reported on:
- tune: coloured noise with slow level changes, clicks at Poisson times, chord pads changing at random times,
  rubato notes (harmonic tones at random intervals), sine sweeps;
- test: drum hits at Poisson times, speech-like syllables (formant-filtered noise bursts), rain (dense random
  droplets), wind (slowly modulated band noise), a drone with vibrato and swells.
It reports per signal the pulse clarity and the reported tempo with its confidence, and per split the largest
clarity and how many the engine would warp to beats (pulse clarity at least 0.1); it fails while any would be.

Usage: pulseless.py --mashup BIN [--out DIR] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 44100
MINIMUM_PULSE_CLARITY = 0.1   # PulseClarity.minimum: below it the engine does not warp a song
DURATION_S = 30.0
SEEDS = 4
TUNE_KINDS = ["noise", "poisson_clicks", "pad", "rubato", "sweep"]
TEST_KINDS = ["poisson_hits", "speech_like", "rain", "wind", "drone"]


def coloured_noise(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """Noise with a 1/f^exponent power spectrum (0 white, 1 pink, 2 brown), unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spectrum), dtype=float)
    f[0] = 1.0
    spectrum /= f ** (exponent / 2)
    x = np.fft.irfft(spectrum, n)
    return x / (np.sqrt(np.mean(x ** 2)) + 1e-12)


def slow_gain(rng: np.random.Generator, n: int, rate_hz: float, depth_db: float) -> np.ndarray:
    """A smooth random gain curve: knots every 1/rate_hz seconds, interpolated, within ±depth_db."""
    knots = max(2, int(DURATION_S * rate_hz) + 2)
    values = rng.uniform(-depth_db, depth_db, knots)
    t = np.linspace(0, knots - 1, n)
    return 10 ** (np.interp(t, np.arange(knots), values) / 20)


def tone(freq_hz: float, length: int, partials: int = 6, decay_s: float | None = None) -> np.ndarray:
    t = np.arange(length) / SAMPLE_RATE
    x = sum(np.sin(2 * np.pi * freq_hz * k * t) / k for k in range(1, partials + 1) if freq_hz * k < 10000)
    if decay_s is not None:
        x = x * np.exp(-t / decay_s)
    return x


def poisson_times(rng: np.random.Generator, rate_hz: float) -> np.ndarray:
    times, t = [], rng.exponential(1 / rate_hz)
    while t < DURATION_S - 0.5:
        times.append(t)
        t += rng.exponential(1 / rate_hz)
    return np.array(times)


def place(out: np.ndarray, x: np.ndarray, start_s: float, gain: float = 1.0) -> None:
    i = int(start_s * SAMPLE_RATE)
    m = min(len(x), len(out) - i)
    if m > 0:
        out[i:i + m] += gain * x[:m]


def bandpass(x: np.ndarray, low_hz: float, high_hz: float) -> np.ndarray:
    spectrum = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE)
    spectrum[(f < low_hz) | (f > high_hz)] = 0
    return np.fft.irfft(spectrum, len(x))


def signal(kind: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(1000 * seed + sum(map(ord, kind)))
    n = int(DURATION_S * SAMPLE_RATE)
    out = np.zeros(n)
    if kind == "noise":
        out = coloured_noise(rng, n, [0.0, 1.0, 2.0, 1.0][seed % 4]) * slow_gain(rng, n, 0.3, 6)
    elif kind == "poisson_clicks":
        click = np.r_[np.ones(20), np.zeros(20)] * np.hanning(40)
        for t in poisson_times(rng, rng.uniform(1, 6)):
            place(out, click, t, rng.uniform(0.2, 1))
    elif kind == "pad":
        t, notes = 0.0, [48, 52, 55, 59, 60, 62, 64, 65, 67, 69]
        while t < DURATION_S:
            length_s = rng.uniform(3, 9)
            chord = rng.choice(notes, 3, replace=False)
            seg = int(length_s * SAMPLE_RATE)
            env = np.minimum(1, np.minimum(np.arange(seg), seg - np.arange(seg)) / (1.5 * SAMPLE_RATE))
            x = sum(tone(440 * 2 ** ((m - 69) / 12), seg, 4) for m in chord) * env
            place(out, x, t, 0.3)
            t += length_s * 0.8
    elif kind == "rubato":
        t = 0.5
        while t < DURATION_S - 1:
            m = rng.integers(48, 76)
            place(out, tone(440 * 2 ** ((m - 69) / 12), int(1.5 * SAMPLE_RATE), 8, 0.4), t, rng.uniform(0.2, 0.6))
            t += rng.lognormal(np.log(0.5), 0.6)
    elif kind == "sweep":
        t = np.arange(n) / SAMPLE_RATE
        f0, f1 = rng.uniform(40, 200), rng.uniform(2000, 9000)
        phase = 2 * np.pi * f0 * DURATION_S / np.log(f1 / f0) * ((f1 / f0) ** (t / DURATION_S) - 1)
        out = np.sin(phase) * slow_gain(rng, n, 0.2, 4)
    elif kind == "poisson_hits":
        for t in poisson_times(rng, rng.uniform(1.5, 5)):
            length = int(0.3 * SAMPLE_RATE)
            tt = np.arange(length) / SAMPLE_RATE
            if rng.random() < 0.5:
                hit = np.sin(2 * np.pi * (50 + 100 * np.exp(-tt / 0.03)) * tt) * np.exp(-tt / 0.12)
            else:
                hit = rng.standard_normal(length) * np.exp(-tt / 0.06) * 0.5 + np.sin(2 * np.pi * 190 * tt) * np.exp(
                    -tt / 0.08)
            place(out, hit, t, rng.uniform(0.3, 1))
    elif kind == "speech_like":
        t = 0.3
        while t < DURATION_S - 0.5:
            for _ in range(rng.integers(2, 9)):   # a phrase of syllables
                length_s = rng.uniform(0.08, 0.35)
                seg = int(length_s * SAMPLE_RATE)
                src = rng.standard_normal(seg)
                x = sum(bandpass(src, f * 0.85, f * 1.15) * g for f, g in
                        ((rng.uniform(300, 900), 1.0), (rng.uniform(900, 2500), 0.5), (rng.uniform(2500, 3500), 0.25)))
                place(out, x * np.hanning(seg), t, rng.uniform(0.5, 1))
                t += length_s + rng.uniform(0.0, 0.12)
            t += rng.uniform(0.3, 1.2)   # a pause between phrases
    elif kind == "rain":
        drop = np.exp(-np.arange(200) / 30.0) * np.sin(2 * np.pi * 3000 * np.arange(200) / SAMPLE_RATE)
        for t in poisson_times(rng, rng.uniform(30, 100)):
            place(out, drop, t, rng.uniform(0.05, 0.5))
        out += 0.05 * coloured_noise(rng, n, 1.0)
    elif kind == "wind":
        out = bandpass(coloured_noise(rng, n, 1.0), rng.uniform(100, 300), rng.uniform(1500, 4000))
        out = out * slow_gain(rng, n, rng.uniform(0.1, 0.5), 12)
    elif kind == "drone":
        t = np.arange(n) / SAMPLE_RATE
        f = 440 * 2 ** ((rng.integers(36, 60) - 69) / 12)
        vibrato = 1 + 0.004 * np.sin(2 * np.pi * rng.uniform(4, 6) * t)
        phase = 2 * np.pi * np.cumsum(f * vibrato) / SAMPLE_RATE
        out = sum(np.sin(k * phase) / k for k in range(1, 8)) * slow_gain(rng, n, 0.15, 8)
    else:
        raise ValueError(kind)
    return 0.3 * out / (np.max(np.abs(out)) + 1e-12)


def analyse(mashup: str, path: Path) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([mashup, "analyze", str(path), "-o", f.name], check=True, capture_output=True)
        return json.load(open(f.name))["rhythmic"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mashup", required=True)
    ap.add_argument("--out", default=None, help="keep the signals here (default: a temporary directory)")
    ap.add_argument("--json", default=None, help="write every result here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out or tmp)
        out.mkdir(parents=True, exist_ok=True)
        rows = []
        for split, kinds in (("tune", TUNE_KINDS), ("test", TEST_KINDS)):
            for kind in kinds:
                for seed in range(SEEDS):
                    path = out / f"{kind}-{seed}.wav"
                    sf.write(path, signal(kind, seed).astype(np.float32), SAMPLE_RATE, subtype="FLOAT")
                    r = analyse(args.mashup, path)
                    rows.append(dict(split=split, kind=kind, seed=seed, pulse_clarity=r.get("pulse_clarity"),
                                     bpm=r.get("bpm"), bpm_confidence=r.get("bpm_confidence"),
                                     beat_confidence=r.get("beat_confidence")))
                    print(f"{split} {kind}-{seed}: pulse clarity {r.get('pulse_clarity', float('nan')):.3f}, "
                          f"bpm {r.get('bpm', 0):.1f} at confidence {r.get('bpm_confidence') or 0:.2f}")
    warped = 0
    for split in ("tune", "test"):
        part = [r for r in rows if r["split"] == split]
        clarities = [r["pulse_clarity"] if r["pulse_clarity"] is not None else 1.0 for r in part]
        pulsed = sum(1 for c in clarities if c >= MINIMUM_PULSE_CLARITY)
        confident = sum(1 for r in part if (r["bpm_confidence"] or 0) >= 0.5)
        warped += pulsed
        print(f"{split}: {len(part)} signals, pulse clarity at most {max(clarities):.3f}; {pulsed} would be warped "
              f"to beats, {confident} have a tempo at confidence 0.5 or more")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 1 if warped else 0


if __name__ == "__main__":
    sys.exit(main())
