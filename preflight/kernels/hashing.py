"""64-bit content hashes and content-keyed selection: the scan's identity of rows and values.

Contracts, each tested against a reference in tests/test_kernels.py:
- splitmix64: the SplitMix64 finaliser (Steele, Lea and Flood), element-wise with wrapping
  uint64 arithmetic; reference: a plain-Python implementation of the published constants.
- hash_floats: splitmix64 of the float64 bits, so equal numbers hash alike whatever their
  spelling or dtype (1, 1.0, "1" once parsed; -0.0 as 0.0); missing cells get MISSING_HASH.
- combine: acc = splitmix64(acc ^ (h_j + (j + 1) * golden)) over the columns j, per row;
  reference: the same fold in plain Python. Order-sensitive: swapping columns changes it.
- first_by_hash: exactly np.sort(np.argsort(h, kind="stable")[:k]), in linear time.
- spread_copies: h where a value is unique (or repeated fewer than min_group times); the r-th
  later copy (r >= 1, in row order) of a value repeated at least min_group times becomes
  splitmix64(h ^ splitmix64(r)); reference: a dict of counts in Python.
Row hashes are identities (baselines, fingerprints, duplicate groups): changing any of these
functions changes every stored baseline, so they are frozen.
"""
from __future__ import annotations

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MISSING_HASH = np.uint64(0x6D15517A9E3779B9)


def splitmix64(x: np.ndarray) -> np.ndarray:
    """A strong, cheap 64-bit mixer (vectorised, wrapping arithmetic; in place on one copy)."""
    z = x.astype(np.uint64, copy=True)
    _mix(z, np.empty_like(z))
    return z


def _mix(z: np.ndarray, t: np.ndarray) -> None:
    """splitmix64 of z, in place; t: scratch of the same shape."""
    with np.errstate(over="ignore"):
        z += _GOLDEN
        for shift, mult in ((30, _M1), (27, _M2)):
            np.right_shift(z, np.uint64(shift), out=t)
            z ^= t
            z *= mult
        np.right_shift(z, np.uint64(31), out=t)
        z ^= t


def hash_floats(values: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """Hash numbers by value: 1, 1.0 and "1" hash alike; -0.0 as 0.0; MISSING_HASH where missing."""
    h = np.add(values, 0.0, dtype=np.float64).view(np.uint64)  # -0.0 + 0.0 == +0.0; a fresh array
    _mix(h, np.empty_like(h))  # splitmix64 in place: no second copy
    if missing is not None:
        h[missing] = MISSING_HASH
    return h


def combine(hashes: list[np.ndarray], n: int) -> np.ndarray:
    """Order-sensitive combination of per-column hashes into one hash per row."""
    acc, t = np.zeros(n, dtype=np.uint64), np.empty(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j, h in enumerate(hashes):  # acc = splitmix64(acc ^ (h + (j + 1) * golden)), in place
            np.add(h, np.uint64(j + 1) * _GOLDEN, out=t)
            acc ^= t
            _mix(acc, t)
    return acc


def first_by_hash(row_hash: np.ndarray, k: int) -> np.ndarray:
    """The k rows with the smallest content hashes, ascending: a content-keyed sample, in
    linear time (np.sort(np.argsort(row_hash, kind="stable")[:k]))."""
    if k <= 0:
        return np.empty(0, np.intp)
    if k >= row_hash.size:
        return np.arange(row_hash.size)
    cut = np.partition(row_hash, k - 1)[k - 1]
    below = np.flatnonzero(row_hash < cut)
    tied = np.flatnonzero(row_hash == cut)[: k - below.size]
    return np.sort(np.concatenate([below, tied]))


def spread_copies(h: np.ndarray, min_group: int = 2) -> np.ndarray:
    """Keys that tell identical rows apart: a row's hash where it is unique, and for the r-th
    later copy (in row order) of a hash repeated at least min_group times, that hash re-mixed
    with r. Content-keyed selections (folds, samples) on these keys spread a large group of
    identical rows at random instead of taking all or none of it; smaller groups keep one key.
    A unique row keeps its key, and a copy's key moves only when a copy of the same row is
    inserted before it."""
    s = np.sort(h)
    if not np.any(s[min_group - 1:] == s[:s.size - min_group + 1]):
        return h.copy()
    order = np.argsort(h, kind="stable")
    sh = h[order]
    starts = np.r_[True, sh[1:] != sh[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(sh.size), 0))
    rank = (np.arange(sh.size) - first).astype(np.uint64)
    size = np.diff(np.r_[np.flatnonzero(starts), sh.size])[np.cumsum(starts) - 1]
    later = (rank > 0) & (size >= min_group)
    out = h.copy()
    out[order[later]] = splitmix64(sh[later] ^ splitmix64(rank[later]))
    return out
