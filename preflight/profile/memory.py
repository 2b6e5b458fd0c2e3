"""Handing freed memory back to the system.

A scan frees each partition's batches and scratch arrays as it goes, but the allocators keep
what was freed: glibc's malloc in its per-thread arenas (numpy's arrays of a few MB come from
there once its adaptive mmap threshold has risen), Arrow's mimalloc pool in its segments. Left
there, a 5M-row scan's resident memory grew by about 90 bytes a row while it held 35
(benchmarks/scale.py). `release` after each partition of pass 1 (whose state grows) and after
each round of pass 2 returns what the pools hold. (A fixed
mmap threshold, which returns every large array at once, kept the same slope at nearly twice
the time: each array's pages are faulted in afresh.)
"""
from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None  # glibc only


def release() -> None:
    """Return freed memory to the system (glibc's malloc_trim, Arrow's pool); a no-op elsewhere."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
