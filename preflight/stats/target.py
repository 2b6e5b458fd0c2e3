"""stats.json `target`: priors, output bias, class weights, expected initial loss and baselines.

Classification: the output bias is the log priors shifted to mean 0 (softmax(bias) = priors),
so the loss at step 0 is the priors' entropy. Regression: the bias is the target mean.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from preflight.stats.format import num


def target_section(profile: Any) -> dict[str, Any] | None:
    if profile.label is None:
        return None
    if profile.task == "regression":
        return _regression(profile.label)
    return _classification(profile)


def _classification(profile: Any) -> dict[str, Any]:
    k = len(profile.classes)
    counts = np.bincount(profile.y[profile.y >= 0], minlength=k).astype(float)
    total = counts.sum()
    if k == 0 or total == 0:
        return {"task": "classification", "label": profile.label_name, "classes": [], "counts": []}
    priors = counts / total
    logp = np.log(priors)
    entropy = float(-(priors * logp).sum())
    out: dict[str, Any] = {
        "task": "classification",
        "label": profile.label_name,
        "classes": list(profile.classes),
        "counts": [int(c) for c in counts],
        "priors": [num(p) for p in priors],
        "output_bias": [num(b) for b in logp - logp.mean()],
        "class_weights": [num(total / (k * c)) for c in counts],
        "expected_initial_loss": {"uniform": num(math.log(k)), "with_output_bias": num(entropy)},
        "baseline": {"accuracy": num(priors.max()), "log_loss": num(entropy),
                     "majority_class": profile.classes[int(np.argmax(counts))]},
    }
    if k == 2:
        out["sigmoid_bias"] = {"positive_class": profile.classes[1],
                               "bias": num(math.log(priors[1] / priors[0]))}
    return out


def _regression(t: Any) -> dict[str, Any]:
    y = t.values[~t.missing_mask & ~t.nonfinite_mask]
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
