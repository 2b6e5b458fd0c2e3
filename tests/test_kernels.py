"""The numeric kernels (preflight/kernels/) against their references, one contract each."""
from __future__ import annotations

import numpy as np
import pytest

from preflight.kernels.hamming import components, hamming_pairs, popcount
from preflight.kernels.hashing import MISSING_HASH, combine, first_by_hash, hash_floats, splitmix64, spread_copies

MASK = (1 << 64) - 1


def _splitmix64_reference(x: int) -> int:
    """SplitMix64's finaliser with the published constants, in plain Python integers."""
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def test_splitmix64_matches_the_reference() -> None:
    x = np.array([0, 1, 2, 2**63, MASK, 0x0123456789ABCDEF], dtype=np.uint64)
    assert splitmix64(x).tolist() == [_splitmix64_reference(int(v)) for v in x]
    assert x.tolist()[1] == 1  # the input is not modified


def test_number_hashes_ignore_spelling_and_sign_of_zero() -> None:
    v = np.array([1.0, 1.0, 0.0, -0.0, np.nan])
    h = hash_floats(v, np.isnan(v))
    assert h[0] == h[1] and h[2] == h[3] and h[4] == MISSING_HASH and len(set(h.tolist())) == 3
    assert hash_floats(np.array([1], dtype=np.int64))[0] == h[0]  # 1 and 1.0 alike
    assert hash_floats(np.array([1.0])).tolist() == [_splitmix64_reference(int(np.float64(1.0).view(np.uint64)))]


def test_combine_is_the_documented_fold_and_order_sensitive() -> None:
    rng = np.random.default_rng(0)
    cols = [rng.integers(0, 2**63, 50, dtype=np.uint64) for _ in range(3)]
    golden = 0x9E3779B97F4A7C15
    want = []
    for r in range(50):
        acc = 0
        for j, c in enumerate(cols):
            acc = _splitmix64_reference(acc ^ ((int(c[r]) + (j + 1) * golden) & MASK))
        want.append(acc)
    assert combine(cols, 50).tolist() == want
    assert not np.array_equal(combine(cols, 50), combine(cols[::-1], 50))


@pytest.mark.parametrize("k", [0, 1, 7, 100, 1000])
def test_first_by_hash_equals_a_stable_argsort(k: int) -> None:
    h = np.random.default_rng(1).integers(0, 40, 300).astype(np.uint64)  # many ties
    assert first_by_hash(h, k).tolist() == np.sort(np.argsort(h, kind="stable")[:k]).tolist()


@pytest.mark.parametrize("min_group", [2, 6, 9])
def test_spread_copies_matches_a_counting_reference(min_group: int) -> None:
    h = np.random.default_rng(2).integers(0, 30, 200).astype(np.uint64)  # groups of 1 to ~14
    total = {v: h.tolist().count(v) for v in set(h.tolist())}
    seen: dict[int, int] = {}
    want = []
    for v in h.tolist():
        r = seen.get(v, 0)
        seen[v] = r + 1
        spread = r > 0 and total[v] >= min_group
        want.append(_splitmix64_reference(v ^ _splitmix64_reference(r)) if spread else v)
    assert spread_copies(h, min_group).tolist() == want
    unique = np.arange(5, dtype=np.uint64)
    assert spread_copies(unique).tolist() == unique.tolist()  # unique rows keep their keys


def test_siphash_matches_pandas_hash_array() -> None:
    """Row hashes (and so baselines and fingerprints) keep pandas' values for text."""
    import pandas as pd
    import pyarrow as pa

    from preflight.kernels.siphash import hash_strings

    rng = np.random.default_rng(3)
    alphabet = list("abcé✓ 12\t")
    values = ["", "a", "abcdefg", "abcdefgh", "abcdefghi", "héllo wörld ✓", "x" * 1000] + \
        ["".join(rng.choice(alphabet, rng.integers(0, 40))) for _ in range(2000)]
    expected = pd.util.hash_array(np.array(values, dtype=object), categorize=False)
    assert np.array_equal(hash_strings(pa.array(values)), expected)
    assert np.array_equal(hash_strings(pa.array(values).slice(5, 100)), expected[5:105])  # offset arrays
    assert hash_strings(pa.array([], pa.string())).size == 0
    mixed = ["y" * 5000, "short", "é" * 3000, ""]  # texts over siphash.LONG bytes take pandas' C path
    assert np.array_equal(hash_strings(pa.array(mixed)),
                          pd.util.hash_array(np.array(mixed, dtype=object), categorize=False))


def test_popcount_matches_python() -> None:
    x = np.random.default_rng(2).integers(0, 2**63, 200, dtype=np.uint64) | np.uint64(1 << 63)
    assert popcount(x).tolist() == [bin(int(v)).count("1") for v in x]


def test_hamming_search_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    h = np.unique(rng.integers(0, 2**63, 1500, dtype=np.uint64))
    flips = rng.integers(0, 2**63, h.size, dtype=np.uint64) & rng.integers(0, 2**63, h.size, dtype=np.uint64) \
        & rng.integers(0, 2**63, h.size, dtype=np.uint64) & rng.integers(0, 2**63, h.size, dtype=np.uint64)
    h = np.unique(np.concatenate([h, h[:300] ^ flips[:300]]))
    for radius in (0, 3, 6):
        a, b = hamming_pairs(h, radius)
        d = popcount((h[:, None] ^ h[None, :]).reshape(-1)).reshape(h.size, h.size)
        i, j = np.nonzero(np.triu(d <= radius, 1))
        assert sorted(zip(a.tolist(), b.tolist())) == sorted(zip(i.tolist(), j.tolist()))
    # Its speed on 100,000 hashes is measured by benchmarks/hamming.py, not asserted here.


def test_components_match_scipy() -> None:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(3)
    for n, m in ((50, 30), (400, 390), (1000, 50), (300, 299)):
        a, b = rng.integers(0, n, m), rng.integers(0, n, m)
        if n == 300:  # a path visited from its far end: the slowest case for label propagation
            a, b = np.arange(299)[::-1] + 1, np.arange(299)[::-1]
        _, label = connected_components(coo_matrix((np.ones(m), (a, b)), shape=(n, n)), directed=False)
        want = sorted((np.flatnonzero(label == c) for c in np.unique(label) if (label == c).sum() > 1),
                      key=lambda g: int(g[0]))
        assert [g.tolist() for g in components(n, a, b)] == [g.tolist() for g in want]
