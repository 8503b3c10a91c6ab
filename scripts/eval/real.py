#!/usr/bin/env python3
"""Real recordings for the analysis evaluation: excerpts of the music in Debian's game-music packages (and the music of a few game-data packages), annotated by
the agreement of the peer analysers (librosa and essentia).

Excerpts: 45 s from each track (from a third of the way into the slack, at most 30 s in), resampled to 44.1 kHz
stereo FLAC, written to <out>/<tune|test>/<id>.flac with the split by the hash of the id.

Consensus rule (written into each truth JSON, per metric):
- tempo: the two peers' BPM within 4 % of each other -> truth = their mean; otherwise "no consensus" (bpm null,
  the track is left out of the tempo metrics);
- key: the two peers name the same key (tonic and mode) -> truth = that key; otherwise null (left out);
- beats: the F-measure (70 ms) between the two peers' beat lists >= 0.8 -> truth = essentia's beats that librosa
  matched (unmatched beats dropped); otherwise null (left out). Essentia's times, not the pair means: on the
  generated songs librosa's beats are a median 36 ms late and essentia's 7 ms (see docs/README-eval.md);
- downbeats: no peer reports them, so the real set has no downbeat truth.

Usage: real.py --out DIR [--jobs 2]     (DIR = <eval dir>/real)
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
import metrics as M  # noqa: E402
from common import split_of, write_json  # noqa: E402
from peers import cached_peer  # noqa: E402

SOURCES = {
    # Debian package: folder of its music, or (folder, file-name pattern) where music and sound effects share it.
    "asc-music": "/usr/share/games/asc/music",
    "hyperrogue-music": "/usr/share/hyperrogue/music",
    "singularity-music": "/usr/share/games/singularity/music",
    "planetblupi-music-ogg": "/usr/share/planetblupi/music",
    # Kenta Cho's games: electronic tracks with a steady beat.
    "gunroar-data": "/usr/share/games/gunroar/sounds/musics",
    "mu-cade-data": "/usr/share/games/mu-cade/sounds/musics",
    "titanion-data": "/usr/share/games/titanion/sounds/musics",
    "torus-trooper-data": "/usr/share/games/torus-trooper/sounds/musics",
    "tumiki-fighters-data": "/usr/share/games/tumiki-fighters/sounds",   # its .ogg files are the music
    "a7xpg-data": ("/usr/share/games/a7xpg/sounds", "bgm*"),
    "parsec47-data": ("/usr/share/games/parsec47/sounds", "ptn*"),
    "rrootage-data": ("/usr/share/games/rrootage/sounds", "stg_*"),
    "noiz2sa-data": ("/usr/share/games/noiz2sa/sounds", "stg*"),
    # Added in the second round (more styles: orchestral and rock soundtracks, jazz, chiptune-like game music).
    "hedgewars-data": "/usr/share/games/hedgewars/Data/Music",
    "lincity-ng-data": "/usr/share/games/lincity-ng/music/default",
    "frozen-bubble-data": ("/usr/share/games/frozen-bubble/snd", "*zik*"),
    "warzone2100-music": "/usr/share/games/warzone2100/music",
    # Added in the third round (more tune data: the second round's tune half had one excerpt read at the wrong
    # octave, its test half eight): platformer, racing and shooter soundtracks with a steady beat.
    "supertux-data": "/usr/share/games/supertux2/music",
    "warmux-data": "/usr/share/games/warmux/music",
    "marsshooter-data": "/usr/share/games/marsshooter/audio/music",
    "extremetuxracer-data": "/usr/share/games/etr/music",
    "xmoto-data": "/usr/share/games/xmoto/Textures/Musics",
}
# The third round's packages hold variants of one tune (forest, forest2, forest3; cave and cave_old; airship_2 and
# airship_remix): these go to one half together, split by the id without the variant suffix, so that no tune is
# tuned on in one half and reported in the other. The earlier rounds' ids keep their own split.
GROUPED_PACKAGES = ("supertux-data", "warmux-data", "marsshooter-data", "extremetuxracer-data", "xmoto-data")
# Shorter sources are jingles (a level won, a boss intro): too short for a tempo or a key.
MIN_SOURCE_S = 20.0
EXCERPT_S = 45.0
MAX_OFFSET_S = 30.0
SAMPLE_RATE = 44100
TEMPO_AGREEMENT = 0.04
BEAT_AGREEMENT_F = 0.8


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def source_tracks() -> list[tuple[str, str, Path]]:
    out = []
    for pkg, source in SOURCES.items():
        folder, pattern = source if isinstance(source, tuple) else (source, "*")
        d = Path(folder)
        if not d.is_dir():
            print(f"real.py: {pkg} not installed ({folder} missing); make eval-deps installs it", file=sys.stderr)
            continue
        for p in sorted(d.rglob(pattern)):
            if p.suffix.lower() in (".ogg", ".opus", ".mp3", ".flac"):   # .wav in these packages are sound effects
                if sf.info(str(p)).duration < MIN_SOURCE_S:
                    continue
                name = pkg.replace("-music", "").replace("-ogg", "").replace("-data", "")
                out.append((f"real-{slug(name)}-{slug(p.stem)}", pkg, p))
    return out


def split_group(sid: str, pkg: str) -> str:
    """The id whose hash decides the half: the id itself, or for `GROUPED_PACKAGES` the id without a variant
    suffix (trailing digits, "_old", "_remix", "_map": forest3, cave_old, airship_remix, ghostforest_map)."""
    if pkg not in GROUPED_PACKAGES:
        return sid
    return re.sub(r"(-?\d+|-old|-remix|-map)+$", "", sid) or sid


def excerpt(src: Path, dst: Path) -> dict:
    import soxr
    info = sf.info(str(src))
    dur = info.duration
    offset = min(MAX_OFFSET_S, max(0.0, (dur - EXCERPT_S) / 3.0))
    with sf.SoundFile(str(src)) as f:
        f.seek(int(offset * f.samplerate))
        x = f.read(int(EXCERPT_S * f.samplerate), dtype="float32", always_2d=True)
    if x.shape[1] == 1:
        x = np.repeat(x, 2, axis=1)
    x = x[:, :2]
    if info.samplerate != SAMPLE_RATE:
        x = soxr.resample(x, info.samplerate, SAMPLE_RATE)
    dst.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(dst), np.clip(x, -1, 1), SAMPLE_RATE, subtype="PCM_16")
    return dict(offset_s=round(offset, 3), duration_s=round(x.shape[0] / SAMPLE_RATE, 3),
                source_duration_s=round(dur, 3))


def consensus(lib: dict, ess: dict) -> dict:
    """The truth the two peers agree on (see the module doc)."""
    out = dict(bpm=None, key=None, beats=None, downbeats=None, peer_beat_f=None)
    b1, b2 = lib.get("bpm"), ess.get("bpm")
    if b1 and b2 and abs(b1 - b2) <= TEMPO_AGREEMENT * (b1 + b2) / 2:
        out["bpm"] = round((b1 + b2) / 2, 2)
    k1, k2 = M.parse_key(lib.get("key")), M.parse_key(ess.get("key"))
    if k1 is not None and k1 == k2:
        out["key"] = ess["key"]
    r, e = np.asarray(lib.get("beats") or []), np.asarray(ess.get("beats") or [])
    f = M.f_measure(r, e) if len(r) and len(e) else 0.0
    out["peer_beat_f"] = round(f, 3)
    if f >= BEAT_AGREEMENT_F:
        out["beats"] = sorted(round(float(e[j]), 4) for _, j in M.match(r, e))
    return out


def _prepare(args):
    sid, pkg, src, out = args
    split = split_of(split_group(sid, pkg))
    dst = Path(out) / split / f"{sid}.flac"
    meta = excerpt(src, dst) if not dst.exists() else dict(duration_s=round(sf.info(str(dst)).duration, 3))
    cache = str(Path(out).parent / "cache")
    lib = cached_peer("librosa", str(dst), cache)
    ess = cached_peer("essentia", str(dst), cache)
    c = consensus(lib, ess)
    truth = dict(id=sid, split=split, audio=dst.name, style="real", source_package=pkg, source_file=str(src),
                 bpm=c["bpm"], beats=c["beats"], downbeats=None, key=c["key"],
                 key_segments=None, flags={}, consensus=dict(
                     rule="tempo within 4 %, same key, beat F >= 0.8 between librosa and essentia (essentia's matched beats)",
                     librosa=dict(bpm=lib.get("bpm"), key=lib.get("key")),
                     essentia=dict(bpm=ess.get("bpm"), key=ess.get("key")),
                     peer_beat_f=c["peer_beat_f"]), **meta)
    write_json(Path(out) / split / f"{sid}.json", truth)
    return sid, split, c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    tracks = source_tracks()
    if not tracks:
        print("real.py: no music packages found", file=sys.stderr)
        return 2
    t0 = time.time()
    jobs = [(sid, pkg, src, a.out) for sid, pkg, src in tracks]
    n = dict(tempo=0, key=0, beats=0)
    with ProcessPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        for sid, split, c in ex.map(_prepare, jobs):
            n["tempo"] += c["bpm"] is not None
            n["key"] += c["key"] is not None
            n["beats"] += c["beats"] is not None
            print(f"  {split}/{sid}: bpm {c['bpm']} key {c['key']} beats "
                  f"{'agree' if c['beats'] else 'no consensus'} (F {c['peer_beat_f']})", flush=True)
    print(f"real.py: {len(tracks)} tracks; consensus on tempo {n['tempo']}, key {n['key']}, beats {n['beats']} "
          f"({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
