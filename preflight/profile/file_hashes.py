"""Content hashes of files, with a stat shortcut: an unchanged file is not read again.

A file is hashed again unless its path, device, inode, size, mtime_ns and ctime_ns all equal
what was recorded when it was last hashed. ctime catches what mtime misses (a file rewritten
and its mtime set back, as `cp -p` or `rsync -t` do); a touched file is simply hashed again.
File systems stamp times from a coarse clock (milliseconds on Linux, 2 s on FAT), so a file
rewritten in the same tick as it was hashed would look unchanged: a file whose mtime or ctime
is less than RACY_NS before the scan started is hashed but not recorded (git's "racily clean").

The index is one file per scanned root (npz, loaded without pickle), rewritten (temp file,
then rename) only when something changed; entries of files no longer scanned are dropped.
A damaged index is reported, deleted, and every file is hashed again. Safe to delete.
"""
from __future__ import annotations

import hashlib
import os
import stat
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from preflight.files import open_regular, write_npz_atomic
from preflight.profile.cache_files import read_cache_file

FORMAT = "preflight-file-hashes/1"
DIGEST_BYTES = 16
RACY_NS = 2_000_000_000


class Index(NamedTuple):
    """Recorded files: name, (device, inode), (size, mtime_ns, ctime_ns), content digest."""

    names: list[str]
    ids: np.ndarray       # uint64 (n, 2)
    times: np.ndarray     # int64 (n, 3)
    digests: np.ndarray   # uint8 (n, DIGEST_BYTES)


EMPTY = Index([], np.zeros((0, 2), np.uint64), np.zeros((0, 3), np.int64), np.zeros((0, DIGEST_BYTES), np.uint8))


def index_name(root: str | Path) -> str:
    """The index file of one scanned root, named by a hash of its absolute path."""
    return f"files-{hashlib.blake2b(os.path.abspath(root).encode(), digest_size=8).hexdigest()}.npz"


def hash_file(path: str) -> bytes | None:
    """blake2b-128 of the file's bytes; None when it cannot be read."""
    digest = hashlib.blake2b(digest_size=DIGEST_BYTES)
    try:
        with open_regular(path) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.digest()


def content_digests(paths: list[str], root: str | Path | None, index: Path | None,
                    notes: list[str]) -> list[bytes | None]:
    """Per path, its content digest (None: cannot be read); index None hashes every file.

    Entries are named relative to root when the path lies under it (what a folder scan gives),
    else by absolute path, so one index serves whatever working directory the scan ran from."""
    start = time.time_ns()
    prefix = os.path.join(str(root), "") if root is not None else None
    cwd = os.getcwd()
    known = _load(index, notes) if index is not None else EMPTY
    position = dict(zip(known.names, range(len(known.names))))
    names, ids, times, rows, where = [], [], [], [], []   # files that could be stat'ed, as regular files
    for i, path in enumerate(paths):
        try:
            st = os.stat(path)
        except OSError:  # what the decoder meets first: such a file is never cached
            continue
        if stat.S_ISREG(st.st_mode):
            name = path[len(prefix):] if prefix and path.startswith(prefix) else os.path.join(cwd, path)
            names.append(name)
            ids.append((st.st_dev, st.st_ino))
            times.append((st.st_size, st.st_mtime_ns, st.st_ctime_ns))
            rows.append(position.get(name, -1))
            where.append(i)
    now = Index(names, np.array(ids, np.uint64).reshape(-1, 2), np.array(times, np.int64).reshape(-1, 3),
                np.zeros((len(names), DIGEST_BYTES), np.uint8))
    row = np.array(rows, np.int64)
    hit = row >= 0
    hit[hit] = (known.ids[row[hit]] == now.ids[hit]).all(axis=1) & (known.times[row[hit]] == now.times[hit]).all(axis=1)
    now.digests[hit] = known.digests[row[hit]]
    digests: list[bytes | None] = [None] * len(paths)
    readable = np.ones(len(names), bool)
    flat = now.digests.tobytes()
    for k, (i, ok) in enumerate(zip(where, hit.tolist())):
        digest = flat[DIGEST_BYTES * k:DIGEST_BYTES * (k + 1)] if ok else hash_file(paths[i])
        if digest is None:
            readable[k] = False
        elif not ok:
            now.digests[k] = np.frombuffer(digest, np.uint8)
        digests[i] = digest
    keep = readable & (now.times[:, 1:].max(axis=1, initial=np.iinfo(np.int64).min) <= start - RACY_NS)
    kept = {name for name, k in zip(names, keep.tolist()) if k}
    unchanged = bool((hit | ~keep).all()) and len(kept) == len(position)   # what it would write is there
    if index is not None and not unchanged:
        try:
            _save(index, now, keep)
        except OSError as exc:  # a cache must never fail a scan
            notes.append(f"cache index not written to {index}: {exc}")
    return digests


def _load(index: Path, notes: list[str]) -> Index:
    return read_cache_file(index, _parse, notes, "every file is hashed again") or EMPTY


def _parse(index: Path) -> Index:
    with np.load(index, allow_pickle=False) as z:
        if str(z["format"]) != FORMAT:
            return EMPTY  # another version's index: rewritten in this one's format
        names, ids, times, digests = z["path"], z["ids"], z["times"], z["digest"]
        n = names.shape[0]
        if (names.dtype.kind != "U" or names.shape != (n,) or ids.dtype != np.uint64 or ids.shape != (n, 2)
                or times.dtype != np.int64 or times.shape != (n, 3) or digests.dtype != np.uint8
                or digests.shape != (n, DIGEST_BYTES)):
            raise ValueError("arrays of the wrong type or shape")
        return Index(names.tolist(), ids, times, digests)


def _save(index: Path, now: Index, keep: np.ndarray) -> None:
    index.parent.mkdir(parents=True, exist_ok=True)
    first: dict[str, int] = {}
    for k in np.flatnonzero(keep).tolist():
        first.setdefault(now.names[k], k)  # a table may list one file twice
    rows = list(first.values())
    arrays = {
        "format": np.array(FORMAT),
        "path": np.array(list(first), dtype=str) if first else np.zeros(0, "<U1"),
        "ids": now.ids[rows], "times": now.times[rows], "digest": now.digests[rows],
    }
    write_npz_atomic(index, arrays)
