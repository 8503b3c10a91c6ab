"""Metrics of the analysis evaluation, implemented here (continuity scores from mir_eval when it is installed).

- Tempo Acc1: estimate within 4 % of the truth. Acc2: also within 4 % of 2x, 1/2, 3x or 1/3 of the truth.
- Key: MIREX weighted score as mir_eval computes it: 1 same key; 0.5 the estimate a perfect fifth ABOVE the truth
  (same mode); 0.3 relative (major/minor sharing the key signature); 0.2 parallel (same tonic, other mode);
  0 otherwise, and 0 for "N/A" on a song that has a key.
- Beat / downbeat F-measure: one-to-one matching within +-70 ms (greedy on the nearest pairs), F = 2PR/(P+R);
  all beats count (no 5 s trim).
- Beat error: for every matched truth beat, estimate minus truth in ms (negative = early); reported as the
  median |e|, the median e and the 90th percentile |e| over all matched beats of a set.
- CMLt / AMLt: mir_eval.beat.continuity (no trimming), when mir_eval imports.
"""
from __future__ import annotations

import numpy as np

from common import parse_key

TEMPO_TOLERANCE = 0.04
BEAT_WINDOW_S = 0.070
ACC2_FACTORS = (1.0, 2.0, 0.5, 3.0, 1.0 / 3.0)


def tempo_acc(est: float | None, ref: float) -> tuple[float, float]:
    if est is None or not np.isfinite(est) or est <= 0:
        return 0.0, 0.0
    acc1 = float(abs(est - ref) <= TEMPO_TOLERANCE * ref)
    acc2 = float(any(abs(est - ref * f) <= TEMPO_TOLERANCE * ref * f for f in ACC2_FACTORS))
    return acc1, acc2


def key_score(est, ref) -> float:
    r = parse_key(ref)
    e = parse_key(est)
    if r is None:
        return 1.0 if e is None else 0.0
    if e is None:
        return 0.0
    (rt, rm), (et, em) = r, e
    if rt == et and rm == em:
        return 1.0
    if rm == em and (et - rt) % 12 == 7:
        return 0.5
    if rm == "major" and em == "minor" and (et - rt) % 12 == 9:
        return 0.3
    if rm == "minor" and em == "major" and (et - rt) % 12 == 3:
        return 0.3
    if rt == et and rm != em:
        return 0.2
    return 0.0


def key_relation(est, ref) -> str:
    """Names the kind of key error, for the breakdown."""
    s = key_score(est, ref)
    return {1.0: "exact", 0.5: "fifth", 0.3: "relative", 0.2: "parallel"}.get(s, "none" if parse_key(est) is None
                                                                          else "other")


def match(ref: np.ndarray, est: np.ndarray, window: float = BEAT_WINDOW_S) -> list[tuple[int, int]]:
    """One-to-one pairs (ref index, est index) within the window, nearest pairs first."""
    if len(ref) == 0 or len(est) == 0:
        return []
    pairs = []
    j0 = 0
    for i, r in enumerate(ref):
        while j0 < len(est) and est[j0] < r - window:
            j0 += 1
        j = j0
        while j < len(est) and est[j] <= r + window:
            pairs.append((abs(est[j] - r), i, j))
            j += 1
    pairs.sort()
    used_r, used_e, out = set(), set(), []
    for _, i, j in pairs:
        if i in used_r or j in used_e:
            continue
        used_r.add(i)
        used_e.add(j)
        out.append((i, j))
    return out


def f_measure(ref, est, window: float = BEAT_WINDOW_S) -> float:
    ref = np.asarray(ref, dtype=float)
    est = np.asarray(est, dtype=float)
    if len(ref) == 0 and len(est) == 0:
        return 1.0
    if len(ref) == 0 or len(est) == 0:
        return 0.0
    m = len(match(ref, est, window))
    p, r = m / len(est), m / len(ref)
    return 0.0 if m == 0 else 2 * p * r / (p + r)


SECTION_WINDOW_S = 3.0   # boundary hit window (MIREX structural segmentation, "HR3F")


def truth_sections(downbeats, bars) -> list[tuple[str, float]]:
    """(name, start) of the generated song's sections from its bars: a change of bar section starts one. The
    one-bar final hit is no section, and a 2/4 bar inside the main part ("main_2_4") is the main part."""
    out: list[tuple[str, float]] = []
    for start, bar in zip(downbeats, bars):
        name = bar.get("section", "main")
        if name == "final":
            break
        if name.startswith("main"):
            name = "main"
        if not out or out[-1][0] != name:
            out.append((name, float(start)))
    return out


def role_counts(truth_secs, est_sections, role: str) -> tuple[int, int, int]:
    """(truth sections named `role` (intro, breakdown), of them found: the middle of the section inside a section
    the analyser gives that role, analyser sections of that role whose middle is in no truth section of it)."""
    spans = []
    for k, (name, start) in enumerate(truth_secs):
        if name == role:
            end = truth_secs[k + 1][1] if k + 1 < len(truth_secs) else float("inf")
            spans.append((start, end))
    est = [(float(s.get("start_sec", 0)), float(s.get("end_sec", 0))) for s in est_sections
           if s.get("role") == role]
    found = sum(1 for a, b in spans if any(x <= (a + b) / 2 < y for x, y in est))
    false = sum(1 for x, y in est if not any(a <= (x + y) / 2 < b for a, b in spans))
    return len(spans), found, false


def beat_errors_ms(ref, est, window: float = BEAT_WINDOW_S) -> list[float]:
    ref = np.asarray(ref, dtype=float)
    est = np.asarray(est, dtype=float)
    return [float((est[j] - ref[i]) * 1000.0) for i, j in match(ref, est, window)]


def continuity(ref, est) -> tuple[float, float] | None:
    try:
        import mir_eval
    except Exception:
        return None
    ref = np.asarray(ref, dtype=float)
    est = np.asarray(est, dtype=float)
    if len(ref) < 2 or len(est) < 2:
        return 0.0, 0.0
    try:
        _, cmlt, _, amlt = mir_eval.beat.continuity(ref, est)
    except Exception:
        return None
    return float(cmlt), float(amlt)


RELIABILITY_EDGES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def reliability(pairs, edges=RELIABILITY_EDGES) -> dict:
    """Calibration of a confidence: `pairs` of (confidence 0..1, correct 0/1). Returns the bins (low, high, n,
    mean confidence, share correct) and the expected calibration error (the n-weighted mean |confidence -
    share correct| over the bins). A calibrated confidence has share correct = mean confidence in every bin."""
    bins = []
    total = sum(1 for _ in pairs)
    ece = 0.0
    for k in range(len(edges) - 1):
        lo, hi = edges[k], edges[k + 1]
        last = k == len(edges) - 2
        inside = [(c, ok) for c, ok in pairs if lo <= c < hi or (last and c == hi)]
        if not inside:
            bins.append(dict(low=lo, high=hi, n=0, confidence=None, correct=None))
            continue
        conf = float(np.mean([c for c, _ in inside]))
        corr = float(np.mean([ok for _, ok in inside]))
        ece += len(inside) / max(total, 1) * abs(conf - corr)
        bins.append(dict(low=lo, high=hi, n=len(inside), confidence=conf, correct=corr))
    return dict(bins=bins, ece=ece if total else None, n=total)
