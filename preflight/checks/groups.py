"""Grouping rows by equal 64-bit content hashes (shared by the duplicate checks)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from preflight.workers import worker_count

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


def near_copies(profile: Any) -> tuple[list[np.ndarray], dict]:
    """learn.near_duplicates.near_groups in the table's rows: above sample_rows rows searched
    among the row sample the features' cells are kept for (profile/keep.py), joined by every
    other row's near-copies in the sample (pass 2: near_rows) and by every row's exact copies;
    computed once per profile."""
    from preflight.learn.near_duplicates import near_groups

    cached = profile.__dict__.get("_near_copies")
    if cached is None:
        view, at = profile.sampled
        groups, info = near_groups(view)
        found = [np.asarray(g) for g in groups]
        if at is not None:
            found = widen([at[g] for g in found], [*hash_groups(profile.feature_hash), *pair_groups(profile)],
                          profile.rows)
            info = {**info, "rows": profile.rows, "sampled": True}
        cached = profile.__dict__["_near_copies"] = (found, info)
    return cached


@dataclass
class NearPairs:
    """Pairs (row, sample row) of a row outside the row sample within the near-copy radius of a
    sample row: an exact count, and the first `limit` pairs in row order (then sample row)."""

    count: int
    rows: np.ndarray  # int64: table rows outside the sample, ascending
    to: np.ndarray    # int64: their sample rows' table rows
    same: np.ndarray  # bool: equal in the columns the models drop

    @staticmethod
    def empty() -> NearPairs:
        return NearPairs(0, np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, bool))

    def joined(self, other: NearPairs, limit: int) -> NearPairs:
        room = max(limit - self.rows.size, 0)
        return NearPairs(self.count + other.count, np.concatenate([self.rows, other.rows[:room]]),
                         np.concatenate([self.to, other.to[:room]]), np.concatenate([self.same, other.same[:room]]))

    @property
    def truncated(self) -> bool:
        return self.count > self.rows.size


@dataclass(frozen=True)
class NearRows:
    """Pass 2: each row outside the row sample against the sample's near-copy index (the one
    learn.near_duplicates searched the sample with: same projection, same radius), every
    candidate checked at full dimension. Rows of the model matrix are built per batch as
    TabularProfile.matrix builds them (pass_two.matrix_block)."""

    specs: tuple[tuple[str, Any], ...]
    width: int
    index: Any                   # learn.near_duplicates.NearIndex
    targets: np.ndarray          # int64: per index point, its table row
    kept: np.ndarray             # int64, ascending: the sample's table rows (not queried)
    dropped: tuple[tuple[str, bool], ...]  # (column the models drop, whether it is empty)
    target_key: np.ndarray | None  # uint64 per index point: its dropped columns' key
    limit: int
    threads: int = 1               # the index's queries' (results do not depend on it)

    @property
    def columns(self) -> tuple[str, ...]:
        names = [n for n, _ in self.specs]
        return (*names, *(n for n, _ in self.dropped if n not in names))

    def start(self) -> NearPairs:
        return NearPairs.empty()

    def add(self, state: NearPairs, batch: Any) -> NearPairs:
        from preflight.profile.pass_two import matrix_block

        lo, hi = np.searchsorted(self.kept, [batch.start, batch.start + batch.rows])
        outside = np.ones(batch.rows, bool)
        outside[self.kept[lo:hi] - batch.start] = False
        local = np.flatnonzero(outside)
        if not local.size:
            return state
        i, j = self.index.query(matrix_block(self.specs, self.width, batch, local), self.threads)
        if not i.size:
            return state
        rows, to = local[i].astype(np.int64) + batch.start, self.targets[j]
        same = np.ones(i.size, bool)
        if self.target_key is not None:
            same = dropped_key([batch.columns[n] for n, _ in self.dropped], [e for _, e in self.dropped],
                               batch.rows)[local[i]] == self.target_key[j]
        order = np.lexsort((to, rows))
        return state.joined(NearPairs(int(i.size), rows[order], to[order], same[order]), self.limit)

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
    """The pass-2 round (checks' `score`) that finds every row's near-copies in the row sample,
    above sample_rows rows; None below, for free text or the user's embeddings (searched on the
    sample only), or when another check already asked for it: the round runs once per profile,
    its result cached on the profile for all three near-copy checks (pair_groups)."""
    if (profile.kind != "tabular" or profile.kept is None or profile.user_features is not None
            or profile.text_columns or profile.rows < 2 or profile.rescan is None
            or "_near_rows" in profile.__dict__ or profile.__dict__.get("_near_rows_asked")):
        return None
    from preflight.learn.near_duplicates import near_index
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
                      worker_count(profile.settings))
    profile.__dict__["_near_rows_asked"] = True
    return _near_round(profile, scorer)


PAIRS = 10_000  # pairs to the sample kept at least (beyond max_listed_rows)


def _near_round(profile: Any, scorer: NearRows) -> Any:
    got = yield {"near": scorer}
    profile.__dict__["_near_rows"] = got["near"]
    return None


def searched_rows(profile: Any) -> NearPairs | None:
    """Pass 2's pairs to the row sample (near_rows), None when there was no such round."""
    return profile.__dict__.get("_near_rows")


def pair_groups(profile: Any, only_same: bool = False) -> list[np.ndarray]:
    """Pass 2's pairs to the row sample as two-row groups (only_same: equal in the dropped columns)."""
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
    cut = f"; the first {state.rows.size:,} of {state.count:,} pairs to it kept" if state.truncated else ""
    return f"searched for every row against a content-keyed sample of {size:,} rows{cut}"


AFTER_NORMALISING = " after normalising text (Unicode NFKC, case, spacing)"


def texts_present(text_columns: list, rows: np.ndarray) -> bool:
    """Whether the rows hold a free text (not all missing): equal texts are copies, not chance."""
    return any(not c.missing_mask[rows].all() for c in text_columns)
