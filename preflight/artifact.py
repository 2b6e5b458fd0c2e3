"""The stats artifact (stats.json) computed from a profile: a pure function.

Documented public contract "preflight-stats/1": see README. Floats are rounded to
12 significant digits and NaN becomes null, so the file is byte-stable.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from preflight import transforms

STATS_FORMAT = "preflight-stats/1"


def num(x: Any) -> float | None:
    x = float(x)
    return float(f"{x:.12g}") if math.isfinite(x) else None


def build_stats(profile: Any, settings: Mapping[str, Any]) -> dict[str, Any]:
    if getattr(profile, "kind", "tabular") == "images":
        from preflight.artifact_images import build_image_stats

        return build_image_stats(profile, settings)
    features = {}
    names_out: list[str] = []
    for col in profile.columns:
        features[col.name] = _column(col)
        names_out += transforms.output_names(col.name, col.transform)
    return {
        "format": STATS_FORMAT,
        "fingerprint": {
            "rows": profile.rows,
            "columns": [{"name": c.name, "dtype": c.dtype} for c in profile.columns]
            + ([{"name": profile.label.name, "dtype": profile.label.dtype}] if profile.label else []),
            "label": profile.label_name,
            "content_hash": profile.content_hash,
        },
        "placeholders": list(settings["placeholders"]),
        "features": features,
        "feature_names_out": names_out,
        "target": _target(profile),
    }


def _column(col: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"dtype": col.dtype, "kind": col.kind, "count": col.rows - col.missing,
                           "missing": col.missing}
    if math.isfinite(col.mean):  # numeric, or mixed but mostly numbers
        out.update(mean=num(col.mean), std=num(col.std), min=num(col.min), max=num(col.max),
                   quantiles={k: num(v) for k, v in col.quantiles.items()})
    else:
        out["categories"] = len(col.categories) if col.codes is not None else col.distinct
    out["transform"] = {k: (num(v) if isinstance(v, float) else v) for k, v in col.transform.items()}
    return out


def _target(profile: Any) -> dict[str, Any] | None:
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
