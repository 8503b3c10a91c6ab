#!/usr/bin/env python3
"""The compact README table from a results JSON of evaluate.py: one row per metric, one column per analyser and
reported set (the test halves by default).

Usage: summary_table.py RESULTS.json [--columns generated-test,real-test]
"""
from __future__ import annotations

import argparse
import json
import sys

ROWS = [
    ("Tempo Acc1", "acc1", "{:.2f}"),
    ("Tempo Acc2", "acc2", "{:.2f}"),
    ("Key (MIREX)", "key", "{:.2f}"),
    ("Beat F (70 ms)", "beat_f", "{:.2f}"),
    ("Downbeat F (70 ms)", "downbeat_f", "{:.2f}"),
    ("Beat error median abs (ms)", "beat_err_median_abs_ms", "{:.1f}"),
    ("Beat error median signed (ms)", "beat_err_median_signed_ms", "{:+.1f}"),
    ("Beat error p90 abs (ms)", "beat_err_p90_abs_ms", "{:.1f}"),
    ("CPU s per minute of audio", "cpu_s_per_audio_min", "{:.2f}"),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("results")
    ap.add_argument("--columns", default="generated-test,real-test")
    a = ap.parse_args()
    with open(a.results) as f:
        r = json.load(f)
    summary = r["summary"]
    analysers = list(summary)
    cols = [c for c in a.columns.split(",") if c]
    heads = [f"{an} {c}" for c in cols for an in analysers]
    print("| metric | " + " | ".join(heads) + " |")
    print("|---|" + "---:|" * len(heads))
    for title, key, fmt in ROWS:
        cells = []
        for c in cols:
            for an in analysers:
                v = summary.get(an, {}).get(c, {}).get(key)
                cells.append(fmt.format(v) if v is not None else "-")
        print(f"| {title} | " + " | ".join(cells) + " |")
    ns = []
    for c in cols:
        agg = summary[analysers[0]].get(c, {})
        ns.append(f"{c}: {agg.get('songs', 0)} songs (tempo truth on {agg.get('acc1_n', 0)}, key on "
                  f"{agg.get('key_n', 0)}, beats on {agg.get('beat_f_n', 0)})")
    print("\n" + "; ".join(ns) + ".")
    return 0


if __name__ == "__main__":
    sys.exit(main())
