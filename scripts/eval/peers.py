"""The peer analysers: librosa and essentia, each reduced to {bpm, beats, downbeats, key}.

- librosa: `librosa.beat.beat_track` (22.05 kHz mono, hop 512) for tempo and beats; key from the mean
  `chroma_cqt` correlated with the Krumhansl-Kessler major/minor profiles (librosa has no key estimator of its
  own; this is the textbook method over its chroma). No downbeats.
- essentia: `RhythmExtractor2013(method="multifeature")` for tempo and beats, `KeyExtractor()` (default profile)
  for the key. No downbeats.

Results are cached by the SHA-1 of the audio file under <cache>/<analyser>/<sha1>.json, so a second run of
the evaluation costs nothing for the peers.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from common import PITCH_NAMES, file_sha1, read_json, write_json

PEERS = ("librosa", "essentia")

# Krumhansl-Kessler key profiles (probe-tone ratings), tonic first.
KK_MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]
KK_MINOR = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]


def run_librosa(path: str) -> dict:
    import librosa
    warnings.filterwarnings("ignore")
    y, sr = librosa.load(path, sr=22050, mono=True)
    tempo, beats = librosa.beat.beat_track(y=y, sr=sr, units="time")
    tempo = float(np.atleast_1d(tempo)[0])
    chroma = librosa.feature.chroma_cqt(y=y, sr=sr).mean(axis=1)
    best, key = -2.0, "N/A"
    if np.std(chroma) > 1e-9:
        for mode, prof in (("major", KK_MAJOR), ("minor", KK_MINOR)):
            for t in range(12):
                c = float(np.corrcoef(chroma, np.roll(prof, t))[0, 1])
                if c > best:
                    best, key = c, f"{PITCH_NAMES[t]} {mode}"
    return dict(bpm=tempo, beats=[float(b) for b in beats], downbeats=None, key=key)


def run_essentia(path: str) -> dict:
    import essentia
    essentia.log.infoActive = False      # before essentia.standard, which logs its registry at import
    essentia.log.warningActive = False
    import essentia.standard as es
    audio = es.MonoLoader(filename=path, sampleRate=44100)()
    bpm, ticks, _conf, _est, _intervals = es.RhythmExtractor2013(method="multifeature")(audio)
    key, scale, strength = es.KeyExtractor()(audio)
    return dict(bpm=float(bpm), beats=[float(t) for t in ticks], downbeats=None,
                key=f"{key} {scale}", key_strength=float(strength))


RUNNERS = {"librosa": run_librosa, "essentia": run_essentia}


def cached_peer(name: str, path: str, cache_dir: str) -> dict:
    """The peer's result for the file, from the cache when present."""
    sha = file_sha1(Path(path))
    cp = Path(cache_dir) / name / f"{sha}.json"
    if cp.exists():
        return read_json(cp)
    try:
        res = RUNNERS[name](path)
    except Exception as e:  # a peer failing on one file is a result (scored as a miss), not a crash
        res = dict(bpm=None, beats=[], downbeats=None, key=None, error=f"{type(e).__name__}: {e}")
    write_json(cp, res)
    return res
