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


def pixel_features(columns: Sequence[Any], rows: np.ndarray, span: tuple[float, float], *, seed: int,
                   sample: np.ndarray | None = None) -> tuple[np.ndarray, dict]:
    """The rows' pixels scaled by one range, on their first COMPONENTS principal components
    (not whitened: whitening would raise faint pixel noise to the strokes' scale), fitted on
    `sample` (positions in `rows`) when the models are fitted on a sample. Missing cells take
    the column's fill value."""
    from sklearn.decomposition import PCA

    used = [c for c in columns if c.transform["kind"] != "drop"]
    low, high = span

    def scaled(at: np.ndarray) -> np.ndarray:
        out = np.empty((len(at), len(used)), dtype=np.float64)
        for j, c in enumerate(used):
            v = c.values[at]
            out[:, j] = np.where(c.nonfinite_mask[at] | np.isnan(v), c.transform.get("fill", low), v)
        return (out - low) / (high - low)

    fit_rows = rows if sample is None else rows[sample]
    n = min(COMPONENTS, fit_rows.size - 1)
    info = {"representation": "pixels", "pixel_range": [low, high]}
    if n < 2 or n >= len(used):
        return scaled(rows), info
    pca = PCA(n_components=n, random_state=seed).fit(scaled(fit_rows))
    out = np.empty((rows.size, n))
    for a in range(0, rows.size, CHUNK):
        out[a:a + CHUNK] = pca.transform(scaled(rows[a:a + CHUNK]))
    return out, {**info, "components": n}
