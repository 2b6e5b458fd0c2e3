"""outliers' pass-2 scorers: the rows the features (and the joint detector) flag, kept bounded;
Bound, what scores one feature's cells.

Which features are judged depends on round 1's counts (a feature over max_fraction has a shape),
and which rows the joint detector flags on the forest fitted after round 1; scoring the rows only
then takes a second read of the table. FirstRound scores them in round 1 under shapes predicted
from the profile's samples, noting which of the joint sample's rows a feature flags; when round 1's
counts confirm the prediction, with_hits adds the forest's hits and gives exactly the FlaggedRows
Flagged would give in a second round.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from preflight.profile.pass_two import RowBatch


@dataclass(frozen=True)
class Bound:
    """One feature's robust scale and the raw-value bounds outside which a cell may exceed the
    z limit: what pass 2 needs to score that feature's cells."""

    column: str
    med: float
    scale: float
    lo: float
    hi: float
    fill: float
    logged: bool
    fill_far: bool  # the fill's own z may exceed the limit: filled cells are candidates too

    def z(self, values: np.ndarray, nonfinite: np.ndarray, missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows, robust z) of the present cells whose z may exceed the limit, computed exactly as
        feature_z would over the whole filled column (missing, text and infinite cells count as
        the fill)."""
        rows = np.flatnonzero((values > self.hi) | (values < self.lo))  # NaN compares False: filled cells below
        rows = rows[~nonfinite[rows]]
        if self.fill_far:  # a fill far out (rare)
            filled = np.flatnonzero((np.isnan(values) | nonfinite) & ~missing)
            rows = np.union1d(rows, filled)
        x = np.where(nonfinite[rows] | np.isnan(values[rows]), self.fill, values[rows])
        z = np.abs((np.log1p(np.maximum(x, 0)) if self.logged else x) - self.med) / self.scale
        return rows, z


@dataclass
class FlaggedRows:
    """The flagged rows, bounded: exact counts (in all, jointly, by source), the worst row, and
    the first `keep` rows with their scores and sources (index into the features, len for joint)."""

    count: int = 0
    joint: int = 0
    by_source: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    scores: np.ndarray = field(default_factory=lambda: np.empty(0))
    sources: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    worst_score: float = -np.inf
    worst_row: int = -1
    worst_source: int = -1
    worst_value: float = float("nan")


def _columns(bounds: tuple[Bound | None, ...]) -> tuple[str, ...]:
    return tuple(b.column for b in bounds if b is not None)


def _cells_z(bounds: tuple[Bound | None, ...], batch: RowBatch) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Per feature with bounds: (its index, the rows of its candidate cells, their z)."""
    out = []
    for k, b in enumerate(bounds):
        if b is not None:
            c = batch.columns[b.column]
            out.append((k, *b.z(c.values, c.nonfinite, c.missing)))
    return out


def _worst_feature(n: int, cells: Iterable[tuple[int, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Per row its largest feature z (0 without a candidate cell) and that feature (-1 without);
    ties: the first feature."""
    score = np.zeros(n)
    source = np.full(n, -1, np.int64)
    for k, rows, z in cells:
        better = z > score[rows]
        score[rows[better]], source[rows[better]] = z[better], k
    return score, source


def _batch_rows(bounds: tuple[Bound | None, ...], keep: int, batch: RowBatch, score: np.ndarray,
                source: np.ndarray, flagged: np.ndarray, joint: int) -> FlaggedRows | None:
    """One batch's FlaggedRows from its rows' scores and sources (None: no row flagged)."""
    found = np.flatnonzero(flagged)
    if found.size == 0:
        return None
    w = int(np.argmax(score[found]))  # the first of equal scores: the earliest row
    k = int(source[found[w]])
    return FlaggedRows(
        count=int(found.size), joint=joint, by_source=np.bincount(source[found], minlength=len(bounds) + 1),
        rows=found[:keep] + batch.start, scores=score[found[:keep]], sources=source[found[:keep]],
        worst_score=float(score[found[w]]), worst_row=int(found[w]) + batch.start, worst_source=k,
        worst_value=float(batch.columns[bounds[k].column].values[found[w]])  # type: ignore[union-attr]
        if k < len(bounds) else float("nan"))


def merge_rows(a: FlaggedRows, b: FlaggedRows, keep: int) -> FlaggedRows:
    """a's rows before b's."""
    room = max(keep - a.rows.size, 0)
    worst = b if b.worst_score > a.worst_score else a  # ties: the earlier row
    return FlaggedRows(a.count + b.count, a.joint + b.joint, a.by_source + b.by_source,
                       np.concatenate([a.rows, b.rows[:room]]), np.concatenate([a.scores, b.scores[:room]]),
                       np.concatenate([a.sources, b.sources[:room]]),
                       worst.worst_score, worst.worst_row, worst.worst_source, worst.worst_value)


@dataclass(frozen=True)
class Flagged:
    """Round 2: each row's worst feature z over the judged features (ties: the first feature),
    flagged over the limit; rows the forest flags (hits, their z) where no feature does."""

    bounds: tuple[Bound | None, ...]  # None: a feature not judged (no spread, or a shape)
    limit: float
    hits: np.ndarray
    hit_z: np.ndarray
    keep: int

    @property
    def columns(self) -> tuple[str, ...]:
        return _columns(self.bounds)

    def start(self) -> FlaggedRows:
        return FlaggedRows(by_source=np.zeros(len(self.bounds) + 1, np.int64))

    def add(self, state: FlaggedRows, batch: RowBatch) -> FlaggedRows:
        n = batch.rows
        score, source = _worst_feature(n, _cells_z(self.bounds, batch))
        flagged = score > self.limit
        lo, hi = np.searchsorted(self.hits, [batch.start, batch.start + n])
        local, iz = self.hits[lo:hi] - batch.start, self.hit_z[lo:hi]
        joint = ~flagged[local]
        score[local[joint]], source[local[joint]] = iz[joint], len(self.bounds)
        flagged[local[joint]] = True
        here = _batch_rows(self.bounds, self.keep, batch, score, source, flagged, int(np.count_nonzero(joint)))
        return state if here is None else self.merge(state, here)

    def merge(self, a: FlaggedRows, b: FlaggedRows) -> FlaggedRows:
        return merge_rows(a, b, self.keep)


@dataclass
class FirstRows:
    """FirstRound's state: the cells over the limit per feature, the rows the judged features
    flag, and which of the joint sample's rows those are (ascending)."""

    over: np.ndarray
    flagged: FlaggedRows
    sampled: np.ndarray


@dataclass(frozen=True)
class FirstRound:
    """Round 1: per feature, how many cells exceed the z limit (every feature with bounds); and
    Flagged's rows without the joint detector, over the features `judged` (a guess at the
    shapes those counts will decide), with which of `sampled` (the joint detector's rows,
    ascending) they flag: bounded by sample_rows."""

    bounds: tuple[Bound | None, ...]
    judged: tuple[bool, ...]
    limit: float
    keep: int
    sampled: np.ndarray

    @property
    def columns(self) -> tuple[str, ...]:
        return _columns(self.bounds)

    def start(self) -> FirstRows:
        empty = FlaggedRows(by_source=np.zeros(len(self.bounds) + 1, np.int64))
        return FirstRows(np.zeros(len(self.bounds), np.int64), empty, np.empty(0, np.int64))

    def add(self, state: FirstRows, batch: RowBatch) -> FirstRows:
        cells = _cells_z(self.bounds, batch)
        over = np.zeros(len(self.bounds), np.int64)
        for k, _, z in cells:
            over[k] = np.count_nonzero(z > self.limit)
        score, source = _worst_feature(batch.rows, ((k, r, z) for k, r, z in cells if self.judged[k]))
        flagged = score > self.limit
        lo, hi = np.searchsorted(self.sampled, [batch.start, batch.start + batch.rows])
        local = self.sampled[lo:hi] - batch.start
        rows = _batch_rows(self.bounds, self.keep, batch, score, source, flagged, 0)
        kept = state.flagged if rows is None else merge_rows(state.flagged, rows, self.keep)
        return FirstRows(state.over + over, kept, np.concatenate([state.sampled, local[flagged[local]] + batch.start]))

    def merge(self, a: FirstRows, b: FirstRows) -> FirstRows:
        return FirstRows(a.over + b.over, merge_rows(a.flagged, b.flagged, self.keep),
                         np.concatenate([a.sampled, b.sampled]))


def with_hits(first: FlaggedRows, sampled: np.ndarray, hits: np.ndarray, hit_z: np.ndarray,
              keep: int) -> FlaggedRows:
    """Flagged's result from round 1's feature rows (`first`, over the judged features; `sampled`:
    the joint sample's rows among them) and the forest's hits (ascending rows, their z): a hit no
    feature flags is a joint row; rows, scores and sources the first `keep` of the union in row
    order; the worst the highest score, the earliest row among equal ones."""
    joint = ~np.isin(hits, sampled, assume_unique=True)
    rows, z = hits[joint], np.asarray(hit_z[joint], np.float64)
    if rows.size == 0:
        return first
    n = first.by_source.size - 1  # the joint detector's source
    by_source = first.by_source.copy()
    by_source[n] += rows.size
    union = np.concatenate([first.rows, rows[:keep]])
    order = np.argsort(union, kind="stable")[:keep]
    scores = np.concatenate([first.scores, z[:keep]])[order]
    sources = np.concatenate([first.sources, np.full(min(rows.size, keep), n, np.int64)])[order]
    w = int(np.argmax(z))  # the earliest of the joint rows' equal scores
    joint_worst = z[w] > first.worst_score or (z[w] == first.worst_score and rows[w] < first.worst_row)
    worst = ((float(z[w]), int(rows[w]), n, float("nan")) if joint_worst
             else (first.worst_score, first.worst_row, first.worst_source, first.worst_value))
    return FlaggedRows(first.count + rows.size, first.joint + rows.size, by_source, union[order], scores, sources,
                       *worst)
