"""Mergeable accumulators and 64-bit content hashes.

Each accumulator can run per batch (or per partition on a distributed engine) and
be merged; the merged result does not depend on how the rows were split.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MISSING_HASH = np.uint64(0x6D15517A9E3779B9)


def splitmix64(x: np.ndarray) -> np.ndarray:
    """A strong, cheap 64-bit mixer (vectorised, wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64, copy=True) + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def hash_floats(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Hash numbers by value: 1, 1.0 and "1" hash alike; -0.0 as 0.0."""
    v = np.where(values == 0.0, 0.0, values).astype(np.float64)
    h = splitmix64(v.view(np.uint64))
    h[missing] = MISSING_HASH
    return h


def combine(hashes: list[np.ndarray], n: int) -> np.ndarray:
    """Order-sensitive combination of per-column hashes into one hash per row."""
    acc = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j, h in enumerate(hashes):
            acc = splitmix64(acc ^ (h + np.uint64(j + 1) * _GOLDEN))
    return acc


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
        return cls(int(x.size), mean, float(((x - mean) ** 2).sum()), float(x.min()), float(x.max()))

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


@dataclass
class BottomK:
    """A content-keyed sample: the k values with the smallest row-hash priorities.

    Same rows, same sample, however the data was batched; exact when n <= k.
    """

    k: int
    priorities: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    values: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))

    def add(self, priorities: np.ndarray, values: np.ndarray) -> None:
        self.merge(BottomK(self.k, priorities, values))

    def merge(self, other: "BottomK") -> "BottomK":
        p = np.concatenate([self.priorities, other.priorities])
        v = np.concatenate([self.values, other.values])
        if p.size > self.k:
            order = np.lexsort((v, p))[: self.k]
            p, v = p[order], v[order]
        self.priorities, self.values = p, v
        return self

    def quantiles(self, qs: list[float]) -> list[float]:
        if self.values.size == 0:
            return [float("nan")] * len(qs)
        return [float(q) for q in np.quantile(self.values, qs)]
