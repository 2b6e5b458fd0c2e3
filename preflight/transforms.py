"""Fitted per-column input transforms: chosen from a column profile, applied anywhere.

The same spec is applied by the profile (for the model-based checks) and by
`Stats.transform` in the user's training script, so train and test inputs get
exactly the transform the data was profiled with.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

TRANSFORM_KINDS = ("identity", "standardize", "log1p-standardize", "tanh", "one-hot", "drop")


def tail_ratio(lo: float, hi: float, q: Mapping[str, float]) -> float:
    """How far the extremes reach beyond the central 98%, in units of its width.

    About 0.5 for a normal sample of a million, 2 for an exponential one, 12 for a
    lognormal(sigma=1) one, hundreds for counts or money spread over [0, 1e8].
    A feature that is constant on 98% of rows (sparse) scores 0: nothing to squash.
    """
    spread = q["p99"] - q["p01"]
    if not spread > 0:
        return 0.0
    return max(hi - q["p99"], q["p01"] - lo) / spread


def _r(x: float) -> float:
    """Round fitted parameters to 12 significant digits: byte-stable JSON across platforms."""
    return float(f"{x:.12g}")


def fit(col: Any, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Choose and fit a transform for one column profile."""
    if col.kind == "empty":
        return {"kind": "drop", "reason": "no values"}
    if col.kind in ("categorical", "mixed"):
        limit = int(settings.get("onehot_max_categories", 50))
        if col.codes is None or len(col.categories) > limit:
            return {"kind": "drop", "reason": f"more than {limit} categories"}
        if col.distinct >= col.rows - col.missing and col.rows >= 20:
            return {"kind": "drop", "reason": "unique per row (an identifier)"}
        return {"kind": "one-hot", "categories": list(col.categories)}
    q = col.quantiles
    fill = _r(q["p50"]) if math.isfinite(q["p50"]) else 0.0
    if not col.std > 0:
        return {"kind": "identity", "fill": fill, "reason": "constant"}
    if col.integral and col.min == 0 and col.max == 1:
        return {"kind": "identity", "fill": fill, "reason": "binary 0/1"}
    limit = float(settings["squash_tail_ratio"])
    if tail_ratio(col.min, col.max, q) > limit:
        if col.min >= 0:
            logged = np.log1p(col.sample)
            lq = dict(zip(q, np.quantile(logged, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])))
            if tail_ratio(float(logged.min()), float(logged.max()), lq) <= limit and logged.std() > 0:
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
