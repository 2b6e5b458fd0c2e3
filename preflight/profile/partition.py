"""Pass 1 of a table scan, for one partition: a pure function of a picklable spec and job, so it
runs alike in this process, in a worker process or on a Dask worker.

Its result has two halves, kept apart on purpose:
- `Accumulators`, what merges (profile/merge.py): per column the ColumnBuilder's counts,
  placeholder tallies, dtypes, examples, vocabulary and per-split PartBuilders (moments, with
  the per-batch moments they were folded from; the content-keyed sample; counts per category),
  plus how the vocabulary grew (`Coding`); the split names; rows per file. A constant per
  column, plus 48 bytes per batch.
- `PartitionRows`, the per-row arrays: per column and batch the values, masks, category codes
  and cell hashes (the label's packed: profile/packed.py), and the row and feature hashes.
  Today the checks read them all; the second half of issue 15 keeps only the hashes (16 bytes
  a row) and scores rows in a second pass.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from preflight.kernels.hashing import combine, splitmix64
from preflight.profile.cells import PLAIN, Reading
from preflight.profile.columns import ColumnBuilder
from preflight.profile.keep import ROW_LISTS, positions, sample_bound, thin
from preflight.profile.packed import Packed
from preflight.profile.splits import SplitColumn
from preflight.read.partitions import Partition, Replan, read_ahead


@dataclass(frozen=True)
class PassOne:
    """What every partition's pass 1 needs to know (travels with each partition)."""

    names: tuple[str, ...]        # the profiled columns in file order (not the split column)
    label: str | None
    split_col: str                # "" without a split column
    placeholders: tuple[str, ...]
    sample_rows: int
    seed: int
    file_splits: tuple[int, ...]  # per file: its split id from the layout (all 0 without one)
    where: str                    # the first file: named by a split column's errors
    threads: int = 1              # column threads inside the partition
    display: tuple[str, ...] = () # per file, as the progress line names it
    # columns read otherwise than plainly (cells.Reading, decided from pass 1's merged tallies)
    readings: tuple[tuple[str, Reading], ...] = ()
    # keep the features' per-row arrays for this many rows, the content-keyed sample
    # (profile/keep.py); None: for every row (a free-text column needs them all)
    keep_rows: int | None = None
    # with keep_rows: rows whose hash is at or above this cannot be among the sample (the plan
    # knows how many rows there are: keep.threshold); None: every row is a candidate
    keep_below: int | None = None
    # per file, the rows its splits' samples are drawn from (the table's; with splits by file,
    # those of the files of its split), when every partition knows its rows and the table holds
    # more than sample_rows: each partition's bottom-k samples let go of what the first
    # sample_rows of all cannot reach (keep.sample_bound); None: samples ship whole
    sample_total: tuple[int, ...] | None = None

    @property
    def features(self) -> list[str]:
        return [n for n in self.names if n != self.label]

    def builder(self, name: str) -> ColumnBuilder:
        return ColumnBuilder(name, list(self.placeholders), self.sample_rows,
                             max_codes=100_000 if name == self.label else 10_000,
                             reading=dict(self.readings).get(name, PLAIN), packs=name == self.label)


@dataclass
class Coding:
    """How a text column's vocabulary grew, so merged partitions decide as one reader would
    whether the column stays coded (ColumnBuilder codes a batch while the vocabulary before it
    plus the batch's distinct texts fit in max_codes)."""

    marks: list[tuple[int, int, int]] = field(default_factory=list)  # per coded text batch: (ordinal,
    # vocabulary size before it, distinct texts in it)
    uncoded_from: int | None = None  # the batch ordinal from which the column is no longer coded


@dataclass
class Accumulators:
    columns: dict[str, ColumnBuilder]  # the builders with their per-row lists emptied
    coding: dict[str, Coding]
    splits: list[str] | None           # split-column names by this state's ids (None: no split column)
    file_rows: dict[int, int]          # rows per file index
    batches: int                       # batches read: the ordinals of Coding


@dataclass
class ColumnRows:
    """One column's per-row arrays, per batch (None: a batch of native numbers, as in ColumnBuilder)."""

    values: list[np.ndarray]
    missing: list[np.ndarray]
    is_text: list[np.ndarray | None]
    ws: list[np.ndarray | None]
    codes: list[np.ndarray | None]     # ids into `vocab`
    hashes: list[np.ndarray | None]
    vocab: list[str]                   # this partition's texts by id (renumbered after the merge)
    raw: list | None = None            # the cells as written while the column may be free text
    packed: list[Packed] | None = None  # the label's batches instead (ColumnBuilder.packed)


@dataclass
class PartitionRows:
    columns: dict[str, ColumnRows]
    feature_hash: list[np.ndarray]     # uint64 per row, per batch
    row_hash: list[np.ndarray]
    split_ids: list[np.ndarray]        # per batch, ids into split_names (split column only)
    split_names: list[str]
    batch_files: list[int]             # per batch, its file index
    label: str | None = None           # its arrays are every row's: the label codes and values
    kept: list[np.ndarray | None] = field(default_factory=list)  # per batch, the rows whose feature
    # arrays are kept (profile/keep.py; None: all of them)

    def features(self) -> list[ColumnRows]:
        return [c for name, c in self.columns.items() if name != self.label]

    @property
    def nbytes(self) -> int:
        arrays = [a for c in self.columns.values() for name in ROW_LISTS for a in getattr(c, name)]
        arrays += [a for c in self.columns.values() for a in [*(c.raw or ()), *(c.packed or ())]]
        arrays += [*self.feature_hash, *self.row_hash, *self.split_ids]
        return sum(a.nbytes for a in arrays if a is not None)


@dataclass
class PartitionProfile:
    index: int
    rows: int
    accumulators: Accumulators
    arrays: PartitionRows


def profile_partition(part: Partition, job: PassOne, pool: ThreadPoolExecutor | None = None,
                      on_batch: Callable[[int], None] | None = None) -> PartitionProfile | Replan:
    """Read and profile one partition. A Replan is returned, not raised (it is no failure: the
    plan changes and pass 1 runs again); unreadable data raises DataError."""
    if pool is None and job.threads > 1:
        with ThreadPoolExecutor(job.threads) as own:
            return profile_partition(part, job, own, on_batch)
    run: Any = pool.map if pool is not None else map
    names, label = job.names, job.label
    builders = {n: job.builder(n) for n in names}
    coding = {n: Coding() for n in names}
    features = job.features
    seed = np.uint64(job.seed)
    reader = SplitColumn(job.split_col, job.where) if job.split_col else None
    out = PartitionRows({}, [], [], [], [], [], label)
    thinned = [builders[n] for n in features]
    rows = held = 0  # rows read, rows whose feature arrays are held
    try:
        for ordinal, batch in enumerate(read_ahead(part)):
            n = batch.num_rows
            columns = [batch.column(name) for name in names]
            split: int | np.ndarray = reader.add(batch.column(job.split_col), part.file) if reader is not None \
                else job.file_splits[part.file]
            before = {name: (len(b.vocab), b._coded) for name, b in builders.items()}
            hashes = dict(zip(names, run(lambda name, col, s=split: builders[name].add(col, s), names, columns)))
            for name, b in builders.items():
                _mark(coding[name], b, ordinal, *before[name])
            fh = combine([hashes[c] for c in features], n)
            rh = combine([fh, hashes[label]], n) if label else fh
            priorities = splitmix64(rh ^ seed)
            list(run(ColumnBuilder.add_sample, builders.values(), [priorities] * len(builders)))
            out.feature_hash.append(fh)
            out.row_hash.append(rh)
            out.batch_files.append(part.file)
            out.kept.append(None)
            rows += n
            held += n
            if job.keep_below is not None:  # most rows are no candidates: let them go at once
                below = np.flatnonzero(rh < np.uint64(job.keep_below))
                thin(thinned, out.kept, [below], first=len(out.kept) - 1)
                held += below.size - n
            if job.keep_rows is not None and held > 2 * job.keep_rows:  # thinned when twice the sample
                held = _thin(thinned, out, job.keep_rows)
            if on_batch is not None:
                on_batch(n)
    except Replan as replan:
        return replan
    if reader is not None:
        out.split_ids, out.split_names = reader.chunks, reader.names
    if job.keep_rows is not None:
        _thin(thinned, out, job.keep_rows)
    if job.sample_total is not None:  # the merge tree carries about k/sample_total of each sample, not k
        total = job.sample_total[part.file]
        for b in builders.values():
            for split in b.parts.values():
                below = sample_bound(split.sample.offered, rows, total, split.sample.k)
                if below is not None:
                    split.sample.bounded(below)
    for name, b in builders.items():
        out.columns[name] = ColumnRows(*(getattr(b, key) for key in ROW_LISTS), vocab=list(b.vocab), raw=b.raw,
                                       packed=b.packed)
        for key in ROW_LISTS:
            setattr(b, key, [])
        b.raw = [] if b.raw is not None else None
        b.packed = [] if b.packed is not None else None
        b._last = []
    acc = Accumulators(builders, coding, list(reader.names) if reader is not None else None,
                       {part.file: rows}, len(out.batch_files))
    return PartitionProfile(part.index, rows, acc, out)


def _thin(builders: list[ColumnBuilder], out: PartitionRows, k: int) -> int:
    """Thin to the partition's first k rows by hash; the rows held after."""
    picks = positions(out.row_hash, out.kept, k)
    if picks is not None:
        thin(builders, out.kept, picks)
    return sum(h.size if x is None else x.size for h, x in zip(out.row_hash, out.kept))


def _mark(coding: Coding, builder: ColumnBuilder, ordinal: int, vocab_before: int, coded_before: bool) -> None:
    codes = builder.last_codes()
    if codes is None or not coded_before:  # a batch of native numbers, or a column no longer coded
        return
    if not builder._coded:
        coding.uncoded_from = ordinal
        return
    present = codes[codes >= 0]
    coding.marks.append((ordinal, vocab_before, int(np.count_nonzero(np.bincount(present))) if present.size else 0))
