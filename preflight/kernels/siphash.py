"""SipHash-2-4 of UTF-8 strings, vectorised over a pyarrow string array.

Bit for bit what pandas.util.hash_array gives for strings (key "0123456789123456", then
its 64-bit finaliser), so row hashes, baselines and stats fingerprints keep their values,
without importing pandas (a third of a second of every scan's start-up) for one function.
Strings are processed word by word, longest first, so the active strings form a prefix.
Reference: pandas.util.hash_array(values, categorize=False), tests/test_kernels.py
(test_siphash_matches_pandas_hash_array: empty, 1-9 bytes, multi-byte UTF-8, 1,000 bytes,
offset slices).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from preflight.kernels.arrow import mask

_KEY = b"0123456789123456"
_K0 = int.from_bytes(_KEY[:8], "little")
_K1 = int.from_bytes(_KEY[8:], "little")
_U = np.uint64
LONG = 4096  # bytes: a longer text is hashed by pandas' SipHash in C (word by word here, one 17 MB cell took 130 s)


def _rotl(x: np.ndarray, b: int) -> np.ndarray:
    return (x << _U(b)) | (x >> _U(64 - b))


def _rounds(v: list[np.ndarray], n: int) -> None:
    v0, v1, v2, v3 = v
    for _ in range(n):
        v0 += v1
        v1 = _rotl(v1, 13) ^ v0
        v0 = _rotl(v0, 32)
        v2 += v3
        v3 = _rotl(v3, 16) ^ v2
        v0 += v3
        v3 = _rotl(v3, 21) ^ v0
        v2 += v1
        v1 = _rotl(v1, 17) ^ v2
        v2 = _rotl(v2, 32)
    v[:] = [v0, v1, v2, v3]


def _with_long_texts(arr: pa.Array, long: np.ndarray) -> np.ndarray:
    """The loop below runs once per 8-byte word of the longest string, over every string that long:
    texts over LONG bytes (rare; hostile data) go to pandas' hash_array, the reference, instead."""
    from pandas.util import hash_array

    out = np.empty(len(arr), np.uint64)
    out[~long] = hash_strings(arr.filter(mask(~long)))
    out[long] = hash_array(np.array(arr.filter(mask(long)).to_pylist(), dtype=object), categorize=False)
    return out


def hash_strings(arr: pa.Array) -> np.ndarray:
    """uint64 per string (nulls hash as the empty string; callers mask them)."""
    arr = arr.cast(pa.large_string()) if not pa.types.is_large_string(arr.type) else arr
    n = len(arr)
    if n == 0:
        return np.empty(0, np.uint64)
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, np.int64, n + 1, arr.offset * 8)
    starts, lengths = offsets[:-1], np.diff(offsets)
    if lengths.size and lengths.max() > LONG:
        return _with_long_texts(arr, lengths > LONG)
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.empty(0, np.uint8)
    # Unaligned 8-byte loads: eight shifted little-endian views of a zero-padded copy.
    padded = np.zeros(data.size + 16, np.uint8)
    padded[:data.size] = data
    words = len(padded) // 8 - 1
    views = [padded[s:s + 8 * words].view("<u8") for s in range(8)]

    def load(at: np.ndarray) -> np.ndarray:
        out = np.empty(at.size, np.uint64)
        shift = at % 8
        for s in range(8):
            pick = shift == s
            if pick.any():
                out[pick] = views[s][at[pick] // 8]
        return out

    order = np.argsort(-(lengths // 8), kind="stable")
    start, length = starts[order], lengths[order]
    full = length // 8
    with np.errstate(over="ignore"):
        v = [np.full(n, _U(_K0 ^ 0x736F6D6570736575)), np.full(n, _U(_K1 ^ 0x646F72616E646F6D)),
             np.full(n, _U(_K0 ^ 0x6C7967656E657261)), np.full(n, _U(_K1 ^ 0x7465646279746573))]
        active = np.searchsorted(-full, -np.arange(1, int(full.max(initial=0)) + 1), side="right")
        for j, m in enumerate(active):  # word j of the strings that have it: a prefix of `order`
            word = load(start[:m] + 8 * j)
            part = [x[:m] for x in v]
            part[3] ^= word
            _rounds(part, 2)
            part[0] ^= word
            for x, p in zip(v, part):
                x[:m] = p
        rest = length % 8
        tail = load(start + 8 * full)
        mask = np.where(rest > 0, (_U(1) << (_U(8) * rest.astype(np.uint64))) - _U(1), _U(0))
        mask = np.where(rest == 0, _U(0), mask)
        b = (tail & mask) | ((length.astype(np.uint64) & _U(0xFF)) << _U(56))
        v[3] ^= b
        _rounds(v, 2)
        v[0] ^= b
        v[2] ^= _U(0xFF)
        _rounds(v, 4)
        h = v[0] ^ v[1] ^ v[2] ^ v[3]
        h ^= h >> _U(30)
        h *= _U(0xBF58476D1CE4E5B9)
        h ^= h >> _U(27)
        h *= _U(0x94D049BB133111EB)
        h ^= h >> _U(31)
    out = np.empty(n, np.uint64)
    out[order] = h
    return out
