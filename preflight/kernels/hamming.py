"""Near-equal 64-bit hashes without comparing all pairs (multi-index hashing).

Split the 64 bits into m chunks: two hashes within Hamming distance r agree to within
floor(r/m) bits on at least one chunk (pigeonhole). So only hashes whose chunk keys
match (up to those few flipped bits) are compared; m is chosen per dataset size to
keep the candidate count near linear (benchmarks/hamming.py measures it against all pairs).
Reference: the brute-force pairwise popcount (tests/test_kernels.py,
test_hamming_search_matches_brute_force at radius 0, 3, 6); `components` against scipy's
connected_components (test_components_match_scipy); `popcount` against bin(x).count("1").
"""
from __future__ import annotations

from itertools import combinations, pairwise

import numpy as np

BLOCK = 4_000_000  # candidate pairs materialised at once


def popcount(x: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x).astype(np.int64)
    table = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)
    return table[x.view(np.uint8).reshape(-1, 8)].sum(axis=1)


def hamming_pairs(h: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """All index pairs (i < j) with popcount(h[i] ^ h[j]) <= radius; h should be unique."""
    h = np.asarray(h, dtype=np.uint64)
    n = h.size
    if n < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    m = _chunks(n, radius)
    t = radius // m
    bounds = np.linspace(0, 64, m + 1).astype(int)
    found_a, found_b = [], []
    for lo, hi in pairwise(bounds):
        b = hi - lo
        keys = (h >> np.uint64(lo)) & np.uint64((1 << b) - 1)
        order = np.argsort(keys, kind="stable")
        sk = keys[order]
        for flips in range(t + 1):
            for bits in combinations(range(b), flips):
                mask = np.uint64(sum(1 << x for x in bits))
                q = keys ^ mask
                left = np.searchsorted(sk, q, "left")
                count = np.searchsorted(sk, q, "right") - left
                _collect(h, order, left, count, radius, found_a, found_b)
    if not found_a:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    key = np.unique(np.concatenate(found_a) * n + np.concatenate(found_b))
    return key // n, key % n


def _collect(h, order, left, count, radius, found_a, found_b) -> None:
    queries = np.flatnonzero(count)
    if queries.size == 0:
        return
    sizes = count[queries]
    ends = np.cumsum(sizes)
    start = 0
    while start < queries.size:  # in blocks, so a crowded bucket cannot exhaust memory
        stop = int(np.searchsorted(ends, (ends[start - 1] if start else 0) + BLOCK, "right"))
        stop = max(stop, start + 1)
        qs, sz = queries[start:stop], sizes[start:stop]
        a = np.repeat(qs, sz)
        offsets = np.arange(sz.sum()) - np.repeat(np.cumsum(sz) - sz, sz)
        b = order[np.repeat(left[qs], sz) + offsets]
        keep = a < b
        a, b = a[keep], b[keep]
        close = popcount(h[a] ^ h[b]) <= radius
        found_a.append(a[close])
        found_b.append(b[close])
        start = stop


def _chunks(n: int, radius: int) -> int:
    """The chunk count with the fewest expected lookups plus candidates (uniform-hash model)."""
    from math import comb

    best, best_cost = 1, float("inf")
    for m in range(1, min(radius + 1, 16) + 1):
        b = 64 // m
        t = radius // m
        variants = sum(comb(b, k) for k in range(t + 1))
        cost = n * m * variants * (8.0 + n / 2.0 ** b)  # a lookup costs ~8 candidate checks
        if cost < best_cost:
            best, best_cost = m, cost
    return best


def components(n: int, a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """Connected groups (size > 1) of 0..n-1 under edges (a, b): each ascending, by first item."""
    if a.size == 0:
        return []
    label = np.arange(n)  # min-label propagation with pointer jumping (no scipy import)
    while True:
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]
        if np.array_equal(new, label):
            break
        label = new
    order = np.lexsort((np.arange(n), label))
    starts = np.flatnonzero(np.r_[True, np.diff(label[order]) != 0])
    groups = [g for g in np.split(order, starts[1:]) if g.size > 1]
    groups.sort(key=lambda g: int(g[0]))
    return groups
