"""The dataset as an ordered plan of partitions, each readable on its own: in this process, in
a worker process, or on a Dask worker (a Partition is a small picklable spec, never data).

A partition is a whole file (a CSV up to STREAM_BYTES, JSON lines, a Parquet file read in one
go), a range of a Parquet file's rows, or a byte range of a large CSV. Cuts fall where today's
single reader ends a batch, and each partition reads on the same grid, so its batches are
exactly the batches a whole-file read gives (a Parquet batch every `batch_rows` rows of the
file; a CSV batch per block, ending at the last line end before each multiple of the block
size): the profile of the partitions merged is the profile of the file, bit for bit.

Types: a whole file infers its own, as always. The spans of a large CSV after the first read
with the types its first block inferred (found when planning), so every span gives the same
columns; a span that meets a value its column's type cannot hold raises Replan (read that
column as text from the start of the file), as do a row longer than the block (grow it) and a
parse error (read the file whole, repairing stray carriage returns): the plan is made again
with the file's new hints and pass 1 starts over, as ReadRestart did.
"""
from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import pyarrow as pa

from preflight.errors import DataError
from preflight.read.remote import header_names, is_url, open_binary, parquet_file, read_whole, size
from preflight.read.splits import split_of
from preflight.read.tabular import (
    BATCH_ROWS,
    CSV_BLOCK_BYTES,
    MAX_BLOCK_BYTES,
    STREAM_BYTES,
    CsvInput,
    ReadRestart,
    _breaking_column,
    _csv_batches,
    _csv_options,
    _parquet_batches,
    _read_csv,
    _read_jsonl,
    _reason,
    _text_checked,
    file_format,
)

SPAN_BLOCKS = 8  # a large CSV is cut every 8 blocks (128 MB at the default block size)
_COMPRESSED = (".gz", ".bz2", ".zst")


@dataclass(frozen=True)
class CsvHints:
    """How a CSV file is read, grown after failures: block size, text columns, whole-file only."""

    block: int = CSV_BLOCK_BYTES
    text: frozenset[str] = frozenset()
    whole: bool = False  # a parse error: read whole (stray carriage returns repaired), never cut


@dataclass(frozen=True)
class Partition:
    """One independently readable piece of the dataset."""

    index: int                   # position in the plan: results merge in this order
    file: int                    # index of its file in the plan
    path: str                    # local path or fsspec URL
    fmt: str                     # csv | tsv | parquet | jsonl
    columns: tuple[str, ...]     # the dataset's columns, in the order batches hand them on
    batch_rows: int = BATCH_ROWS
    rows: tuple[int, int] | None = None  # Parquet: [start, stop) of the file's rows; None: whole file
    row_groups: tuple[int, ...] = ()     # Parquet: the row groups holding them
    skip: int = 0                        # Parquet: rows of the first row group before `start`
    span: tuple[int, int] | None = None  # CSV: [start, stop) bytes of the file; None: whole file
    header: int = 0                      # CSV span past the start: bytes of the header, read first
    streamed: bool = False               # CSV read whole: block by block (larger than STREAM_BYTES)
    hints: CsvHints = CsvHints()
    types: pa.Schema | None = None       # CSV span past the start: the types the first block inferred
    # An in-memory table (read.frames, scan(df)): the one partition that carries its data, since
    # there is no file to read it from (it pickles as Arrow IPC; local scans never copy it).
    table: pa.Table | None = field(default=None, compare=False, repr=False)

    @property
    def remote(self) -> bool:
        return is_url(self.path)


class Replan(Exception):
    """A file needs other hints (a column read as text, a larger block, a whole-file read):
    the plan is made again for it and pass 1 starts over."""

    def __init__(self, file: int, hints: CsvHints, why: str) -> None:
        super().__init__(why)
        self.file, self.hints, self.why = file, hints, why

    def __reduce__(self) -> tuple[Any, ...]:  # crosses process boundaries (Dask, process pools)
        return (Replan, (self.file, self.hints, self.why))


@dataclass(frozen=True)
class Plan:
    root: str                        # what was scanned, as given
    files: tuple[str, ...]           # local paths or URLs, in reading order
    display: tuple[str, ...]         # as findings name them (relative to a scanned folder)
    columns: tuple[str, ...]
    partitions: tuple[Partition, ...]
    ignored: tuple[tuple[str, str], ...] = ()
    hints: dict[int, CsvHints] = field(default_factory=dict, compare=False)

    @property
    def formats(self) -> tuple[str, ...]:
        return tuple(file_format(PurePosixPath(f)) or "" for f in self.files)

    @property
    def layout_splits(self) -> tuple[str, ...]:
        """Per file, the split its path names ("" for none; read.splits)."""
        if len(self.files) == 1 and self.display[0] == self.root:
            return (split_of(PurePosixPath(PurePosixPath(self.files[0]).name)),)
        return tuple(split_of(PurePosixPath(d)) for d in self.display)

    def replanned(self, changes: Sequence[Replan]) -> Plan:
        hints = dict(self.hints)
        for change in changes:
            hints[change.file] = change.hints
        return make_plan(self.root, self.files, self.display, self.columns, self.ignored, hints,
                         self.partitions[0].batch_rows if self.partitions else BATCH_ROWS)


Stamp = tuple[int, int]


def stamp(path: str) -> Stamp | None:
    """(size, modification time in ns) of a local file, to tell whether it changed between the
    scan's two reads; None for a URL (no cheap, reliable equivalent)."""
    if is_url(path):
        return None
    try:
        st = Path(path).stat()
    except OSError:  # no file behind it (a DataFrame scanned in memory)
        return None
    return (st.st_size, st.st_mtime_ns)


def plan_source(source: Any, batch_rows: int = BATCH_ROWS) -> Plan:
    """The plan of an opened source (read.tabular.TabularSource, or read.remote.UrlSource)."""
    files = tuple(str(f) for f in source.files)
    display = tuple(source.display(f) for f in source.files)
    if getattr(source, "table", None) is not None:  # a DataFrame in memory: one partition, one "file"
        columns = tuple(source.columns)
        whole = Partition(0, 0, files[0], "", columns, batch_rows, table=source.table)
        return Plan(str(source.root), files, display, columns, (whole,), tuple(source.ignored))
    return make_plan(str(source.root), files, display, tuple(source.columns), tuple(source.ignored), {}, batch_rows)


def make_plan(root: str, files: Sequence[str], display: Sequence[str], columns: tuple[str, ...],
              ignored: tuple[tuple[str, str], ...], hints: dict[int, CsvHints], batch_rows: int) -> Plan:
    parts: list[Partition] = []
    for index, path in enumerate(files):
        try:
            parts += _file_partitions(index, path, columns, hints.get(index, CsvHints()), batch_rows, len(parts))
        except (DataError, Replan):
            raise
        except (pa.ArrowException, OSError, ValueError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: cannot read: {_reason(exc, Path(path))}") from None
    return Plan(root, tuple(files), tuple(display), columns, tuple(parts), ignored, dict(hints))


def _file_partitions(index: int, path: str, columns: tuple[str, ...], hints: CsvHints, batch_rows: int,
                     first: int) -> list[Partition]:
    fmt = file_format(PurePosixPath(path)) or ""
    whole = Partition(first, index, path, fmt, columns, batch_rows, hints=hints)
    compressed = PurePosixPath(path).suffix.lower() in _COMPRESSED
    if fmt == "parquet":
        meta = parquet_file(path).metadata
        counts = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
        return [replace(whole, index=first + i, rows=rows, row_groups=groups, skip=skip)
                for i, (rows, groups, skip) in enumerate(_row_spans(counts, batch_rows))]
    if fmt not in ("csv", "tsv") or compressed:
        return [whole]
    length = size(path)
    if length <= STREAM_BYTES:
        return [whole]
    if hints.whole:
        return [replace(whole, streamed=True)]
    return [replace(whole, index=first + i, span=span, header=header, types=types)
            for i, (span, header, types) in enumerate(_byte_spans(index, path, fmt, length, hints))]


def _row_spans(counts: Sequence[int], batch_rows: int) -> list[tuple[tuple[int, int] | None, tuple[int, ...], int]]:
    """Parquet: a partition from each row group's first batch boundary (today's batches run
    across row groups every batch_rows rows of the file) to the next; one whole-file partition
    when that leaves only one."""
    total = sum(counts)
    starts = [sum(counts[:g]) for g in range(len(counts))]
    cuts = sorted({0, *(min(-(-s // batch_rows) * batch_rows, total) for s in starts)} - {total})
    if len(cuts) <= 1:
        return [(None, (), 0)]
    out = []
    for start, stop in zip(cuts, [*cuts[1:], total]):
        groups = tuple(g for g, s in enumerate(starts) if s < stop and s + counts[g] > start)
        out.append(((start, stop), groups, start - starts[groups[0]]))
    return out


def _byte_spans(index: int, path: str, fmt: str, length: int, hints: CsvHints):
    """A large CSV: cuts every SPAN_BLOCKS blocks, each after the last line end before a multiple
    of the block size (where the streaming reader ends a block), plus the first block's types."""
    types = _first_block_types(index, path, fmt, hints)
    block = hints.block
    cuts = [0]
    with open_binary(path) as fh:
        header = _line_end(fh, 0, min(length, MAX_BLOCK_BYTES), forward=True)
        k = SPAN_BLOCKS
        while k * block < length:
            cut = _line_end(fh, max(cuts[-1], (k - 1) * block), k * block, forward=False)
            if cut is not None and cut > cuts[-1]:
                cuts.append(cut)
            k += SPAN_BLOCKS
    if header is None:
        header = length
    spans = list(zip(cuts, [*cuts[1:], length]))
    return [((s, e), header if s else 0, types if s else None) for s, e in spans]


def _line_end(fh: BinaryIO, lo: int, hi: int, forward: bool) -> int | None:
    """The offset just past a line end in [lo, hi): the first (forward), else the last one,
    as pyarrow's chunker finds it (a CR or an LF). None when there is none."""
    window = 1 << 16
    if forward:
        pos = lo
        while pos < hi:
            fh.seek(pos)
            chunk = fh.read(min(window, hi - pos))
            if not chunk:
                return None
            hits = [i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0]
            if hits:
                end = pos + min(hits) + 1
                fh.seek(end - 1)
                pair = fh.read(2)
                return end + 1 if pair == b"\r\n" else end
            pos += len(chunk)
        return None
    end = hi
    while end > lo:
        start = max(lo, end - window)
        fh.seek(start)
        chunk = fh.read(end - start)
        at = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if at >= 0:
            return start + at + 1
        end = start
        window *= 4
    return None


def _first_block_types(index: int, path: str, fmt: str, hints: CsvHints) -> pa.Schema:
    """The types the streaming reader infers from the file's first block (text columns as text)."""
    import pyarrow.csv as pacsv

    plan = CsvInput(block=hints.block)
    try:
        with open_binary(path) as fh:
            reader = pacsv.open_csv(fh, **_csv_options(fmt, set(hints.text), plan))
            schema = reader.schema
    except pa.ArrowInvalid as exc:
        raise _replan(index, path, hints, exc) from None
    _text_checked(Path(path), schema)
    return schema


def _replan(index: int, path: str, hints: CsvHints, exc: pa.ArrowInvalid) -> Exception:
    """What a CSV read failure asks for: a column as text, a larger block, or the file read whole."""
    text = str(exc)
    name = _column_named(path, exc)
    if name is not None and name not in hints.text:
        return Replan(index, replace(hints, text=hints.text | {name}), f"column '{name}' is read as text")
    if "straddling" in text and hints.block < MAX_BLOCK_BYTES:
        grown = replace(hints, block=min(hints.block * 4, MAX_BLOCK_BYTES))
        return Replan(index, grown, "a row is longer than a block")
    if "CSV parse error" in text and not hints.whole:
        return Replan(index, replace(hints, whole=True), "the file is read whole")
    return DataError(f"{path}: cannot read: {_reason(exc, Path(path))}")


def _column_named(path: str, exc: pa.ArrowInvalid) -> str | None:
    """The column a conversion error names (read.tabular._breaking_column, for URLs too)."""
    if not is_url(path):
        return _breaking_column(Path(path), exc)
    from preflight.read.tabular import _CSV_COLUMN

    match = _CSV_COLUMN.search(str(exc))
    if not match or "conversion error" not in str(exc) or "UTF8" in str(exc):
        return None
    return header_names(path)[int(match.group(1))]


# --- reading one partition ---------------------------------------------------------------------

def read_partition(part: Partition) -> Iterator[pa.RecordBatch]:
    """The partition's batches, columns in the dataset's order. Raises DataError, or Replan."""
    try:
        if part.table is not None:
            yield from _batches(part.table.select(list(part.columns)), part.batch_rows)
        elif part.fmt == "parquet":
            yield from _parquet(part)
        elif part.fmt in ("csv", "tsv") and part.span is not None:
            yield from _csv_span(part)
        elif part.remote:
            table = read_whole(part.path, part.fmt, set(part.hints.text), part.hints.block)
            yield from _batches(table.select(list(part.columns)), part.batch_rows)
        elif part.fmt in ("csv", "tsv") and part.streamed:
            yield from _streamed_csv(part)
        elif part.fmt in ("csv", "tsv"):
            table = _read_csv(Path(part.path), part.fmt, set(part.hints.text), CsvInput(block=part.hints.block))
            yield from _batches(table.select(list(part.columns)), part.batch_rows)
        else:
            yield from _batches(_read_jsonl(Path(part.path)).select(list(part.columns)), part.batch_rows)
    except (DataError, Replan):
        raise
    except (pa.ArrowException, OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{part.path}: cannot read: {_reason(exc, Path(part.path))}") from None


def read_ahead(part: Partition) -> Iterator[pa.RecordBatch]:
    """read_partition's batches, the next one read on a thread while this one is profiled
    (decoding releases the GIL): one batch more in memory, the reads off the critical path."""
    batches = read_partition(part)
    with ThreadPoolExecutor(1) as reader:
        pending = reader.submit(next, batches, None)
        while (batch := pending.result()) is not None:
            pending = reader.submit(next, batches, None)
            yield batch


def _batches(table: pa.Table, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """As read.tabular.iter_batches hands a table read whole on."""
    yield from table.to_batches(max_chunksize=batch_rows) or [pa.RecordBatch.from_pylist([], schema=table.schema)]


def _streamed_csv(part: Partition) -> Iterator[pa.RecordBatch]:
    """A large CSV read whole, block by block: today's reader, its restarts turned into Replan."""
    holder = _Hints(part)
    try:
        yield from _csv_batches(Path(part.path), part.fmt, holder)  # type: ignore[arg-type]
    except ReadRestart as exc:
        path = Path(part.path)
        hints = replace(part.hints, text=frozenset(holder.text_columns[path]), block=holder.csv_inputs[path].block)
        raise Replan(part.file, hints, str(exc)) from None


class _Hints:
    """The two dicts read.tabular's streaming reader keeps its adjustments in, seeded from hints."""

    def __init__(self, part: Partition) -> None:
        path = Path(part.path)
        self.columns = part.columns
        self.text_columns = {path: set(part.hints.text)}
        self.csv_inputs = {path: CsvInput(block=part.hints.block)}


def _parquet(part: Partition) -> Iterator[pa.RecordBatch]:
    if part.rows is None and not part.remote and part.batch_rows == BATCH_ROWS:
        yield from _parquet_batches(Path(part.path), part.columns)  # today's reader, as it was
        return
    handle = parquet_file(part.path)
    columns = list(part.columns)
    if part.rows is None:
        start, stop, groups, skip = 0, handle.metadata.num_rows, None, 0
    else:
        (start, stop), groups, skip = part.rows, list(part.row_groups), part.skip
    if stop == start:
        yield pa.RecordBatch.from_pylist([], schema=handle.schema_arrow).select(columns)
        return
    pieces = handle.iter_batches(batch_size=part.batch_rows, row_groups=groups, columns=columns)
    for batch in _regrid(pieces, skip, stop - start, part.batch_rows):
        yield batch.select(columns)


def _regrid(pieces: Iterator[pa.RecordBatch], skip: int, total: int, size: int) -> Iterator[pa.RecordBatch]:
    """`total` rows after the first `skip`, as batches of `size` rows (the last shorter)."""
    pending: list[pa.RecordBatch] = []
    held = 0
    for piece in pieces:
        if skip:
            if piece.num_rows <= skip:
                skip -= piece.num_rows
                continue
            piece, skip = piece.slice(skip), 0
        pending.append(piece)
        held += piece.num_rows
        while total and held >= min(size, total):
            need = min(size, total)
            batch, pending = _take(pending, need)
            held -= need
            total -= need
            yield batch
        if not total:
            return
    if total:
        raise DataError(f"Parquet file ended {total} rows early")


def _take(pending: list[pa.RecordBatch], need: int) -> tuple[pa.RecordBatch, list[pa.RecordBatch]]:
    if pending[0].num_rows == need:
        return pending[0], pending[1:]
    got, used = 0, 0
    while got < need:
        got += pending[used].num_rows
        used += 1
    over = got - need
    head = pending[:used]
    rest = pending[used:]
    if over:
        last = head[-1]
        head[-1] = last.slice(0, last.num_rows - over)
        rest = [last.slice(last.num_rows - over), *rest]
    table = pa.Table.from_batches(head).combine_chunks()
    return table.to_batches(max_chunksize=need)[0], rest


def _csv_span(part: Partition) -> Iterator[pa.RecordBatch]:
    import pyarrow.csv as pacsv

    assert part.span is not None
    start, stop = part.span
    hints = part.hints
    text = set(hints.text)
    options = _csv_options(part.fmt, text, CsvInput(block=hints.block))
    if part.types is not None:  # after the first span: the first block's types, text columns as text
        types = {f.name: (pa.string() if f.name in text else f.type) for f in part.types}
        options["convert_options"].column_types = types
    columns = list(part.columns)
    with open_binary(part.path) as fh:
        header = b""
        if start:
            fh.seek(0)
            header = fh.read(part.header)
        stream = _OnGrid(fh, header, start, stop, hints.block)
        try:
            reader = pacsv.open_csv(stream, **options)
            _text_checked(Path(part.path), reader.schema)
            for batch in reader:
                yield batch.select(columns)
        except pa.ArrowInvalid as exc:
            raise _replan(part.file, part.path, hints, exc) from None


class _OnGrid(io.RawIOBase):
    """Bytes [start, stop) of a file, after the header, in reads that end on multiples of the
    block size of the file's offsets: the blocks (and so the batches) a read of the whole file
    makes there."""

    def __init__(self, fh: BinaryIO, header: bytes, start: int, stop: int, block: int) -> None:
        super().__init__()
        self.fh, self.pending, self.pos, self.stop, self.block = fh, header, start, stop, block
        fh.seek(start)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.pos >= self.stop:
            out, self.pending = self.pending, b""
            return out
        grid = (self.pos // self.block + 1) * self.block
        end = min(self.stop, grid)
        data = self.fh.read(end - self.pos)
        self.pos += len(data)
        if not data:
            self.stop = self.pos
        out, self.pending = self.pending + data, b""
        return out

    def readinto(self, buffer: Any) -> int:  # pragma: no cover (pyarrow calls read)
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)
