"""Handing freed memory back to the system.

A scan frees each partition's batches and scratch arrays as it goes, but the allocators keep
what was freed: glibc's malloc in its per-thread arenas (numpy's arrays of a few MB come from
there once its adaptive mmap threshold has risen), Arrow's mimalloc pool in its segments. Left
there, a 5M-row scan's resident memory grew by about 90 bytes a row while it held 35
(benchmarks/scale.py). `release` after each partition returns what the pools hold;
`own_process` (the CLI only: it changes the process's allocator) has arrays of 256 KiB and more
mapped on their own, so freeing one returns it at once.
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


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MAP_FROM = 256 * 1024


def own_process() -> None:
    """In a process preflight owns (the CLI): a fixed mmap threshold, which also stops glibc
    from raising it as large arrays are freed. A no-op without glibc."""
    libc = _libc()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(M_MMAP_THRESHOLD, MAP_FROM)


def release() -> None:
    """Return freed memory to the system (glibc's malloc_trim, Arrow's pool); a no-op elsewhere."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
