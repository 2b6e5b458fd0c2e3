"""A column's profile: its statistics and, per row, its values, masks, codes and hashes.

What pass 1 makes of a column (profile/columns.py's ColumnBuilder, merged from partitions) and
every later stage reads. The label's per-row arrays may be packed (profile/packed.py): a
PackedColumn gathers them from its distinct cells when asked for.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa

from preflight.profile.accumulators import DistinctSet
from preflight.profile.cells import PLAIN, Reading
from preflight.profile.packed import Packed
from preflight.profile.parts import SplitPart


@dataclass
class ColumnProfile:
    """Everything known about one column; row-level arrays are aligned with file order."""

    name: str
    kind: str  # numeric | categorical | mixed | empty
    dtype: str
    rows: int
    missing: int
    placeholders: dict[str, int]
    nonfinite: int
    numeric_count: int
    text_count: int
    whitespace: int
    whitespace_examples: list[str]
    text_examples: list[str]
    number_examples: list[str]
    mean: float
    std: float
    min: float
    max: float
    quantiles: dict[str, float]
    integral: bool
    values: np.ndarray          # float64 per row, NaN where missing or not a number
    missing_mask: np.ndarray    # bool per row
    nonfinite_mask: np.ndarray  # bool per row
    whitespace_mask: np.ndarray  # bool per row: text cell with stray outer whitespace
    codes: np.ndarray | None    # int32 per row into `categories`, -1 where missing
    categories: tuple[str, ...]
    sample: np.ndarray          # the bottom-k sample of finite numbers
    hashes: np.ndarray | None   # uint64 per row, the cells' content hashes: kept for text only
    transform: dict = field(default_factory=dict)
    reading: Reading = PLAIN  # how its text cells were read (cells.decide)
    soft: dict[str, int] = field(default_factory=dict)   # soft placeholder spellings: cells each
    units: dict[str, int] = field(default_factory=dict)  # cells per unit written (cells.UNITS keys)
    parts: tuple[SplitPart, ...] = ()  # per split (profile/splits.py ids): one part without splits
    texts: pa.Array | None = None  # the cells as written, kept while the column may be free text
    text: Any = None               # profile.text.TextProfile of a free-text column (kind "text")
    # the present cells' content hashes as read (numbers by value, text trimmed, not normalised)
    distinct_set: DistinctSet | None = None

    @cached_property
    def distinct(self) -> int:
        """Distinct present values (numbers by value, text trimmed), from pass 1's DistinctSet:
        exact up to its k (2 x sample_rows, at most 65,536), estimated above (DistinctSet.count)."""
        present = self.rows - self.missing
        if present == 0:
            return 0
        if self.kind == "categorical" and self.codes is not None:
            return len(self.categories)
        assert self.distinct_set is not None
        return self.distinct_set.count(present)

    def at(self, rows: np.ndarray) -> ColumnProfile:
        """The column with its per-row arrays of these rows only (without the cells as written)."""
        return dataclasses.replace(self, values=self.values[rows], missing_mask=self.missing_mask[rows],
                                   nonfinite_mask=self.nonfinite_mask[rows], whitespace_mask=self.whitespace_mask[rows],
                                   codes=self.codes[rows] if self.codes is not None else None,
                                   hashes=self.hashes[rows] if self.hashes is not None else None, texts=None)

    @property
    def varies(self) -> bool:
        """distinct > 1, without sorting when the range already says so."""
        if self.kind == "numeric" and self.min < self.max:
            return True
        return self.distinct > 1

    @property
    def maybe_unique(self) -> bool:
        """False when no value can be unique per row: cheap (the sample repeats a value)."""
        if self.kind == "numeric" and self.hashes is None and self.sample.size:  # hashes: integers beyond 2**53
            s = np.sort(self.sample)
            if np.any(s[1:] == s[:-1]):
                return False
        return True


# The per-row arrays a PackedColumn gathers from its cells.
ROW_FIELDS = ("values", "missing_mask", "nonfinite_mask", "whitespace_mask", "codes", "hashes")


@dataclass
class PackedColumn(ColumnProfile):
    """A column (the label) whose per-row arrays are gathered from `cells` (profile/packed.py)
    when asked for: each ask makes a fresh array, let go by whoever asked. An array given to it
    (dataclasses.replace) is held instead."""

    cells: Packed | None = None

    def __post_init__(self) -> None:
        if any(self.__dict__[name] is not None for name in ROW_FIELDS):
            self.cells = None  # given its arrays (dataclasses.replace of every field): they are its own now

    def at(self, rows: np.ndarray) -> ColumnProfile:
        if self.cells is None or self.cells.index is None:
            return super().at(rows)
        return dataclasses.replace(self, cells=Packed(self.cells.index[rows], self.cells.tables), texts=None,
                                   **dict.fromkeys(ROW_FIELDS))


def _gathered(name: str) -> property:
    def get(self: PackedColumn) -> np.ndarray | None:
        held = self.__dict__[name]
        return held if held is not None or self.cells is None else self.cells.rows(name)

    def put(self: PackedColumn, value: np.ndarray | None) -> None:
        self.__dict__[name] = value

    return property(get, put)


for _name in ROW_FIELDS:
    setattr(PackedColumn, _name, _gathered(_name))
