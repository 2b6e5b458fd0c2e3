"""The label column's task (classification or regression) and its class encoding, from its profile."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from preflight.errors import DataError
from preflight.profile.column_profile import ColumnProfile, PackedColumn

CODE = np.int32  # a class code per row: 4 bytes, the scan keeps one for every row (up to 100,000 classes)


def infer_target(col: ColumnProfile | None, task: str, settings: Mapping[str, Any]):
    """Infer the task and encode classes: sorted, in the label's own type."""
    if col is None:
        return None, (), None
    if task == "auto":
        few_integers = col.kind == "numeric" and col.integral and col.distinct <= settings["max_classes"]
        if col.kind in ("categorical", "mixed", "empty") or (few_integers and looks_like_classes(col)):
            task = "classification"
        else:
            task = "regression"
    if task == "regression":
        if col.kind not in ("numeric", "empty"):
            raise DataError(f"label column '{col.name}' holds text ({', '.join(col.text_examples[:3])}); "
                            "it cannot be a regression target (use --task classification).")
        return task, (), None
    if col.kind == "empty":
        return task, (), np.full(col.rows, -1, dtype=CODE)
    if col.kind == "numeric":
        # A packed label's distinct cells are coded, then gathered per row: no per-row values.
        cells = col.cells if isinstance(col, PackedColumn) else None
        index = cells.index if cells is not None else None
        values, missing, nonfinite = (cells.tables[k] if cells is not None else getattr(col, k)
                                      for k in ("values", "missing_mask", "nonfinite_mask"))
        present = ~missing & ~nonfinite
        uniq = np.unique(values[present])
        classes = tuple(int(v) if col.integral else float(v) for v in uniq)
        y = np.full(len(values), -1, dtype=CODE)
        y[present] = np.searchsorted(uniq, values[present])
        return task, classes, y if index is None else y[index]
    if col.codes is None:
        raise DataError(f"label column '{col.name}' has more than 100000 distinct values; "
                        "it does not look like a class label (use --task regression or another --label).")
    return task, tuple(col.categories), col.codes.astype(CODE, copy=False)  # the codes themselves: no copy


MIN_ROWS_PER_CLASS = 5  # fewer rows per distinct value: counts or measurements, not classes
# Names of quantities: a label so named is a count or a measurement even with few values.
QUANTITY = re.compile(r"(^|[_. ]|(?<=[a-z])(?=[A-Z]))(?i:count|n|num|number|total|sum|amount|price|cost|weight|"
                      r"height|length|len|size|age|days|hours|time|duration|income|salary|wage|rate|mpg|score|"
                      r"points|sales|births|deaths|visits|employed|population)(?i:s|es)?($|[_. ]|[A-Z])")


CLASSY = re.compile(r"(?i)group|class|categor|level|type|code|grade|band|bin")


def looks_like_classes(col: ColumnProfile) -> bool:
    """A few distinct integers are classes unless the rest of the column says otherwise: most
    values seen only a few times (Longley's employment: 16 rows, 16 values), a name that
    counts or measures (count, weight, mpg), or integers written with decimals ("60.0") in a
    column without gaps (a float column whose values happen to be whole)."""
    present = col.rows - col.missing - col.nonfinite
    distinct = col.distinct
    if distinct <= 2:
        return True
    if present < MIN_ROWS_PER_CLASS * distinct:
        return False
    if QUANTITY.search(col.name) and not CLASSY.search(col.name):
        return False
    return not (col.missing == 0 and col.dtype in ("double", "float")
                and not (col.min >= 0 and col.max - col.min + 1 == distinct))
