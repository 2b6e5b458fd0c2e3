"""Groups of rows that sit (almost) on top of each other in feature space.

Near-copies leak across train/test splits and over-weight whatever they say, just like
exact copies, but hashing cannot see them. "Near" is relative: a pair counts when its
distance is under radius_ratio times the median nearest-neighbour distance, so the
threshold follows the data's own scale. The default 0.05 sits well below the closest
distinct pairs of real tables (benchmarks/RESULTS.md), so only copies with noise count.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from preflight.profile.tabular import TabularProfile
from preflight.workers import worker_count

RADIUS_RATIO = 0.05
MAX_ROWS = 1_000_000
PROJECT_DIMS = 8
MEDIAN_PROBES = 1_000
CAP = 16  # most candidate edges per row: enough to connect a tight cluster
PREFILTER_PCA_DIMS = 256


def near_duplicate_groups(
    X: np.ndarray, *, seed: int, radius_ratio: float = RADIUS_RATIO, max_rows: int = MAX_ROWS,
    hashes: np.ndarray | None = None,
) -> tuple[list[list[int]], dict]:
    """Sorted groups of row indices (exact copies included), sorted by first index.

    Exact copies are collapsed first, so thousands of identical rows cost one search:
    by `hashes` (one 64-bit content hash per row, equal for equal rows) when given, else
    by comparing rows. The typical nearest-neighbour distance is the median over a seeded
    sample of rows; above max_rows distinct rows, the search covers the max_rows distinct
    rows with the smallest content hashes (a sample that does not move when unrelated
    rows are added), or a seeded sample without hashes.
    """
    groups, info, _ = near_duplicate_search(X, seed=seed, radius_ratio=radius_ratio, max_rows=max_rows,
                                            hashes=hashes)
    return groups, info


def near_duplicate_search(
    X: np.ndarray, *, seed: int, radius_ratio: float = RADIUS_RATIO, max_rows: int = MAX_ROWS,
    hashes: np.ndarray | None = None, threads: int = 1,
) -> tuple[list[list[int]], dict, NearIndex | None]:
    """near_duplicate_groups, with the index it searched (None when nothing can be near: fewer
    than two distinct rows, or a zero radius), so that other rows can be queried against it."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    X = np.asarray(X, dtype=np.float64) + 0.0
    n = len(X)
    info: dict = {"radius_ratio": radius_ratio, "rows": n, "median_nn_distance": None,
                  "radius": 0.0, "rows_searched": 0, "sampled": False}
    if n < 2:
        return [], info, None
    keys = None
    if hashes is not None:
        keys_all, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
        uniq, keys = X[first], keys_all
    else:
        uniq, first, inverse = np.unique(X.reshape(n, -1), axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    a, b, index = _near_pairs(uniq, seed, radius_ratio, max_rows, info, keys, threads)
    if index is not None:
        index = dataclasses.replace(index, rows=np.asarray(first)[index.rows].astype(np.int64))
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(uniq), len(uniq)))
    _, component = connected_components(graph, directed=False)
    label = component[inverse]  # rows inherit their distinct row's component
    order = np.lexsort((np.arange(n), label))
    starts = np.flatnonzero(np.r_[True, np.diff(label[order]) != 0])
    groups = [sorted(int(i) for i in g) for g in np.split(order, starts[1:]) if len(g) > 1]
    groups.sort(key=lambda g: g[0])
    info["groups"] = len(groups)
    info["exact_duplicate_rows"] = int(n - len(uniq))
    return groups, info, index


@dataclass(frozen=True)
class NearIndex:
    """The searched rows (distinct, full dimension) and the KD-tree over their projection: what
    a row needs to find its near-copies among them. It pickles (scikit-learn's KDTree does), so
    pass 2 ships it to the workers; its size is that of the searched rows."""

    points: np.ndarray            # float64 (m, d): the searched distinct rows
    rows: np.ndarray              # int64 (m,): each one's row in the searched matrix (its first copy)
    projection: np.ndarray | None  # (d, PROJECT_DIMS) orthonormal columns; None: d is small
    tree: Any                     # sklearn.neighbors.KDTree on points @ projection
    radius: float

    def project(self, x: np.ndarray) -> np.ndarray:
        return x if self.projection is None else x @ self.projection

    def query(self, x: np.ndarray, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """(i, j): row i of x is within the radius of point j, checked at full dimension; a row
        with more than CAP candidates keeps its CAP nearest (in the projection), as the search
        does. Ordered by i, then j."""
        x = np.asarray(x, dtype=np.float64)  # distances only: -0.0 needs no normalising here
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        if not len(x):
            return empty
        some = self.near_any(x, threads)
        if not some.size:
            return empty
        a, b = self._query(x[some], self.project(x[some]))
        return some[a], b

    def near_any(self, x: np.ndarray, threads: int = 1, itself: bool = False) -> np.ndarray:
        """The rows of x that may have a point within the radius (itself: x are the points, each
        its own nearest), a superset of those that do. Nearly every row has none: scipy's
        nearest-neighbour bound finds the few on the prefilter's projection (about 7x faster than
        counting with scikit-learn's tree, which then runs on those rows only; a bound a hair
        wider loses none of its candidates)."""
        basis, tree = self._prefilter()
        k = 2 if itself else 1
        nearest, _ = tree.query(x if basis is None else x @ basis, k=k, distance_upper_bound=self.radius * (1 + 1e-9),
                                workers=threads)
        return np.flatnonzero(np.isfinite(nearest if k == 1 else nearest[:, 1]))

    def _prefilter(self) -> tuple[np.ndarray | None, Any]:
        """The prefilter's projection and scipy's KD-tree on it, built once per process (not
        pickled). Any orthonormal projection keeps every pair within the radius; the points'
        principal directions shrink distances least, so the tree prunes most (2-3x faster
        than the search's random projection on benchmarks/scale.py's table). Above
        PREFILTER_PCA_DIMS columns their covariance would cost more than it saves."""
        cached = self.__dict__.get("_scipy")
        if cached is None:
            from scipy.spatial import cKDTree

            d = self.points.shape[1]
            basis = None
            if d > PROJECT_DIMS:
                basis = self.projection
                if d <= PREFILTER_PCA_DIMS:
                    basis = np.ascontiguousarray(self.principal()[:, :PROJECT_DIMS])
            cached = (basis, cKDTree(self.points if basis is None else self.points @ basis))
            object.__setattr__(self, "_scipy", cached)
        return cached

    def principal(self) -> np.ndarray:
        """The points' principal directions, widest first (d x d columns), computed once per
        process (not pickled)."""
        cached = self.__dict__.get("_principal")
        if cached is None:
            centred = self.points - self.points.mean(axis=0)
            _, vectors = np.linalg.eigh(centred.T @ centred)  # ascending eigenvalues
            cached = vectors[:, ::-1]
            object.__setattr__(self, "_principal", cached)
        return cached

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("_scipy", "_principal")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def _query(self, x: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        counts = self.tree.query_radius(p, self.radius, count_only=True)
        light = np.flatnonzero((counts > 0) & (counts <= CAP))
        a_parts = [np.repeat(light, counts[light])]
        b_parts = [np.concatenate(self.tree.query_radius(p[light], self.radius)) if len(light)
                   else np.zeros(0, np.int64)]
        heavy = np.flatnonzero(counts > CAP)
        if len(heavy):
            _, nbrs = self.tree.query(p[heavy], k=CAP)
            a_parts.append(np.repeat(heavy, CAP))
            b_parts.append(nbrs.reshape(-1))
        a = np.concatenate(a_parts).astype(np.int64)
        b = np.concatenate(b_parts).astype(np.int64)
        keep = np.linalg.norm(x[a] - self.points[b], axis=1) < self.radius
        a, b = a[keep], b[keep]
        order = np.lexsort((b, a))
        return a[order], b[order]


CELL_RADII = 8  # a grid cell's side, in radii
GRID_DIMS = 16  # the grids' axes: the widest principal directions
KEY_CHUNK = 16_384


@dataclass(frozen=True)
class NearGrid:
    """Two grids of cubic cells CELL_RADII radii a side, the second shifted half a cell along
    every axis: what finds near copies among rows that are not in the index (checks/near_pairs.
    NearRows keys every row outside the row sample by its two cells, and the rows that share
    one are compared exactly). Two rows within the radius are split by a grid only where one of
    its cell walls passes between them, a chance of at most the sum over the axes of their
    difference along each over the side, and by both grids only where that happens along two
    axes half a cell apart; rows farther apart along its axes than a cell's diagonal never share one. The
    axes are the points' GRID_DIMS widest principal directions (above PREFILTER_PCA_DIMS
    columns, random orthonormal ones): fewer axes split fewer pairs, and the widest keep
    distinct rows apart. benchmarks/near_copies.py (1M rows, 65 model columns, 2,000 planted
    near-copy pairs): every pair found, 759 of them by the index alone; 4,524 rows shared a
    cell; both grids split 3.1% of the pairs one radius apart in a random direction and 0.3%
    of those 0.3 radii apart (a grid on all 65 columns: 17.7% and 1.5%)."""

    basis: np.ndarray | None  # (d, GRID_DIMS) orthonormal columns; None: d is at most GRID_DIMS
    offset: np.ndarray        # float64: the grids' origin, seeded
    half: float               # half a cell's side
    mix: np.ndarray           # uint64, odd: a cell's integer coordinates to one 64-bit key

    @staticmethod
    def of(index: NearIndex, seed: int) -> NearGrid:
        d = index.points.shape[1]
        rng = np.random.default_rng([seed, 0x6E656172])
        basis = None
        if d > GRID_DIMS:
            basis = np.ascontiguousarray(index.principal()[:, :GRID_DIMS]) if d <= PREFILTER_PCA_DIMS else \
                np.linalg.qr(rng.standard_normal((d, GRID_DIMS)))[0]
        k = d if basis is None else GRID_DIMS
        half = CELL_RADII * index.radius / 2
        return NearGrid(basis, rng.random(k) * 2 * half, half,
                        rng.integers(0, 2**63, size=k, dtype=np.uint64) * np.uint64(2) + np.uint64(1))

    def keys(self, x: np.ndarray) -> np.ndarray:
        """uint64 (rows, 2): each row's cell in either grid. The coordinates in half cells,
        halved (rounding down) for the first grid and, one half cell on, for the second."""
        from preflight.kernels.hashing import splitmix64

        out = np.empty((len(x), 2), np.uint64)
        for a in range(0, len(x), KEY_CHUNK):  # bounded scratch: a few (KEY_CHUNK x axes) arrays
            p = x[a:a + KEY_CHUNK] if self.basis is None else x[a:a + KEY_CHUNK] @ self.basis
            # clipped: a cell far out (a value beyond 2**62 half cells) is one cell, not an overflow
            halves = np.floor(np.clip((p - self.offset) / self.half, -2.0**62, 2.0**62)).astype(np.int64)
            with np.errstate(over="ignore"):
                for g in range(2):
                    out[a:a + KEY_CHUNK, g] = splitmix64(((halves - g) >> 1).view(np.uint64) @ self.mix)
        return out


def _near_pairs(
    U: np.ndarray, seed: int, radius_ratio: float, max_rows: int, info: dict,
    keys: np.ndarray | None = None, threads: int = 1,
) -> tuple[np.ndarray, np.ndarray, NearIndex | None]:
    """Index pairs of distinct rows closer than the radius, and the index searched (its rows:
    positions in U).

    Candidates come from a KD-tree radius query on an orthonormal projection to at most
    PROJECT_DIMS dimensions: projection never lengthens a distance, so no true pair is
    lost, and the tree stays fast where full-dimensional trees degrade to brute force.
    Every candidate is then checked at full dimension. Rows with more than CAP candidates
    (a dense cluster) keep only their CAP nearest, so the cost never turns quadratic.
    """
    from sklearn.neighbors import KDTree, NearestNeighbors

    rng = np.random.default_rng(seed)
    m, d = U.shape
    idx = np.arange(m)
    if m > max_rows:
        # keys are sorted (np.unique): the first max_rows are the smallest content hashes
        idx = np.arange(max_rows) if keys is not None else np.sort(rng.choice(m, size=max_rows, replace=False))
        info["sampled"] = True
    S = U[idx]
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), None)
    if len(S) < 2:
        return empty
    probe = np.sort(rng.choice(len(S), size=min(len(S), MEDIAN_PROBES), replace=False))
    dist, _ = NearestNeighbors(n_neighbors=2, algorithm="brute").fit(S).kneighbors(S[probe])
    median = float(np.median(dist[:, 1]))  # column 0 is the probe itself (rows are distinct)
    radius = radius_ratio * median
    info.update(median_nn_distance=median, radius=radius, rows_searched=len(S))
    if radius <= 0:
        return empty
    q = None
    P = S
    if d > PROJECT_DIMS:
        q, _ = np.linalg.qr(rng.standard_normal((d, PROJECT_DIMS)))
        P = S @ q
    tree = KDTree(P)
    index = NearIndex(S, idx.astype(np.int64), q, tree, radius)
    # A row with no other row within the radius is in no pair (a pair's two rows both have
    # one): only the prefilter's candidates are counted and queried.
    some = index.near_any(S, threads, itself=True)
    if not some.size:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), index
    counts = tree.query_radius(P[some], radius, count_only=True)
    light = some[(counts > 1) & (counts <= CAP + 1)]  # 1: only itself
    a_parts = [np.repeat(light, counts[(counts > 1) & (counts <= CAP + 1)])]
    b_parts = [np.concatenate(tree.query_radius(P[light], radius)) if len(light) else np.zeros(0, np.int64)]
    heavy = some[counts > CAP + 1]
    if len(heavy):
        _, nbrs = tree.query(P[heavy], k=CAP + 1)
        a_parts.append(np.repeat(heavy, CAP + 1))
        b_parts.append(nbrs.reshape(-1))
    a = np.concatenate(a_parts).astype(np.int64)
    b = np.concatenate(b_parts).astype(np.int64)
    keep = (a < b) & (np.linalg.norm(S[a] - S[b], axis=1) < radius)
    return idx[a[keep]], idx[b[keep]], index


def near_groups(profile: TabularProfile) -> tuple[list[list[int]], dict]:
    """Rows (almost) on top of each other in the model space; shared by two checks, computed once.
    Reads every row's features: above sample_rows rows, checks.near_pairs.near_copies runs it on the
    row sample."""
    cached = profile.__dict__.get("_near")
    if cached is None and profile.user_features is None and profile.text_columns:
        cached = _text_groups(profile)
        profile.__dict__["_near"] = cached
    if cached is None:
        own = profile.user_features is None
        x = profile.matrix[0] if own else profile.user_features
        index = None
        if x.shape[1]:
            # Equal feature hashes mean equal transformed rows (not so for the user's embeddings).
            settings = profile.settings
            groups, info, index = near_duplicate_search(
                x, seed=int(settings.get("seed", 0)), max_rows=int(settings.get("sample_rows", 200_000)),
                hashes=profile.feature_hash if own else None, threads=worker_count(settings))
            cached = (groups, info)
        else:
            cached = ([], {})
        profile.__dict__["_near"] = cached
        profile.__dict__["_near_index"] = index
    return cached


def near_index(profile: TabularProfile) -> NearIndex | None:
    """The index near_groups searched the model matrix's rows (or the user's embeddings) with
    (its rows: this profile's); None for free text, or when nothing can be near."""
    near_groups(profile)
    return profile.__dict__.get("_near_index")


def _text_groups(profile: TabularProfile) -> tuple[list[list[int]], dict]:
    """A table with free text: rows whose texts are near-copies (learn/text_near.py) and whose
    other model columns are equal. Several text columns are joined into one text per row."""
    import pyarrow.compute as pc

    from preflight.kernels.hashing import combine, hash_floats
    from preflight.learn.text_near import text_near_groups

    texts = profile.text_columns
    docs = texts[0].text.normalised if len(texts) == 1 else \
        pc.binary_join_element_wise(*[c.text.normalised for c in texts], " | ", null_handling="replace")
    text_hash = combine([c.hashes for c in texts], profile.rows)
    others = [c for c in profile.columns if c.kind != "text" and c.transform.get("kind") != "drop"]
    key = combine([c.hashes if c.hashes is not None else hash_floats(c.values, c.missing_mask) for c in others],
                  profile.rows) if others else None
    return text_near_groups(docs, text_hash, key, threshold=float(profile.settings.get("text_near_jaccard", 0.8)),
                            seed=int(profile.settings.get("seed", 0)),
                            max_texts=int(profile.settings.get("sample_rows", 200_000)))
