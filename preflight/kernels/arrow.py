"""pyarrow <-> numpy through the arrays' buffers, without pyarrow's pandas shim.

pyarrow imports pandas on its first `to_numpy`, `pa.array` or Python scalar argument (its
lazy pandas shim asks whether the object is a pandas one), which costs ~0.2 s of CPU on
every scan that never touches pandas: a fifth of an image rescan. These helpers read and
build the few array kinds the profile needs from their buffers (public pyarrow API:
`buffers`, `from_buffers`, `py_buffer`), so a scan imports pandas only if a user's own
code does. Reference: pyarrow's own to_numpy / pa.array, at every offset, with and without
nulls and empty (tests/test_arrow.py, which also checks an image scan never imports pandas).
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa

_DTYPES = {pa.float64(): np.float64, pa.int64(): np.int64}


def numbers(arr: pa.Array, fill: float | int) -> np.ndarray:
    """A float64 or int64 array as numpy, `fill` where null (a read-only view when no null)."""
    dtype = _DTYPES[arr.type]
    data = arr.buffers()[1]
    if data is None or not len(arr):  # no values buffer: every slot is null (or there is none)
        return np.full(len(arr), fill, dtype)
    values = np.frombuffer(data, dtype, len(arr), arr.offset * np.dtype(dtype).itemsize)
    if arr.null_count:
        values = values.copy()
        values[~_valid(arr)] = fill
    return values


def bools(arr: pa.Array) -> np.ndarray:
    """A boolean array as numpy, False where null."""
    if not len(arr):
        return np.zeros(0, bool)
    out = _bits(arr.buffers()[1], arr.offset, len(arr))
    return out & _valid(arr) if arr.null_count else out


def mask(values: np.ndarray) -> pa.BooleanArray:
    """A numpy bool array as a pyarrow one (for pc.filter)."""
    packed = np.packbits(np.asarray(values, dtype=bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(packed)])


def strings(values: Iterable[str | None]) -> pa.StringArray:
    """Python strings (None: null) as a pyarrow string array."""
    items = list(values)
    encoded = [b"" if v is None else v.encode("utf-8") for v in items]
    offsets = np.zeros(len(items) + 1, np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    if offsets[-1] >= 2**31 - 1:
        raise ValueError("strings: more than 2 GB of text")  # large_string territory; not needed here
    validity = None
    if any(v is None for v in items):
        validity = pa.py_buffer(np.packbits(np.array([v is not None for v in items]), bitorder="little"))
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(items), [validity, pa.py_buffer(offsets), data])


def _valid(arr: pa.Array) -> np.ndarray:
    validity = arr.buffers()[0]
    return np.ones(len(arr), bool) if validity is None else _bits(validity, arr.offset, len(arr))


def _bits(buf: pa.Buffer | None, offset: int, n: int) -> np.ndarray:
    if buf is None:  # a boolean array with no values buffer: all null, read as False
        return np.zeros(n, bool)
    raw = np.frombuffer(buf, np.uint8)
    return np.unpackbits(raw, count=offset + n, bitorder="little")[offset:].view(bool)
