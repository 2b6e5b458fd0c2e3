"""An in-memory table (a pandas DataFrame or a pyarrow Table) as a one-table source.

No file is written: the frame becomes a pyarrow Table (`pa.Table.from_pandas`, the index left
out: `reset_index()` first to scan it) and is handed on in batches like a file's. Numbers,
booleans and strings keep their types; None and NaN are nulls; a column of mixed Python
objects (ints beside strs) is read as their str(), as `Stats.transform` reads it. So a frame
that pandas read from a CSV gets that CSV's findings, with one difference: cells pandas already
turned into NaN ("", "NA", "None", ...) arrive as nulls, so they are missing as in the file
scan, but missing-values cannot name their spelling.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from preflight.errors import DataError
from preflight.kernels.arrow import strings
from preflight.read.tabular import TabularSource

FRAME = "<DataFrame>"  # dataset.path and the file name in findings


def is_frame(data: Any) -> bool:
    """A pandas DataFrame (anything with .columns and .dtypes) or a pyarrow Table."""
    return isinstance(data, (pa.Table, pa.RecordBatch)) or (hasattr(data, "columns") and hasattr(data, "dtypes"))


def open_frame(data: Any) -> TabularSource:
    table = data if isinstance(data, pa.Table) else (
        pa.Table.from_batches([data]) if isinstance(data, pa.RecordBatch) else _from_pandas(data))
    names = [str(n) for n in table.column_names]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise DataError(f"{FRAME}: duplicate column names {dupes}.")
    table = table.rename_columns(names)
    for i, field in enumerate(table.schema):  # pandas' string dtype arrives as large_string; a file's text as string
        if pa.types.is_large_string(field.type) and table.column(i).nbytes < 2**31 - 1:
            table = table.set_column(i, field.name, table.column(i).cast(pa.string()))
    return TabularSource(Path(FRAME), (Path(FRAME),), tuple(names), table=table)


def _from_pandas(frame: Any) -> pa.Table:
    """Column by column, so one column of mixed Python objects does not fail the others."""
    arrays = []
    for name in frame.columns:
        column = frame[name]
        try:
            arrays.append(pa.array(column, from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            nulls = column.isna().tolist()
            arrays.append(strings(None if null else str(v) for v, null in zip(column.tolist(), nulls)))
    return pa.Table.from_arrays(arrays, names=[str(n) for n in frame.columns])
