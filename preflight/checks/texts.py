"""Shared by the text rules: the free-text columns, vectorised pattern tests, and the pass-2
scorer they judge each batch of cells with (a helper, not a rule).

A text rule reads its column's cells as written in pass 2 (profile/pass_two.py), batch by batch:
`TextScorer.judge` turns one batch into `Hits`, and hits merge in row order, so a state holds
the first rows the finding lists, exact counts and the distinct fragments a message names,
never a row's text.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from preflight.kernels.arrow import bools
from preflight.profile.pass_two import RowBatch
from preflight.profile.row_states import Listing
from preflight.profile.text import ints


def text_columns(profile) -> list:
    return list(getattr(profile, "text_columns", []))


def flagged(profile, scored: Mapping) -> Iterator[tuple]:
    """(column, its pass-2 Hits) for each text column where the rule's scorer found a row."""
    for col in text_columns(profile):
        hits: Hits = scored[col.name]
        if hits.rows.count:
            yield col, hits


def matching(texts: pa.Array, pattern: str) -> np.ndarray:
    """Rows whose cell (as written) matches an RE2 pattern: pyarrow's vectorised regex."""
    return np.flatnonzero(bools(pc.match_substring_regex(texts, pattern)))


def cells(texts: pa.Array, rows: np.ndarray) -> Iterator[tuple[int, str]]:
    """(row, text) for these rows, their cells as written (nulls skipped)."""
    taken = pc.take(texts, ints(rows)).to_pylist() if len(rows) else []
    for r, t in zip(rows.tolist(), taken):
        if t is not None:
            yield r, t


def finds(texts: pa.Array, rows: np.ndarray, pattern: re.Pattern) -> dict[int, list]:
    """Per row (of those given), the Python-regex matches in its cell; rows without one left out."""
    out = {}
    for r, t in cells(texts, rows):
        hits = pattern.findall(t)
        if hits:
            out[r] = hits
    return out


def listing(rows: np.ndarray, start: int, limit: int) -> Listing:
    """A batch's matching rows (ascending, batch-local) as a Listing of global row numbers."""
    return Listing(int(rows.size), rows[:limit].astype(np.int64) + start)


@dataclass
class Hits:
    """What a text rule keeps of the rows read so far: the rows it reports (a count and the
    first ones), tallies, distinct fragments, and rows per kind (a count and the first ones)."""

    rows: Listing = field(default_factory=Listing.empty)
    counts: dict[str, int] = field(default_factory=dict)
    seen: dict[str, set] = field(default_factory=dict)
    kinds: dict[str, Listing] = field(default_factory=dict)


@dataclass(frozen=True)
class TextScorer:
    """Pass 2 of one free-text column for one rule: `judge` one batch's cells; hits merged in
    row order keep the first `limit` rows (and `kind_limit` per kind)."""

    column: str
    limit: int
    kind_limit: int = 0

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def start(self) -> Hits:
        return Hits()

    def add(self, state: Hits, batch: RowBatch) -> Hits:
        return self.merge(state, self.judge(batch.columns[self.column].texts, batch.start))

    def judge(self, texts: pa.Array, start: int) -> Hits:  # pragma: no cover
        raise NotImplementedError

    def merge(self, a: Hits, b: Hits) -> Hits:
        return Hits(a.rows.joined(b.rows, self.limit), _summed(a.counts, b.counts),
                    {k: a.seen.get(k, set()) | b.seen.get(k, set()) for k in {**a.seen, **b.seen}},
                    {k: a.kinds.get(k, Listing.empty()).joined(b.kinds.get(k, Listing.empty()), self.kind_limit)
                     for k in {**a.kinds, **b.kinds}})


def _summed(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in {**a, **b}}
