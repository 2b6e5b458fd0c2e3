"""Shared by the text rules: the free-text columns' cells and vectorised pattern tests (a helper,
not a rule)."""
from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pyarrow.compute as pc

from preflight.kernels.arrow import bools
from preflight.profile.text import ints


def text_columns(profile) -> list:
    return list(getattr(profile, "text_columns", []))


def matching(col, pattern: str) -> np.ndarray:
    """Rows whose cell (as written) matches an RE2 pattern: pyarrow's vectorised regex."""
    return np.flatnonzero(bools(pc.match_substring_regex(col.texts, pattern)))


def cells(col, rows: np.ndarray) -> Iterator[tuple[int, str]]:
    """(row, text) for these rows, their cells as written (nulls skipped)."""
    taken = pc.take(col.texts, ints(rows)).to_pylist() if len(rows) else []
    for r, t in zip(rows.tolist(), taken):
        if t is not None:
            yield r, t


def finds(col, rows: np.ndarray, pattern: re.Pattern) -> dict[int, list[str]]:
    """Per row (of those given), the Python-regex matches in its cell; rows without one left out."""
    out = {}
    for r, t in cells(col, rows):
        hits = pattern.findall(t)
        if hits:
            out[r] = hits
    return out
