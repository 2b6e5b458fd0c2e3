"""The label's per-row arrays as one small index per row into its distinct cells.

A class label holds a few distinct cells, and every row's value, masks, category code and cell
hash (9 to 23 bytes) follow from its cell: the label's builder keeps, per batch and then for
the whole column, a 1- or 2-byte index per row into tables of its distinct cells (`Packed`).
The profile gathers the arrays when asked for (column_profile.PackedColumn), so what a scan holds per
row for the label is that index and the class code. A batch with many distinct cells (a
regression label) keeps its arrays per row, as a feature does, and then so does the column.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SPARSE = 8  # a batch packs when it holds no more distinct cells than an eighth of its rows


@dataclass
class Packed:
    """Per-row arrays (keyed by name) as an index per row into tables over distinct cells; with
    index None the tables are the per-row arrays themselves. A table of None stays None per row.
    The "values" table is always there."""

    index: np.ndarray | None
    tables: dict[str, Any]

    @property
    def cells(self) -> int:
        return len(self.tables["values"])

    def rows(self, key: str) -> np.ndarray | None:
        table = self.tables[key]
        return table if table is None or self.index is None else table[self.index]

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.index, *self.tables.values()) if a is not None)


def _index_type(cells: int) -> type | None:
    """The smallest unsigned integers that index `cells` cells; None past 2**16."""
    return None if cells > 2**16 else np.uint8 if cells <= 2**8 else np.uint16


def pack(tables: dict[str, Any], index: np.ndarray) -> Packed:
    """A batch's tables over its distinct cells and its rows' index into them: packed when the
    cells are few enough, else gathered per row."""
    kind = _index_type(len(tables["values"])) if len(tables["values"]) * SPARSE <= len(index) else None
    if kind is not None:
        return Packed(index.astype(kind), tables)
    return Packed(None, {k: t if t is None else t[index] for k, t in tables.items()})


def pack_numbers(values: np.ndarray) -> Packed:
    """A batch of native numbers, its distinct values keyed by their bits (-0.0 apart from 0.0,
    any NaN apart from another: gathered back bit for bit)."""
    bits, index = np.unique(values.view(np.uint64), return_inverse=True)
    table = bits.view(np.float64)
    return pack({"values": table, "missing": np.isnan(table), "is_text": None, "ws": None, "codes": None,
                 "hashes": None}, index.reshape(-1))


Fill = Callable[[Mapping[str, Any]], np.ndarray] | np.generic


def joined(chunks: Sequence[Packed], fills: Mapping[str, Fill | None]) -> Packed | None:
    """Every batch's packed cells as one table of distinct cells and one index for all rows (a
    None table filled from `fills`: a function of the batch's tables, or a typed constant); None
    without batches, when a batch was kept per row or when the cells are too many to pack."""
    if not chunks or any(c.index is None for c in chunks):
        return None
    cols = {k: np.concatenate([_filled(c, k, fill) for c in chunks]) for k, fill in fills.items()}
    keys = np.column_stack([c.view(np.uint64) if c.dtype == np.float64 else c.astype(np.uint64) for c in cols.values()])
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    kind = _index_type(first.size)
    if kind is None:
        return None
    index: np.ndarray = np.empty(sum(c.index.size for c in chunks if c.index is not None), kind)
    at = offset = 0
    inverse = inverse.reshape(-1)
    for c in chunks:
        assert c.index is not None
        index[at:at + c.index.size] = inverse[offset + c.index.astype(np.intp)]
        at, offset = at + c.index.size, offset + c.cells
    used = np.bincount(index, minlength=first.size) > 0  # no row holds a batch's null cell, say
    if not used.all():
        index = (np.cumsum(used) - 1).astype(kind)[index]
        first = first[used]
    return Packed(index, {k: v[first] for k, v in cols.items()})


def _filled(chunk: Packed, key: str, fill: Fill | None) -> np.ndarray:
    table = chunk.tables[key]
    if table is not None or fill is None:
        return table
    if callable(fill):
        return fill(chunk.tables)
    return np.full(chunk.cells, fill)
