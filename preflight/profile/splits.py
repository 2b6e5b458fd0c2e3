"""The splits of a dataset: which rows are in which split, and which split is the training one.

From the layout (read/splits.py: a split per file, so rows of a split are runs of whole files
and nothing per row is kept) or from a split column (one byte per row, in place of that
column's own per-row arrays: it is not a feature). Names are kept as found; rows outside any
split form the split "(none)". The training split is the one named train/training, or the one
`train_split` names; without one, stats are fitted on every row and the reason says why.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from preflight.errors import DataError
from preflight.read.splits import is_train_name

NONE = "(none)"
MAX_SPLITS = 32


@dataclass(frozen=True)
class SplitTable:
    names: tuple[str, ...]              # split names, by id; NONE for rows outside any split
    rows: tuple[int, ...]               # rows per split
    files: tuple[tuple[str, ...], ...]  # per split, the data files (display paths) holding its rows
    train: int | None                   # the training split's id, or None
    reason: str                         # why there is no training split ("" when there is one)
    column: str | None = None           # the split column, or None when the layout gave the splits
    row_ids: np.ndarray | None = field(default=None, repr=False, compare=False)  # uint8 per row (column)
    file_ids: tuple[int, ...] = ()      # per data file, its split id (layout)
    file_rows: tuple[int, ...] = ()     # per data file, its rows (layout)

    @property
    def held_out(self) -> list[int]:
        return [i for i in range(len(self.names)) if i != self.train]

    def ids(self) -> np.ndarray:
        """The split id of every row (for a layout, built from the files when first asked for)."""
        if self.row_ids is not None:
            return self.row_ids
        return self._from_files

    @cached_property
    def _from_files(self) -> np.ndarray:
        return np.repeat(np.array(self.file_ids, np.uint8), np.array(self.file_rows, np.int64))

    def mask(self, split: int) -> np.ndarray:
        return self.ids() == split

    def order(self) -> list[int]:
        """Split ids for display: the training split first, then by name."""
        return sorted(range(len(self.names)), key=lambda i: (i != self.train, self.names[i]))

    def summary(self) -> dict[str, Any]:
        """findings.json `dataset.splits`: per split (by name) its role, files and rows."""
        return {self.names[i]: {"role": "train" if i == self.train else "held-out",
                                "files": list(self.files[i]), "rows": self.rows[i]} for i in self.order()}

    def fitted_on(self) -> dict[str, Any]:
        """stats.json `fitted_on`: the split the stats come from, or why they come from every row."""
        out: dict[str, Any] = {"split": self.names[self.train], "rows": self.rows[self.train]} \
            if self.train is not None else {"split": None, "rows": sum(self.rows), "reason": self.reason}
        if self.column is not None:  # so that stats-check reads the data the same way
            out["column"] = self.column
        return out


def choose_train(names: Sequence[str], requested: str, where: str) -> tuple[int | None, str]:
    """(the training split's id or None, why none): `requested` (train_split) must name a split."""
    shown = ", ".join(sorted(names))
    if requested:
        if requested not in names:
            raise DataError(f"{where}: train split '{requested}' not found (splits: {shown}).")
        return list(names).index(requested), ""
    found = [i for i, n in enumerate(names) if is_train_name(n)]
    if len(found) == 1:
        return found[0], ""
    if found:
        return None, f"several splits look like training ({', '.join(names[i] for i in found)}): " \
                     "name one with --train-split"
    return None, f"no split named train or training (splits: {shown}): name one with --train-split"


def from_files(file_splits: Sequence[str], file_rows: Sequence[int], display: Sequence[str],
               requested: str, where: str) -> SplitTable | None:
    """The splits a layout gives (None when no file is in a named split)."""
    if not any(file_splits):
        if requested:
            raise DataError(f"{where}: train split '{requested}' named, but no splits found "
                            "(no split folders or file names, and no split column).")
        return None
    names = list(dict.fromkeys(s or NONE for s in file_splits))
    file_ids = tuple(names.index(s or NONE) for s in file_splits)
    rows = [0] * len(names)
    files: list[list[str]] = [[] for _ in names]
    for i, n, shown in zip(file_ids, file_rows, display):
        rows[i] += n
        files[i].append(shown)
    train, reason = choose_train(names, requested, where)
    return SplitTable(tuple(names), tuple(rows), tuple(map(tuple, files)), train, reason,
                      file_ids=file_ids, file_rows=tuple(file_rows))


def from_names(per_row: Sequence[str], requested: str, where: str) -> SplitTable | None:
    """The splits of rows named one by one (images: a split folder or column per file)."""
    if not any(per_row):
        return from_files((), (), (), requested, where)
    names = list(dict.fromkeys(s or NONE for s in per_row))
    index = {n: i for i, n in enumerate(names)}
    ids = np.array([index[s or NONE] for s in per_row], np.uint8)
    train, reason = choose_train(names, requested, where)
    return SplitTable(tuple(names), tuple(np.bincount(ids, minlength=len(names)).tolist()),
                      tuple(() for _ in names), train, reason, row_ids=ids)


class SplitColumn:
    """Reads a split column batch by batch into split ids (one byte a row): trimmed text,
    numbers by their text, missing or empty cells in NONE."""

    def __init__(self, name: str, where: str) -> None:
        self.name, self.where = name, where
        self.names: list[str] = []
        self.chunks: list[np.ndarray] = []
        self.file_of_chunk: list[int] = []

    def add(self, arr: pa.Array | pa.ChunkedArray, file_index: int) -> np.ndarray:
        ids = self.ids(arr)
        self.chunks.append(ids)
        self.file_of_chunk.append(file_index)
        return ids

    def ids(self, arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """The batch's split ids, kept nowhere (a name not seen before gets the next id)."""
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        text = arr if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) else pc.cast(arr, pa.string())
        text = pc.fill_null(pc.utf8_trim_whitespace(text), "")
        encoded = text.dictionary_encode()
        local = np.array([self._id(v or NONE) for v in encoded.dictionary.to_pylist()] or [0], np.uint8)
        return local[np.asarray(encoded.indices.to_numpy(zero_copy_only=False), np.int64)] if len(arr) \
            else np.zeros(0, np.uint8)

    def _id(self, value: str) -> int:
        if value not in self.names:
            if len(self.names) >= MAX_SPLITS:
                raise DataError(f"{self.where}: split column '{self.name}' has more than {MAX_SPLITS} distinct "
                                f"values ({', '.join(self.names[:5])}, ...); it does not look like a split column.")
            self.names.append(value)
        return self.names.index(value)

    def table(self, display: Sequence[str], requested: str) -> SplitTable:
        ids = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.uint8)
        names = self.names or [NONE]
        rows = np.bincount(ids, minlength=len(names)).tolist()
        files: list[dict[str, None]] = [{} for _ in names]
        for chunk, f in zip(self.chunks, self.file_of_chunk):
            for i in np.flatnonzero(np.bincount(chunk, minlength=len(names))):
                files[i][display[f]] = None
        train, reason = choose_train(names, requested, self.where)
        return SplitTable(tuple(names), tuple(rows), tuple(tuple(f) for f in files), train, reason,
                          column=self.name, row_ids=ids)
