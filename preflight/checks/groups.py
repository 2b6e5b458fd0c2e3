"""Grouping rows by equal 64-bit content hashes, and joining groups (shared by the duplicate checks)."""
from __future__ import annotations

import numpy as np

BUCKETS = 16  # hash_groups works a 16th of the rows at a time: its scratch memory is ~4 bytes a row


def hash_groups(hashes: np.ndarray, keep: np.ndarray | None = None) -> list[np.ndarray]:
    """Groups (size > 1) of row indices with equal hashes, each ascending, ordered by first row.
    Equal hashes share their top bits, so the rows are grouped bucket by bucket of them."""
    if hashes.size <= 1 << 16:
        idx = np.arange(hashes.size) if keep is None else np.flatnonzero(keep)
        groups = _equal(hashes[idx], idx)
    else:
        top = (hashes >> np.uint64(60)).astype(np.uint8)
        groups = []
        for b in range(BUCKETS):
            mine = top == b
            if keep is not None:
                mine &= keep
            idx = np.flatnonzero(mine)
            groups += _equal(hashes[idx], idx)
    groups.sort(key=lambda g: int(g[0]))
    return groups


def _equal(h: np.ndarray, idx: np.ndarray) -> list[np.ndarray]:
    """The groups of idx (ascending) whose hashes h are equal."""
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
    return [idx[s:s + n] for s, n in zip(starts[several].tolist(), sizes[several].tolist())]


def widen(groups: list[np.ndarray], more: list[np.ndarray], rows: int) -> list[np.ndarray]:
    """The connected groups of both lists (groups sharing a row join), each ascending, ordered
    by first row: near-copies found among the row sample, joined by every row's exact copies."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    every = [g for g in [*groups, *more] if g.size > 1]
    if not every:
        return []
    a = np.concatenate([g[:-1] for g in every]).astype(np.int64)
    b = np.concatenate([g[1:] for g in every]).astype(np.int64)
    nodes = np.unique(np.concatenate([a, b]))
    ia, ib = np.searchsorted(nodes, a), np.searchsorted(nodes, b)
    graph = coo_matrix((np.ones(a.size), (ia, ib)), shape=(nodes.size, nodes.size))
    _, label = connected_components(graph, directed=False)
    order = np.lexsort((nodes, label))
    starts = np.flatnonzero(np.r_[True, np.diff(label[order]) != 0])
    out = [np.sort(nodes[g]) for g in np.split(order, starts[1:]) if g.size > 1]
    out.sort(key=lambda g: int(g[0]))
    return out


AFTER_NORMALISING = " after normalising text (Unicode NFKC, case, spacing)"


def texts_present(text_columns: list, rows: np.ndarray) -> bool:
    """Whether the rows hold a free text (not all missing): equal texts are copies, not chance."""
    return any(not c.missing_mask[rows].all() for c in text_columns)
