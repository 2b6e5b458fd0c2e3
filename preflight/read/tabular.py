"""Tabular files -> pyarrow record batches, with one-line errors naming the file."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pyarrow as pa

from preflight.errors import DataError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet",
           ".jsonl": "jsonl", ".ndjson": "jsonl"}
BATCH_ROWS = 262_144
CSV_BLOCK_BYTES = 16 << 20
PEEK_BYTES = 1 << 16
_CSV_COLUMN = re.compile(r"In CSV column #(\d+)")


def file_format(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2", ".zst"):
        suffixes = suffixes[:-1]
    return FORMATS.get(suffixes[-1]) if suffixes else None


@dataclass(frozen=True)
class TabularSource:
    """The files of one dataset, read as one table; `columns` in the first file's order."""

    root: Path
    files: tuple[Path, ...]
    columns: tuple[str, ...]

    def display(self, file: Path) -> str:
        return str(file if self.root.is_file() else file.relative_to(self.root))


def open_tabular(path: Path) -> TabularSource:
    if not path.exists():
        raise DataError(f"{path}: no such file or folder.")
    if path.is_file():
        if file_format(path) is None:
            raise DataError(f"{path}: unsupported format (supported: {', '.join(sorted(FORMATS))}).")
        files = [path]
    else:
        files = sorted(p for p in path.rglob("*") if p.is_file() and file_format(p)
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
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
    return TabularSource(path, tuple(files), tuple(columns))


def peek_columns(path: Path) -> list[str]:
    fmt = file_format(path)
    try:
        if path.stat().st_size == 0:
            raise DataError(f"{path}: file is empty (no header).")
        if fmt in ("csv", "tsv"):
            import pyarrow.csv as pacsv

            names = _csv_header(path, fmt)
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            names = pq.ParquetFile(path).schema_arrow.names
        else:
            names = list(_first_json_object(path))
    except DataError:
        raise
    except (pa.ArrowException, OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read: {_reason(exc)}") from None
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise DataError(f"{path}: duplicate column names {dupes}.")
    return list(names)


def _csv_header(path: Path, fmt: str) -> list[str]:
    """Column names from a small first block (a full 16 MB block costs ~0.2 s); a header
    wider than the small block is read again with the full one."""
    import pyarrow.csv as pacsv

    options = _csv_options(fmt, set(), ())
    try:
        small = dict(options, read_options=pacsv.ReadOptions(block_size=PEEK_BYTES))
        return pacsv.open_csv(path, **small).schema.names
    except pa.ArrowInvalid:
        return pacsv.open_csv(path, **options).schema.names


def iter_batches(source: TabularSource) -> Iterator[tuple[int, pa.RecordBatch]]:
    """(file index, batch) in file order, columns in the source's order."""
    for index, path in enumerate(source.files):
        table = _read_table(path)
        table = table.select(list(source.columns))
        for batch in table.to_batches(max_chunksize=BATCH_ROWS):
            yield index, batch
        if table.num_rows == 0:
            yield index, pa.RecordBatch.from_pylist([], schema=table.schema)


def _read_table(path: Path) -> pa.Table:
    fmt = file_format(path)
    try:
        if fmt in ("csv", "tsv"):
            return _read_csv(path, fmt)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return pq.read_table(path)
        return _read_jsonl(path)
    except DataError:
        raise
    except (pa.ArrowException, OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read: {_reason(exc)}") from None


def _csv_options(fmt: str, as_string: set[str], names: tuple[str, ...]) -> dict:
    import pyarrow.csv as pacsv

    return dict(
        read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(delimiter="\t" if fmt == "tsv" else ","),
        # No null tokens: placeholders are judged (and counted) by the profile.
        convert_options=pacsv.ConvertOptions(
            null_values=[], strings_can_be_null=False, quoted_strings_can_be_null=False,
            column_types={n: pa.string() for n in as_string}),
    )


def _read_csv(path: Path, fmt: str) -> pa.Table:
    """Read with type inference; a column that breaks inference later is re-read as text."""
    import pyarrow.csv as pacsv

    as_string: set[str] = set()
    while True:
        try:
            return _text_checked(path, pacsv.read_csv(path, **_csv_options(fmt, as_string, ())))
        except pa.ArrowInvalid as exc:
            match = _CSV_COLUMN.search(str(exc))
            if not match or "conversion error" not in str(exc) or "UTF8" in str(exc):
                raise
            name = peek_columns(path)[int(match.group(1))]  # only on this rare path: a peek reads a block
            if name in as_string:
                raise
            as_string.add(name)


def _text_checked(path: Path, table: pa.Table) -> pa.Table:
    """pyarrow reads text that is not UTF-8 as binary: say so instead of guessing."""
    for field in table.schema:
        if pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type):
            raise DataError(f"{path}: cannot read: not valid UTF-8 text in column '{field.name}' "
                            "(re-save the file as UTF-8)")
    return table


def _first_json_object(path: Path) -> dict:
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
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
        return pajson.read_json(path)
    except pa.ArrowInvalid:
        pass  # e.g. a column that changes type between lines: fall back to text columns
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    rows: list[dict] = []
    with opener(path, "rt", encoding="utf-8") as fh:
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


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "UTF8" in text or isinstance(exc, UnicodeDecodeError):
        return "not valid UTF-8 text (re-save the file as UTF-8)"
    return text
