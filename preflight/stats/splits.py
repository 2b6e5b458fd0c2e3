"""stats.json `fitted_on` and `splits`: which rows the stats come from, and each split's size.

Written only for a dataset with splits (profile.split_table), so a dataset without them keeps
the same stats.json as before: everything fitted on every row, no key saying so.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from preflight.stats.format import num


def with_splits(stats: dict[str, Any], profile: Any) -> dict[str, Any]:
    """Add `fitted_on` (after the fingerprint) and `splits` when the dataset has splits."""
    table = profile.split_table
    if table is None:
        return stats
    out: dict[str, Any] = {}
    for key, value in stats.items():
        out[key] = value
        if key == "fingerprint":
            out["fitted_on"] = table.fitted_on()
    out["splits"] = split_section(profile)
    return out


def split_section(profile: Any) -> dict[str, Any]:
    """stats.json `splits`: per split its rows and its label counts (classification, in the
    order of target.classes) or label summary (regression)."""
    table = profile.split_table
    ids = table.ids()
    out: dict[str, Any] = {}
    for i in table.order():
        entry: dict[str, Any] = {"rows": table.rows[i]}
        if profile.label is not None and profile.task == "classification" and profile.y is not None:
            y = profile.y[ids == i]
            entry["counts"] = np.bincount(y[y >= 0], minlength=len(profile.classes)).tolist()
        elif profile.label is not None and profile.task == "regression":
            m = profile.label.parts[i].moments
            entry["label"] = {"count": m.n, "mean": num(m.mean) if m.n else None, "std": num(m.std) if m.n else None}
        out[table.names[i]] = entry
    return out
