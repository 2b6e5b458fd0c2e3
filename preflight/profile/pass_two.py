"""Pass 2 of a table scan: each partition read again on pass 1's batch grid, its cells handed to
the scorers checks make from the merged profile (`Check.score`), keeping bounded results.

A scorer is a picklable object with `columns` (what it reads), `start()` (an empty state),
`add(state, batch)` and `merge(a, b)` (a's rows come before b's); one that reads given rows
only says which with `only_rows` (sorted global row numbers), and a round of such scorers skips
the batches and partitions without any. A Parquet partition is read for the round's columns
only. The executor runs every scorer of a round over one re-read of each partition, then
merges the partitions' states in plan order: local and Dask engines give the same states,
whatever the partitioning, as long as a state keeps nothing that depends on where a partition
starts or ends (counts, the first rows, the worst rows with ties broken by row number). Cells
are read as pass 1's ColumnBuilder reads them (native numbers without its tallies), on the
scan's column threads, so a value, a mask or a category here is the one pass 1 profiled. A
round of given rows parses those rows only.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from preflight.errors import DataError
from preflight.profile.cells import as_text, is_native, number_keys
from preflight.profile.columns import native_cells
from preflight.profile.overflow import overflowing
from preflight.profile.partition import PassOne
from preflight.profile.splits import SplitColumn
from preflight.read.partitions import Partition, Stamp, read_ahead, stamp


class Scorer(Protocol):
    columns: tuple[str, ...]

    def start(self) -> Any: ...

    def add(self, state: Any, batch: RowBatch) -> Any: ...

    def merge(self, a: Any, b: Any) -> Any: ...


@dataclass(frozen=True)
class PassTwo:
    """What every partition's pass 2 needs besides its scorers."""

    job: PassOne
    capped: frozenset[str] = frozenset()  # columns whose cells beyond float32 count as non-finite
    split_names: tuple[str, ...] = ()     # the profile's split names by id, when a split column gives them


@dataclass(frozen=True)
class Rescan:
    """The plan pass 2 reads again: the partitions and the global row number each starts at."""

    partitions: tuple[Partition, ...]
    offsets: tuple[int, ...]
    job: PassTwo
    rows: tuple[int, ...] = ()                # per partition: the rows pass 1 read
    stamps: tuple[Stamp | None, ...] = ()     # per partition: its file as it was before pass 1

    def expected(self) -> list[tuple[int, Stamp | None] | None]:
        """Per partition what pass 2 must find again (None: not recorded)."""
        if not self.rows:
            return [None] * len(self.partitions)
        return [(n, s) for n, s in zip(self.rows, self.stamps or [None] * len(self.rows))]


@dataclass
class Cells:
    """One column's cells in one batch, as pass 1 profiled them."""

    values: np.ndarray      # float64, NaN where missing or text
    missing: np.ndarray     # bool
    is_text: np.ndarray     # bool
    ws: np.ndarray          # bool: text with stray outer whitespace
    nonfinite: np.ndarray   # bool: inf, or beyond float32 in a capped column (profile/overflow.py)
    codes: np.ndarray | None = None  # ids into `vocab` (-1 missing, -2 a native number, -3 uncoded)
    vocab: dict[str, int] = field(default_factory=dict)
    arrow: pa.Array | None = None    # the batch's cells as read
    hashes: np.ndarray | None = None  # the cells' content hashes as pass 1 keeps them (None: hash_floats)

    @property
    def texts(self) -> pa.Array:
        """The cells as written, as strings: ColumnProfile.texts of these rows."""
        return as_text(self.arrow)

    def category_ids(self, categories: Mapping[str, int]) -> np.ndarray:
        """Per cell its id in the column's final categories (ColumnProfile.codes), -1 where none."""
        n = self.values.size
        if self.codes is None:  # a batch of native numbers in a column coded as categories
            codes = np.full(n, -2, np.int32)
        else:
            codes = self.codes
        lut = np.full(len(self.vocab) + 1, -1, np.int64)
        for text, i in self.vocab.items():
            lut[i] = categories.get(text, -1)
        out = np.where(codes >= 0, lut[np.maximum(codes, 0)], -1)
        native = (codes == -2) & ~self.missing
        if native.any():  # as ColumnBuilder.finish codes them: the number's text
            distinct, inverse = np.unique(self.values[native], return_inverse=True)
            ids = np.array([categories.get(k, -1) for k in number_keys(distinct)], np.int64)
            out[native] = ids[inverse]
        return out


@dataclass
class RowBatch:
    start: int                 # the global row number of its first row
    rows: int
    columns: dict[str, Cells]
    # uint8 per row, the profile's split id (SplitTable.ids): a layout's from the partition's
    # file (all 0 without splits); a split column's only when a scorer lists that column among
    # its `columns`, since it is read and parsed again for it.
    split: np.ndarray | None = None
    # In a round of given rows only: which of the batch's rows (positions, ascending) its cells
    # hold, the ones some scorer asked for; None: every row.
    at: np.ndarray | None = None

    @property
    def numbers(self) -> np.ndarray:
        """The global row numbers of the rows its cells hold."""
        return self.start + (np.arange(self.rows, dtype=np.int64) if self.at is None else self.at)

    def given(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Of `rows` (sorted global row numbers), those in this batch, and where their cells are."""
        lo, hi = np.searchsorted(rows, [self.start, self.start + self.rows])
        here = rows[lo:hi]
        local = here - self.start
        return here, local if self.at is None else np.searchsorted(self.at, local)


def score_partition(part: Partition, offset: int, job: PassTwo, scorers: Mapping[Any, Scorer],
                    expected: tuple[int, Stamp | None] | None = None) -> dict[Any, Any]:
    if job.job.threads > 1:  # columns are read on the scan's threads, as in pass 1
        with ThreadPoolExecutor(job.job.threads) as pool:
            return _score_partition(part, offset, job, scorers, expected, pool.map)
    return _score_partition(part, offset, job, scorers, expected, map)


def _score_partition(part: Partition, offset: int, job: PassTwo, scorers: Mapping[Any, Scorer],
                     expected: tuple[int, Stamp | None] | None, run: Callable) -> dict[Any, Any]:
    """Read one partition and run every scorer over its batches; the scorers' states. expected:
    its rows in pass 1 and its file's stamp before pass 1; a file changed since would put pass 2's
    rows under pass 1's row numbers, so it is an error (exit 2), never a silent mix."""
    if expected is not None and expected[1] is not None and stamp(part.path) != expected[1]:
        raise DataError(f"{part.path}: changed while it was being scanned (its size or modification time); "
                        "scan it again once it is written.")
    wanted = {c for s in scorers.values() for c in s.columns}
    names = [n for n in job.job.names if n in wanted]
    # A round whose every scorer reads given rows only (the report's listed cells, a sample's
    # matrix rows) skips the batches, and the whole partitions, that hold none of them.
    only = [getattr(s, "only_rows", None) for s in scorers.values()]
    sparse = bool(only) and all(r is not None for r in only)
    if sparse and expected is not None and not _holds(only, offset, offset + expected[0]):
        return {key: s.start() for key, s in scorers.items()}
    builders = {n: job.job.builder(n) for n in names}
    for b in builders.values():
        b.raw = None  # pass 1 judged free text already
        b.packed = None  # the cells are handed over per row
    split_col = job.job.split_col
    reader = None
    if split_col and split_col in wanted:
        # Seeded with the profile's names, so a name gets the id pass 1's merge gave it.
        reader = SplitColumn(split_col, job.job.where)
        reader.names = list(job.split_names)
    states = {key: s.start() for key, s in scorers.items()}
    start = offset
    for batch in read_ahead(_projected(part, names, split_col if reader is not None else "")):
        n = batch.num_rows
        at = None
        if sparse:
            at = _asked(only, start, start + n)
            if not at.size:
                start += n
                continue
            batch = batch.take(pa.array(at))  # cells are read alike alone or among their batch
        cells = dict(zip(names, run(lambda name, b=batch: _cells(builders[name], b.column(name), name in job.capped),
                                    names)))
        split = reader.ids(batch.column(split_col)) if reader is not None else \
            np.full(batch.num_rows, job.job.file_splits[part.file], np.uint8) if not split_col else None
        rb = RowBatch(start, n, cells, split, at)
        for key, s in scorers.items():
            states[key] = s.add(states[key], rb)
        start += n
    if expected is not None and start - offset != expected[0]:
        raise DataError(f"{part.path}: changed while it was being scanned ({expected[0]:,} rows read first, "
                        f"{start - offset:,} the second time); scan it again once it is written.")
    return states


def _asked(only: list[Any], lo: int, hi: int) -> np.ndarray:
    """The positions in [lo, hi) of the rows any of the sorted row lists asks for, ascending."""
    here = [rows[np.searchsorted(rows, lo):np.searchsorted(rows, hi)] for rows in only]
    return np.unique(np.concatenate(here)) - lo


def _holds(only: list[Any], lo: int, hi: int) -> bool:
    """Whether any of the sorted row lists has a row in [lo, hi)."""
    return any(int(np.searchsorted(rows, lo)) < int(np.searchsorted(rows, hi)) for rows in only)


def _projected(part: Partition, names: list[str], split_col: str) -> Partition:
    """A Parquet partition read for the columns a round parses only (its batches are the same
    rows: the grid comes from the row groups and batch size, not the columns)."""
    keep = tuple(c for c in part.columns if c in names or c == split_col)
    if part.fmt != "parquet" or part.table is not None or not keep or keep == part.columns:
        return part
    return replace(part, columns=keep)


def merge_states(scorers: Mapping[Any, Scorer], a: Mapping[Any, Any], b: Mapping[Any, Any]) -> dict[Any, Any]:
    return {key: s.merge(a[key], b[key]) for key, s in scorers.items()}


def fold(scorers: Mapping[Any, Scorer], states: Sequence[Mapping[Any, Any]]) -> dict[Any, Any]:
    """The partitions' states merged in plan order (every scorer's start() when there are none)."""
    out: dict[Any, Any] = {key: s.start() for key, s in scorers.items()}
    for state in states:
        out = merge_states(scorers, out, state)
    return out


def _cells(builder: Any, arr: Any, capped: bool) -> Cells:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if is_native(arr.type):
        # Pass 1's tallies of these cells (moments, samples, distinct sets) are already merged:
        # native numbers are read as ColumnBuilder.add reads them, without tallying again.
        values, hashes = native_cells(arr)
        missing, text, ws, codes = np.isnan(values), None, None, None
    else:
        builder.add(arr)
        values, missing = builder.values.pop(), builder.missing.pop()
        text, ws, codes = builder.is_text.pop(), builder.ws.pop(), builder.codes.pop()
        hashes = builder.hashes.pop()
        builder._last = []
    text = np.zeros(values.size, bool) if text is None else text
    ws = np.zeros(values.size, bool) if ws is None else ws
    nonfinite = np.isinf(values) & ~missing & ~text
    if capped:
        nonfinite |= overflowing(values) & ~missing
    return Cells(values, missing, text, ws, nonfinite, codes, builder.vocab, arr, hashes)
