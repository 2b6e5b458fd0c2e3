"""Near copies of the rows outside the row sample, above sample_rows rows: pass 2's rounds.

The row sample's near-copy index (learn/near_duplicates.NearIndex) is queried with every other
row, and those rows are keyed by their cells in two grids (NearGrid), the ones sharing a cell
compared exactly in one more read of their rows: the pairs (NearPairs) that near_copies joins
into groups for near-duplicates, conflicting-labels and split-leakage.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from preflight.checks.groups import hash_groups, widen
from preflight.kernels.hashing import first_by_hash
from preflight.learn.near_duplicates import CELL_RADII
from preflight.workers import worker_count


@dataclass
class NearPairs:
    """Pairs (row, other row) within the near-copy radius, of a row outside the row sample with a
    sample row or, once the grid's candidates are compared (near_rows), with another row outside
    it: an exact count, and the first `limit` pairs in row order (then other row). While pass 2
    runs, `cells` holds every row outside the sample's two grid cells (learn/near_duplicates.
    NearGrid), in row order."""

    count: int
    rows: np.ndarray  # int64: table rows outside the sample, ascending
    to: np.ndarray    # int64: the rows they are near
    same: np.ndarray  # bool: equal in the columns the models drop
    cells: np.ndarray = field(default_factory=lambda: np.empty((0, 2), np.uint64))

    @staticmethod
    def empty() -> NearPairs:
        return NearPairs(0, np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, bool))

    def joined(self, other: NearPairs, limit: int) -> NearPairs:
        room = max(limit - self.rows.size, 0)
        return NearPairs(self.count + other.count, np.concatenate([self.rows, other.rows[:room]]),
                         np.concatenate([self.to, other.to[:room]]), np.concatenate([self.same, other.same[:room]]),
                         np.concatenate([self.cells, other.cells]))

    def with_pairs(self, other: NearPairs, limit: int) -> NearPairs:
        """These pairs and other's, the first `limit` of both in row order, without the cells."""
        rows, to = np.concatenate([self.rows, other.rows]), np.concatenate([self.to, other.to])
        order = np.lexsort((to, rows))[:limit]
        return NearPairs(self.count + other.count, rows[order], to[order],
                         np.concatenate([self.same, other.same])[order])

    @property
    def truncated(self) -> bool:
        return self.count > self.rows.size


@dataclass(frozen=True)
class NearRows:
    """Pass 2: each row outside the row sample against the sample's near-copy index (the one
    learn.near_duplicates searched the sample with: same projection, same radius), every
    candidate checked at full dimension, and keyed by its cells in the index's grids (`grid`).
    Rows of the model matrix are built per batch as TabularProfile.matrix builds them
    (row_states.matrix_block)."""

    specs: tuple[tuple[str, Any], ...]
    width: int
    index: Any                   # learn.near_duplicates.NearIndex
    targets: np.ndarray          # int64: per index point, its table row
    kept: np.ndarray             # int64, ascending: the sample's table rows (not queried)
    dropped: tuple[tuple[str, bool], ...]  # (column the models drop, whether it is empty)
    target_key: np.ndarray | None  # uint64 per index point: its dropped columns' key
    limit: int
    grid: Any                      # learn.near_duplicates.NearGrid: the rows outside the sample keyed by cell
    threads: int = 1               # the index's queries' (results do not depend on it)

    @property
    def columns(self) -> tuple[str, ...]:
        names = [n for n, _ in self.specs]
        return (*names, *(n for n, _ in self.dropped if n not in names))

    def start(self) -> NearPairs:
        return NearPairs.empty()

    def add(self, state: NearPairs, batch: Any) -> NearPairs:
        from preflight.profile.row_states import matrix_block

        lo, hi = np.searchsorted(self.kept, [batch.start, batch.start + batch.rows])
        outside = np.ones(batch.rows, bool)
        outside[self.kept[lo:hi] - batch.start] = False
        local = np.flatnonzero(outside)
        if not local.size:
            return state
        x = matrix_block(self.specs, self.width, batch, local)
        i, j = self.index.query(x, self.threads)
        cells = self.grid.keys(x)
        rows, to = local[i].astype(np.int64) + batch.start, self.targets[j]
        same = np.ones(i.size, bool)
        if self.target_key is not None and i.size:
            same = dropped_key([batch.columns[n] for n, _ in self.dropped], [e for _, e in self.dropped],
                               batch.rows)[local[i]] == self.target_key[j]
        order = np.lexsort((to, rows))
        return state.joined(NearPairs(int(i.size), rows[order], to[order], same[order], cells), self.limit)

    def merge(self, a: NearPairs, b: NearPairs) -> NearPairs:
        return a.joined(b, self.limit)


def dropped_key(cells: list[Any], empty: list[bool], rows: int) -> np.ndarray:
    """One hash per row of the cells of the columns the models drop, as conflicting-labels
    keys a profile's rows (ColumnProfile.hashes, else the numbers' hash_floats): pass-1 Cells
    or pass-2 Cells alike (`hashes`, `values`/`missing` or `missing_mask`)."""
    from preflight.kernels.hashing import combine, hash_floats

    parts = []
    for c, e in zip(cells, empty):
        missing = c.missing_mask if hasattr(c, "missing_mask") else c.missing
        parts.append(c.hashes if c.hashes is not None and not e else hash_floats(c.values, missing))
    return combine(parts, rows)


def dropped_columns(profile: Any) -> list[Any]:
    """The columns the models drop that near-copies must also be equal in (free text aside)."""
    return [c for c in profile.columns if c.transform.get("kind") == "drop" and c.kind != "text"]


def near_rows(profile: Any, limit: int) -> Any:
    """The pass-2 rounds (checks' `score`) that find every row's near-copies above sample_rows
    rows: in the row sample (its index), and among the other rows (those sharing a grid cell,
    compared in a second round of their rows only); with the user's embeddings, in memory
    (embedding_rows). None below sample_rows, for free text, or when another check already
    asked for it: the rounds run once per profile, their result cached on the profile for all
    three near-copy checks (pair_groups)."""
    if (profile.kind != "tabular" or profile.kept is None or profile.text_columns or profile.rows < 2
            or profile.rescan is None or "_near_rows" in profile.__dict__
            or profile.__dict__.get("_near_rows_asked")):
        return None
    from preflight.learn.near_duplicates import NearGrid, near_index
    from preflight.profile.tabular import matrix_columns

    view, at = profile.sampled
    index = near_index(view)
    if index is None:  # no two sample rows can be near: nor can another row be near one
        profile.__dict__["_near_rows"] = NearPairs.empty()
        return None
    specs, names, _ = matrix_columns(profile)
    dropped = dropped_columns(view)
    target_key = dropped_key(dropped, [c.kind == "empty" for c in dropped], view.rows)[index.rows] \
        if dropped else None
    scorer = NearRows(specs, len(names), index, at[index.rows], np.asarray(at, np.int64),
                      tuple((c.name, c.kind == "empty") for c in dropped), target_key, max(limit, PAIRS),
                      NearGrid.of(index, int(profile.settings.get("seed", 0))), worker_count(profile.settings))
    profile.__dict__["_near_rows_asked"] = True
    if profile.user_features is not None:
        return embedding_rows(profile, scorer)
    return _near_round(profile, scorer)


PAIRS = 10_000  # pairs kept at least (beyond max_listed_rows); rows sharing a cell compared at least


def _near_round(profile: Any, scorer: NearRows) -> Any:
    got = yield {"near": scorer}
    state = got["near"]
    outside = np.setdiff1d(np.arange(profile.rows, dtype=np.int64), scorer.kept, assume_unique=True)
    fh = profile.feature_hash[outside]
    shared = _candidates(profile, state.cells, fh)
    among = NearPairs.empty()
    if shared.size > 1:
        rows = outside[shared]
        gather = CellRows(scorer.specs, scorer.width, rows, scorer.dropped)
        got = yield {"near-cells": gather}
        among = pairs_among(rows, fh[shared], *gather.result(got["near-cells"]), scorer.index.radius)
    profile.__dict__["_near_rows"] = state.with_pairs(among, scorer.limit)
    return None


EMBEDDING_CHUNK = 65_536  # the user's embeddings queried and keyed this many rows at a time


def embedding_rows(profile: Any, scorer: NearRows) -> Any:
    """near_rows with the user's embeddings (--features): every row's is in memory, so the rows
    outside the sample are queried against the sample's index and keyed by the grids here,
    without a read (NearRows' work on their embeddings instead of their matrix rows); pass 2
    reads only the dropped columns of the rows in pairs, when the models drop any
    (conflicting-labels asks them equal)."""
    x, index = profile.user_features, scorer.index
    outside = np.setdiff1d(np.arange(profile.rows, dtype=np.int64), scorer.kept, assume_unique=True)
    found, cells = [], []
    for a in range(0, outside.size, EMBEDDING_CHUNK):
        block = np.asarray(x[outside[a:a + EMBEDDING_CHUNK]], dtype=np.float64)
        i, j = index.query(block, scorer.threads)
        found.append((outside[a + i], j))
        cells.append(scorer.grid.keys(block))
    rows = np.concatenate([r for r, _ in found]) if found else np.empty(0, np.int64)
    j = np.concatenate([t for _, t in found]) if found else np.empty(0, np.int64)
    fh = profile.feature_hash[outside]
    shared = _candidates(profile, np.concatenate(cells) if cells else np.empty((0, 2), np.uint64), fh)
    among = NearPairs.empty()
    if shared.size > 1:
        among = pairs_among(outside[shared], fh[shared], np.asarray(x[outside[shared]], np.float64), None,
                            index.radius)
    same = np.ones(rows.size, bool)
    if scorer.dropped and (rows.size or among.rows.size):
        need = np.unique(np.concatenate([rows, among.rows, among.to]))
        gather = CellRows((), 0, need, scorer.dropped)
        got = yield {"near-dropped": gather}
        key = gather.result(got["near-dropped"])[1]
        assert key is not None and scorer.target_key is not None

        def of(r: np.ndarray) -> np.ndarray:
            return key[np.searchsorted(need, r)]

        same = of(rows) == scorer.target_key[j]
        among.same = of(among.rows) == of(among.to)
    to = scorer.targets[j]
    order = np.lexsort((to, rows))
    state = NearPairs(int(rows.size), rows[order], to[order], same[order])
    profile.__dict__["_near_rows"] = state.with_pairs(among, scorer.limit)
    return None


def _candidates(profile: Any, cells: np.ndarray, fh: np.ndarray) -> np.ndarray:
    """Of the rows outside the sample (their grid cells and feature hashes), those to compare:
    sharing a cell with a row of other content, at most max(sample_rows, PAIRS) of them (the
    smallest hashes: a table that crowds cells); the profile's `_near_grid` says how many."""
    shared = shared_cells(cells, fh)
    cap = max(int(profile.settings.get("sample_rows", 200_000)), PAIRS)  # rows' cells held: the sample's bound
    capped = shared.size > cap
    if capped:
        shared = shared[first_by_hash(fh[shared], cap)]
    profile.__dict__["_near_grid"] = {"grid_cell_radii": CELL_RADII, "grid_rows_compared": int(shared.size),
                                      "grid_rows_capped": capped}
    return shared


def shared_cells(cells: np.ndarray, fh: np.ndarray) -> np.ndarray:
    """Positions (ascending) of the rows that share a cell of either grid (`cells`: uint64 per
    row and grid) with a row of other content (feature hash `fh`): exact copies alone in a cell
    are exact copies, found from the hashes."""
    hit = np.zeros(fh.size, bool)
    for g in range(cells.shape[1]):
        groups = hash_groups(cells[:, g])  # the rows of each cell that holds more than one
        if not groups:
            continue
        rows = np.concatenate(groups)
        sizes = np.array([len(c) for c in groups])
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        other = fh[rows] != np.repeat(fh[rows[starts]], sizes)  # a content other than the cell's first row's
        hit[rows[np.repeat(np.add.reduceat(other, starts) > 0, sizes)]] = True
    return np.flatnonzero(hit)


def pairs_among(rows: np.ndarray, fh: np.ndarray, x: np.ndarray, key: np.ndarray | None, radius: float) -> NearPairs:
    """The pairs of `rows` (ascending; their feature hashes, model-matrix rows and dropped
    columns' keys) within the radius, exact copies aside, in row order. Each row keeps its CAP
    nearest, as the sample's search does: a crowd of near-identical rows costs rows x CAP pairs,
    not rows squared, and stays connected."""
    from scipy.spatial import cKDTree

    from preflight.learn.near_duplicates import CAP

    k = min(CAP + 1, len(x))  # +1: itself
    _, nearest = cKDTree(x).query(x, k=k, distance_upper_bound=radius * (1 + 1e-9))  # a hair wider: none lost
    a = np.repeat(np.arange(len(x), dtype=np.int64), k)
    b = nearest.reshape(-1).astype(np.int64)
    ok = (b < len(x)) & (b != a)  # len(x): no neighbour within the bound
    a, b = np.minimum(a[ok], b[ok]), np.maximum(a[ok], b[ok])
    pairs = np.unique(np.stack([a, b], axis=1), axis=0) if a.size else np.zeros((0, 2), np.int64)
    a, b = pairs[:, 0], pairs[:, 1]
    keep = (fh[a] != fh[b]) & (np.linalg.norm(x[a] - x[b], axis=1) < radius)  # the index's test
    a, b = a[keep], b[keep]
    same = key[a] == key[b] if key is not None else np.ones(a.size, bool)
    return NearPairs(int(a.size), rows[a], rows[b], same)


@dataclass(frozen=True)
class CellRows:
    """Pass 2, given rows only: their model-matrix rows (row_states.matrix_block) and their dropped
    columns' keys (None without such columns), gathered in row order."""

    specs: tuple[tuple[str, Any], ...]
    width: int
    rows: np.ndarray                        # int64, ascending
    dropped: tuple[tuple[str, bool], ...]   # as NearRows.dropped

    @property
    def columns(self) -> tuple[str, ...]:
        names = [n for n, _ in self.specs]
        return (*names, *(n for n, _ in self.dropped if n not in names))

    @property
    def only_rows(self) -> np.ndarray:
        return self.rows

    def start(self) -> list[tuple[np.ndarray, np.ndarray | None]]:
        return []

    def add(self, state: list, batch: Any) -> list:
        from preflight.profile.row_states import matrix_block

        here, at = batch.given(self.rows)
        if not here.size:
            return state
        key = None
        if self.dropped:
            held = batch.rows if batch.at is None else batch.at.size
            key = dropped_key([batch.columns[n] for n, _ in self.dropped], [e for _, e in self.dropped], held)[at]
        return [*state, (matrix_block(self.specs, self.width, batch, at), key)]

    def merge(self, a: list, b: list) -> list:
        return [*a, *b]

    def result(self, state: list) -> tuple[np.ndarray, np.ndarray | None]:
        """(matrix rows, dropped keys) of every given row."""
        x = np.concatenate([m for m, _ in state]) if state else np.zeros((0, self.width))
        return x, (np.concatenate([k for _, k in state]) if self.dropped and state else None)


def searched_rows(profile: Any) -> NearPairs | None:
    """Pass 2's pairs of rows outside the row sample (near_rows), None when there was no such round."""
    return profile.__dict__.get("_near_rows")


def pair_groups(profile: Any, only_same: bool = False) -> list[np.ndarray]:
    """Pass 2's pairs as two-row groups (only_same: equal in the dropped columns)."""
    state = searched_rows(profile)
    if state is None or not state.rows.size:
        return []
    pick = state.same if only_same else slice(None)
    return list(np.stack([state.rows[pick], state.to[pick]], axis=1))


def sample_note(profile: Any, size: int) -> str:
    """How near-copies were searched above sample_rows rows, for a finding's message."""
    state = searched_rows(profile)
    if state is None:
        return f"searched among a content-keyed sample of {size:,} rows"
    cut = f"; the first {state.rows.size:,} of {state.count:,} pairs kept" if state.truncated else ""
    return (f"searched for every row against a content-keyed sample of {size:,} rows and, by shared grid "
            f"cells, among the rows outside it{cut}")


def near_copies(profile: Any) -> tuple[list[np.ndarray], dict]:
    """learn.near_duplicates.near_groups in the table's rows: above sample_rows rows searched
    among the row sample the features' cells are kept for (profile/keep.py), joined by pass 2's
    pairs of the other rows (near_rows: to the sample, and among themselves) and by every row's
    exact copies; computed once per profile."""
    from preflight.learn.near_duplicates import near_groups

    cached = profile.__dict__.get("_near_copies")
    if cached is None:
        view, at = profile.sampled
        groups, info = near_groups(view)
        found = [np.asarray(g) for g in groups]
        if at is not None:
            found = widen([at[g] for g in found], [*hash_groups(profile.feature_hash), *pair_groups(profile)],
                          profile.rows)
            info = {**info, "rows": profile.rows, "sampled": True, **profile.__dict__.get("_near_grid", {})}
        cached = profile.__dict__["_near_copies"] = (found, info)
    return cached
