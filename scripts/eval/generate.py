#!/usr/bin/env python3
"""Generated evaluation songs with exact truth: multitrack MIDI rendered stem by stem with FluidSynth.

Each song is planned from one integer seed (style, key, tempo, flags, soundfont), written as four MIDI files
(drums, bass, chords, lead), each rendered by `fluidsynth` on its own, and mixed in numpy with per-stem gains and
a loudness target (quiet -30 LUFS to slammed, clipped). The truth JSON beside the audio gives the notated tapping
tempo, the beat and downbeat times in seconds, the key and key segments, the style and the flags.

Timing truth: a beat's truth time is its grid time plus the soundfont's measured onset latency (FluidSynth
starts a note on its next 64-sample block, and the samples have a short silent lead-in; see `calibrate_latency`).
Notes are humanised around the grid (Gaussian, clipped to +-10 ms); the truth stays on the grid.

Usage: generate.py --out DIR [--count N] [--seed S] [--jobs 2] [--split tune|test|all]
"""
from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import mido
import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import MAJOR_SCALE, MINOR_SCALE, key_name, read_json, split_of, write_json  # noqa: E402

SAMPLE_RATE = 44100
PPQ = 10000                 # MIDI ticks per quarter; with a tempo of 1 s per quarter one tick is 0.1 ms
HUMANISE_SD_S = 0.004       # standard deviation of the humanised onset offset
HUMANISE_MAX_S = 0.010      # clip of the humanised onset offset
ONSET_THRESHOLD = 0.01      # onset = first sample above 1 % (-40 dB) of the note's peak

SOUNDFONTS = {
    "FluidR3_GM": "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "TimGM6mb": "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "MuseScore_General_Lite": "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3",
}
# Drum kits (bank 128 programs) other than Standard exist only in these soundfonts.
KIT_CAPABLE = {"FluidR3_GM", "MuseScore_General_Lite"}

KICK, RIM, SNARE, CLAP, CHAT, PHAT, OHAT, CRASH, RIDE, TAMB, COWBELL, MARACAS, CLAVES = (
    36, 37, 38, 39, 42, 44, 46, 49, 51, 54, 56, 70, 75)
LOW_TOM, HIGH_TOM = 45, 50

# Style: BPM range (notated tapping tempo), time signature, swing range (0.5 = straight) and swing level
# (8 = eighth-note swing, 16 = sixteenth), GM programs (bass, chords, lead), drum kit, relative weight.
STYLES = {
    "house":    dict(bpm=(118, 128), ts=4, swing=(0.5, 0.5), level=16, prog=(38, 89, 80), kit=24, w=1.0),
    "techno":   dict(bpm=(124, 140), ts=4, swing=(0.5, 0.5), level=16, prog=(38, 95, 81), kit=24, w=1.0),
    "boombap":  dict(bpm=(70, 95), ts=4, swing=(0.54, 0.62), level=16, prog=(33, 4, 11), kit=0, w=1.0),
    "trap":     dict(bpm=(65, 78), ts=4, swing=(0.5, 0.5), level=16, prog=(38, 88, 80), kit=25, w=1.0),
    "dnb":      dict(bpm=(170, 178), ts=4, swing=(0.5, 0.5), level=16, prog=(39, 89, 81), kit=24, w=1.0),
    "punk":     dict(bpm=(180, 200), ts=4, swing=(0.5, 0.5), level=8, prog=(34, 30, 29), kit=16, w=1.0),
    "rock":     dict(bpm=(100, 140), ts=4, swing=(0.5, 0.5), level=8, prog=(33, 29, 30), kit=0, w=1.0),
    "pop":      dict(bpm=(92, 128), ts=4, swing=(0.5, 0.5), level=16, prog=(38, 0, 80), kit=0, w=1.0),
    "ballad":   dict(bpm=(60, 80), ts=4, swing=(0.5, 0.5), level=8, prog=(32, 0, 48), kit=8, w=1.0),
    "funk":     dict(bpm=(95, 115), ts=4, swing=(0.5, 0.56), level=16, prog=(36, 7, 61), kit=0, w=1.0),
    "reggae":   dict(bpm=(70, 88), ts=4, swing=(0.5, 0.58), level=8, prog=(33, 16, 25), kit=8, w=1.0),
    "bossa":    dict(bpm=(110, 140), ts=4, swing=(0.5, 0.5), level=16, prog=(32, 24, 73), kit=32, w=1.0),
    "swing":    dict(bpm=(110, 200), ts=4, swing=(0.6, 0.67), level=8, prog=(32, 0, 65), kit=32, w=1.0),
    "disco":    dict(bpm=(110, 126), ts=4, swing=(0.5, 0.5), level=16, prog=(33, 48, 62), kit=0, w=1.0),
    "ambient":  dict(bpm=(60, 100), ts=4, swing=(0.5, 0.5), level=8, prog=(32, 0, 89), kit=None, w=1.0),
    "waltz":    dict(bpm=(90, 160), ts=3, swing=(0.5, 0.5), level=8, prog=(32, 0, 40), kit=40, w=0.5),
    # Drums only (one of the other styles' grooves, no pitched stems): truth key "N/A".
    "drums":    dict(bpm=(85, 150), ts=4, swing=(0.5, 0.5), level=16, prog=(32, 0, 0), kit=0, w=0.5),
}
DRUMS_ONLY_GROOVES = ["rock", "funk", "house", "boombap", "pop", "dnb"]

MAJOR_PROGRESSIONS = [[0, 4, 5, 3], [0, 3, 4, 0], [0, 5, 3, 4], [1, 4, 0, 0], [0, 3, 0, 4]]
# Minor progressions keep the tonic prominent and (mostly) a major V with the raised seventh, so the notated key is
# also the heard key (i VI III VII alone is as much the relative major as the minor).
MINOR_PROGRESSIONS = [[0, 5, 6, 0], [0, 3, 4, 0], [0, 6, 5, 4], [0, 3, 0, 4], [0, 5, 3, 4]]
HARMONIC_V_PROBABILITY = 0.85


# ----------------------------------------------------------------------------------------------------------
# Song plan
# ----------------------------------------------------------------------------------------------------------

class TimeMap:
    """Beat index (with fraction) to seconds; beats may drift linearly in tempo. Beat 0 is the first beat heard
    (the first pickup beat if there is one)."""

    def __init__(self, start_s: float, bpm_start: float, bpm_end: float, beat_count: int):
        self.beat_count = beat_count
        self.times = [start_s]
        for b in range(beat_count + 1):
            frac = b / max(1, beat_count - 1)
            bpm = bpm_start + (bpm_end - bpm_start) * min(1.0, frac)
            self.times.append(self.times[-1] + 60.0 / bpm)

    def at(self, beat: float) -> float:
        i = int(math.floor(beat))
        i = max(0, min(i, len(self.times) - 2))
        f = beat - i
        return self.times[i] + f * (self.times[i + 1] - self.times[i])


def swing_fraction(f: float, swing: float, level: int) -> float:
    """Maps a straight position within a beat (0-1) to its swung position. Level 8 delays the off-beat eighth to
    `swing` of the beat; level 16 delays the off sixteenths within each half beat likewise."""
    if swing <= 0.5:
        return f
    if level == 8:
        return f / 0.5 * swing if f <= 0.5 else swing + (f - 0.5) / 0.5 * (1 - swing)
    half = math.floor(f / 0.5)
    u = (f - half * 0.5) / 0.5
    u = u / 0.5 * swing if u <= 0.5 else swing + (u - 0.5) / 0.5 * (1 - swing)
    return half * 0.5 + u * 0.5


def plan_song(index: int, base_seed: int) -> dict:
    """All the decisions of one song, from its seed alone."""
    rng = random.Random(base_seed * 100003 + index)
    names = list(STYLES)
    weights = [STYLES[n]["w"] for n in names]
    # Round-robin styles (weighted by repetition) so every style is represented evenly in any prefix.
    cycle = [n for n in names for _ in range(2 if STYLES[n]["w"] >= 1 else 1)]
    random.Random(base_seed).shuffle(cycle)
    style = cycle[index % len(cycle)]
    del weights
    st = STYLES[style]
    # Keys balanced: index cycles the 24 keys, offset so styles and keys decorrelate.
    key_index = (index * 7 + index // 24) % 24
    tonic = key_index % 12
    mode = "major" if key_index < 12 else "minor"
    bpm = round(rng.uniform(*st["bpm"]), 1)
    swing = round(rng.uniform(*st["swing"]), 3) if st["swing"][1] > 0.5 else 0.5
    sf_names = list(SOUNDFONTS)
    soundfont = sf_names[(index + rng.randrange(3)) % 3]
    drumless_style = st["kit"] is None
    flags = {
        "swing": swing > 0.52,
        "pickup": rng.random() < 0.25,
        "drift": rng.random() < 0.2,
        "modulation": rng.random() < 0.2 and style != "drums",
        "drumless_intro": (not drumless_style) and rng.random() < 0.3 and style != "drums",
        "breakdown": (not drumless_style) and rng.random() < 0.35 and style != "drums",
        "bar_2_4": st["ts"] == 4 and rng.random() < 0.1,
        "humanised": rng.random() < 0.85,
        "drumless": drumless_style,
        "drums_only": style == "drums",
        "halftime": style == "trap",
        "time_signature_3_4": st["ts"] == 3,
    }
    drift = 0.0
    if flags["drift"]:
        drift = rng.choice([-1, 1]) * rng.uniform(0.03, 0.08)
    loudness = rng.choice(["quiet", "normal", "normal", "loud", "slammed"])
    lufs = {"quiet": rng.uniform(-30, -22), "normal": rng.uniform(-20, -13),
            "loud": rng.uniform(-12, -9), "slammed": rng.uniform(-9, -6)}[loudness]
    flags["loudness"] = loudness
    return dict(
        id=f"gen{index:03d}-{style}", index=index, seed=base_seed, style=style, tonic=tonic, mode=mode, bpm=bpm,
        swing=swing, swing_level=st["level"], ts=st["ts"], soundfont=soundfont, flags=flags, drift=drift,
        target_lufs=round(lufs, 1), duration_target_s=rng.uniform(32, 55),
        pickup_beats=rng.randint(1, 3) if flags["pickup"] else 0,
        modulation_semitones=rng.choice([2, 1, 5, -2, 7, -3]) if flags["modulation"] else 0,
        progression_index=rng.randrange(5), start_s=round(rng.uniform(0.25, 0.9), 3),
        stem_gain_db={k: round(rng.uniform(-3, 3), 1) for k in ("drums", "bass", "chords", "lead")},
        rng_seed=rng.randrange(1 << 30),
        groove=rng.choice(DRUMS_ONLY_GROOVES) if style == "drums" else style,
    )


def layout_bars(plan: dict, rng: random.Random) -> list[dict]:
    """Bars in order: beats per bar, section, whether drums/bass/lead play, transposition."""
    ts = plan["ts"]
    bar_s = ts * 60.0 / plan["bpm"]
    n = max(8, int(round(plan["duration_target_s"] / bar_s)))
    flags = plan["flags"]
    intro = 2 if n < 14 else 4
    bars = []
    for i in range(n - 1):
        bars.append(dict(beats=ts, section="main", drums=not flags["drumless"], bass=True, lead=True, transpose=0))
    # Intro: no lead; no drums when drumless_intro.
    for i in range(min(intro, len(bars))):
        bars[i]["section"] = "intro"
        bars[i]["lead"] = False
        if flags["drumless_intro"]:
            bars[i]["drums"] = False
            bars[i]["bass"] = i >= intro // 2
    body = len(bars) - intro
    if flags["breakdown"] and body >= 8:
        b0 = intro + body // 2 - 1
        for i in range(b0, min(b0 + (2 if body < 16 else 4), len(bars))):
            bars[i].update(section="breakdown", drums=False, bass=False)
    if flags["modulation"]:
        m0 = intro + int(body * rng.uniform(0.6, 0.7))
        for i in range(m0, len(bars)):
            bars[i]["transpose"] = plan["modulation_semitones"]
        plan["modulation_bar"] = m0
    if flags["bar_2_4"]:
        at = intro + body // 3
        bars[at]["beats"] = 2
        bars[at]["section"] = "main_2_4"
    last = dict(bars[-1]) if bars else dict(transpose=0)
    bars.append(dict(beats=ts, section="final", drums=not flags["drumless"], bass=True, lead=False,
                     transpose=last["transpose"]))
    return bars


# ----------------------------------------------------------------------------------------------------------
# Notes
# ----------------------------------------------------------------------------------------------------------

def scale_of(mode: str) -> list[int]:
    return MAJOR_SCALE if mode == "major" else MINOR_SCALE


def chord_pcs(tonic: int, mode: str, degree: int, harmonic_v: bool) -> list[int]:
    """Triad pitch classes on a scale degree (0-6); in minor the V chord may take the raised seventh."""
    sc = scale_of(mode)
    pcs = [(tonic + sc[(degree + k) % 7]) % 12 for k in (0, 2, 4)]
    if mode == "minor" and degree == 4 and harmonic_v:
        pcs[1] = (pcs[1] + 1) % 12
    return pcs


def voice(pcs: list[int], low: int) -> list[int]:
    """Close voicing of pitch classes at or above MIDI note `low`."""
    out = []
    for pc in pcs:
        n = low + ((pc - low) % 12)
        out.append(n)
    return sorted(out)


class Notes:
    """Collects (onset beat, duration beats, note, velocity) per stem; turned into seconds with the time map."""

    def __init__(self):
        self.items = []

    def add(self, beat: float, dur_beats: float, note: int, vel: int):
        self.items.append((beat, dur_beats, int(note), int(max(1, min(127, vel)))))


def drum_bar(style: str, beats: int, rng: random.Random, fill: bool, first: bool, final: bool) -> list:
    """(position in beats, note, velocity) of one bar of drums in the style."""
    ev = []
    if final:
        return [(0.0, KICK, 110), (0.0, CRASH, 100)]
    sixteenths = [i / 4 for i in range(beats * 4)]
    eighths = [i / 2 for i in range(beats * 2)]
    backbeats = [b for b in range(beats) if b % 2 == 1]
    if style in ("house", "techno", "disco"):
        ev += [(b, KICK, 115) for b in range(beats)]
        ev += [(b, CLAP if style != "disco" else SNARE, 100) for b in backbeats]
        ev += [(b + 0.5, OHAT, 80) for b in range(beats)]
        if style == "techno":
            ev += [(p, CHAT, 55 + 20 * (i % 2 == 0)) for i, p in enumerate(sixteenths)]
        if style == "disco":
            ev += [(p, CHAT, 70) for p in eighths if p % 1 == 0]
    elif style == "boombap":
        kicks = [0, 1.75, 2.5] if beats == 4 else [0]
        ev += [(p, KICK, 110) for p in kicks if p < beats]
        ev += [(b, SNARE, 110) for b in backbeats]
        ev += [(p, CHAT, 75 if p % 1 == 0 else 55) for p in eighths]
    elif style == "trap":
        ev += [(p, KICK, 115) for p in ([0, 0.75, 2.5] if beats == 4 else [0]) if p < beats]
        ev += [(b, CLAP, 110) for b in backbeats]
        for b in range(beats):
            if rng.random() < 0.3:
                ev += [(b + k / 8, CHAT, 60 + 5 * k) for k in range(8)]
            else:
                ev += [(b + k / 4, CHAT, 70 if k == 0 else 55) for k in range(4)]
    elif style == "dnb":
        ev += [(p, KICK, 115) for p in ([0, 2.5] if beats == 4 else [0])]
        ev += [(b, SNARE, 115) for b in backbeats]
        ev += [(p, CHAT, 65) for p in eighths]
        ev += [(p, RIDE, 45) for p in sixteenths if rng.random() < 0.2]
    elif style == "punk":
        ev += [(p, KICK, 110) for p in eighths if p % 2 == 0 or rng.random() < 0.2]
        ev += [(b, SNARE, 120) for b in backbeats]
        ev += [(p, CRASH if p == 0 and first else RIDE, 80) for p in eighths]
    elif style in ("rock", "pop"):
        ev += [(p, KICK, 110) for p in ([0, 2, 2.5] if beats == 4 else [0])]
        ev += [(b, SNARE, 110) for b in backbeats]
        ev += [(p, CHAT, 75 if p % 1 == 0 else 60) for p in (eighths if style == "rock" else sixteenths)]
        if first:
            ev.append((0, CRASH, 95))
    elif style == "ballad":
        ev += [(0, KICK, 90)] + ([(2.5, KICK, 70)] if beats == 4 else [])
        ev += [(b, RIM if rng.random() < 0.5 else SNARE, 80) for b in backbeats]
        ev += [(p, CHAT, 50) for p in eighths]
    elif style == "funk":
        ev += [(p, KICK, 110) for p in ([0, 0.75, 2.25, 2.5] if beats == 4 else [0]) if p < beats]
        ev += [(b, SNARE, 115) for b in backbeats]
        ev += [(p, SNARE, 35) for p in sixteenths if p % 1 in (0.25, 0.75) and rng.random() < 0.25]
        ev += [(p, CHAT, 70 if p % 0.5 == 0 else 50) for p in sixteenths]
    elif style == "reggae":
        # One drop: kick and rim together on beat 3 only.
        drop = 2 if beats == 4 else beats - 1
        ev += [(drop, KICK, 110), (drop, RIM, 100)]
        ev += [(p, CHAT, 65 if p % 1 == 0 else 50) for p in eighths]
    elif style == "bossa":
        ev += [(p, KICK, 90) for p in ([0, 1.5, 2, 3.5] if beats == 4 else [0, 1.5]) if p < beats]
        clave = [0, 0.75, 1.5, 2.5, 3] if beats == 4 else [0, 0.75, 1.5]
        ev += [(p, RIM, 85) for p in clave if p < beats]
        ev += [(p, MARACAS, 60 if p % 1 == 0 else 45) for p in sixteenths]
    elif style == "swing":
        ev += [(b, RIDE, 85) for b in range(beats)]
        ev += [(b + 0.5, RIDE, 60) for b in range(beats) if b % 2 == 1]   # swung "spang-a-lang"
        ev += [(b, PHAT, 75) for b in backbeats]
        ev += [(b, KICK, 45) for b in range(beats)]                       # feathered kick
    elif style == "waltz":
        ev += [(0, KICK, 95)] + [(b, CHAT, 65) for b in range(1, beats)]
    if fill:
        ev = [e for e in ev if e[0] < beats - 1]
        ev += [(beats - 1 + k / 4, SNARE if k % 2 == 0 else HIGH_TOM, 80 + 8 * k) for k in range(4)]
    return ev


def bass_bar(style: str, beats: int, root: int, fifth: int, rng: random.Random) -> list:
    """(position, duration, note, velocity) of one bar of bass."""
    if style in ("house", "disco"):
        if style == "disco":
            return [(p / 2, 0.45, root + (12 if p % 2 else 0), 100) for p in range(beats * 2)]
        return [(b + 0.5, 0.4, root, 105) for b in range(beats)]
    if style == "techno":
        return [(p / 4, 0.2, root, 95 if p % 4 else 110) for p in range(beats * 4) if p % 4 != 0]
    if style in ("punk", "rock"):
        return [(p / 2, 0.45, root, 100) for p in range(beats * 2)]
    if style == "swing":
        walk = [root, root + 4 if rng.random() < 0.5 else root + 3, fifth, fifth + 2 if fifth + 2 - root < 12 else fifth - 1]
        return [(b, 0.9, walk[b % 4], 95) for b in range(beats)]
    if style in ("boombap", "trap"):
        return [(0, 1.5, root, 110)] + ([(2.5, 1.0, root, 95)] if beats == 4 else [])
    if style == "dnb":
        return [(0, 1.5, root, 110)] + ([(2.5, 1.2, root, 100)] if beats == 4 else [])
    if style == "funk":
        return [(p, 0.2, root + (12 if p in (0.75, 2.75) else 0), 105)
                for p in [0, 0.75, 1.5, 2.0, 2.75, 3.5] if p < beats]
    if style == "reggae":
        return [(p, 0.4, n, 100) for p, n in [(0.5, root), (1, root), (2.5, fifth), (3, root)] if p < beats]
    if style == "bossa":
        return [(p, 0.9, n, 95) for p, n in [(0, root), (1.5, fifth), (2, fifth), (3.5, root)] if p < beats]
    if style == "waltz":
        return [(0, 0.9, root, 100)]
    if style == "ballad":
        return [(0, beats * 0.9, root, 95)]
    if style == "ambient":
        return [(0, beats * 0.95, root, 75)]
    return [(b, 0.9, root, 100) for b in range(0, beats, 2)]  # pop


def chord_bar(style: str, beats: int, chord: list[int], rng: random.Random) -> list:
    """(position, duration, notes, velocity) of one bar of chords."""
    if style in ("house", "ballad", "ambient", "trap") and style != "ballad":
        out = [(0, beats * 0.95, chord, 70)]
        if style == "house":
            out = [(b + 0.5, 0.3, chord, 80) for b in range(beats)]
        if style == "ambient":
            # Piano arpeggio in eighths over the pad-like held chord.
            arp = chord + [chord[0] + 12]
            out += [(p / 2, 0.45, [arp[p % len(arp)] + 12], 70 if p % 2 == 0 else 55) for p in range(beats * 2)]
        return out
    if style == "ballad":
        arp = chord + [chord[0] + 12, chord[1] + 12]
        return [(p / 2, 0.5, [arp[p % len(arp)]], 72 if p % 2 == 0 else 58) for p in range(beats * 2)]
    if style == "techno":
        return [(p, 0.2, chord, 75) for p in [0.5, 1.75, 3.0] if p < beats]
    if style in ("punk", "rock"):
        full = chord + [chord[0] + 12]   # full triads: power chords alone leave the mode to the melody
        return [(p / 2, 0.45, full, 95) for p in range(beats * 2)]
    if style == "reggae":
        return [(b + 0.5, 0.25, chord, 85) for b in range(beats)]
    if style == "funk":
        return [(p, 0.15, chord, 80) for p in [0.25, 0.75, 1.5, 2.25, 2.75, 3.5] if p < beats]
    if style == "bossa":
        return [(p, 0.45, chord, 75) for p in [0, 0.75, 1.5, 2.5, 3.25] if p < beats]
    if style == "swing":
        return [(p, 0.4, chord, 70) for p in [0, 1.5, 2.5] if p < beats]
    if style == "waltz":
        return [(b, 0.8, chord, 70) for b in range(1, beats)]
    if style == "disco":
        return [(0, beats * 0.95, chord, 70)]
    if style == "boombap":
        return [(0, 1.5, chord, 75)] + ([(2.5, 1.0, chord, 65)] if beats == 4 else [])
    if style == "dnb":
        return [(0, beats * 0.95, chord, 65)]
    return [(b, 0.9, chord, 75) for b in range(beats)]  # pop


def lead_bar(style: str, beats: int, tonic: int, mode: str, chord: list[int], rng: random.Random) -> list:
    """(position, duration, note, velocity) of one bar of melody: chord tones on beats, scale steps between."""
    sc = scale_of(mode)
    scale_notes = [72 + ((tonic + s) % 12) for s in sc]
    scale_notes = sorted(scale_notes + [n - 12 for n in scale_notes] + [n + 12 for n in scale_notes])
    scale_notes = [n for n in scale_notes if 62 <= n <= 86]
    chord_tones = [n for n in scale_notes if n % 12 in [c % 12 for c in chord]] or scale_notes
    density = {"punk": 0.5, "dnb": 0.5, "techno": 0.3, "house": 0.5, "ambient": 0.25, "ballad": 0.6}.get(style, 0.7)
    out = []
    pos = 0.0
    prev = rng.choice(chord_tones)
    while pos < beats:
        step = rng.choice([0.5, 0.5, 1.0, 1.0, 1.5, 2.0]) if style not in ("punk", "dnb", "techno") else rng.choice([1.0, 2.0])
        if rng.random() < density:
            if pos % 1 == 0:
                cands = sorted(chord_tones, key=lambda n: abs(n - prev))[:3]
            else:
                cands = sorted(scale_notes, key=lambda n: abs(n - prev))[:4]
            prev = rng.choice(cands)
            out.append((pos, min(step, beats - pos) * 0.9, prev, 85 if pos % 1 == 0 else 72))
        pos += step
    return out


def compose(plan: dict) -> tuple[dict, dict]:
    """Notes per stem in seconds, and the truth (beats, downbeats, key segments)."""
    rng = random.Random(plan["rng_seed"])
    bars = layout_bars(plan, rng)
    style, ts = plan["style"], plan["ts"]
    pickup = plan["pickup_beats"]
    beat_count = pickup + sum(b["beats"] for b in bars)
    bpm_end = plan["bpm"] * (1 + plan["drift"])
    tmap = TimeMap(plan["start_s"], plan["bpm"], bpm_end, beat_count)
    stems = {k: Notes() for k in ("drums", "bass", "chords", "lead")}
    mode, tonic = plan["mode"], plan["tonic"]
    prog = (MAJOR_PROGRESSIONS if mode == "major" else MINOR_PROGRESSIONS)[plan["progression_index"]]
    harmonic_v = rng.random() < HARMONIC_V_PROBABILITY

    pitched = not plan["flags"]["drums_only"]
    beat_positions = []
    downbeat_positions = []
    # Pickup: lead notes and a short snare figure leading into bar 1.
    for k in range(pickup):
        beat_positions.append(k)
        if pitched:
            stems["lead"].add(k, 0.45, 72 + (tonic + scale_of(mode)[(4 + k) % 7]) % 12, 80)
            stems["lead"].add(k + 0.5, 0.45, 72 + (tonic + scale_of(mode)[(5 + k) % 7]) % 12, 70)
        if not plan["flags"]["drumless"] and not plan["flags"]["drumless_intro"]:
            stems["drums"].add(k, 0.1, SNARE, 70 + 10 * k)
    beat = pickup
    key_changes = []
    for i, bar in enumerate(bars):
        n = bar["beats"]
        downbeat_positions.append(beat)
        beat_positions.extend(range(beat, beat + n) if bar["section"] != "final" else [beat])
        t_tonic = (tonic + bar["transpose"]) % 12
        if i > 0 and bar["transpose"] != bars[i - 1]["transpose"]:
            key_changes.append((beat, t_tonic))
        if bar["section"] == "final":
            degree = 0
        else:
            degree = prog[(i - (0 if i < 4 else 0)) % len(prog)]
        pcs = chord_pcs(t_tonic, mode, degree, harmonic_v)
        chord = voice(pcs, 55 if style not in ("ambient", "ballad") else 52)
        root = 36 + ((pcs[0] - 36) % 12)
        fifth = root + 7
        swing = plan["swing"]
        lvl = plan["swing_level"]

        def pos(p: float) -> float:
            b = math.floor(p)
            return beat + b + swing_fraction(p - b, swing, lvl)

        final = bar["section"] == "final"
        if bar["drums"]:
            fill = (i + 1) % 8 == 0 or (i + 1 < len(bars) and bars[i + 1]["section"] in ("breakdown",))
            first = i == 0 or bars[i - 1]["section"] != bar["section"]
            for p, note, vel in drum_bar(plan["groove"], n, rng, fill and not final, first, final):
                stems["drums"].add(pos(p), 0.1, note, vel + rng.randint(-8, 8))
        if final or not pitched:
            if final and pitched:
                stems["bass"].add(beat, 2.5, root, 100)
                for note in chord:
                    stems["chords"].add(beat, 3.0, note, 80)
            beat += n
            continue
        if bar["bass"]:
            for p, d, note, vel in bass_bar(style, n, root, fifth, rng):
                if p < n:
                    stems["bass"].add(pos(p), d, note, vel + rng.randint(-6, 6))
        for p, d, notes, vel in chord_bar(style, n, chord, rng):
            if p < n:
                for note in notes:
                    stems["chords"].add(pos(p), d, note, vel + rng.randint(-6, 6))
        if bar["lead"]:
            for p, d, note, vel in lead_bar(style, n, t_tonic, mode, pcs, rng):
                stems["lead"].add(pos(p), d, note, vel + rng.randint(-6, 6))
        beat += n

    # Seconds, humanised.
    hrng = random.Random(plan["rng_seed"] + 1)
    sd = HUMANISE_SD_S if plan["flags"]["humanised"] else 0.0
    out = {}
    for name, notes in stems.items():
        evs = []
        for b, d, note, vel in notes.items:
            t0 = tmap.at(b)
            t1 = tmap.at(b + d)
            off = max(-HUMANISE_MAX_S, min(HUMANISE_MAX_S, hrng.gauss(0, sd))) if sd > 0 else 0.0
            evs.append((max(0.0, t0 + off), max(0.03, t1 - t0), note, vel))
        out[name] = evs

    beats_s = [tmap.at(b) for b in beat_positions]
    downbeats_s = [tmap.at(b) for b in downbeat_positions]
    segs = []
    seg_start, seg_tonic = 0.0, tonic
    for b, t_tonic in key_changes:
        t = tmap.at(b)
        segs.append(dict(start=round(seg_start, 4), end=round(t, 4), key=key_name(seg_tonic, mode)))
        seg_start, seg_tonic = t, t_tonic
    segs.append(dict(start=round(seg_start, 4), end=None, key=key_name(seg_tonic, mode)))
    truth = dict(beats=beats_s, downbeats=downbeats_s, key_segments=segs,
                 bars=[dict(beats=b["beats"], section=b["section"]) for b in bars])
    return out, truth


# ----------------------------------------------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------------------------------------------

def write_midi(path: Path, parts: list, tail_s: float) -> None:
    """One-track MIDI with a tempo of one quarter per second, so one tick is 1/PPQ s. `parts` holds
    (events, channel, program, drum kit or None, offset in seconds); each part's events are shifted by its offset,
    so several stems render one after the other in one FluidSynth run (one soundfont load)."""
    mid = mido.MidiFile(ticks_per_beat=PPQ)
    tr = mido.MidiTrack()
    mid.tracks.append(tr)
    tr.append(mido.MetaMessage("set_tempo", tempo=1_000_000, time=0))
    msgs = []
    for events, channel, program, bank, offset_s in parts:
        if channel == 9:
            if bank is not None:
                msgs.append((0, 0, mido.Message("program_change", channel=9, program=bank)))
        else:
            msgs.append((0, 0, mido.Message("program_change", channel=channel, program=program)))
        for t, d, note, vel in events:
            on = round((t + offset_s) * PPQ)
            off = round((t + d + offset_s) * PPQ)
            msgs.append((on, 2, mido.Message("note_on", channel=channel, note=note, velocity=vel)))
            msgs.append((off, 1, mido.Message("note_off", channel=channel, note=note, velocity=0)))
    msgs.sort(key=lambda m: (m[0], m[1]))
    last = 0
    for tick, _, m in msgs:
        tr.append(m.copy(time=tick - last))
        last = tick
    tr.append(mido.MetaMessage("end_of_track", time=round(tail_s * PPQ)))
    mid.save(str(path))


def fluidsynth_render(sf_path: str, mid: Path, wav: Path) -> np.ndarray:
    subprocess.run(["fluidsynth", "-ni", "-q", "-F", str(wav), "-r", str(SAMPLE_RATE), "-O", "float", "-T", "wav",
                    "-g", "0.5", "-o", "synth.cpu-cores=1", sf_path, str(mid)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    x, sr = sf.read(str(wav), dtype="float32", always_2d=True)
    assert sr == SAMPLE_RATE, f"{wav}: sample rate {sr}, expected {SAMPLE_RATE}"
    return x


def segment_samples(length_s: float) -> int:
    """A whole number of FluidSynth blocks (64 samples), so every segment starts on the same block phase."""
    return int(math.ceil(length_s * SAMPLE_RATE / 64.0)) * 64


def calibrate_latency(out_dir: Path) -> dict:
    """Onset latency of FluidSynth per soundfont: drum hits (kick, snare, hat) and a piano note at 8 sub-block
    offsets each, one hit per 1.0 s segment; the onset is the first sample above 1 % of that hit's peak.
    Cached in latency.json."""
    path = out_dir / "latency.json"
    if path.exists():
        return read_json(path)
    result = {}
    hits = [("drums", 9, KICK), ("drums", 9, SNARE), ("drums", 9, CHAT), ("piano", 0, 60)]
    seg = segment_samples(1.0)
    with tempfile.TemporaryDirectory() as td:
        tdp = Path(td)
        for name, sfp in SOUNDFONTS.items():
            parts, labels, k = [], [], 0
            for label, ch, note in hits:
                for j in range(8):
                    t0 = 0.2 + j * 0.00019
                    parts.append(([(t0, 0.3, note, 110)], ch, 0, None, k * seg / SAMPLE_RATE))
                    labels.append((label, k, t0))
                    k += 1
            write_midi(tdp / "c.mid", parts, 1.0)
            x = fluidsynth_render(sfp, tdp / "c.mid", tdp / "c.wav")
            a = np.abs(x).max(axis=1)
            per = {}
            for label, k, t0 in labels:
                w = a[k * seg:(k + 1) * seg]
                onset = int(np.argmax(w > w.max() * ONSET_THRESHOLD)) / SAMPLE_RATE
                per.setdefault(label, []).append(onset - t0)
            result[name] = {lab: float(np.median(v)) for lab, v in per.items()}
    write_json(path, result)
    return result


def k_weighted_lufs(x: np.ndarray) -> float:
    import pyloudnorm
    meter = pyloudnorm.Meter(SAMPLE_RATE)
    v = meter.integrated_loudness(x.astype(np.float64))
    return float(v) if np.isfinite(v) else -70.0


def master(mix: np.ndarray, plan: dict, rng: random.Random) -> tuple[np.ndarray, float]:
    """Loudness to the plan's target; loud songs soft-limited, slammed songs driven into tanh and hard clip."""
    kind = plan["flags"]["loudness"]
    peak = float(np.abs(mix).max()) or 1.0
    mix = mix / peak * 0.5
    if kind in ("loud", "slammed"):
        drive_db = rng.uniform(4, 8) if kind == "loud" else rng.uniform(10, 16)
        y = mix * 10 ** (drive_db / 20)
        y = np.tanh(y) if kind == "loud" else np.clip(np.tanh(y * 1.3) * 1.1, -0.98, 0.98)
        return y.astype(np.float32), k_weighted_lufs(y)
    lufs = k_weighted_lufs(mix)
    y = mix * 10 ** ((plan["target_lufs"] - lufs) / 20)
    pk = float(np.abs(y).max())
    if pk > 0.98:
        y = np.tanh(y / pk * 1.2) * 0.98 / math.tanh(1.2)
    return y.astype(np.float32), k_weighted_lufs(y)


def render_song(plan: dict, out_dir: Path, latency: dict) -> dict:
    rng = random.Random(plan["rng_seed"] + 2)
    stems, truth = compose(plan)
    st = STYLES[plan["style"]]
    sf_name = plan["soundfont"]
    kit = st["kit"] if (st["kit"] is not None and sf_name in KIT_CAPABLE) else 0
    programs = dict(zip(("bass", "chords", "lead"), st["prog"]))
    end_s = max(t + d for evs in stems.values() for t, d, _, _ in evs) if any(stems.values()) else 1.0
    seg = segment_samples(end_s + 3.0)
    midi_parts, order = [], []
    for ch, name in enumerate(("drums", "bass", "chords", "lead")):
        if not stems[name]:
            continue
        channel = 9 if name == "drums" else ch
        midi_parts.append((stems[name], channel, programs.get(name, 0), kit if name == "drums" else None,
                           len(order) * seg / SAMPLE_RATE))
        order.append(name)
    with tempfile.TemporaryDirectory() as td:
        tdp = Path(td)
        write_midi(tdp / "song.mid", midi_parts, 3.0)
        x = fluidsynth_render(SOUNDFONTS[sf_name], tdp / "song.mid", tdp / "song.wav")
    parts = {}
    for k, name in enumerate(order):
        p = x[k * seg:(k + 1) * seg]
        if p.shape[0] < seg:
            p = np.vstack([p, np.zeros((seg - p.shape[0], 2), dtype=np.float32)])
        parts[name] = p
    length = max(p.shape[0] for p in parts.values())
    mix = np.zeros((length, 2), dtype=np.float64)
    base_db = {"drums": 0.0, "bass": -2.0, "chords": -4.0, "lead": -3.0}
    for name, p in parts.items():
        rms = float(np.sqrt(np.mean(p.astype(np.float64) ** 2))) or 1e-9
        g = 10 ** ((base_db[name] + plan["stem_gain_db"][name]) / 20) * 0.1 / rms
        mix[: p.shape[0]] += p * g
    audio, lufs = master(mix, plan, rng)
    lat = latency[sf_name]["piano" if plan["flags"]["drumless"] else "drums"]
    beats = [round(t + lat, 5) for t in truth["beats"]]
    downbeats = [round(t + lat, 5) for t in truth["downbeats"]]
    duration = audio.shape[0] / SAMPLE_RATE
    segs = truth["key_segments"]
    for s in segs:
        if s["end"] is None:
            s["end"] = round(duration, 4)
    main = max(segs, key=lambda s: s["end"] - s["start"])["key"]
    if plan["flags"]["drums_only"]:
        main, segs = "N/A", []
    ibis = np.diff(beats)
    bpm_truth = plan["bpm"] if plan["drift"] == 0 else round(60.0 / float(np.median(ibis)), 2)
    song_id = plan["id"]
    split = split_of(song_id)
    audio_path = out_dir / split / f"{song_id}.flac"
    audio_path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(audio_path), audio, SAMPLE_RATE, subtype="PCM_16")
    flags = dict(plan["flags"])
    truth_json = dict(
        id=song_id, split=split, audio=audio_path.name, style=plan["style"], bpm=bpm_truth,
        bpm_start=plan["bpm"], bpm_end=round(plan["bpm"] * (1 + plan["drift"]), 2),
        time_signature=[plan["ts"], 4], beats=beats, downbeats=downbeats, key=main, key_segments=segs,
        flags=flags, swing_ratio=plan["swing"], pickup_beats=plan["pickup_beats"], soundfont=sf_name,
        onset_latency_ms=round(lat * 1000, 3), lufs=round(lufs, 1), duration_s=round(duration, 3),
        programs=programs, drum_kit=kit if st["kit"] is not None else None, seed=plan["seed"],
        index=plan["index"], bars=truth["bars"],
    )
    write_json(out_dir / split / f"{song_id}.json", truth_json)
    return truth_json


def _work(args):
    plan, out_dir, latency = args
    t0 = time.time()
    tj = render_song(plan, Path(out_dir), latency)
    return tj["id"], tj["split"], time.time() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory (generated/ inside the evaluation dir)")
    ap.add_argument("--count", type=int, default=192)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--split", choices=["tune", "test", "all"], default="all",
                    help="render only the songs of this split (the other half can follow later)")
    ap.add_argument("--force", action="store_true", help="re-render songs that already exist")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for tool in ("fluidsynth",):
        if shutil.which(tool) is None:
            print(f"generate.py: {tool} not found (make eval-deps installs it)", file=sys.stderr)
            return 2
    for name, p in SOUNDFONTS.items():
        if not os.path.exists(p):
            print(f"generate.py: soundfont {name} missing at {p} (make eval-deps installs it)", file=sys.stderr)
            return 2
    latency = calibrate_latency(out)
    plans = [plan_song(i, a.seed) for i in range(a.count)]
    todo = []
    for p in plans:
        sp = split_of(p["id"])
        if a.split != "all" and sp != a.split:
            continue
        if not a.force and (out / sp / f"{p['id']}.json").exists() and (out / sp / f"{p['id']}.flac").exists():
            continue
        todo.append((p, str(out), latency))
    t0 = time.time()
    print(f"generate.py: {len(todo)} songs to render into {out} (latency {latency})", flush=True)
    with ProcessPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        for k, (sid, sp, dt) in enumerate(ex.map(_work, todo), 1):
            print(f"  [{k}/{len(todo)}] {sp}/{sid} {dt:.1f}s", flush=True)
    write_json(out / "manifest.json", dict(seed=a.seed, count=a.count, songs=[
        dict(id=p["id"], split=split_of(p["id"])) for p in plans]))
    print(f"generate.py: done in {time.time() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
