"""Shared helpers of the analysis evaluation: key names, the tune/test split, hashing, JSON I/O.

Everything here is deterministic; nothing reads the clock or the environment except `eval_dir`.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

PITCH_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
FLAT_TO_SHARP = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#", "Cb": "B", "Fb": "E",
                 "E#": "F", "B#": "C"}
MAJOR_SCALE = [0, 2, 4, 5, 7, 9, 11]
MINOR_SCALE = [0, 2, 3, 5, 7, 8, 10]


def key_name(tonic_pc: int, mode: str) -> str:
    """Key as the analysis JSON spells it: "A minor", "C# major"."""
    return f"{PITCH_NAMES[tonic_pc % 12]} {mode}"


def parse_key(text) -> tuple[int, str] | None:
    """(tonic pitch class 0-11, "major"|"minor") from "A minor", "Bb major", "a:min", "C"; None for N/A or junk."""
    if not text or not isinstance(text, str):
        return None
    t = text.strip().replace(":", " ")
    if t.upper() in ("N/A", "NA", "NONE", "X", ""):
        return None
    parts = t.split()
    tonic = parts[0]
    mode = parts[1].lower() if len(parts) > 1 else "major"
    tonic = tonic[0].upper() + tonic[1:]
    tonic = FLAT_TO_SHARP.get(tonic, tonic)
    if tonic not in PITCH_NAMES:
        return None
    if mode.startswith("min") or mode == "m":
        mode = "minor"
    elif mode.startswith("maj"):
        mode = "major"
    else:
        return None
    return PITCH_NAMES.index(tonic), mode


def split_of(song_id: str) -> str:
    """Deterministic tune/test split by the SHA-1 of the song id (even first byte: tune)."""
    return "tune" if hashlib.sha1(song_id.encode()).digest()[0] % 2 == 0 else "test"


def file_sha1(path: Path) -> str:
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def eval_dir(default: str = ".eval") -> Path:
    return Path(os.environ.get("EVAL_DIR", default))


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)


def read_json(path: Path):
    with open(path) as f:
        return json.load(f)
