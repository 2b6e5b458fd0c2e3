"""Per-image signal cache: an unchanged image is never decoded twice.

Entries are keyed by a hash of the file's bytes, never by path or mtime, so a renamed copy
hits and an edited file misses; preflight's version and the settings the signals depend on
(`max_image_pixels`, thumbnail, histogram and ycc sizes) key each segment (`meta`). The content
hashes themselves come from preflight.profile.file_hashes, which reads a file again only when
its stat (path, device, inode, size, mtime, ctime) changed since it was last hashed.
Each scan that decodes something appends one segment file (`images/seg-*.npz`, written to a
temp file and renamed) holding the new entries; past MAX_SEGMENTS they are merged into one.
Reads never trust the folder: a segment that fails to load or has the wrong shape is reported,
deleted, and its images are decoded (and written) again; segments of another preflight version
or other settings are skipped, not deleted (two setups may share a folder). Safe to delete at
any time. Segments are loaded with allow_pickle=False: a planted file cannot run code.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

from preflight.files import clean_stale_temps, is_inside, write_npz_atomic
from preflight.profile.cache_files import read_cache_file
from preflight.profile.file_hashes import DIGEST_BYTES, content_digests, index_name
from preflight.profile.image_signals import HIST_BINS, LUMA, SHARP_SIDE, THUMB, Signals, analyze_chunk

CACHE_FORMAT = "preflight-image-signals/3"  # /2: keys are unsalted content hashes; /3: the ycc signal
MAX_SEGMENTS = 8
KEY_BYTES = DIGEST_BYTES
_TEMPLATE = analyze_chunk([], 1)          # dtypes and trailing shapes of every field
_LISTS = tuple(f.name for f in fields(Signals) if isinstance(getattr(_TEMPLATE, f.name), list))


def resolve_cache_dir(path: Path, settings: Mapping[str, Any], output_dir: str | Path | None,
                      notes: list[str]) -> Path | None:
    """cache_dir setting, else <output_dir>/cache, else .preflight/cache; None when off or inside the data."""
    if not settings.get("cache", True):
        return None
    folder = Path(settings.get("cache_dir") or (Path(output_dir) / "cache" if output_dir else ".preflight/cache"))
    root = (path if path.is_dir() else path.parent).resolve()
    if is_inside(folder, root):
        notes.append(f"cache folder {folder} lies inside the scanned dataset {root}; the cache is off for "
                     "this scan (preflight never writes into the data it scans; set --cache-dir elsewhere)")
        return None
    return folder


def salt(max_pixels: int) -> bytes:
    from preflight.version import __version__

    return f"{CACHE_FORMAT}|{__version__}|{max_pixels}|{THUMB}|{HIST_BINS}|{SHARP_SIDE}|{LUMA}".encode()


def cached_decode(paths: list[str], decode: Callable[[list[str]], Signals], cache_dir: Path,
                  max_pixels: int, notes: list[str] | None = None, root: str | Path | None = None) -> Signals:
    """Signals for `paths` in order: cached ones loaded, the rest decoded by `decode` and stored.

    root: the scanned dataset, which names the stat index of its files (None: hash every file)."""
    notes = notes if notes is not None else []
    meta = hashlib.blake2b(salt(max_pixels), digest_size=8).hexdigest()
    folder = Path(cache_dir) / "images"
    clean_stale_temps(folder)  # left by killed scans (files.write_atomic names its writer)
    keys = content_digests(paths, root, folder / index_name(root) if root is not None else None, notes)
    segments = _load_all(folder, meta, notes)
    index: dict[bytes, tuple[int, int]] = {}
    for s, (_, seg_keys, _) in enumerate(segments):
        for j, k in enumerate(seg_keys):
            index.setdefault(k, (s, j))
    misses = [i for i, k in enumerate(keys) if k is None or k not in index]
    fresh = decode([paths[i] for i in misses])
    store = {keys[i]: j for j, i in enumerate(misses) if keys[i] is not None}  # one entry per content
    if store:
        try:
            _save(folder, meta, list(store), take(fresh, list(store.values())), segments)
        except OSError as exc:  # a cache must never fail a scan
            notes.append(f"cache not written to {folder}: {exc}")
    parts, order, offset = [fresh], np.empty(len(paths), np.int64), len(misses)
    order[misses] = np.arange(len(misses))
    missed = set(misses)
    by_segment: dict[int, list[int]] = {}
    for i, k in enumerate(keys):
        if i not in missed:
            by_segment.setdefault(index[k][0], []).append(i)
    for s, rows in sorted(by_segment.items()):
        parts.append(take(segments[s][2], [index[keys[i]][1] for i in rows]))
        order[rows] = offset + np.arange(len(rows))
        offset += len(rows)
    return take(concat(parts), order.tolist())


def take(s: Signals, idx: list[int]) -> Signals:
    out = {}
    for f in fields(Signals):
        v = getattr(s, f.name)
        out[f.name] = [v[i] for i in idx] if isinstance(v, list) else v[np.asarray(idx, dtype=np.int64)]
    return Signals(**out)


def concat(parts: list[Signals]) -> Signals:
    out = {}
    for f in fields(Signals):
        values = [getattr(p, f.name) for p in parts]
        out[f.name] = [x for v in values for x in v] if isinstance(values[0], list) else np.concatenate(values)
    return Signals(**out)


def _load_all(folder: Path, meta: str, notes: list[str]) -> list[tuple[Path, list[bytes], Signals]]:
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("seg-*.npz")):
        loaded = _load(path, meta, notes)
        if loaded is not None:
            out.append((path, *loaded))
    return out


def _load(path: Path, meta: str, notes: list[str]) -> tuple[list[bytes], Signals] | None:
    """One segment; None if another version/settings wrote it (left alone), or if damaged (removed)."""
    return read_cache_file(path, lambda p: _parse(p, meta), notes, "its images are decoded again")


def _parse(path: Path, meta: str) -> tuple[list[bytes], Signals] | None:
    with np.load(path, allow_pickle=False) as z:
        if str(z["meta"]) != meta:
            return None
        raw = z["keys"]
        n = raw.shape[0]
        if raw.dtype != np.uint8 or raw.shape != (n, KEY_BYTES):
            raise ValueError("bad keys")
        values = {}
        for f in fields(Signals):
            v = z[f.name]
            if f.name in _LISTS:
                if v.shape != (n,) or v.dtype.kind != "U":
                    raise ValueError(f"bad {f.name}")
                values[f.name] = [str(x) for x in v.tolist()]
            else:
                t = getattr(_TEMPLATE, f.name)
                if v.dtype != t.dtype or v.shape != (n, *t.shape[1:]):
                    raise ValueError(f"bad {f.name}")
                values[f.name] = v
    return [bytes(k) for k in raw], Signals(**values)


def _save(folder: Path, meta: str, keys: list[bytes], signals: Signals,
          segments: list[tuple[Path, list[bytes], Signals]]) -> None:
    merge = len(segments) + 1 > MAX_SEGMENTS
    if merge:  # fold every segment and the new entries into one
        keys = [k for _, ks, _ in segments for k in ks] + keys
        signals = concat([s for _, _, s in segments] + [signals])
        first: dict[bytes, int] = {}
        for j, k in enumerate(keys):
            first.setdefault(k, j)
        keys, signals = list(first), take(signals, list(first.values()))
    _write(folder / f"seg-{secrets.token_hex(8)}.npz", meta, keys, signals)
    if merge:
        for path, _, _ in segments:
            path.unlink(missing_ok=True)


def _write(target: Path, meta: str, keys: list[bytes], s: Signals) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {"meta": np.array(meta),
                              "keys": np.frombuffer(b"".join(keys), np.uint8).reshape(-1, KEY_BYTES)}
    for f in fields(Signals):
        v = getattr(s, f.name)
        arrays[f.name] = np.array(v, dtype=str) if isinstance(v, list) else v
        if isinstance(v, list) and not v:
            arrays[f.name] = np.zeros(0, dtype="<U1")
    write_npz_atomic(target, arrays)
