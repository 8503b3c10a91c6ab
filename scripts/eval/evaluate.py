#!/usr/bin/env python3
"""Scores analysers on the evaluation set and prints one table per metric.

Rows: analysers (ours = `mashup analyze`, librosa, essentia). Columns: generated-tune, generated-test, real-tune,
real-test (the splits and sets asked for). Also writes every figure and every per-song result as JSON.

  evaluate.py --mashup .build/release/mashup --data .eval [--split tune|test|all] [--sets generated,real]
              [--only ours,librosa,essentia] [--jobs 2] [--json FILE] [--no-breakdown]

Truth: generated songs carry exact truth (see generate.py); real recordings carry the peers' consensus
(see real.py), and a metric counts only the tracks where the consensus exists for it. On the real set the peers
are scored against a consensus built from their own outputs, so their figures there are agreement, biased up.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import metrics as M  # noqa: E402
from common import read_json, write_json  # noqa: E402
from peers import PEERS, cached_peer  # noqa: E402

ANALYSERS = ("ours",) + PEERS
SETS = ("generated", "real")
SPLITS = ("tune", "test")
BPM_BANDS = [(0, 70), (70, 98), (98, 130), (130, 170), (170, 300)]
# PulseClarity.minimum: below it the engine plays a song at its own speed (pulseless.py).
MINIMUM_PULSE_CLARITY = 0.1
MAXIMUM_GLIDE_SHARE = 0.5     # KeyEstimator.maximumGlideShare: above it a song has no key


def load_songs(data: Path, sets, splits, limit: int | None) -> list[dict]:
    songs = []
    for s in sets:
        for sp in splits:
            d = data / s / sp
            if not d.is_dir():
                continue
            items = sorted(d.glob("*.json"))
            if limit:
                items = items[:limit]
            for j in items:
                t = read_json(j)
                audio = d / t["audio"]
                if audio.exists():
                    t["_set"], t["_split"], t["_audio"] = s, sp, str(audio)
                    songs.append(t)
    return songs


def run_ours(binary: str, audio: str) -> dict:
    with tempfile.TemporaryDirectory() as td:
        out = Path(td) / "a.json"
        t0 = time.time()
        with open(Path(td) / "stderr", "w+") as err:
            p = subprocess.Popen([binary, "analyze", audio, "-o", str(out)], stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(p.pid, 0)     # this child's own CPU time, whatever runs beside it
            p.returncode = os.waitstatus_to_exitcode(status)
            err.seek(0)
            stderr = err.read()
        dt = time.time() - t0
        cpu = usage.ru_utime + usage.ru_stime
        if p.returncode != 0 or not out.exists():
            return dict(bpm=None, beats=[], downbeats=[], key=None, error=stderr[-400:], seconds=dt, cpu_s=cpu)
        a = read_json(out)
    r = a.get("rhythmic", {}) or {}
    h = a.get("harmonic", {}) or {}
    res = dict(bpm=r.get("bpm"), beats=r.get("beats") or [], downbeats=r.get("downbeats") or [],
               key=h.get("key"), seconds=dt, cpu_s=cpu)
    res["sections"] = a.get("sections") or []
    for extra, src in (("tempo_candidates", r), ("key_confidence", h), ("key_segments", h), ("tonalness", h),
                       ("tonal_time_share", h), ("glide_share", h), ("pulse_clarity", r)):
        if extra in src:
            res[extra] = src[extra]
    return res


def _peer_job(args):
    name, audio, cache = args
    return cached_peer(name, audio, cache)


def segment_key_score(est_segments, truth_segments) -> float | None:
    """Time-weighted MIREX key score of the estimated key segments over the truth segments."""
    try:
        est = [(float(s.get("start", s.get("start_sec", 0))), float(s.get("end", s.get("end_sec", 1e9))),
                s.get("key")) for s in est_segments]
    except Exception:
        return None
    total, acc = 0.0, 0.0
    for ts in truth_segments:
        a, b = float(ts["start"]), float(ts["end"])
        for ea, eb, ek in est:
            ov = min(b, eb) - max(a, ea)
            if ov > 0:
                acc += ov * M.key_score(ek, ts["key"])
        total += b - a
    return acc / total if total > 0 else None


def score_song(truth: dict, est: dict) -> dict:
    r = dict(id=truth["id"], set=truth["_set"], split=truth["_split"], style=truth.get("style", "real"),
             flags=truth.get("flags", {}), bpm_ref=truth.get("bpm"), bpm_est=est.get("bpm"),
             key_ref=truth.get("key"), key_est=est.get("key"))
    if est.get("error"):
        r["error"] = est["error"]
    if truth.get("bpm"):
        r["acc1"], r["acc2"] = M.tempo_acc(est.get("bpm"), truth["bpm"])
    if truth.get("key"):
        r["key"] = M.key_score(est.get("key"), truth["key"])
        r["key_relation"] = M.key_relation(est.get("key"), truth["key"])
    if truth.get("beats"):
        r["beat_f"] = M.f_measure(truth["beats"], est.get("beats") or [])
        r["beat_errors_ms"] = M.beat_errors_ms(truth["beats"], est.get("beats") or [])
        c = M.continuity(truth["beats"], est.get("beats") or [])
        if c is not None:
            r["cmlt"], r["amlt"] = c
    if truth.get("downbeats") and est.get("downbeats") is not None:
        r["downbeat_f"] = M.f_measure(truth["downbeats"], est.get("downbeats") or [])
    if est.get("sections"):
        r["section_boundaries"] = len(est["sections"]) - 1
        r["opens_with_intro"] = 1.0 if est["sections"][0].get("role") == "intro" else 0.0
    if truth.get("bars") and truth.get("downbeats") and "sections" in est:
        secs = M.truth_sections(truth["downbeats"], truth["bars"])
        r["section_f"] = M.f_measure([t for _, t in secs[1:]],
                                     [float(x.get("start_sec", 0)) for x in est["sections"][1:]], M.SECTION_WINDOW_S)
        for role in ("breakdown", "intro"):
            r[role + "s_true"], r[role + "s_found"], r[role + "s_false"] = M.role_counts(secs, est["sections"], role)
    for extra in ("key_confidence", "tonalness", "tonal_time_share", "glide_share", "pulse_clarity"):
        if extra in est:
            r[extra] = est[extra]
    if "tempo_candidates" in est:
        r["has_tempo_candidates"] = True
    if est.get("key_segments") and truth.get("key_segments"):
        r["key_segments_score"] = segment_key_score(est["key_segments"], truth["key_segments"])
    if "seconds" in est:
        r["seconds"] = est["seconds"]
    if "cpu_s" in est and truth.get("duration_s"):
        r["cpu_s"] = est["cpu_s"]
        r["audio_min"] = truth["duration_s"] / 60.0
    return r


def aggregate(rows: list[dict]) -> dict:
    def mean(k):
        v = [x[k] for x in rows if x.get(k) is not None]
        return (float(np.mean(v)), len(v)) if v else (None, 0)

    out = {}
    for k in ("acc1", "acc2", "key", "beat_f", "downbeat_f", "cmlt", "amlt", "key_segments_score", "section_f",
              "section_boundaries", "opens_with_intro"):
        out[k], out[k + "_n"] = mean(k)
    for role in ("breakdown", "intro"):
        true_count = sum(x.get(role + "s_true", 0) for x in rows)
        found = sum(x.get(role + "s_found", 0) for x in rows)
        if true_count:
            out[role + "_recall"], out[role + "_recall_n"] = found / true_count, true_count
        called = found + sum(x.get(role + "s_false", 0) for x in rows)
        if called:
            out[role + "_precision"], out[role + "_precision_n"] = found / called, called
    errs = [e for x in rows for e in x.get("beat_errors_ms", [])]
    if errs:
        e = np.asarray(errs)
        out["beat_err_median_abs_ms"] = float(np.median(np.abs(e)))
        out["beat_err_median_signed_ms"] = float(np.median(e))
        out["beat_err_p90_abs_ms"] = float(np.percentile(np.abs(e), 90))
        out["beat_err_n"] = int(len(e))
    conf = [(x["key_confidence"], x["key"]) for x in rows if x.get("key_confidence") is not None and "key" in x]
    if len(conf) >= 4:
        c = sorted(conf, key=lambda t: t[0])
        half = len(c) // 2
        out["key_score_low_conf_half"] = float(np.mean([s for _, s in c[:half]]))
        out["key_score_high_conf_half"] = float(np.mean([s for _, s in c[half:]]))
        # Reliability: confidence against the exact key (MIREX score 1), over the songs given a key ("N/A" has
        # confidence 0 and is not a key guess).
        given = [(x["key_confidence"], x["key"]) for x in rows
                 if x.get("key_confidence") is not None and "key" in x and x.get("key_est") not in (None, "N/A")]
        out["key_reliability"] = M.reliability([(float(k), 1.0 if s >= 0.999 else 0.0) for k, s in given])
    cpu = [(x["cpu_s"], x["audio_min"]) for x in rows if x.get("cpu_s") is not None]
    if cpu:
        out["cpu_s_per_audio_min"] = float(sum(c for c, _ in cpu) / sum(m for _, m in cpu))
        out["cpu_s_per_audio_min_n"] = len(cpu)
    out["songs"] = len(rows)
    return out


TABLES = [
    ("Tempo Acc1 (within 4 %)", "acc1", "{:.3f}"),
    ("Tempo Acc2 (also x2, x1/2, x3, x1/3)", "acc2", "{:.3f}"),
    ("Key MIREX weighted score", "key", "{:.3f}"),
    ("Beat F-measure (70 ms)", "beat_f", "{:.3f}"),
    ("Downbeat F-measure (70 ms)", "downbeat_f", "{:.3f}"),
    ("Beat error median |e| (ms)", "beat_err_median_abs_ms", "{:.1f}"),
    ("Beat error median signed (ms, analyser - truth; negative = early)", "beat_err_median_signed_ms", "{:+.1f}"),
    ("Beat error p90 |e| (ms)", "beat_err_p90_abs_ms", "{:.1f}"),
    ("CMLt", "cmlt", "{:.3f}"),
    ("AMLt", "amlt", "{:.3f}"),
    ("Key segments, time-weighted MIREX score (if the analyser reports segments)", "key_segments_score", "{:.3f}"),
    ("Section boundary F-measure (3 s; generated songs: intro, main, breakdown)", "section_f", "{:.3f}"),
    ("Breakdowns found (share of the generated songs' breakdowns inside a section called breakdown)",
     "breakdown_recall", "{:.3f}"),
    ("Breakdowns called that are breakdowns", "breakdown_precision", "{:.3f}"),
    ("Intros found (share of the generated songs' intros inside a section called intro)", "intro_recall", "{:.3f}"),
    ("Intros called that are intros", "intro_precision", "{:.3f}"),
    ("Section boundaries per song (every song the analyser gives sections; no truth for the real excerpts)",
     "section_boundaries", "{:.2f}"),
    ("Share of songs whose first section is called intro (every song; the real excerpts are cut from songs' middles)",
     "opens_with_intro", "{:.3f}"),
    ("CPU seconds per minute of audio (whole `mashup analyze` process: start, decode, analysis)",
     "cpu_s_per_audio_min", "{:.3f}"),
]


def print_tables(summary: dict, analysers, columns) -> str:
    lines = []
    for title, key, fmt in TABLES:
        if not any(summary.get(a, {}).get(c, {}).get(key) is not None for a in analysers for c in columns):
            continue
        lines.append(f"\n{title}\n")
        head = f"| {'analyser':<9} | " + " | ".join(f"{c:<16}" for c in columns) + " |"
        lines.append(head)
        lines.append("|" + "|".join("-" * (len(p) + 2) for p in [f"{'analyser':<9}"] + [f"{c:<16}" for c in columns]) + "|")
        for a in analysers:
            cells = []
            for c in columns:
                agg = summary.get(a, {}).get(c, {})
                v = agg.get(key)
                n = agg.get(key + "_n", agg.get("beat_err_n") if key.startswith("beat_err") else None)
                cells.append(f"{(fmt.format(v) if v is not None else '-'):>7} (n={n or 0})".ljust(16) if v is not None
                             else "-".ljust(16))
            lines.append(f"| {a:<9} | " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    print(text)
    return text


def breakdown(rows_by_analyser: dict, analysers) -> str:
    """Per style, per BPM band and per flag (generated songs of the selected splits): Acc1 and beat F."""
    lines = []

    def table(title, groups):
        lines.append(f"\n{title}: Acc1 / beat F / downbeat F / key per analyser\n")
        lines.append(f"| {'group':<22} | {'n':>3} | " + " | ".join(f"{a:<23}" for a in analysers) + " |")
        lines.append("|" + "|".join(["-" * 24, "-" * 5] + ["-" * 25 for _ in analysers]) + "|")
        for g, pred in groups:
            cells, n = [], 0
            for a in analysers:
                rs = [r for r in rows_by_analyser[a] if r["set"] == "generated" and pred(r)]
                n = len(rs)
                if not rs:
                    cells.append("-".ljust(23))
                    continue
                def m(k):
                    v = [r[k] for r in rs if r.get(k) is not None]
                    return f"{np.mean(v):.2f}" if v else " - "
                cells.append(f"{m('acc1')} / {m('beat_f')} / {m('downbeat_f')} / {m('key')}".ljust(23))
            if n:
                lines.append(f"| {g:<22} | {n:>3} | " + " | ".join(cells) + " |")

    first = rows_by_analyser[analysers[0]]
    styles = sorted({r["style"] for r in first if r["set"] == "generated"})
    table("By style", [(s, (lambda s: lambda r: r["style"] == s)(s)) for s in styles])
    table("By truth BPM", [(f"{lo}-{hi} BPM", (lambda lo, hi: lambda r: lo <= (r["bpm_ref"] or 0) < hi)(lo, hi))
                           for lo, hi in BPM_BANDS])
    flag_names = sorted({f for r in first if r["set"] == "generated" for f, v in r["flags"].items()
                         if v is True})
    table("By flag", [(f, (lambda f: lambda r: r["flags"].get(f) is True)(f)) for f in flag_names]
          + [(f"loudness {k}", (lambda k: lambda r: r["flags"].get("loudness") == k)(k))
             for k in ("quiet", "normal", "loud", "slammed")])
    text = "\n".join(lines)
    print(text)
    return text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mashup", default=os.environ.get("MASHUP_BIN", ".build/release/mashup"))
    ap.add_argument("--data", default=os.environ.get("EVAL_DIR", ".eval"))
    ap.add_argument("--split", choices=["tune", "test", "all"], default="all")
    ap.add_argument("--sets", default="generated,real")
    ap.add_argument("--only", default=",".join(ANALYSERS), help="comma list of ours,librosa,essentia")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None, help="at most N songs per set and split (quick looks)")
    ap.add_argument("--json", default=None, help="write all figures here (default DATA/results.json)")
    ap.add_argument("--no-breakdown", action="store_true")
    a = ap.parse_args()
    data = Path(a.data)
    analysers = [x for x in a.only.split(",") if x]
    for x in analysers:
        if x not in ANALYSERS:
            print(f"evaluate.py: unknown analyser {x!r} (known: {', '.join(ANALYSERS)})", file=sys.stderr)
            return 2
    if "ours" in analysers and not Path(a.mashup).exists():
        print(f"evaluate.py: mashup binary not found at {a.mashup} (set --mashup or MASHUP_BIN)", file=sys.stderr)
        return 2
    sets = [s for s in a.sets.split(",") if s]
    splits = list(SPLITS) if a.split == "all" else [a.split]
    songs = load_songs(data, sets, splits, a.limit)
    if not songs:
        print(f"evaluate.py: no songs under {data} for sets {sets} splits {splits} (make eval-data)", file=sys.stderr)
        return 2
    columns = [f"{s}-{sp}" for s in sets for sp in splits if any(x["_set"] == s and x["_split"] == sp for x in songs)]
    print(f"evaluate.py: {len(songs)} songs ({', '.join(columns)}); analysers {', '.join(analysers)}", flush=True)
    cache = str(data / "cache")
    results, timing = {}, {}
    for name in analysers:
        t0 = time.time()
        if name == "ours":
            with ThreadPoolExecutor(max_workers=a.jobs) as ex:
                ests = list(ex.map(lambda s: run_ours(a.mashup, s["_audio"]), songs))
        else:
            with ProcessPoolExecutor(max_workers=a.jobs) as ex:
                ests = list(ex.map(_peer_job, [(name, s["_audio"], cache) for s in songs]))
        timing[name] = time.time() - t0
        results[name] = [score_song(s, e) for s, e in zip(songs, ests)]
        errors = [r for r in results[name] if r.get("error")]
        print(f"  {name}: {timing[name]:.0f} s wall" + (f", {len(errors)} failures" if errors else ""), flush=True)
    summary = {}
    for name in analysers:
        summary[name] = {}
        for c in columns:
            s, sp = c.split("-")
            rows = [r for r in results[name] if r["set"] == s and r["split"] == sp]
            summary[name][c] = aggregate(rows)
    text = print_tables(summary, analysers, columns)
    if "ours" in results:
        secs = [r["seconds"] for r in results["ours"] if "seconds" in r]
        if secs:
            print(f"\nours: {np.mean(secs):.2f} s wall per song (mean, jobs={a.jobs})")
        extra = [r for r in results["ours"] if r.get("has_tempo_candidates")]
        if extra:
            print(f"ours: tempo_candidates reported on {len(extra)}/{len(results['ours'])} songs")
        for c in columns:
            agg = summary["ours"][c]
            if "key_score_high_conf_half" in agg:
                print(f"ours {c}: key score of the more confident half {agg['key_score_high_conf_half']:.3f}, "
                      f"less confident half {agg['key_score_low_conf_half']:.3f}")
        def ours_values(column: str, field: str, keep=lambda r: True) -> list:
            """`field` of our results in `column` (set-split), for the results `keep` accepts."""
            s, sp = column.split("-")
            return [r[field] for r in results["ours"] if r["set"] == s and r["split"] == sp and field in r and keep(r)]

        for c in columns:
            shares = ours_values(c, "tonal_time_share", lambda r: r.get("key_est") not in (None, "N/A"))
            if shares:
                print(f"ours {c}: tonal time share of the songs given a key: min {min(shares):.2f}, 5th percentile "
                      f"{np.percentile(shares, 5):.2f}, median {np.median(shares):.2f} (n={len(shares)})")
        for c in columns:
            glides = ours_values(c, "glide_share")
            if glides:
                print(f"ours {c}: glide share: max {max(glides):.2f}, median {np.median(glides):.3f} "
                      f"(n={len(glides)}; above {MAXIMUM_GLIDE_SHARE} there is no key)")
        for c in columns:
            timed = ours_values(c, "pulse_clarity", lambda r: r.get("bpm_ref"))
            if timed:
                low = sum(1 for v in timed if v < MINIMUM_PULSE_CLARITY)
                print(f"ours {c}: pulse clarity of the songs with a tempo truth: min {min(timed):.3f}, median "
                      f"{np.median(timed):.3f}; {low} of {len(timed)} below {MINIMUM_PULSE_CLARITY} (played unwarped)")
        rel = [(c, summary["ours"][c].get("key_reliability")) for c in columns]
        rel = [(c, r) for c, r in rel if r]
        if rel:
            print("\nKey confidence reliability (ours): share of exact keys / mean confidence (n) per confidence bin")
            print("\n| bin | " + " | ".join(c for c, _ in rel) + " |")
            print("|---|" + "---:|" * len(rel))
            for k, edge in enumerate(M.RELIABILITY_EDGES[:-1]):
                cells = []
                for _, r in rel:
                    b = r["bins"][k]
                    cells.append("-" if not b["n"] else f"{b['correct']:.2f} / {b['confidence']:.2f} (n={b['n']})")
                print(f"| {edge:.1f}-{M.RELIABILITY_EDGES[k + 1]:.1f} | " + " | ".join(cells) + " |")
            print("| expected calibration error | " + " | ".join(f"{r['ece']:.3f}" for _, r in rel) + " |")
    btext = "" if a.no_breakdown or "generated" not in sets else breakdown(results, analysers)
    out = Path(a.json) if a.json else data / "results.json"
    for rows in results.values():
        for r in rows:
            e = r.pop("beat_errors_ms", None)
            if e:
                r["beat_err_median_signed_ms"] = float(np.median(e))
                r["beat_err_median_abs_ms"] = float(np.median(np.abs(e)))
    write_json(out, dict(mashup=a.mashup, data=str(data), columns=columns, summary=summary, timing_s=timing,
                         tables=text, breakdown=btext, songs=results))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
