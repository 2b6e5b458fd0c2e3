"""Numbers too large to train on count as non-finite, like inf.

A cell such as 1e308 is a finite float64, but it is inf as soon as a model casts it to float32
(PyTorch's default dtype, scikit-learn's trees), and squaring it (a variance, a distance)
overflows even float64. Such cells are marked non-finite after a column is profiled: its
mean, std, quantiles and sample are taken over the remaining values (the accumulators
themselves survive 1e308: preflight.profile.accumulators), the model matrix fills them like
inf, and non-finite-values reports them. Columns without such cells are returned unchanged.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np

from preflight.profile.accumulators import Moments
from preflight.profile.column_profile import ColumnProfile
from preflight.profile.parts import QUANTILES, SplitPart

LIMIT = float(np.finfo(np.float32).max)  # 3.4e38: beyond it, float32 holds only inf


def overflowing(values: np.ndarray) -> np.ndarray:
    """Per cell: finite, but beyond +-LIMIT."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (np.abs(values) > LIMIT)


def needs_cap(col: ColumnProfile) -> bool:
    return bool(col.max > LIMIT or col.min < -LIMIT)  # NaN (no numeric statistics) compares False


@dataclass(frozen=True)
class Kept:
    """A column's finite cells within +-LIMIT, summed up: per split the moments, whether all are
    whole, and the cells beyond LIMIT; the whole column's moments."""

    moments: Moments
    integral: bool
    huge: int
    parts: tuple[tuple[Moments, bool, int], ...]  # per split, when there are several


def _kept(values: np.ndarray, huge: np.ndarray, ok: np.ndarray, ids: np.ndarray | None, parts: int) -> Kept:
    kept = values[ok]
    by_split = [(Moments.of(values[ok & (ids == i)]), _whole(values[ok & (ids == i)]), int((huge & (ids == i)).sum()))
                for i in range(parts)] if ids is not None and parts > 1 else []
    return Kept(Moments.of(kept), _whole(kept), int(huge.sum()), tuple(by_split))


def _folded(batches: list[Kept]) -> Kept:
    """Batch by batch in row order, as pass 1 folds moments."""
    def fold(items: list[tuple[Moments, bool, int]]) -> tuple[Moments, bool, int]:
        return (reduce(Moments.merge, (m for m, _, _ in items), Moments()), all(w for _, w, _ in items),
                sum(h for _, _, h in items))

    m, whole, huge = fold([(b.moments, b.integral, b.huge) for b in batches])
    parts = tuple(fold([b.parts[i] for b in batches]) for i in range(len(batches[0].parts))) if batches else ()
    return Kept(m, whole, huge, parts)


@dataclass(frozen=True)
class Beyond:
    """Pass 2's scorer of a capped column whose arrays are the row sample's: its cells within
    +-LIMIT summed up per batch (a list: merged by concatenation, folded in row order)."""

    column: str
    split_col: str
    parts: int

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column, self.split_col) if self.split_col else (self.column,)

    def start(self) -> list[Kept]:
        return []

    def add(self, state: list[Kept], batch: Any) -> list[Kept]:
        c = batch.columns[self.column]
        huge = overflowing(c.values) & ~c.missing
        ok = np.isfinite(c.values) & ~huge & ~c.missing
        return [*state, _kept(c.values, huge, ok, batch.split, self.parts)]

    def merge(self, a: list[Kept], b: list[Kept]) -> list[Kept]:
        return a + b


def beyond(profiles: Mapping[str, ColumnProfile], kept: np.ndarray | None, label: str | None, rescan: Any,
           executor: Any) -> dict[str, Kept]:
    """The capped features' statistics without their cells beyond +-LIMIT, from a pass-2 round,
    when the features hold the row sample's arrays only (kept: those rows; None: every row's)."""
    if kept is None:
        return {}
    names = [n for n, c in profiles.items() if n != label and needs_cap(c)]
    if not names:
        return {}
    split_col = rescan.job.job.split_col
    states = executor.pass_two(rescan, {n: Beyond(n, split_col, len(profiles[n].parts)) for n in names})
    return {n: _folded(states[n]) for n in names}


def _whole(x: np.ndarray) -> bool:
    return bool(np.array_equal(x, np.trunc(x)))


def cap(col: ColumnProfile, split_ids: Callable[[], np.ndarray] | None = None,
        kept: Kept | None = None) -> ColumnProfile:
    """col with its cells beyond +-LIMIT marked non-finite and its statistics taken without them,
    the whole column's and each split's (split_ids: the split id per row, when there are several
    parts), so statistics fitted on the training split do not see them either. kept: those
    statistics from pass 2 (`Beyond`), when the column holds the row sample's arrays only."""
    if not needs_cap(col):
        return col
    huge = overflowing(col.values) & ~col.missing_mask
    if kept is None:
        ok = np.isfinite(col.values) & ~huge & ~col.missing_mask
        kept = _kept(col.values, huge, ok, split_ids() if split_ids is not None and len(col.parts) > 1 else None,
                     len(col.parts))
    nonfinite = col.nonfinite + kept.huge
    sample = col.sample[np.abs(col.sample) <= LIMIT]
    m = kept.moments
    stats = m.n > 0
    nan = float("nan")
    qs = [float(q) for q in np.quantile(sample, list(QUANTILES.values()))] if stats and sample.size else [nan] * 7
    parts = col.parts
    if kept.parts:
        parts = tuple(_cap_part(part, *k) for part, k in zip(parts, kept.parts))
    return dataclasses.replace(
        col, nonfinite=nonfinite, nonfinite_mask=col.nonfinite_mask | huge,
        mean=m.mean if stats else nan, std=m.std if stats else nan,
        min=m.min if stats else nan, max=m.max if stats else nan,
        quantiles=dict(zip(QUANTILES, qs)),
        integral=col.integral and stats and kept.integral,
        sample=sample, parts=parts)


def _cap_part(part: SplitPart, moments: Moments, whole: bool, huge: int) -> SplitPart:
    """One split's part without its cells beyond +-LIMIT (moments: of its remaining finite values)."""
    if not huge:
        return part
    return dataclasses.replace(part, nonfinite=part.nonfinite + huge, moments=moments,
                               integral=part.integral and whole, sample=part.sample[np.abs(part.sample) <= LIMIT])
