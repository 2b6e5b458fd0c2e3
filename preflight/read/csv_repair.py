"""CSV files pyarrow refuses: stray carriage returns read when the intent is clear, else the line named.

pyarrow's CSV parser ends a row at every CR, so a field holding a bare CR (pandas writes them
unquoted: `1,x\ry,1.5`) splits its row: "Expected 4 columns, got 2". When the file's lines
end in LF and each line holding a stray CR has no quote character, the intent is clear:
those fields are quoted (the CR stays in the value) and the copy is parsed in memory.
Otherwise the error names the line and the character. Only runs after a parse failure.
"""
from __future__ import annotations

import bz2
import contextlib
import gzip
import re
from pathlib import Path

import pyarrow as pa

from preflight.files import open_regular
from preflight.printable import printable

REPAIR_BYTES = 512 << 20  # larger files are not copied into memory: the line is named instead
_STRAY_CR = re.compile(rb"\r(?!\n)")


def _raw(path: Path, limit: int | None) -> bytes | None:
    """The file's bytes (decompressed), or None past `limit` or for a compression Python lacks."""
    suffix = path.suffix.lower()
    if suffix == ".zst":
        return None
    with open_regular(path) as fh:
        stream = gzip.GzipFile(fileobj=fh) if suffix == ".gz" else bz2.BZ2File(fh) if suffix == ".bz2" else fh
        data = stream.read(-1 if limit is None else limit + 1)
    return None if limit is not None and len(data) > limit else data


def quote_stray_cr(path: Path, fmt: str) -> bytes | None:
    """The file with every field that holds a stray CR quoted, or None when there is none or the
    intent is not clear (no LF line ends, or a quote character on such a line)."""
    data = _raw(path, REPAIR_BYTES)
    if data is None or b"\n" not in data or not _STRAY_CR.search(data):
        return None
    delimiter = b"\t" if fmt == "tsv" else b","
    out, done = [], 0
    for match in _STRAY_CR.finditer(data):
        start = data.rfind(b"\n", 0, match.start()) + 1
        if start < done:  # a line already rewritten (it holds several stray CRs)
            continue
        end = data.find(b"\n", match.start())
        end = len(data) if end < 0 else end
        line = data[start:end]
        tail = b"\r" if line.endswith(b"\r") else b""  # a CRLF line end stays one
        body = line[:len(line) - len(tail)]
        if b'"' in body:
            return None
        fields = body.split(delimiter)
        out += [data[done:start], delimiter.join(b'"' + f + b'"' if b"\r" in f else f for f in fields), tail]
        done = end
    out.append(data[done:])
    return b"".join(out)


def explain(path: Path, fmt: str, reason: str) -> str:
    """A parse error's reason, with the line (and the character) that causes it when found."""
    stray = _first_stray_cr(path)
    if stray is not None:
        line, column = stray
        return (f"line {line}, character {column}: a carriage return (\\r) inside an unquoted field, which "
                "ends the row for the CSV reader (quote that field, or remove the character)")
    bad = _first_bad_row(path, fmt)
    if bad is not None:
        number, expected, actual, text = bad
        return f"line {number}: expected {expected} columns, got {actual}: {printable(text[:100])}"
    return reason


def _first_stray_cr(path: Path, chunk: int = 16 << 20) -> tuple[int, int] | None:
    """(line, character) of the first CR not followed by LF, 1-based, in a file that has LF line
    ends (a file of CR line ends has no stray CR); streamed, not read whole."""
    suffix = path.suffix.lower()
    if suffix == ".zst":
        return None
    first, lines, offset, line_start, has_lf, prev_cr = None, 1, 0, 0, False, False
    with open_regular(path) as fh:
        stream = gzip.GzipFile(fileobj=fh) if suffix == ".gz" else bz2.BZ2File(fh) if suffix == ".bz2" else fh
        while block := stream.read(chunk):
            if prev_cr and first is None and not block.startswith(b"\n"):
                first = (lines, offset - 1 - line_start + 1)  # the CR ended the previous block
            if first is None:
                match = _STRAY_CR.search(block[:-1] if block.endswith(b"\r") else block)
                if match:
                    before = block.count(b"\n", 0, match.start())
                    start = block.rfind(b"\n", 0, match.start())
                    col_base = offset + start + 1 if start >= 0 else line_start
                    first = (lines + before, offset + match.start() - col_base + 1)
            has_lf = has_lf or b"\n" in block
            count = block.count(b"\n")
            if count:
                lines += count
                line_start = offset + block.rfind(b"\n") + 1
            prev_cr = block.endswith(b"\r")
            offset += len(block)
            if first is not None and has_lf:
                return first
    return None


def _first_bad_row(path: Path, fmt: str) -> tuple[int, int, int, str] | None:
    import pyarrow.csv as pacsv

    found: list[tuple[int, int, int, str]] = []

    def handler(row) -> str:
        if row.number is not None:
            found.append((row.number, row.expected_columns, row.actual_columns, row.text))
        return "error"

    with contextlib.suppress(pa.ArrowException, OSError, ValueError):  # the handler's "error" ends the read
        pacsv.read_csv(path, read_options=pacsv.ReadOptions(use_threads=False, block_size=64 << 20),
                       parse_options=pacsv.ParseOptions(delimiter="\t" if fmt == "tsv" else ",",
                                                        invalid_row_handler=handler))
    return found[0] if found else None
