"""Fitted per-column input transforms: chosen from a column profile, applied anywhere.

The same spec is applied by the profile (for the model-based checks) and by
`Stats.transform` in the user's training script, so train and test inputs get
exactly the transform the data was profiled with.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

TRANSFORM_KINDS = ("identity", "standardize", "log1p-standardize", "tanh", "one-hot", "drop")


def robust_sigma(q: Mapping[str, float]) -> float:
    """The std a normal sample with this IQR would have (0 when half the values are equal)."""
    iqr = q["p75"] - q["p25"]
    return iqr / 1.349 if iqr > 0 else 0.0


def squeeze(std: float, q: Mapping[str, float]) -> float:
    """std / robust sigma: how much the tails inflate the std that standardizing divides by.

    About 1 for a normal sample, 1.2 exponential, 2 lognormal(sigma=1), 20 lognormal(sigma=2),
    thousands for values over [0, 140000000] with a median in the thousands. Past a few, the
    bulk of the data lands in a sliver around one point after standardizing. 0 when the
    column is constant on half its rows or more (sparse): squashing would not help there.
    """
    sigma = robust_sigma(q)
    return std / sigma if sigma > 0 and std > 0 else 0.0


def _r(x: float) -> float:
    """Round fitted parameters to 12 significant digits: byte-stable JSON across platforms."""
    return float(f"{x:.12g}")


def fit(col: Any, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Choose and fit a transform for one column profile. A numeric transform of a column read
    with a unit (cells.Reading) records it: `Stats.transform` strips it the same way."""
    spec = _fit(col, settings)
    unit = getattr(getattr(col, "reading", None), "unit", None)
    if unit is not None and spec["kind"] in NUMERIC_KINDS:
        spec["unit"] = unit
    return spec


NUMERIC_KINDS = ("identity", "standardize", "log1p-standardize", "tanh")


def _fit(col: Any, settings: Mapping[str, Any]) -> dict[str, Any]:
    if col.kind == "empty":
        return {"kind": "drop", "reason": "no values"}
    if col.kind == "text":  # the user's tokenizer takes it: stats.json text_columns
        return {"kind": "drop", "reason": "free text (see text_columns)"}
    mostly_numbers = col.kind == "mixed" and math.isfinite(col.mean)
    if col.kind in ("categorical", "mixed") and not mostly_numbers:
        limit = int(settings.get("onehot_max_categories", 50))
        if col.codes is None or len(col.categories) > limit:
            return {"kind": "drop", "reason": f"more than {limit} categories"}
        if col.distinct >= col.rows - col.missing and col.rows >= 20:
            return {"kind": "drop", "reason": "unique per row (an identifier)"}
        if len(col.categories) < 2:
            return {"kind": "drop", "reason": "constant"}
        return {"kind": "one-hot", "categories": list(col.categories)}
    q = col.quantiles
    fill = _r(q["p50"]) if math.isfinite(q["p50"]) else 0.0
    if not col.std > 0:
        return {"kind": "identity", "fill": fill, "reason": "constant"}
    if col.integral and col.min == 0 and col.max == 1:
        return {"kind": "identity", "fill": fill, "reason": "binary 0/1"}
    limit = float(settings["squash_std_ratio"])
    if squeeze(col.std, q) > limit:
        if col.min >= 0:
            logged = np.log1p(col.sample)
            lq = dict(zip(q, np.quantile(logged, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])))
            if squeeze(float(logged.std()), lq) <= limit and logged.std() > 0:
                return {"kind": "log1p-standardize", "mean": _r(logged.mean()), "std": _r(logged.std()),
                        "fill": fill}
        scale = max(q["p95"] - q["p50"], q["p50"] - q["p05"]) or col.std
        return {"kind": "tanh", "center": _r(q["p50"]), "scale": _r(scale), "fill": fill}
    return {"kind": "standardize", "mean": _r(col.mean), "std": _r(col.std), "fill": fill}


def apply_numeric(spec: Mapping[str, Any], values: np.ndarray) -> np.ndarray:
    """values: float64 with NaN for missing; returns one float64 column."""
    x = np.where(np.isnan(values), spec.get("fill", 0.0), values)
    kind = spec["kind"]
    if kind == "identity":
        return x
    if kind == "standardize":
        return (x - spec["mean"]) / spec["std"]
    if kind == "log1p-standardize":
        return (np.log1p(np.maximum(x, 0.0)) - spec["mean"]) / spec["std"]
    if kind == "tanh":
        return np.tanh((x - spec["center"]) / spec["scale"])
    raise ValueError(f"not a numeric transform: {kind}")


def apply_onehot(spec: Mapping[str, Any], codes: np.ndarray) -> np.ndarray:
    """codes index spec['categories'] (-1 for missing or unseen: an all-zero row)."""
    k = len(spec["categories"])
    out = np.zeros((codes.size, k), dtype=np.float64)
    ok = (codes >= 0) & (codes < k)
    out[np.flatnonzero(ok), codes[ok]] = 1.0
    return out


def output_names(name: str, spec: Mapping[str, Any]) -> list[str]:
    if spec["kind"] == "drop":
        return []
    if spec["kind"] == "one-hot":
        return [f"{name}={c}" for c in spec["categories"]]
    return [name]
