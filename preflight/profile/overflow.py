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
from collections.abc import Callable

import numpy as np

from preflight.profile.accumulators import Moments
from preflight.profile.columns import QUANTILES, ColumnProfile
from preflight.profile.parts import SplitPart

LIMIT = float(np.finfo(np.float32).max)  # 3.4e38: beyond it, float32 holds only inf


def overflowing(values: np.ndarray) -> np.ndarray:
    """Per cell: finite, but beyond +-LIMIT."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (np.abs(values) > LIMIT)


def cap(col: ColumnProfile, split_ids: Callable[[], np.ndarray] | None = None) -> ColumnProfile:
    """col with its cells beyond +-LIMIT marked non-finite and its statistics taken without them,
    the whole column's and each split's (split_ids: the split id per row, when there are several
    parts), so statistics fitted on the training split do not see them either."""
    if not (col.max > LIMIT or col.min < -LIMIT):  # NaN (no numeric statistics) compares False
        return col
    huge = overflowing(col.values) & ~col.missing_mask
    ok = np.isfinite(col.values) & ~huge & ~col.missing_mask
    kept = col.values[ok]
    sample = col.sample[np.abs(col.sample) <= LIMIT]
    m = Moments.of(kept)
    stats = m.n > 0
    nan = float("nan")
    qs = [float(q) for q in np.quantile(sample, list(QUANTILES.values()))] if stats and sample.size else [nan] * 7
    parts = col.parts
    if len(parts) > 1 and split_ids is not None:
        ids = split_ids()
        parts = tuple(_cap_part(part, col.values[ok & (ids == i)], int((huge & (ids == i)).sum()))
                      for i, part in enumerate(parts))
    return dataclasses.replace(
        col, nonfinite=col.nonfinite + int(huge.sum()), nonfinite_mask=col.nonfinite_mask | huge,
        mean=m.mean if stats else nan, std=m.std if stats else nan,
        min=m.min if stats else nan, max=m.max if stats else nan,
        quantiles=dict(zip(QUANTILES, qs)),
        integral=col.integral and stats and bool(np.array_equal(kept, np.trunc(kept))),
        sample=sample, parts=parts)


def _cap_part(part: SplitPart, kept: np.ndarray, huge: int) -> SplitPart:
    """One split's part without its cells beyond +-LIMIT (kept: its remaining finite values)."""
    if not huge:
        return part
    return dataclasses.replace(part, nonfinite=part.nonfinite + huge, moments=Moments.of(kept),
                               integral=part.integral and bool(np.array_equal(kept, np.trunc(kept))),
                               sample=part.sample[np.abs(part.sample) <= LIMIT])
