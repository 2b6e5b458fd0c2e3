"""Mergeable accumulators and 64-bit content hashes.

Each accumulator can run per batch (or per partition on a distributed engine) and
be merged; the merged result does not depend on how the rows were split.
"""
from __future__ import annotations

from dataclasses import dataclass

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
    if k >= row_hash.size:
        return np.arange(row_hash.size)
    cut = np.partition(row_hash, k - 1)[k - 1]
    below = np.flatnonzero(row_hash < cut)
    tied = np.flatnonzero(row_hash == cut)[: k - below.size]
    return np.sort(np.concatenate([below, tied]))


@dataclass
class Moments:
    """count, mean, M2, min, max; merged with Chan et al.'s parallel formulas."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    min: float = float("inf")
    max: float = float("-inf")

    @classmethod
    def of(cls, x: np.ndarray) -> "Moments":
        if x.size == 0:
            return cls()
        mean = float(x.mean())
        d = x - mean
        np.square(d, out=d)  # ((x - mean) ** 2).sum(), one temporary instead of two
        return cls(int(x.size), mean, float(d.sum()), float(x.min()), float(x.max()))

    def merge(self, other: "Moments") -> "Moments":
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * other.n / n
        m2 = self.m2 + other.m2 + delta * delta * self.n * other.n / n
        return Moments(n, mean, m2, min(self.min, other.min), max(self.max, other.max))

    @property
    def std(self) -> float:
        """Population std (ddof=0), as StandardScaler uses."""
        return float(np.sqrt(self.m2 / self.n)) if self.n else 0.0


class BottomK:
    """A content-keyed sample: the k values with the smallest row-hash priorities.

    Same rows, same sample, however the data was batched; exact when n <= k.
    Held as a pool in arrival order and pruned in linear time (no sort: quantiles and
    moments of the sample do not need priority order).
    """

    def __init__(self, k: int, priorities: np.ndarray | None = None, values: np.ndarray | None = None) -> None:
        self.k = k
        self._p: list[np.ndarray] = []
        self._v: list[np.ndarray] = []
        self._seen = 0
        self._cut: np.uint64 | None = None  # a priority above this can no longer enter
        self._settled = (np.empty(0, np.uint64), np.empty(0, np.float64))
        if priorities is not None:
            self.add(priorities, values)

    @property
    def priorities(self) -> np.ndarray:
        return self._settle()[0]

    @property
    def values(self) -> np.ndarray:
        return self._settle()[1]

    def add(self, priorities: np.ndarray, values: np.ndarray) -> None:
        self._seen += priorities.size
        if self._cut is not None:
            keep = np.flatnonzero(priorities <= self._cut)
            priorities, values = priorities.take(keep), values.take(keep)
        self._p.append(priorities)
        self._v.append(values)
        if sum(p.size for p in self._p) > 2 * self.k:
            self._prune()

    def merge(self, other: "BottomK") -> "BottomK":
        self.add(other.priorities, other.values)
        return self

    def _prune(self) -> None:
        """Drop what cannot be among the k smallest; the pool keeps its arrival order."""
        p, v = np.concatenate(self._p), np.concatenate(self._v)
        if p.size > self.k:
            self._cut = np.partition(p, self.k - 1)[self.k - 1]
            keep = np.flatnonzero(p <= self._cut)  # index gathers: a random boolean mask is ~5x slower
            p, v = p.take(keep), v.take(keep)
        self._p, self._v = [p], [v]

    def _settle(self) -> tuple[np.ndarray, np.ndarray]:
        """The k smallest priorities, in arrival order (ties at the cut: the first arrivals).
        Equal priorities are equal rows, so which tied copy stays does not change the values."""
        if len(self._p) > 1 or (self._p and self._p[0] is not self._settled[0]):
            self._prune()
            p, v = self._p[0], self._v[0]
            if p.size > self.k:
                keep = p < self._cut
                keep[np.flatnonzero(p == self._cut)[: self.k - int(keep.sum())]] = True
                keep = np.flatnonzero(keep)
                p, v = p.take(keep), v.take(keep)
            self._p, self._v = [p], [v]
            self._settled = (p, v)
        return self._settled

    def quantiles(self, qs: list[float]) -> list[float]:
        if self.values.size == 0:
            return [float("nan")] * len(qs)
        return [float(q) for q in np.quantile(self.values, qs)]
