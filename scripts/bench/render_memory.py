#!/usr/bin/env python3
"""Peak resident memory and speed of `mashup render` from plain mixes, as a user runs it (issue 17).

Each case runs the real command under `/usr/bin/time -v`: the embedded analysis finds each song's grid and key,
the stems are approximated over the ranges the plan reads, and the render writes a 24-bit WAV. Songs are the
demo's two generated songs (`mashup demo`), looped with sox to 3 or 10 minutes; the plan has 4 stem layers in
every section (vocals, drums, bass, other from the two songs, reading from spread positions) with effects on
most layers. Cases:
  3min-plan.3min-songs, 3min-plan.10min-songs, 10min-plan.10min-songs (from plain mixes), and the first case
  again with stems given (`--stems`, the songs' approximated stems written beforehand with `mashup stems`);
  stretch.10min.1.08 and stretch.10min.1.08+2st: `mashup stretch` of the 10-minute song, x1.08 (and +2 semitones);
  stems.3min and stems.10min: `mashup stems` of the 3- and 10-minute song (four 32-bit float WAV files).
Prints one JSON line per case: wall seconds, CPU seconds, peak resident MB, x realtime (output seconds / wall for
a render, input seconds / wall for a stretch or a separation).

With `--compare OTHER`, every run of `--mashup` is followed by the same run of the binary OTHER (e.g. the build
before a change), and a second JSON line per case gives OTHER's figures ("binary": "compare"): on a shared machine
only runs interleaved like this compare fairly.

usage: render_memory.py --mashup .build/release/mashup [--compare OTHER] [--runs 3] [--work DIR] [--cases a,b]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

SECTION_SECONDS = 22.5
EFFECT_ROTATION = [
    ["reverb"], ["low-pass-filter-2khz"], ["sidechain"], ["high-pass-filter-300hz"],
    ["delay"], [], ["reverb", "delay"], ["compression"],
]


def plan(section_count, song_seconds):
    """A masterplan of `section_count` sections, each with 4 stem layers reading from spread positions."""
    timeline = []
    layouts = [
        [("song1", "vocals"), ("song2", "drums"), ("song2", "bass"), ("song2", "other")],
        [("song2", "vocals"), ("song1", "drums"), ("song1", "bass"), ("song2", "other")],
        [("song1", "vocals"), ("song1", "drums"), ("song2", "bass"), ("song1", "other")],
    ]
    usable = max(song_seconds - SECTION_SECONDS - 8, 1)
    for index in range(section_count):
        layers = []
        for slot, (song, stem) in enumerate(layouts[index % len(layouts)]):
            # Spread the reads over the whole song, so a long song is read far from its start.
            start = (index * 37.0 + slot * 11.0) % usable
            layers.append({
                "songId": song, "stem": stem, "volume_db": -3 - 2 * slot,
                "effects": EFFECT_ROTATION[(index + slot) % len(EFFECT_ROTATION)],
                "source_start_sec": round(start, 3),
            })
        timeline.append({
            "time_start_sec": index * SECTION_SECONDS, "duration_sec": SECTION_SECONDS,
            "description": f"Section {index + 1}", "energy_level": 0.5 + 0.05 * (index % 8), "layers": layers,
        })
    return {
        "creative_vision": "Memory benchmark plan.",
        "masterplan": {
            "title": "memory benchmark", "global": {"targetBPM": 122, "targetKey": "C major"},
            "timeline": timeline,
        },
    }


def run(command):
    """Runs `command` under /usr/bin/time -v; returns (wall s, cpu s, peak MB)."""
    result = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-3000:])
        raise SystemExit(f"failed: {' '.join(command)}")
    text = result.stderr

    def field(name):
        return re.search(re.escape(name) + r":\s*(\S+)", text).group(1)

    wall_text = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    parts = [float(p) for p in wall_text.split(":")]
    wall = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) > 2 else 0)
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    peak = float(field("Maximum resident set size (kbytes)")) / 1024
    return wall, cpu, peak


def measure(binaries, arguments, runs):
    """`runs` rounds of every binary on `arguments`, interleaved; {label: [(wall, cpu, peak)]}."""
    measured = {label: [] for label, _ in binaries}
    for _ in range(runs):
        for label, binary in binaries:
            measured[label].append(run([binary] + arguments))
    return measured


def report(name, measured, audio_seconds, args, extra):
    """Prints one JSON line per binary: medians of wall and CPU, the largest peak, x realtime."""
    for label, runs in measured.items():
        wall = statistics.median(m[0] for m in runs)
        line = {
            "name": name, "runs": args.runs, "median_wall_seconds": round(wall, 3),
            "median_cpu_seconds": round(statistics.median(m[1] for m in runs), 3),
            "peak_resident_mb": round(max(m[2] for m in runs), 1),
            "audio_seconds": round(audio_seconds, 3), "x_realtime": round(audio_seconds / wall, 1),
        }
        line.update(extra)
        if args.compare:
            line["binary"] = label
            line["load_average"] = round(os.getloadavg()[0], 2)
        print(json.dumps(line), flush=True)


def looped(source, seconds, target):
    if not os.path.exists(target):
        subprocess.run(["sox", source, target, "repeat", "12", "trim", "0", str(seconds)], check=True)
    return target


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mashup", required=True)
    parser.add_argument("--compare", help="a second mashup binary, run interleaved with --mashup")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work")
    parser.add_argument("--cases", default="3min-plan.3min-songs,3min-plan.10min-songs,10min-plan.10min-songs,"
                        "3min-plan.3min-songs.stems-given,stretch.10min.1.08,stretch.10min.1.08+2st,stems.3min,stems.10min")
    args = parser.parse_args()
    mashup = os.path.abspath(args.mashup)
    binaries = [("mashup", mashup)] + ([("compare", os.path.abspath(args.compare))] if args.compare else [])
    work = args.work or tempfile.mkdtemp(prefix="mashup-render-memory-")
    os.makedirs(work, exist_ok=True)
    demo = os.path.join(work, "demo")
    if not os.path.exists(os.path.join(demo, "night-drive.wav")):
        subprocess.run([mashup, "demo", "-o", demo], check=True, capture_output=True)
    songs = {}
    for minutes in (3, 10):
        songs[minutes] = [
            looped(os.path.join(demo, "night-drive.wav"), minutes * 60, os.path.join(work, f"a-{minutes}min.wav")),
            looped(os.path.join(demo, "neon-arcade.wav"), minutes * 60, os.path.join(work, f"b-{minutes}min.wav")),
        ]
    cases = {
        "3min-plan.3min-songs": (8, 3, False),
        "3min-plan.10min-songs": (8, 10, False),
        "10min-plan.10min-songs": (26, 10, False),
        "3min-plan.3min-songs.stems-given": (8, 3, True),
    }
    stretches = {"stretch.10min.1.08": [], "stretch.10min.1.08+2st": ["--semitones", "2"]}
    separations = {"stems.3min": 3, "stems.10min": 10}
    for name in args.cases.split(","):
        if name in separations:
            minutes = separations[name]
            arguments = ["stems", songs[minutes][0], "-o", os.path.join(work, f"out-{name}")]
            report(f"cli.{name}", measure(binaries, arguments, args.runs), minutes * 60.0, args, {})
            continue
        if name in stretches:
            out = os.path.join(work, f"out-{name}.wav")
            arguments = ["stretch", songs[10][0], out, "--time-ratio", "1.08"] + stretches[name]
            report(f"cli.{name}", measure(binaries, arguments, args.runs), 600.0, args, {})
            continue
        sections, minutes, stems_given = cases[name]
        plan_path = os.path.join(work, f"plan-{name}.json")
        with open(plan_path, "w") as f:
            json.dump(plan(sections, minutes * 60), f)
        arguments = ["render", "--plan", plan_path]
        for index, song in enumerate(songs[minutes]):
            arguments += ["--song", f"song{index + 1}={song}"]
            if stems_given:
                stem_dir = os.path.join(work, f"stems-{index}-{minutes}min")
                if not os.path.exists(os.path.join(stem_dir, "vocals.wav")):
                    subprocess.run([mashup, "stems", song, "-o", stem_dir], check=True, capture_output=True)
                arguments += ["--stems", f"song{index + 1}={stem_dir}"]
        out = os.path.join(work, f"out-{name}.wav")
        arguments += ["-o", out]
        measured = measure(binaries, arguments, args.runs)
        audio_seconds = json.load(open(os.path.join(work, f"out-{name}.json")))["duration_seconds"]
        report(f"cli.render.{name}", measured, audio_seconds, args, {"stems_given": stems_given})
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
