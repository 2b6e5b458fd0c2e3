"""Bounded states the checks' pass-2 scorers share (profile/pass_two.py runs them): the first
rows that match and their count (Listing, RowsWhere), given rows' model-matrix rows
(MatrixRows, matrix_block), exact tallies of a few distinct values (Tally, TextLengths), the
held-out rows with a category train lacks (CategoryRows). Each merges in plan order and keeps
nothing that depends on where a partition starts or ends.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from preflight.profile.pass_two import Cells, RowBatch


@dataclass
class Listing:
    """How many rows matched, and the first `limit` of them in row order."""

    count: int
    rows: np.ndarray  # int64, ascending

    @staticmethod
    def empty() -> Listing:
        return Listing(0, np.empty(0, np.int64))

    def joined(self, other: Listing, limit: int) -> Listing:
        rows = self.rows[:limit] if self.rows.size >= limit else \
            np.concatenate([self.rows, other.rows[:limit - self.rows.size]])
        return Listing(self.count + other.count, rows)

    @property
    def truncated(self) -> bool:
        return self.count > self.rows.size


def _where(cells: Cells, mask: str) -> np.ndarray:
    if mask == "huge":  # finite but beyond float32
        return cells.nonfinite & np.isfinite(cells.values)
    if mask == "present":
        return ~cells.missing
    if mask in ("unparsed", "parsed"):  # present cells without a number (text) / with one
        nan = np.isnan(cells.values)
        return ~cells.missing & (nan if mask == "unparsed" else ~nan)
    return getattr(cells, mask)


@dataclass(frozen=True)
class RowsWhere:
    """The rows where a column's mask is set (Cells.missing, ws, nonfinite; "huge": finite but
    beyond float32; "present"; "unparsed" / "parsed": present cells whose value is NaN / is not,
    ColumnProfile's ~missing_mask & isnan(values)): a count and the first `limit`."""

    column: str
    mask: str
    limit: int

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def start(self) -> Listing:
        return Listing.empty()

    def add(self, state: Listing, batch: RowBatch) -> Listing:
        cells = batch.columns[self.column]
        hit = np.flatnonzero(_where(cells, self.mask))
        return state.joined(Listing(int(hit.size), hit[:self.limit].astype(np.int64) + batch.start), self.limit)

    def merge(self, a: Listing, b: Listing) -> Listing:
        return a.joined(b, self.limit)


@dataclass(frozen=True)
class MatrixRows:
    """Given rows (sorted global row numbers) of TabularProfile.matrix: the features after their
    fitted transforms, gathered as the partitions pass. The state is a list of row blocks in row
    order; the result, stacked, is `matrix_at(rows)`'s matrix in float64."""

    specs: tuple[tuple[str, Any], ...]  # (column, transform) of the columns the matrix uses
    rows: np.ndarray
    width: int

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.specs)

    @property
    def only_rows(self) -> np.ndarray:
        return self.rows

    def start(self) -> list[np.ndarray]:
        return []

    def add(self, state: list[np.ndarray], batch: RowBatch) -> list[np.ndarray]:
        here, at = batch.given(self.rows)
        if not here.size:
            return state
        return [*state, matrix_block(self.specs, self.width, batch, at)]

    def merge(self, a: list[np.ndarray], b: list[np.ndarray]) -> list[np.ndarray]:
        return [*a, *b]

    def result(self, state: list[np.ndarray], dtype: type = np.float64) -> np.ndarray:
        if not state:
            return np.zeros((0, self.width), dtype)
        return np.concatenate(state).astype(dtype, copy=False)


def matrix_block(specs: Sequence[tuple[str, Any]], width: int, batch: RowBatch,
                 local: np.ndarray | None = None) -> np.ndarray:
    """TabularProfile.matrix's rows of a batch's rows `local` (positions in the batch; every row
    with None): specs, width as tabular.matrix_columns gives them."""
    from preflight.profile import transforms

    local = np.arange(batch.rows) if local is None else local
    block = np.zeros((local.size, width))
    j = 0
    for name, spec in specs:
        cells = batch.columns[name]
        if spec["kind"] == "one-hot":
            k = len(spec["categories"])
            ids = cells.category_ids({c: i for i, c in enumerate(spec["categories"])})[local]
            ok = np.flatnonzero((ids >= 0) & (ids < k))
            block[ok, j + ids[ok]] = 1.0
            j += k
        else:
            block[:, j] = transforms.apply_numeric(spec, np.where(cells.nonfinite[local], np.nan, cells.values[local]))
            j += 1
    return block


@dataclass
class Tally:
    """How many times each value occurs (values ascending): an exact distribution of a few
    distinct values (text lengths), merged by adding counts."""

    values: np.ndarray  # int64, ascending, distinct
    counts: np.ndarray  # int64

    @staticmethod
    def of(x: np.ndarray) -> Tally:
        values, counts = np.unique(x.astype(np.int64), return_counts=True)
        return Tally(values, counts.astype(np.int64))

    def plus(self, other: Tally) -> Tally:
        values, inverse = np.unique(np.concatenate([self.values, other.values]), return_inverse=True)
        counts = np.zeros(values.size, np.int64)
        np.add.at(counts, inverse, np.concatenate([self.counts, other.counts]))
        return Tally(values, counts)

    @property
    def n(self) -> int:
        return int(self.counts.sum())


def median_of(x: np.ndarray, counts: np.ndarray) -> float:
    """np.median of float64 `x` with each value repeated `counts` times, without repeating them:
    the middle order statistic, or np.median's mean of the two middle ones."""
    order = np.argsort(x, kind="stable")
    x, ends = x[order].astype(np.float64), np.cumsum(counts[order])
    n = int(ends[-1])
    middle = x[np.searchsorted(ends, [(n - 1) // 2, n // 2], side="right")]
    return float(np.mean(middle[:1] if n % 2 else middle))


@dataclass(frozen=True)
class TextLengths:
    """A free-text column's characters (trimmed) and whitespace words per present cell, as
    tallies: profile/text.py's TextProfile lengths, without a number per row."""

    column: str

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def start(self) -> tuple[Tally, Tally]:
        empty = Tally(np.empty(0, np.int64), np.empty(0, np.int64))
        return empty, empty

    def add(self, state: tuple[Tally, Tally], batch: RowBatch) -> tuple[Tally, Tally]:
        from preflight.profile.text import lengths

        cells = batch.columns[self.column]
        chars, words = lengths(cells.texts)
        present = ~cells.missing
        return self.merge(state, (Tally.of(chars[present]), Tally.of(words[present])))

    def merge(self, a: tuple[Tally, Tally], b: tuple[Tally, Tally]) -> tuple[Tally, Tally]:
        return a[0].plus(b[0]), a[1].plus(b[1])


@dataclass(frozen=True)
class CategoryRows:
    """The rows of one split whose cell in `column` is one of `categories` (texts of the
    column's final categories, ColumnProfile.categories): a count and the first `limit`.
    split_column: the split column to read again, "" when the layout gives the splits."""

    column: str
    categories: tuple[str, ...]
    split: int
    split_column: str
    limit: int

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column, self.split_column) if self.split_column else (self.column,)

    def start(self) -> Listing:
        return Listing.empty()

    def add(self, state: Listing, batch: RowBatch) -> Listing:
        if batch.split is None:
            raise ValueError("CategoryRows needs each row's split: a layout's or the split column's")
        ids = batch.columns[self.column].category_ids({c: i for i, c in enumerate(self.categories)})
        hit = np.flatnonzero((batch.split == self.split) & (ids >= 0))
        return state.joined(Listing(int(hit.size), hit[:self.limit].astype(np.int64) + batch.start), self.limit)

    def merge(self, a: Listing, b: Listing) -> Listing:
        return a.joined(b, self.limit)
