"""Pixel-like tables: the features the label models see when a table holds small images, one
pixel per column.

Standardizing each column on its own suits columns in different units, but pixels share one
unit: a border pixel inked in a handful of images gets z-scores in the tens, and distances then
measure stray ink at the border instead of strokes. Scaled together (one range for every column)
each pixel keeps the weight it has in the image, and the first principal components keep the
strokes and drop pixel noise: on 5,000 MNIST digits a 5-NN is right 95% of the time on 50
components against 93% on the scaled pixels, and label-issues' F1 rises from 0.72-0.85 to
0.85-0.93 (benchmarks/label_errors.py --grid).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

MIN_COLUMNS = 32  # fewer columns are a table of measurements, whatever their range
SPANNING_SHARE = 0.75  # of the varying columns, at least this share spans half the shared range
COMPONENTS = 50
CHUNK = 65_536  # rows transformed at a time: memory stays rows x COMPONENTS


def shared_range(columns: Sequence[Any]) -> tuple[float, float] | None:
    """(low, high) when the features look like pixels: at least MIN_COLUMNS model columns, all
    of them numbers, within one range that most of the varying ones span at least half of."""
    used = [c for c in columns if c.transform["kind"] != "drop"]
    if len(used) < MIN_COLUMNS or any(c.kind != "numeric" or c.transform["kind"] == "one-hot" for c in used):
        return None
    varying = [c for c in used if c.min < c.max]
    if not varying:
        return None
    low, high = min(c.min for c in varying), max(c.max for c in varying)
    if not (np.isfinite(low) and np.isfinite(high) and high > low):
        return None
    spanning = sum(c.max - c.min >= 0.5 * (high - low) for c in varying)
    return (float(low), float(high)) if spanning >= SPANNING_SHARE * len(varying) else None


@dataclass(frozen=True)
class PixelMap:
    """The pixels' representation, fitted: one range for every column, then the first principal
    components (None: the scaled pixels themselves). It pickles, so pass 2 scores the rows
    outside the row sample through the same map (learn/label_scoring.Flags)."""

    names: tuple[str, ...]   # the model columns, in order
    fills: np.ndarray        # per column the value of a missing or non-finite cell
    low: float
    high: float
    pca: Any = None          # a fitted sklearn PCA

    def scaled(self, values: np.ndarray, bad: np.ndarray) -> np.ndarray:
        """(rows x columns) cells, `bad` where missing or non-finite, on the shared range."""
        return (np.where(bad, self.fills[None, :], values) - self.low) / (self.high - self.low)

    def features(self, values: np.ndarray, bad: np.ndarray) -> np.ndarray:
        """What the models see of these cells, CHUNK rows at a time (memory stays rows x COMPONENTS)."""
        if self.pca is None:
            return self.scaled(values, bad)
        out = np.empty((len(values), self.pca.n_components_))
        for a in range(0, len(values), CHUNK):
            out[a:a + CHUNK] = self.pca.transform(self.scaled(values[a:a + CHUNK], bad[a:a + CHUNK]))
        return out


def cells(columns: Sequence[tuple[np.ndarray, np.ndarray]], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values, bad): the cells of `rows` of the columns, each given as (values, non-finite mask)
    per row (a profile's column or a pass-2 batch's), as a (rows x columns) matrix, and where a
    cell is missing or non-finite."""
    values = np.empty((len(rows), len(columns)), dtype=np.float64)
    bad = np.empty(values.shape, dtype=bool)
    for j, (v, nonfinite) in enumerate(columns):
        values[:, j] = v[rows]
        bad[:, j] = nonfinite[rows] | np.isnan(values[:, j])
    return values, bad


def pixel_features(columns: Sequence[Any], rows: np.ndarray, span: tuple[float, float], *, seed: int,
                   sample: np.ndarray | None = None) -> tuple[np.ndarray, dict, PixelMap]:
    """The rows' pixels scaled by one range, on their first COMPONENTS principal components
    (not whitened: whitening would raise faint pixel noise to the strokes' scale), fitted on
    `sample` (positions in `rows`) when the models are fitted on a sample; info says what they
    are, and the map is what pass 2 scores other rows through. Missing cells take the column's
    fill value."""
    from sklearn.decomposition import PCA

    used = [c for c in columns if c.transform["kind"] != "drop"]
    arrays = [(c.values, c.nonfinite_mask) for c in used]
    low, high = span
    fitted = PixelMap(tuple(c.name for c in used), np.array([c.transform.get("fill", low) for c in used], np.float64),
                      float(low), float(high))
    fit = rows if sample is None else rows[sample]
    n = min(COMPONENTS, fit.size - 1)
    info: dict = {"representation": "pixels", "pixel_range": [fitted.low, fitted.high]}
    if 2 <= n < len(used):
        fitted = replace(fitted, pca=PCA(n_components=n, random_state=seed).fit(fitted.scaled(*cells(arrays, fit))))
        info["components"] = n
    out = np.empty((rows.size, n if fitted.pca is not None else len(used)))
    for a in range(0, rows.size, CHUNK):  # CHUNK rows' cells at a time: features() transforms them as one
        out[a:a + CHUNK] = fitted.features(*cells(arrays, rows[a:a + CHUNK]))
    return out, info, fitted
