#!/usr/bin/env python3
"""Drums alone from real drum samples and General MIDI kits: does `mashup analyze` give them a key?

Issue 13 asks that atonal and drums-only material get no key, and that a drums-only input is never
pitch-shifted (the engine shifts a layer only when its key confidence is at least 0.3, `KeyShift`). The generated
set's drums-only songs come from General MIDI soundfonts with few toms; this check builds two sets of loops:
- from the sampled acoustic and electronic kits of Debian's `hydrogen-drumkits` (toms, djembes and kicks with a
  pitched ring included), three grooves per kit (a rock beat, four-on-the-floor with a tom fill every fourth
  bar, a sixteenth-note pattern cycling through the kit's toms, kicks, snares and hats), about 24 s each;
- from the General MIDI soundfonts the evaluation installs (FluidR3, TimGM6mb, MuseScore General) rendered by
  FluidSynth, each of the eight GM drum kits (standard, room, power, electronic, TR-808, jazz, brush,
  orchestra) playing four grooves (a rock beat with a tom fill every fourth bar, sixteenths down the six toms,
  Latin hand percussion, four-on-the-floor with a tom fill), 12 bars each;
and reports per loop the tonalness, the tonal time share, the key and its confidence, and per set the count that
the engine would shift. Each loop's tempo is known, so it also reports how many are read at it (within 4 %) and how
many at double or half: a check of the tempo level on material no tempo decision looked at.

Usage: drum_loops.py --mashup BIN [--out DIR] [--kits DIR] [--soundfonts SF2/SF3 ...]
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from metrics import TEMPO_TOLERANCE, tempo_acc  # noqa: E402

SAMPLE_RATE = 44100
MINIMUM_SHIFT_CONFIDENCE = 0.3   # KeyShift.minimumKeyConfidence
SOUNDFONTS = ["/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/TimGM6mb.sf2",
              "/usr/share/sounds/sf3/MuseScore_General.sf3", "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3"]
GM_KITS = {"standard": 0, "room": 8, "power": 16, "electronic": 24, "tr808": 25, "jazz": 32, "brush": 40,
           "orchestra": 48}
# General MIDI percussion keys.
KICK, SNARE, CLAP, CLOSED_HAT, OPEN_HAT, COWBELL = 36, 38, 39, 42, 46, 56
LOW_FLOOR_TOM, HIGH_FLOOR_TOM, LOW_TOM, LOW_MID_TOM, HIGH_MID_TOM, HIGH_TOM = 41, 43, 45, 47, 48, 50
HIGH_BONGO, LOW_BONGO, MUTE_CONGA, OPEN_CONGA, LOW_CONGA, HIGH_TIMBALE, HIGH_AGOGO, LOW_AGOGO = (
    60, 61, 62, 63, 64, 65, 67, 68)
TOMS_DOWN = [HIGH_TOM, HIGH_MID_TOM, LOW_MID_TOM, LOW_TOM, HIGH_FLOOR_TOM, LOW_FLOOR_TOM]


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


def grooves(kit: Path) -> list[tuple[str, float, np.ndarray]]:
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
        out.append((f"{kit.name}-{style}", bpm, render(events, bars * 4 * beat)))
    return out


def gm_groove(style: str, bars: int = 12) -> list[tuple[float, int, int]]:
    """(position in beats, GM percussion key, velocity) of a General MIDI groove."""
    ev = []
    for b in range(bars):
        o = 4 * b
        if style == "rock":
            ev += [(o + p, KICK, 110) for p in (0, 2, 2.5)] + [(o + p, SNARE, 110) for p in (1, 3)]
            ev += [(o + p / 2, CLOSED_HAT, 70) for p in range(8)]
            if b % 4 == 3:
                ev = [e for e in ev if e[0] < o + 2]
                ev += [(o + 2 + k / 4, (TOMS_DOWN + [LOW_FLOOR_TOM, KICK])[k], 90) for k in range(8)]
        elif style == "toms":
            ev += [(o + k / 4, TOMS_DOWN[(k + b) % 6], 95) for k in range(16)] + [(o, KICK, 110), (o + 2, KICK, 110)]
        elif style == "latin":
            ev += [(o + p, HIGH_BONGO, 90) for p in (0, 0.5, 1.5, 2, 3)] + [(o + p, LOW_BONGO, 90) for p in (1, 2.5, 3.5)]
            ev += [(o + p, MUTE_CONGA, 85) for p in (0.75, 2.75)] + [(o + p, OPEN_CONGA, 95) for p in (1.5, 3.5)]
            ev += [(o + p, LOW_CONGA, 90) for p in (0, 2)] + [(o + p, HIGH_TIMBALE, 80) for p in (3, 3.25)]
            ev += [(o + p, COWBELL, 70) for p in range(4)]
            ev += [(o + p / 2, HIGH_AGOGO if p % 2 == 0 else LOW_AGOGO, 70) for p in range(8)]
        elif style == "fourfloor":
            ev += [(o + p, KICK, 115) for p in range(4)] + [(o + p, CLAP, 100) for p in (1, 3)]
            ev += [(o + p + 0.5, OPEN_HAT, 80) for p in range(4)]
            if b % 4 == 3:
                ev += [(o + 3 + k / 4, [HIGH_TOM, HIGH_MID_TOM, LOW_TOM, LOW_FLOOR_TOM][k], 100) for k in range(4)]
    return ev


def gm_loop(soundfont: str, kit: int, style: str, bpm: float, wav: Path) -> None:
    """Renders a General MIDI groove with FluidSynth (44.1 kHz stereo WAV)."""
    import mido
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)))
    track.append(mido.Message("program_change", channel=9, program=kit))
    messages = []
    for beat, key, velocity in gm_groove(style):
        tick = int(beat * 480)
        messages += [(tick, 1, key, velocity), (tick + 100, 0, key, 0)]
    last = 0
    for tick, on, key, velocity in sorted(messages):
        track.append(mido.Message("note_on" if on else "note_off", channel=9, note=key, velocity=velocity,
                                  time=tick - last))
        last = tick
    track.append(mido.MetaMessage("end_of_track", time=4 * 480))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "loop.mid"
        mid.save(str(path))
        subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.8", "-r", str(SAMPLE_RATE), "-F", str(wav), soundfont,
                        str(path)], check=True, capture_output=True)


def analyse(mashup: str, path: Path) -> tuple[float | None, float | None, str | None, float, float]:
    """Tonalness, tonal time share, key, key confidence and tempo (BPM, 0 when none) of a loop."""
    run = subprocess.run([mashup, "analyze", str(path)], capture_output=True, text=True)
    analysis = json.loads(run.stdout) if run.returncode == 0 else {}
    harmonic = analysis.get("harmonic", {})
    return (harmonic.get("tonalness"), harmonic.get("tonal_time_share"), harmonic.get("key"),
            harmonic.get("key_confidence") or 0, analysis.get("rhythmic", {}).get("bpm") or 0)


def report(title: str, rows: list) -> int:
    """Prints one set's loops (name, known BPM, then `analyse`'s values) and returns how many would be shifted."""
    keyed = [r for r in rows if r[4] not in (None, "N/A")]
    shifted = [r for r in keyed if r[5] >= MINIMUM_SHIFT_CONFIDENCE]
    print(f"\n{title}")
    nan = float("nan")
    for name, bpm, tonalness, share, key, confidence, found in sorted(rows, key=lambda r: -(r[2] or 0)):
        print(f"{name:48} tonalness {tonalness if tonalness is not None else nan:.3f}  "
              f"time share {share if share is not None else nan:.2f}  {key}  {confidence:.2f}  "
              f"tempo {found:.1f} (played at {bpm:g})")
    print(f"{len(rows)} loops: {len(keyed)} given a key, {len(shifted)} with confidence >= {MINIMUM_SHIFT_CONFIDENCE} "
          f"(the engine would shift them)")
    def read_at(factor: float) -> int:
        return int(sum(tempo_acc(r[6], factor * r[1])[0] for r in rows))
    print(f"tempo within {TEMPO_TOLERANCE:.0%} of the played one: {read_at(1)} of {len(rows)}; at double "
          f"{read_at(2)}, at half {read_at(0.5)}")
    return len(shifted)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mashup", required=True)
    ap.add_argument("--out", default=".eval/drum-loops")
    ap.add_argument("--kits", default="/usr/share/hydrogen/data/drumkits")
    ap.add_argument("--soundfonts", nargs="*", default=[f for f in SOUNDFONTS if Path(f).exists()])
    a = ap.parse_args()
    kits = sorted(p for p in Path(a.kits).glob("*") if (p / "drumkit.xml").exists())
    if not kits and not a.soundfonts:
        print(f"drum_loops.py: no kits in {a.kits} and no soundfont; make eval-deps installs hydrogen-drumkits and "
              f"the soundfonts", file=sys.stderr)
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
        for name, bpm, y in loops:
            path = out / (re.sub(r"[^A-Za-z0-9-]", "_", name) + ".wav")
            sf.write(str(path), np.stack([y, y], axis=1), SAMPLE_RATE, subtype="PCM_16")
            rows.append((name, bpm, *analyse(a.mashup, path)))
    gm_rows = []
    for soundfont in a.soundfonts:
        for kit_name, program in GM_KITS.items():
            for style, bpm in [("rock", 100), ("toms", 110), ("latin", 96), ("fourfloor", 124)]:
                name = f"{Path(soundfont).stem}-{kit_name}-{style}"
                path = out / f"{name}.wav"
                gm_loop(soundfont, program, style, bpm, path)
                gm_rows.append((name, bpm, *analyse(a.mashup, path)))
    shifted = report(f"Sampled kits ({len(kits)} from {a.kits})", rows)
    shifted += report(f"General MIDI kits ({len(a.soundfonts)} soundfonts x {len(GM_KITS)} kits)", gm_rows)
    return 1 if shifted else 0


if __name__ == "__main__":
    sys.exit(main())
