"""Dataset-level results memoised in the cache folder, keyed by a hash of their exact inputs.

The per-image cache (image_cache) saves decoding; some results are computed over the whole
dataset from those signals (the image neighbour distances) and cost as much as a cached
rescan itself. They are kept here, one small .npz per result, named by the hash of the
bytes they were computed from plus preflight's version: same inputs, same file; any
changed image, another setting or version, another file. The newest KEEP per kind stay;
older ones are deleted. Reads trust nothing: a file that does not load, or holds the wrong
shape, is reported, deleted and recomputed (allow_pickle=False: a planted file runs no code).
A cache must never fail a scan: a write that fails becomes a note.
"""
from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from preflight.files import write_npz_atomic
from preflight.profile.cache_files import read_cache_file

KEEP = 4  # per kind: a few datasets (or versions of one) sharing a cache folder


def memoised(cache_dir: Path | None, kind: str, inputs: Iterable[bytes], compute: Callable[[], np.ndarray],
             shape: tuple[int, ...], notes: list[str]) -> np.ndarray:
    """compute(), or its stored result for the same `inputs` (a float64 array of `shape`)."""
    if cache_dir is None:
        return compute()
    from preflight.version import __version__

    h = hashlib.blake2b(f"{kind}|{__version__}".encode(), digest_size=16)
    for part in inputs:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    path = Path(cache_dir) / "derived" / f"{kind}-{h.hexdigest()}.npz"
    stored = _load(path, shape, notes)
    if stored is not None:
        return stored
    value = np.asarray(compute(), dtype=np.float64)
    try:
        write_npz_atomic(path, {"value": value})
        _prune(path.parent, kind, keep=path)
    except OSError as exc:
        notes.append(f"cache not written to {path.parent}: {exc}")
    return value


def _load(path: Path, shape: tuple[int, ...], notes: list[str]) -> np.ndarray | None:
    def parse(p: Path) -> np.ndarray:
        with np.load(p, allow_pickle=False) as z:
            value = z["value"]
        if value.dtype != np.float64 or value.shape != shape:
            raise ValueError(f"holds {value.dtype} {value.shape}, expected float64 {shape}")
        return value

    return read_cache_file(path, parse, notes, "recomputed")


def _prune(folder: Path, kind: str, keep: Path) -> None:
    """Keep the newest KEEP files of this kind (the one just written among them)."""
    def age(p: Path) -> float:
        with contextlib.suppress(OSError):
            return p.stat().st_mtime
        return 0.0

    others = sorted((p for p in folder.glob(f"{kind}-*.npz") if p != keep), key=age, reverse=True)
    for old in others[KEEP - 1:]:
        with contextlib.suppress(OSError):
            old.unlink()
