"""The profile's accumulators merge to the same answer however the rows are split."""
from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from preflight.kernels.hashing import splitmix64
from preflight.profile.accumulators import BottomK, Moments


@pytest.mark.parametrize("cuts", [[0, 1000], [0, 1, 999, 1000], [0, 333, 334, 700, 1000]])
def test_moments_merge_matches_numpy(cuts) -> None:
    x = np.random.default_rng(0).lognormal(3, 2, 1000)
    m = Moments()
    for a, b in pairwise(cuts):
        m = m.merge(Moments.of(x[a:b]))
    assert m.n == 1000
    assert m.mean == pytest.approx(x.mean(), rel=1e-12)
    assert m.std == pytest.approx(x.std(), rel=1e-10)
    assert (m.min, m.max) == (x.min(), x.max())


def test_bottom_k_sample_is_independent_of_batching() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(size=5000)
    prio = splitmix64(np.arange(5000, dtype=np.uint64))
    whole = BottomK(100)
    whole.add(prio, values)
    parts = BottomK(100)
    for i in range(0, 5000, 333):
        parts.add(prio[i:i + 333], values[i:i + 333])
    assert np.array_equal(whole.values, parts.values)
    small = BottomK(10_000)
    small.add(prio, values)
    assert small.quantiles([0.5]) == [pytest.approx(float(np.median(values)))]
