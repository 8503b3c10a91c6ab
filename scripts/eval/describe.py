#!/usr/bin/env python3
"""What the evaluation set contains: songs per set and split, style, flag, key, BPM band, soundfont, loudness.

Usage: describe.py [--data DIR]   (DIR defaults to $EVAL_DIR or .eval)
"""
from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import read_json  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=os.environ.get("EVAL_DIR", ".eval"))
    a = ap.parse_args()
    data = Path(a.data)
    gen = [read_json(p) for p in sorted((data / "generated").glob("*/*.json"))]
    real = [read_json(p) for p in sorted((data / "real").glob("*/*.json"))]
    c = collections.Counter
    print(f"generated: {len(gen)} songs ({dict(c(t['split'] for t in gen))}), "
          f"{sum(t['duration_s'] for t in gen) / 60:.0f} min of audio")
    print("  styles:", dict(sorted(c(t["style"] for t in gen).items())))
    flags = c(f for t in gen for f, v in t["flags"].items() if v is True)
    print("  flags:", dict(sorted(flags.items())))
    print("  loudness:", dict(c(t["flags"]["loudness"] for t in gen)),
          f"(LUFS {min(t['lufs'] for t in gen):.1f} to {max(t['lufs'] for t in gen):.1f})")
    print("  keys:", dict(sorted(c(t["key"] for t in gen).items())))
    print("  modes:", dict(c(t["key"].split()[-1] for t in gen)))
    bands = c(next(f"{lo}-{hi}" for lo, hi in [(0, 70), (70, 98), (98, 130), (130, 170), (170, 300)]
                   if lo <= t["bpm"] < hi) for t in gen)
    print("  BPM:", dict(bands), f"(range {min(t['bpm'] for t in gen):.1f}-{max(t['bpm'] for t in gen):.1f})")
    print("  soundfonts:", dict(c(t["soundfont"] for t in gen)))
    print("  time signatures:", dict(c(f"{t['time_signature'][0]}/4" for t in gen)))
    if real:
        print(f"real: {len(real)} tracks ({dict(c(t['split'] for t in real))}) from "
              f"{dict(c(t['source_package'] for t in real))}")
        for k in ("bpm", "key", "beats"):
            n = dict(c(t["split"] for t in real if t.get(k)))
            print(f"  consensus on {k}: {sum(n.values())} ({n})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
