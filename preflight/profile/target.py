"""The label column's task (classification or regression) and its class encoding, from its profile."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from preflight.errors import DataError
from preflight.profile.columns import ColumnProfile


def infer_target(col: ColumnProfile | None, task: str, settings: Mapping[str, Any]):
    """Infer the task and encode classes: sorted, in the label's own type."""
    if col is None:
        return None, (), None
    if task == "auto":
        few_integers = col.kind == "numeric" and col.integral and col.distinct <= settings["max_classes"]
        if col.kind in ("categorical", "mixed", "empty") or few_integers:
            task = "classification"
        else:
            task = "regression"
    if task == "regression":
        if col.kind not in ("numeric", "empty"):
            raise DataError(f"label column '{col.name}' holds text ({', '.join(col.text_examples[:3])}); "
                            "it cannot be a regression target (use --task classification).")
        return task, (), None
    present = ~col.missing_mask & ~col.nonfinite_mask
    if col.kind == "empty":
        return task, (), np.full(col.rows, -1, dtype=np.int64)
    if col.kind == "numeric":
        uniq = np.unique(col.values[present])
        classes = tuple(int(v) if col.integral else float(v) for v in uniq)
        y = np.full(col.rows, -1, dtype=np.int64)
        y[present] = np.searchsorted(uniq, col.values[present])
        return task, classes, y
    if col.codes is None:
        raise DataError(f"label column '{col.name}' has more than 100000 distinct values; "
                        "it does not look like a class label (use --task regression or another --label).")
    return task, tuple(col.categories), col.codes.astype(np.int64)
