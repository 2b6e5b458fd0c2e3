"""One split's share of one column: mergeable accumulators, finished into a SplitPart.

A ColumnBuilder keeps one PartBuilder per split (one in all when there are no splits) and the
whole column's moments and sample are the parts merged: the profile of the whole is the merge of
the profiles of its splits, never a second pass over the rows. A PartBuilder merges exactly, so a
partition of the data profiled elsewhere merges in the same way. A SplitView shows a finished
part as a column to what fits transforms and writes stats (transforms.fit, stats/tables.py).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from preflight.profile.accumulators import BottomK, DistinctSet, Moments

QUANTILES = {"p01": 0.01, "p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95, "p99": 0.99}
# Distinct values are counted exactly up to this many times sample_rows, and at most DISTINCT_MAX
# (profile/accumulators.py DistinctSet): 65,536 by default, 1 MB of hashes and counts a column and
# split at most. Past it the KMV estimate is within about 0.4%; a larger set's sort costs more than
# the rest of pass 1 on a million distinct values.
DISTINCT_PER_SAMPLE = 2
DISTINCT_MAX = 65_536


class PartBuilder:
    """Counts, Chan moments, the content-keyed sample, per-category counts and the distinct
    values (their hashes) of one split."""

    def __init__(self, sample_rows: int) -> None:
        self.moments = Moments()
        self.batches: list[Moments] = []  # per batch, in order: what `moments` was folded from, so a
        # partition's part re-folds onto another's exactly as one reader would (profile/merge.py)
        self.sample = BottomK(sample_rows)
        self.rows = self.missing = self.nonfinite = self.text = 0
        self.integral = True
        self.codes = np.zeros(0, np.int64)  # rows per vocabulary id (the column builder's ids)
        self.units: Counter[str] = Counter()  # cells per unit written (cells.UNITS keys)
        self.distinct = DistinctSet(min(DISTINCT_PER_SAMPLE * sample_rows, DISTINCT_MAX))  # present cells

    def add(self, finite: np.ndarray, whole: bool, rows: int, missing: int, nonfinite: int, text: int) -> None:
        self.rows += rows
        self.missing += missing
        self.nonfinite += nonfinite
        self.text += text
        if finite.size:
            self.batches.append(Moments.of(finite))
            self.moments = self.moments.merge(self.batches[-1])
            self.integral = self.integral and (whole or bool(np.array_equal(finite, np.trunc(finite))))

    def count(self, codes: np.ndarray) -> None:
        """Add one batch's vocabulary ids (negative: missing or not coded)."""
        counts = np.bincount(codes[codes >= 0])
        if counts.size > self.codes.size:
            self.codes = np.concatenate([self.codes, np.zeros(counts.size - self.codes.size, np.int64)])
        self.codes[:counts.size] += counts

    def merge(self, other: PartBuilder) -> PartBuilder:
        out = PartBuilder(self.sample.k)
        out.moments = self.moments.merge(other.moments)
        out.sample.merge(self.sample).merge(other.sample)
        out.rows, out.missing = self.rows + other.rows, self.missing + other.missing
        out.nonfinite, out.text = self.nonfinite + other.nonfinite, self.text + other.text
        out.integral = self.integral and other.integral
        size = max(self.codes.size, other.codes.size)
        out.codes = np.zeros(size, np.int64)
        out.codes[:self.codes.size] += self.codes
        out.codes[:other.codes.size] += other.codes
        out.units = self.units + other.units
        out.distinct = self.distinct.merge(other.distinct)
        return out


@dataclass
class SplitPart:
    """What one split holds of one column (no per-row arrays)."""

    rows: int
    missing: int
    nonfinite: int
    text_count: int
    moments: Moments
    integral: bool
    sample: np.ndarray                        # the split's bottom-k sample of finite numbers
    category_counts: np.ndarray | None = None  # rows per category of the column (None: not coded)
    units: dict[str, int] = field(default_factory=dict)  # cells per unit written, in this split
    distinct: DistinctSet | None = None  # the split's present cells' content hashes (None: not kept)

    @property
    def present(self) -> int:
        return self.rows - self.missing

    @property
    def numeric_count(self) -> int:
        return self.present - self.text_count

    @property
    def kind(self) -> str:
        if self.present == 0:
            return "empty"
        if self.text_count == 0:
            return "numeric"
        return "mixed" if self.numeric_count else "categorical"

    @property
    def numeric(self) -> bool:
        """Has number statistics: numeric, or mixed but mostly numbers (as the whole column)."""
        return self.moments.n > 0 and (self.kind == "numeric" or
                                       (self.kind == "mixed" and self.numeric_count > self.text_count))

    @cached_property
    def quantiles(self) -> dict[str, float]:
        if not self.numeric or self.sample.size == 0:
            return dict.fromkeys(QUANTILES, float("nan"))
        return dict(zip(QUANTILES, (float(q) for q in np.quantile(self.sample, list(QUANTILES.values())))))


class SplitView:
    """A finished part seen as a column: the attributes transforms.fit and the stats read."""

    def __init__(self, col: Any, part: SplitPart) -> None:
        self.name, self.dtype, self.codes = col.name, col.dtype, col.codes
        self._col = col
        self.part = part
        self.kind = part.kind
        self.rows, self.missing, self.nonfinite = part.rows, part.missing, part.nonfinite
        m, numeric = part.moments, part.numeric
        nan = float("nan")
        self.mean, self.std = (m.mean, m.std) if numeric else (nan, nan)
        self.min, self.max = (m.min, m.max) if numeric else (nan, nan)
        self.quantiles = part.quantiles
        self.integral = part.integral and numeric
        self.sample = part.sample
        seen = part.category_counts
        self.categories = tuple(c for c, n in zip(col.categories, seen) if n) if seen is not None else ()
        self.reading = col.reading  # one reading for the whole column: its unit is stripped in every split
        self.units = part.units
        self.transform: dict[str, Any] = {}

    @property
    def distinct(self) -> int:
        """Distinct present values; transforms.fit asks only of coded categorical columns, the
        stats of columns without number statistics."""
        if self.kind in ("categorical", "mixed") and self.codes is not None:
            return len(self.categories)
        if self.kind == "numeric" and math.isfinite(self.min) and self.min == self.max:
            return 1
        if self._col.kind in ("numeric", "empty") or self.part.distinct is None:
            return self.rows - self.missing  # an upper bound (not asked for: numbers)
        return self.part.distinct.count(self.rows - self.missing)
