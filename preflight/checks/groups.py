"""Grouping rows by equal 64-bit content hashes (shared by the duplicate checks)."""
from __future__ import annotations

import numpy as np


def hash_groups(hashes: np.ndarray, keep: np.ndarray | None = None) -> list[np.ndarray]:
    """Groups (size > 1) of row indices with equal hashes, each ascending, ordered by first row."""
    idx = np.arange(hashes.size) if keep is None else np.flatnonzero(keep)
    h = hashes[idx]
    # Most rows are unique: find the repeated hashes with a plain sort (a stable argsort of a
    # million hashes costs ~5x more), then order only the rows that carry one.
    s = np.sort(h)
    repeated = np.unique(s[1:][s[1:] == s[:-1]])
    if repeated.size == 0:
        return []
    at = np.minimum(np.searchsorted(repeated, h), repeated.size - 1)
    carry = repeated[at] == h
    h, idx = h[carry], idx[carry]
    order = np.argsort(h, kind="stable")
    h, idx = h[order], idx[order]
    if h.size == 0:
        return []
    starts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
    sizes = np.diff(np.r_[starts, h.size])
    several = sizes > 1  # filter in numpy: a Python loop over a million singletons costs ~0.2 s
    groups = [idx[s:s + n] for s, n in zip(starts[several].tolist(), sizes[several].tolist())]
    groups.sort(key=lambda g: int(g[0]))
    return groups


AFTER_NORMALISING = " after normalising text (Unicode NFKC, case, spacing)"


def texts_present(text_columns: list, rows: np.ndarray) -> bool:
    """Whether the rows hold a free text (not all missing): equal texts are copies, not chance."""
    return any(not c.missing_mask[rows].all() for c in text_columns)
