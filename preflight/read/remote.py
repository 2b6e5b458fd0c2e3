"""Files behind fsspec URLs (s3://, gs://, abfs://, hdfs://, file://): listing, sizes, byte
ranges. Local paths go through the same three calls on today's code (open, stat, pyarrow).

Parquet row groups and the byte spans of a large CSV are read in place (ranged reads); a file
read whole (a CSV up to read.tabular.STREAM_BYTES, JSON lines, a compressed file) is copied to
a temporary file first and read by the local code, so both read alike. fsspec and the
filesystem's package (s3fs, gcsfs, adlfs, ...) are needed only for URLs.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO

import pyarrow as pa

from preflight.errors import DataError
from preflight.read.tabular import FORMATS, PEEK_BYTES, file_format

if TYPE_CHECKING:
    import pyarrow.parquet as pq


def is_url(path: object) -> bool:
    """An fsspec URL (s3://, gs://, abfs://, hdfs://, file://, ...); local paths are not."""
    scheme, sep, _ = str(path).partition("://")
    return bool(sep) and len(scheme) > 1 and scheme.replace("+", "").replace("-", "").replace(".", "").isalnum()


def filesystem(url: str) -> tuple[Any, str]:
    """(fsspec filesystem, path inside it); a one-line DataError naming what to install."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise DataError(f"{url}: reading URLs needs fsspec (pip install 'preflight[dask]', or pip install fsspec "
                        "and the filesystem's package, such as s3fs or gcsfs).") from None
    try:
        return url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise DataError(f"{url}: cannot open this URL: {str(exc).splitlines()[0]}") from None


@contextlib.contextmanager
def open_binary(path: str) -> Iterator[BinaryIO]:
    if not is_url(path):
        with open(path, "rb") as fh:
            yield fh
        return
    fs, inner = filesystem(path)
    with fs.open(inner, "rb") as fh:
        yield fh


def size(path: str) -> int:
    if not is_url(path):
        return os.stat(path).st_size
    fs, inner = filesystem(path)
    return int(fs.size(inner))


def parquet_file(path: str) -> pq.ParquetFile:
    import pyarrow.parquet as pq

    if not is_url(path):
        return pq.ParquetFile(path)
    fs, inner = filesystem(path)
    return pq.ParquetFile(fs.open(inner, "rb"))  # closed with the ParquetFile


def read_whole(url: str, fmt: str, text: set[str], block: int) -> pa.Table:
    """A remote file read whole: copied to a temporary file (same name), read by the local code."""
    from preflight.read.tabular import CsvInput, _read_csv, _read_jsonl

    fs, inner = filesystem(url)
    with tempfile.TemporaryDirectory(prefix="preflight-") as folder:
        local = Path(folder) / PurePosixPath(inner).name
        with fs.open(inner, "rb") as src, open(local, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        try:
            if fmt in ("csv", "tsv"):
                return _read_csv(local, fmt, text, CsvInput(block=block))
            return _read_jsonl(local)
        except DataError as exc:
            raise DataError(str(exc).replace(str(local), url)) from None


@dataclass(frozen=True)
class UrlSource:
    """The files behind a URL, read as one table (read.tabular.TabularSource's shape)."""

    root: str
    files: tuple[str, ...]
    columns: tuple[str, ...]
    ignored: tuple[tuple[str, str], ...] = ()

    def display(self, file: str) -> str:
        if file == self.root:
            return file
        return file[len(self.root.rstrip("/")) + 1:]


def open_url(url: str) -> UrlSource:
    fs, inner = filesystem(url)
    try:
        if not fs.exists(inner):
            raise DataError(f"{url}: no such file or folder.")
        if fs.isdir(inner):
            base = url.rstrip("/")
            top = inner.rstrip("/")
            found = sorted(p for p in fs.find(inner) if file_format(PurePosixPath(p)))
            files = tuple(f"{base}/{p[len(top) + 1:]}" for p in found)
            if not files:
                raise DataError(f"{url}: no data files found (supported: {', '.join(sorted(FORMATS))}).")
        else:
            if file_format(PurePosixPath(inner)) is None:
                raise DataError(f"{url}: unsupported format (supported: {', '.join(sorted(FORMATS))}).")
            files = (url,)
        columns = header_names(files[0])
        for other in files[1:]:
            cols = header_names(other)
            if set(cols) != set(columns):
                missing, extra = sorted(set(columns) - set(cols)), sorted(set(cols) - set(columns))
                raise DataError(f"{other}: columns differ from {PurePosixPath(files[0]).name}"
                                f" (missing: {missing or 'none'}; extra: {extra or 'none'}).")
    except DataError:
        raise
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise DataError(f"{url}: cannot read: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    return UrlSource(url.rstrip("/") if len(files) > 1 or files[0] != url else url, files, tuple(columns))


def header_names(url: str) -> list[str]:
    """A remote file's column names (read.tabular.peek_columns for URLs)."""
    import pyarrow.csv as pacsv

    fmt = file_format(PurePosixPath(url))
    fs, inner = filesystem(url)
    if fs.size(inner) == 0:
        raise DataError(f"{url}: file is empty (no header).")
    if fmt == "parquet":
        names = parquet_file(url).schema_arrow.names
    else:
        import fsspec

        with fsspec.open(url, "rb", compression="infer") as fh:
            if fmt in ("csv", "tsv"):
                options = pacsv.ReadOptions(block_size=PEEK_BYTES)
                parse = pacsv.ParseOptions(delimiter="\t" if fmt == "tsv" else ",")
                names = pacsv.open_csv(fh, read_options=options, parse_options=parse).schema.names
            else:
                names = _first_object_keys(fh, url)
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise DataError(f"{url}: duplicate column names {dupes}.")
    return list(names)


def _first_object_keys(fh: BinaryIO, url: str) -> list[str]:
    for number, line in enumerate(fh, 1):
        if line.strip():
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise DataError(f"{url}: line {number} is not a JSON object.")
            return list(obj)
    raise DataError(f"{url}: no JSON objects found.")
