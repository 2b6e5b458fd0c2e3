"""Tabular files -> pyarrow record batches, with one-line errors naming the file."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from preflight.errors import DataError
from preflight.printable import printable

FORMATS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet",
           ".jsonl": "jsonl", ".ndjson": "jsonl"}
BATCH_ROWS = 262_144
CSV_BLOCK_BYTES = 16 << 20
MAX_BLOCK_BYTES = 1 << 30  # a CSV row (one huge cell) up to this size is read by growing the block
STREAM_BYTES = 512 << 20  # larger CSV files are streamed: memory bounded by a block, not the file
PEEK_BYTES = 1 << 16
_CSV_COLUMN = re.compile(r"In CSV column #(\d+)")


def file_format(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2", ".zst"):
        suffixes = suffixes[:-1]
    return FORMATS.get(suffixes[-1]) if suffixes else None


@dataclass
class CsvInput:
    """How one CSV file is parsed, adjusted after a failure and kept for the rest of the scan."""

    block: int = CSV_BLOCK_BYTES
    repaired: bytes | None = None  # the file with its stray-CR fields quoted (read.csv_repair)

    def source(self, path: Path) -> Path | pa.BufferReader:
        return path if self.repaired is None else pa.BufferReader(self.repaired)

    def adjust(self, path: Path, fmt: str, exc: pa.ArrowInvalid) -> bool:
        """After a parse error: True when it is worth another try (the block grown to hold a row
        longer than it, or stray carriage returns quoted)."""
        if "straddling" in str(exc) and self.block < MAX_BLOCK_BYTES:
            self.block = min(self.block * 4, MAX_BLOCK_BYTES)
            return True
        if self.repaired is None and "CSV parse error" in str(exc):
            from preflight.read.csv_repair import quote_stray_cr

            self.repaired = quote_stray_cr(path, fmt)
            return self.repaired is not None
        return False


@dataclass(frozen=True)
class TabularSource:
    """The files of one dataset, read as one table; `columns` in the first file's order."""

    root: Path
    files: tuple[Path, ...]
    columns: tuple[str, ...]
    text_columns: dict[Path, set[str]] = field(default_factory=dict, compare=False)  # read as text
    ignored: tuple[tuple[str, str], ...] = ()  # (rel, why): links out of the root, FIFOs, devices
    csv_inputs: dict[Path, CsvInput] = field(default_factory=dict, compare=False)  # grown after failures
    table: pa.Table | None = field(default=None, compare=False)  # an in-memory table (read.frames): no file

    def display(self, file: Path) -> str:
        if self.table is not None:
            return str(file)
        return str(file if self.root.is_file() else file.relative_to(self.root))


def open_tabular(path: Path) -> TabularSource:
    if not path.exists():
        raise DataError(f"{path}: no such file or folder.")
    ignored: list[tuple[str, str]] = []
    if path.is_file():
        if file_format(path) is None:
            raise DataError(f"{path}: unsupported format (supported: {', '.join(sorted(FORMATS))}).")
        files = [path]
    elif not path.is_dir():
        raise DataError(f"{path}: not a regular file (a FIFO, socket or device); preflight reads only regular "
                        "files and folders of them.")
    else:
        files, ignored = _list_folder(path)
        if not files:
            raise DataError(f"{path}: no data files found (supported: {', '.join(sorted(FORMATS))}).")
    columns = peek_columns(files[0])
    for other in files[1:]:
        cols = peek_columns(other)
        if set(cols) != set(columns):
            missing = sorted(set(columns) - set(cols))
            extra = sorted(set(cols) - set(columns))
            raise DataError(f"{other}: columns differ from {files[0].name}"
                            f" (missing: {missing or 'none'}; extra: {extra or 'none'}).")
    return TabularSource(path, tuple(files), tuple(columns), ignored=tuple(ignored))


def _list_folder(root: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """The data files under root (read.walk: links out of it and FIFOs are listed as ignored,
    never opened). A folder that cannot be listed fails the scan: half a dataset must not pass."""
    from preflight.read.walk import walk

    listing = walk(root)
    if listing.problems:
        rel, why = sorted(listing.problems)[0]
        raise DataError(f"{root / rel if rel != '.' else root}: cannot list this folder ({why}); its data files "
                        "would be left out (fix its permissions, or move it out of the dataset folder).")
    files = sorted(Path(full) for rel, full in listing.files if file_format(Path(rel)))
    return files, sorted(listing.ignored)


def peek_columns(path: Path) -> list[str]:
    fmt = file_format(path)
    try:
        if path.stat().st_size == 0:
            raise DataError(f"{path}: file is empty (no header).")
        if fmt in ("csv", "tsv"):

            names = _csv_header(path, fmt)
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            names = pq.ParquetFile(path).schema_arrow.names
        else:
            names = list(_first_json_object(path))
    except DataError:
        raise
    except (pa.ArrowException, OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read: {_reason(exc, path)}") from None
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise DataError(f"{path}: duplicate column names {dupes}.")
    return list(names)


def _csv_header(path: Path, fmt: str) -> list[str]:
    """Column names from a small first block (a full 16 MB block costs ~0.2 s); a header
    wider than the small block is read again with the full one."""
    import pyarrow.csv as pacsv

    plan = CsvInput(block=PEEK_BYTES)
    while True:
        try:
            return pacsv.open_csv(plan.source(path), **_csv_options(fmt, set(), plan)).schema.names
        except pa.ArrowInvalid as exc:
            if plan.block < CSV_BLOCK_BYTES:
                plan.block = CSV_BLOCK_BYTES
            elif not plan.adjust(path, fmt, exc):
                raise


class ReadRestart(Exception):
    """A streamed CSV column broke type inference after batches were handed on; the source now
    reads it as text, and the consumer starts again (rare: the first block decides the types)."""


def iter_batches(source: TabularSource) -> Iterator[tuple[int, pa.RecordBatch]]:
    """(file index, batch) in file order, columns in the source's order. Parquet is streamed by
    row groups; a CSV larger than STREAM_BYTES is streamed block by block (pyarrow's streaming
    reader parses on one thread), a smaller one read whole by the multithreaded reader.
    May raise ReadRestart (see there). An in-memory table (read.frames) is one file."""
    if source.table is not None:
        batches = source.table.select(list(source.columns)).to_batches(max_chunksize=BATCH_ROWS)
        for batch in batches or [pa.RecordBatch.from_pylist([], schema=source.table.schema)]:
            yield 0, batch
        return
    for index, path in enumerate(source.files):
        fmt = file_format(path)
        try:
            if fmt == "parquet":
                batches = _parquet_batches(path, source.columns)
            elif fmt in ("csv", "tsv") and path.stat().st_size > STREAM_BYTES:
                batches = _csv_batches(path, fmt, source)
            else:
                table = _read_table(path, source).select(list(source.columns))
                batches = iter(table.to_batches(max_chunksize=BATCH_ROWS) or
                               [pa.RecordBatch.from_pylist([], schema=table.schema)])
            for batch in batches:
                yield index, batch
        except (DataError, ReadRestart):
            raise
        except (pa.ArrowException, OSError, ValueError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: cannot read: {_reason(exc, path)}") from None


def _parquet_batches(path: Path, columns: tuple[str, ...]) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    yielded = False
    for batch in handle.iter_batches(batch_size=BATCH_ROWS, columns=list(columns)):
        yielded = True
        yield batch.select(list(columns))
    if not yielded:
        yield pa.RecordBatch.from_pylist([], schema=handle.schema_arrow).select(list(columns))


def _csv_batches(path: Path, fmt: str, source: TabularSource) -> Iterator[pa.RecordBatch]:
    import pyarrow.csv as pacsv

    columns = list(source.columns)
    as_string = source.text_columns.setdefault(path, set())
    plan = source.csv_inputs.setdefault(path, CsvInput())
    while True:
        yielded = False
        try:
            reader = pacsv.open_csv(plan.source(path), **_csv_options(fmt, as_string, plan))
            _text_checked(path, reader.schema)
            for batch in reader:
                yielded = True
                yield batch.select(columns)
            if not yielded:
                yield pa.RecordBatch.from_pylist([], schema=reader.schema).select(columns)
            return
        except pa.ArrowInvalid as exc:
            name = _breaking_column(path, exc)
            if name is None or name in as_string:
                if not plan.adjust(path, fmt, exc):
                    raise
                name = None
            else:
                as_string.add(name)
            if yielded:
                why = f"column '{name}' is read as text" if name else "its CSV is read again"
                raise ReadRestart(f"{path}: {why} from the start") from None


def _breaking_column(path: Path, exc: pa.ArrowInvalid) -> str | None:
    """The column a CSV conversion error names (None for any other error)."""
    match = _CSV_COLUMN.search(str(exc))
    if not match or "conversion error" not in str(exc) or "UTF8" in str(exc):
        return None
    return peek_columns(path)[int(match.group(1))]  # only on this rare path


def _read_table(path: Path, source: TabularSource) -> pa.Table:
    fmt = file_format(path)
    if fmt in ("csv", "tsv"):
        return _read_csv(path, fmt, source.text_columns.setdefault(path, set()),
                         source.csv_inputs.setdefault(path, CsvInput()))
    return _read_jsonl(path)


def _csv_options(fmt: str, as_string: set[str], plan: CsvInput) -> dict:
    import pyarrow.csv as pacsv

    return {
        "read_options": pacsv.ReadOptions(block_size=plan.block),
        "parse_options": pacsv.ParseOptions(delimiter="\t" if fmt == "tsv" else ",",
                                            newlines_in_values=plan.repaired is not None),
        # No null tokens: placeholders are judged (and counted) by the profile.
        "convert_options": pacsv.ConvertOptions(
            null_values=[], strings_can_be_null=False, quoted_strings_can_be_null=False,
            column_types={n: pa.string() for n in as_string}),
    }


def _read_csv(path: Path, fmt: str, as_string: set[str], plan: CsvInput) -> pa.Table:
    """Read with type inference; a column that breaks inference later is re-read as text."""
    import pyarrow.csv as pacsv

    while True:
        try:
            table = pacsv.read_csv(plan.source(path), **_csv_options(fmt, as_string, plan))
            _text_checked(path, table.schema)
            return table
        except pa.ArrowInvalid as exc:
            name = _breaking_column(path, exc)
            if name is not None and name not in as_string:
                as_string.add(name)
            elif not plan.adjust(path, fmt, exc):
                raise


def _text_checked(path: Path, schema: pa.Schema) -> None:
    """pyarrow reads text that is not UTF-8 as binary: say so instead of guessing."""
    for column in schema:
        if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
            raise DataError(f"{path}: cannot read: not valid UTF-8 text in column '{column.name}' "
                            "(re-save the file as UTF-8)")


def _open_text(path: Path):
    """The file as UTF-8 text, decompressed by its suffix (.gz, .bz2, .zst) as pyarrow's CSV reader
    does."""
    import io

    return io.TextIOWrapper(pa.input_stream(str(path), compression="detect"), encoding="utf-8")


def _first_json_object(path: Path) -> dict:
    with _open_text(path) as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise DataError(f"{path}: line {number} is not a JSON object.")
                return obj
    raise DataError(f"{path}: no JSON objects found.")


def _read_jsonl(path: Path) -> pa.Table:
    import pyarrow.json as pajson

    try:
        return pajson.read_json(pa.input_stream(str(path), compression="detect"))
    except pa.ArrowInvalid:
        pass  # e.g. a column that changes type between lines: fall back to text columns
    rows: list[dict] = []
    with _open_text(path) as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}: line {number} is not valid JSON ({exc.msg}).") from None
            if not isinstance(obj, dict):
                raise DataError(f"{path}: line {number} is not a JSON object.")
            rows.append(obj)
    names = list(dict.fromkeys(k for r in rows for k in r))
    cols = {n: pa.array([None if r.get(n) is None else str(r[n]) for r in rows], pa.string())
            for n in names}
    return pa.table(cols)


def _reason(exc: BaseException, path: Path) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "UTF8" in text or isinstance(exc, UnicodeDecodeError):
        return "not valid UTF-8 text (re-save the file as UTF-8)"
    fmt = file_format(path)
    if "straddling" in text:
        return (f"a single row is longer than {MAX_BLOCK_BYTES >> 20} MB, the most preflight reads at once "
                "(a cell that large is not tabular data)")
    if fmt in ("csv", "tsv") and "CSV parse error" in text:
        from preflight.read.csv_repair import explain

        text = explain(path, fmt, text)
    return printable(text[:300])
