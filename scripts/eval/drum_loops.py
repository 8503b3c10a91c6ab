#!/usr/bin/env python3
"""Drums alone from real drum samples: does `mashup analyze` give them a key?

Issue 13 asks that atonal and drums-only material get no key, and that a drums-only input is never
pitch-shifted (the engine shifts a layer only when its key confidence is at least 0.3, `KeyShift`). The generated
set's drums-only songs come from General MIDI soundfonts; this check builds loops from the sampled acoustic and
electronic kits of Debian's `hydrogen-drumkits` (toms, djembes and kicks with a pitched ring included), three
grooves per kit (a rock beat, four-on-the-floor with a tom fill every fourth bar, a sixteenth-note pattern cycling
through the kit's toms, kicks, snares and hats), about 24 s each, and reports per loop the tonalness, the key
and its confidence, and the count that the engine would shift.

Usage: drum_loops.py --mashup BIN [--out DIR] [--kits DIR]
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 44100
MINIMUM_SHIFT_CONFIDENCE = 0.3   # KeyShift.minimumKeyConfidence


def instruments(kit: Path) -> list[tuple[str, str]]:
    root = ET.parse(kit / "drumkit.xml").getroot()
    out = []
    for element in root.iter():
        if element.tag.endswith("instrument"):
            names = [c.text for c in element if c.tag.endswith("name")]
            files = [c.text for c in element.iter() if c.tag.endswith("filename")]
            if names and files and names[0] and files[0]:
                out.append((names[0], files[0]))
    return out


def sample(kit: Path, name: str) -> np.ndarray:
    import soxr
    x, rate = sf.read(str(kit / name), always_2d=True, dtype="float32")
    x = x.mean(axis=1)
    if rate != SAMPLE_RATE:
        x = soxr.resample(x, rate, SAMPLE_RATE)
    return x / (np.abs(x).max() + 1e-9)


def first(found: list[tuple[str, str]], words: list[str]) -> str | None:
    for name, file in found:
        if any(w in name.lower() or w in file.lower() for w in words):
            return file
    return None


def render(events: list[tuple[float, np.ndarray, float]], seconds: float) -> np.ndarray:
    y = np.zeros(int(seconds * SAMPLE_RATE) + SAMPLE_RATE)
    for t, x, gain in events:
        i = int(t * SAMPLE_RATE)
        y[i:i + len(x)] += gain * x[:len(y) - i]
    y = y[:int(seconds * SAMPLE_RATE)]
    return y / (np.abs(y).max() + 1e-9) * 0.8


def grooves(kit: Path) -> list[tuple[str, np.ndarray]]:
    found = instruments(kit)
    roles = {"k": ["kick", "bd", "bass drum", "bassdrum", "thump", "bass"], "s": ["snare", "sn_", "sd_", "slap", "clap"],
             "h": ["closed", "hh", "hat", "chh", "maraca", "shaker", "tamb"], "t": ["tom", "bongo", "tone", "djembe"]}
    sounds = {r: sample(kit, f) for r, words in roles.items() if (f := first(found, words))}
    out = []
    for bpm, style in [(100, "rock"), (124, "fill"), (88, "perc")]:
        beat = 60 / bpm
        bars = int(24 / (4 * beat))
        events = []
        for b in range(bars):
            t0 = b * 4 * beat
            if style == "perc":
                names = [n for n in ("t", "k", "s", "h") if n in sounds]
                for q in range(16):
                    events.append((t0 + q * beat / 4, sounds[names[q % len(names)]], 1.0 if q % 4 == 0 else 0.6))
                continue
            for q in range(8):
                if "h" in sounds:
                    events.append((t0 + q * beat / 2, sounds["h"], 0.5 if q % 2 else 0.7))
            for q in ((0, 2.5) if style == "rock" else (0, 1, 2, 3)):
                if "k" in sounds:
                    events.append((t0 + q * beat, sounds["k"], 1.0))
            for q in (1, 3):
                if "s" in sounds:
                    events.append((t0 + q * beat, sounds["s"], 0.9))
            if style == "fill" and b % 4 == 3 and "t" in sounds:
                for q in range(4):
                    events.append((t0 + 3 * beat + q * beat / 4, sounds["t"], 0.8))
        out.append((f"{kit.name}-{style}", render(events, bars * 4 * beat)))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mashup", required=True)
    ap.add_argument("--out", default=".eval/drum-loops")
    ap.add_argument("--kits", default="/usr/share/hydrogen/data/drumkits")
    a = ap.parse_args()
    kits = sorted(p for p in Path(a.kits).glob("*") if (p / "drumkit.xml").exists())
    if not kits:
        print(f"drum_loops.py: no kits in {a.kits}; make eval-deps installs hydrogen-drumkits", file=sys.stderr)
        return 2
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for kit in kits:
        try:
            loops = grooves(kit)
        except (OSError, RuntimeError, ET.ParseError) as e:
            print(f"drum_loops.py: {kit.name} skipped: {e}", file=sys.stderr)
            continue
        for name, y in loops:
            path = out / (re.sub(r"[^A-Za-z0-9-]", "_", name) + ".wav")
            sf.write(str(path), np.stack([y, y], axis=1), SAMPLE_RATE, subtype="PCM_16")
            run = subprocess.run([a.mashup, "analyze", str(path)], capture_output=True, text=True)
            harmonic = json.loads(run.stdout)["harmonic"] if run.returncode == 0 else {}
            rows.append((name, harmonic.get("tonalness"), harmonic.get("key"), harmonic.get("key_confidence") or 0))
    keyed = [r for r in rows if r[2] not in (None, "N/A")]
    shifted = [r for r in keyed if r[3] >= MINIMUM_SHIFT_CONFIDENCE]
    for name, tonalness, key, confidence in sorted(rows, key=lambda r: -(r[1] or 0)):
        print(f"{name:40} tonalness {tonalness if tonalness is not None else float('nan'):.3f}  {key}  {confidence:.2f}")
    print(f"\n{len(rows)} loops from {len(kits)} kits: {len(keyed)} given a key, {len(shifted)} with confidence >= "
          f"{MINIMUM_SHIFT_CONFIDENCE} (the engine would shift them)")
    return 1 if shifted else 0


if __name__ == "__main__":
    sys.exit(main())
