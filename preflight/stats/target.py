"""stats.json `target`: priors, output bias, class weights, expected initial loss and baselines.

Classification: the output bias is the log priors shifted to mean 0 (softmax(bias) = priors),
so the loss at step 0 is the priors' entropy. Regression: the bias is the target mean.
With a training split, all of it comes from the training rows alone (profile.split_table).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from preflight.stats.format import num


def train_rows(profile: Any) -> np.ndarray | None:
    """The training split's rows (a mask), or None: every row."""
    table = profile.split_table
    return table.mask(table.train) if table is not None and table.train is not None else None


def target_section(profile: Any) -> dict[str, Any] | None:
    if profile.label is None:
        return None
    rows = train_rows(profile)
    if profile.task == "regression":
        return _regression(getattr(profile, "train_label", None) or profile.label, profile.label, rows)
    return _classification(profile, rows)


def _classification(profile: Any, rows: np.ndarray | None) -> dict[str, Any]:
    k = len(profile.classes)
    y = profile.y if rows is None else profile.y[rows]
    counts = np.bincount(y[y >= 0], minlength=k).astype(float)
    total = counts.sum()
    if k == 0 or total == 0:
        return {"task": "classification", "label": profile.label_name, "classes": [], "counts": []}
    priors = counts / total
    with np.errstate(divide="ignore"):  # a class absent from the training split: its bias is null
        logp = np.log(priors)
    entropy = float(-(priors * logp).sum())
    out: dict[str, Any] = {
        "task": "classification",
        "label": profile.label_name,
        "classes": list(profile.classes),
        "counts": [int(c) for c in counts],
        "priors": [num(p) for p in priors],
        "output_bias": [num(b) for b in _shifted(logp)],
        "class_weights": [num(total / (k * c)) if c else None for c in counts],
        "expected_initial_loss": {"uniform": num(math.log(k)), "with_output_bias": num(entropy)},
        "baseline": {"accuracy": num(priors.max()), "log_loss": num(entropy),
                     "majority_class": profile.classes[int(np.argmax(counts))]},
    }
    if k == 2:
        out["sigmoid_bias"] = {"positive_class": profile.classes[1],
                               "bias": num(math.log(priors[1] / priors[0])) if priors.all() else None}
    return out


def _shifted(logp: np.ndarray) -> np.ndarray:
    """The log priors shifted to mean 0 over the classes present (absent ones stay -inf: null)."""
    finite = np.isfinite(logp)
    return logp - logp[finite].mean() if finite.any() else logp


def _regression(t: Any, col: Any, rows: np.ndarray | None) -> dict[str, Any]:
    """t: what the statistics come from (the label column, or its training split's share);
    col: the label column (its per-row values, for the median)."""
    present = ~col.missing_mask & ~col.nonfinite_mask
    y = col.values[present if rows is None else present & rows]
    if y.size == 0:
        return {"task": "regression", "label": t.name, "count": 0}
    var = float(t.std) ** 2
    return {
        "task": "regression",
        "label": t.name,
        "count": int(y.size),
        "mean": num(t.mean), "std": num(t.std), "min": num(t.min), "max": num(t.max),
        "quantiles": {k: num(v) for k, v in t.quantiles.items()},
        "output_bias": [num(t.mean)],
        "expected_initial_loss": {"mse_with_output_bias": num(var)},
        "baseline": {"mse": num(var), "mae": num(np.abs(y - np.median(y)).mean())},
    }
