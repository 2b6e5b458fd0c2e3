"""Mergeable accumulators: moments and the content-keyed bottom-k sample.

Each accumulator can run per batch (or per partition on a distributed engine) and
be merged; the merged result does not depend on how the rows were split.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class Moments:
    """count, mean, M2, min, max; merged with Chan et al.'s parallel formulas.

    Values near float64's limit (1e308) would overflow the sum and the squares: such data is
    scaled by a power of two first (exact), and M2 is kept in those units (true M2 = m2 *
    scale**2), so mean and std stay finite. Ordinary data never takes that path: same bytes.
    """

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    min: float = float("inf")
    max: float = float("-inf")
    scale: float = 1.0

    @classmethod
    def of(cls, x: np.ndarray) -> Moments:
        if x.size == 0:
            return cls()
        with np.errstate(over="ignore", invalid="ignore"):
            mean = float(x.mean())
            d = x - mean
            np.square(d, out=d)  # ((x - mean) ** 2).sum(), one temporary instead of two
            m2 = float(d.sum())
        if math.isfinite(mean) and math.isfinite(m2):
            return cls(int(x.size), mean, m2, float(x.min()), float(x.max()))
        lo, hi = float(x.min()), float(x.max())
        s = _power_of_two(max(-lo, hi))
        y = x / s
        mean_s = float(y.mean())
        y -= mean_s
        np.square(y, out=y)
        return cls(int(x.size), mean_s * s, float(y.sum()), lo, hi, s)

    def merge(self, other: Moments) -> Moments:
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        n = self.n + other.n
        lo, hi = min(self.min, other.min), max(self.max, other.max)
        if self.scale == other.scale == 1.0:
            delta = other.mean - self.mean
            mean = self.mean + delta * other.n / n
            m2 = self.m2 + other.m2 + delta * delta * self.n * other.n / n
            if math.isfinite(mean) and math.isfinite(m2):
                return Moments(n, mean, m2, lo, hi)
        s = max(self.scale, other.scale, _power_of_two(max(-lo, hi)))
        a, b = self.mean / s, other.mean / s
        delta = b - a
        m2 = (self.m2 * (self.scale / s) ** 2 + other.m2 * (other.scale / s) ** 2
              + delta * delta * self.n * other.n / n)
        return Moments(n, (a + delta * other.n / n) * s, m2, lo, hi, s)

    @property
    def std(self) -> float:
        """Population std (ddof=0), as StandardScaler uses."""
        return float(np.sqrt(self.m2 / self.n)) * self.scale if self.n else 0.0


def _power_of_two(value: float) -> float:
    """The largest power of two <= value (1.0 for value <= 1): dividing by it is exact."""
    if not value > 1.0:
        return 1.0
    return math.ldexp(1.0, math.frexp(value)[1] - 1)


class BottomK:
    """A content-keyed sample: the k values with the smallest row-hash priorities.

    Same rows, same sample, however the data was batched; exact when n <= k.
    Held as a pool in arrival order and pruned in linear time (no sort: quantiles and
    moments of the sample do not need priority order).

    A partition's sample may also let go of priorities at or above a bound the first k of all
    partitions should not reach (`bounded`: keep.sample_bound), so it ships about its share of
    the k, not k. `cut_bound` is the smallest such bound of the samples merged into this one
    (None: nothing was let go); `exact` tells whether the merged sample is the one without it.
    """

    def __init__(self, k: int, priorities: np.ndarray | None = None, values: np.ndarray | None = None) -> None:
        self.k = k
        self._p: list[np.ndarray] = []
        self._v: list[np.ndarray] = []
        self._seen = 0
        self._cut: np.uint64 | None = None  # a priority above this can no longer enter
        self._settled = (np.empty(0, np.uint64), np.empty(0, np.float64))
        self.cut_bound: int | None = None  # priorities at or above it were let go (None: none were)
        if priorities is not None:
            self.add(priorities, values)

    @property
    def offered(self) -> int:
        """Values offered so far (kept or not)."""
        return self._seen

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

    def merge(self, other: BottomK) -> BottomK:
        self.add(other.priorities, other.values)
        if other.cut_bound is not None:
            self.cut_bound = other.cut_bound if self.cut_bound is None else min(self.cut_bound, other.cut_bound)
        return self

    def bounded(self, below: int) -> None:
        """Let go of the priorities at or above `below`, remembering the bound when any went."""
        p, v = self._settle()
        keep = np.flatnonzero(p < np.uint64(below))
        if keep.size == p.size:
            return
        p, v = p.take(keep), v.take(keep)
        self._p, self._v, self._settled = [p], [v], (p, v)
        self.cut_bound = below if self.cut_bound is None else min(self.cut_bound, below)

    @property
    def exact(self) -> bool:
        """Whether this is the sample nothing was let go from: nothing was, or the k kept all lie
        below every bound (what went lay at or above one, so above all of the k)."""
        if self.cut_bound is None:
            return True
        p = self.priorities
        return p.size >= self.k and int(p.max()) < self.cut_bound

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
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.quantile(self.values, qs)
        if not np.isfinite(out).all():  # interpolating between values near 1e308 overflowed: scale
            s = _power_of_two(float(np.abs(self.values).max()))
            out = np.quantile(self.values / s, qs) * s
        return [float(q) for q in out]


class DistinctSet:
    """Distinct values from their 64-bit content hashes, mergeable: the k smallest distinct
    hashes with how many cells each (KMV with multiplicities). Exact while a column holds at
    most k distinct values; above that, `count` estimates (see there). Equal hashes are equal
    values (the 2**-64 chance of a collision aside), so which rows arrive together, and in what
    order, never changes the state.
    """

    def __init__(self, k: int) -> None:
        self.k = k
        self.hashes = np.empty(0, np.uint64)  # sorted, unique
        self.counts = np.empty(0, np.int64)   # cells per hash (exact for every hash kept)
        self.full = False  # a distinct hash was dropped: more than k distinct values
        self._pool: list[tuple[np.ndarray, np.ndarray]] = []
        self._pooled = 0

    def add(self, hashes: np.ndarray, counts: np.ndarray | None = None) -> None:
        """Cells' hashes (repeats allowed), or distinct texts' hashes with the cells each holds."""
        if self.full:  # a hash above the k-th smallest kept can never be kept again
            keep = np.flatnonzero(hashes <= self.hashes[-1])
            hashes = hashes.take(keep)
            counts = counts.take(keep) if counts is not None else None
        if not hashes.size:
            return
        self._pool.append((hashes, counts))  # counts None: one cell each
        self._pooled += hashes.size
        if self._pooled > 2 * self.k:
            self._fold()

    def merge(self, other: DistinctSet) -> DistinctSet:
        """A new set holding both (neither is changed)."""
        out = DistinctSet(self.k)
        out._pool = [(self.hashes, self.counts), *self._pool, (other.hashes, other.counts), *other._pool]
        out.full = self.full or other.full
        out._fold()
        return out

    def settled(self) -> DistinctSet:
        self._fold()
        return self

    def _fold(self) -> None:
        # Single cells are sorted and counted on their own first: a batch of a few distinct values
        # shrinks to those before it meets the counted hashes, whose merge needs an argsort
        # (slower than numpy's vectorised sort of 64-bit keys).
        cells = [h for h, c in self._pool if c is None]
        counted = [(h, c) for h, c in self._pool if c is not None and h.size]  # any order, repeats allowed
        parts = [(self.hashes, self.counts)]  # sorted, unique
        self._pool, self._pooled = [], 0
        if cells:
            h = np.concatenate(cells, dtype=np.uint64) if len(cells) > 1 else cells[0].astype(np.uint64)
            h.sort()
            new = np.empty(h.size, bool)
            new[0] = True
            np.not_equal(h[1:], h[:-1], out=new[1:])
            starts = np.flatnonzero(new)
            h, c = h[starts], np.diff(starts, append=h.size)
            if h.size > self.k:  # beyond its own k smallest, none can be among the union's
                h, c = h[:self.k], c[:self.k]
                self.full = True
            parts.append((h, c))
        # dtypes given: arrays unpickled from a worker carry an equal but not identical dtype,
        # which would pickle to other bytes than one reader's state
        parts = [(h, c) for h, c in parts if h.size] + counted
        if len(parts) > 1 or counted:
            h = np.concatenate([p[0] for p in parts], dtype=np.uint64)
            c = np.concatenate([p[1] for p in parts], dtype=np.int64)
            # Equal hashes are summed, so any order of ties will do; the stable sort is numpy's
            # merge of sorted runs, twice as fast here as its default on these few sorted pieces.
            order = np.argsort(h, kind="stable")
            h, c = h[order], c[order]
            starts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
            h, c = h[starts], np.add.reduceat(c, starts)
        elif parts:  # copied to the dtypes given, as the concatenation above would
            h, c = parts[0][0].astype(np.uint64), parts[0][1].astype(np.int64)
        else:
            h, c = np.empty(0, np.uint64), np.empty(0, np.int64)
        if h.size > self.k:
            h, c = h[:self.k], c[:self.k]
            self.full = True
        self.hashes, self.counts = h, c

    def count(self, present: int) -> int:
        """Distinct values among `present` cells. Exact up to k. Above k, the KMV estimate
        (k - 1) / (the k-th smallest hash as a share of 2**64), within [k + 1, present]; and
        `present` when no kept hash repeats (a uniform sample of the distinct values in which every
        value occurs once: as unique as the sample can tell)."""
        self._fold()
        if present <= 0:
            return 0
        if not self.full:
            return int(self.hashes.size)
        if not (self.counts > 1).any():
            return present
        estimate = (self.k - 1) / ((float(self.hashes[-1]) + 1.0) / 2.0**64)
        return int(min(max(round(estimate), self.k + 1), present))
