#!/usr/bin/env python3
"""The seed-style workload (issue 17): `mashup render` beside a Python pipeline in the seed's style, same run.

The workload: two 3-minute songs (the demo's songs, looped with sox), six full-mix layers in three sections of 60 s
(one layer of each song per section), each layer time-stretched to the target tempo and pitch-shifted to the
target key, with an effect chain (reverb, delay, high-pass, compression), summed with crossfades, normalised to
-14 LUFS and limited, written as 24-bit WAV.

Peers (the seed's pipeline style: numpy buffers, a stretcher, pedalboard effects, pyloudnorm):
- `pedalboard`: stretch and shift with pedalboard.time_stretch (Rubber Band inside);
- `pyrubberband`: stretch and shift with pyrubberband (the Rubber Band CLI, two calls per layer).
Both are given the songs' tempo and key (the seed had them from its analysis service); `mashup render` analyses
the songs itself, inside its measured time. Prints one JSON line per pipeline: median wall seconds over --runs,
peak resident MB, and the ratio to ours.

usage: seed_style.py --mashup .build/release/mashup [--runs 3] [--work DIR]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SECTION_SECONDS = 60.0
TARGET_BPM = 122.0
SONGS = [("song1", "night-drive.wav", 118.0, 0), ("song2", "neon-arcade.wav", 126.0, 2)]  # id, file, bpm, key pc
TARGET_PITCH_CLASS = 0  # C major: night-drive is in C, neon-arcade in D (the demo's songs)
EFFECTS = [["reverb"], ["delay"], ["high-pass-filter-300hz"], ["compression"], ["reverb", "delay"], []]
CROSSFADE_SECONDS = 2.0


def layers():
    """(section index, song index, source start seconds, effects) for the six layers."""
    out = []
    for section in range(3):
        for song in range(2):
            out.append((section, song, 10.0 + 40.0 * section + 7.0 * song, EFFECTS[2 * section + song]))
    return out


def plan():
    timeline = []
    for section in range(3):
        section_layers = []
        for (s, song, start, effects) in layers():
            if s != section:
                continue
            section_layers.append({
                "songId": SONGS[song][0], "stem": "full", "volume_db": -6, "effects": effects,
                "source_start_sec": start,
            })
        entry = {
            "time_start_sec": section * SECTION_SECONDS, "duration_sec": SECTION_SECONDS,
            "description": f"Section {section + 1}", "energy_level": 0.6, "layers": section_layers,
        }
        if section:
            entry["transition"] = f"crossfade {CROSSFADE_SECONDS} s"
        timeline.append(entry)
    return {"creative_vision": "Seed-style benchmark.",
            "masterplan": {"title": "seed style", "global": {"targetBPM": TARGET_BPM, "targetKey": "C major"},
                           "timeline": timeline}}


def peer(stretcher, songs, output):
    """The seed-style pipeline in Python; `stretcher` is 'pedalboard' or 'pyrubberband'."""
    import numpy as np
    import pedalboard
    import pyloudnorm
    import soundfile

    audio = {}
    for index, path in enumerate(songs):
        data, rate = soundfile.read(path, dtype="float32", always_2d=True)
        audio[index] = data
    total = int(3 * SECTION_SECONDS * rate)
    mix = np.zeros((total, 2), dtype=np.float32)
    fade = int(CROSSFADE_SECONDS * rate)
    for (section, song, start, effects) in layers():
        ratio = TARGET_BPM / SONGS[song][2]  # playback speed: > 1 is faster
        shift = ((TARGET_PITCH_CLASS - SONGS[song][3] + 6) % 12) - 6
        length = SECTION_SECONDS + (CROSSFADE_SECONDS if section < 2 else 0)
        first = int(start * rate)
        source = audio[song][first:first + int(length * ratio * rate) + 1]
        if stretcher == "pedalboard":
            stretched = pedalboard.time_stretch(
                source.T, rate, stretch_factor=ratio, pitch_shift_in_semitones=shift).T
        else:
            import pyrubberband
            stretched = pyrubberband.time_stretch(source, rate, ratio)
            if shift:
                stretched = pyrubberband.pitch_shift(stretched, rate, shift)
        chain = []
        for effect in effects:
            if effect == "reverb":
                chain.append(pedalboard.Reverb(room_size=0.5, wet_level=0.25))
            elif effect == "delay":
                chain.append(pedalboard.Delay(delay_seconds=60 / TARGET_BPM * 0.75, feedback=0.35, mix=0.25))
            elif effect.startswith("high-pass"):
                chain.append(pedalboard.HighpassFilter(cutoff_frequency_hz=300))
            elif effect == "compression":
                chain.append(pedalboard.Compressor(threshold_db=-18, ratio=3))
        processed = pedalboard.Pedalboard(chain)(stretched.T.astype(np.float32), rate).T if chain else stretched
        processed = processed * (10 ** (-6 / 20))
        begin = int(section * SECTION_SECONDS * rate)
        count = min(len(processed), total - begin)
        gain = np.ones(count, dtype=np.float32)
        if section > 0:
            gain[:fade] = np.linspace(0, 1, fade, dtype=np.float32)
        if section < 2:
            gain[-fade:] = np.linspace(1, 0, fade, dtype=np.float32)
        mix[begin:begin + count] += processed[:count] * gain[:, None]
    meter = pyloudnorm.Meter(rate)
    loudness = meter.integrated_loudness(mix)
    mix = pyloudnorm.normalize.loudness(mix, loudness, -14.0)
    mix = pedalboard.Pedalboard([pedalboard.Limiter(threshold_db=-1.0)])(mix.T.astype(np.float32), rate).T
    soundfile.write(output, mix, rate, subtype="PCM_24")


def measure(command):
    """Median-able (wall s, peak MB) of one run of `command` under /usr/bin/time."""
    started = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, capture_output=True, text=True)
    wall = time.monotonic() - started
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-3000:])
        raise SystemExit(f"failed: {' '.join(command)}")
    return wall, int(result.stderr.strip().splitlines()[-1]) / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mashup", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work")
    parser.add_argument("--peer", help="internal: run one peer pipeline (pedalboard|pyrubberband) and exit")
    parser.add_argument("--songs", nargs="*")
    parser.add_argument("--output")
    args = parser.parse_args()
    if args.peer:
        peer(args.peer, args.songs, args.output)
        return
    mashup = os.path.abspath(args.mashup)
    work = args.work or tempfile.mkdtemp(prefix="mashup-seed-style-")
    os.makedirs(work, exist_ok=True)
    demo = os.path.join(work, "demo")
    if not os.path.exists(os.path.join(demo, SONGS[0][1])):
        subprocess.run([mashup, "demo", "-o", demo], check=True, capture_output=True)
    songs = []
    for song_id, name, _, _ in SONGS:
        path = os.path.join(work, f"{song_id}-3min.wav")
        if not os.path.exists(path):
            subprocess.run(["sox", os.path.join(demo, name), path, "repeat", "3", "trim", "0", "180"], check=True)
        songs.append(path)
    plan_path = os.path.join(work, "seed-plan.json")
    with open(plan_path, "w") as f:
        json.dump(plan(), f)
    ours = [mashup, "render", "--plan", plan_path, "-o", os.path.join(work, "ours.wav")]
    for (song_id, _, _, _), path in zip(SONGS, songs):
        ours += ["--song", f"{song_id}={path}"]
    pipelines = {"mashup": ours}
    for name in ("pedalboard", "pyrubberband"):
        if name == "pyrubberband" and shutil.which("rubberband") is None:
            continue
        pipelines[name] = [sys.executable, os.path.abspath(__file__), "--mashup", mashup, "--peer", name,
                           "--output", os.path.join(work, f"{name}.wav"), "--songs"] + songs
    results = {}
    for _ in range(args.runs):  # interleaved, so load changes hit every pipeline alike
        for name, command in pipelines.items():
            results.setdefault(name, []).append(measure(command))
    base = statistics.median(w for w, _ in results["mashup"])
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        print(json.dumps({
            "name": f"seed_style.{name}", "runs": args.runs, "median_wall_seconds": round(wall, 3),
            "peak_resident_mb": round(max(m for _, m in runs), 1),
            "mashup_speedup": round(wall / base, 2),
        }), flush=True)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
