"""outliers' per-feature pass: the candidate bounds find exactly the cells the full z-score flags."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from preflight.checks.outliers import _extreme, _typical, robust_z
from preflight.decide.config import load_config
from preflight.pipeline import _tabular_profile
from preflight.progress import Progress


def _profile(tmp_path: Path, columns: dict[str, list]) -> object:
    n = len(next(iter(columns.values())))
    lines = [",".join(columns)] + [",".join(str(columns[c][i]) for c in columns) for i in range(n)]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n")
    config = load_config(path, overrides={})
    return _tabular_profile(path, config, Progress(False))


@pytest.mark.parametrize("limit", [2.0, 4.0, 15.0])
def test_candidates_hold_every_cell_over_the_limit_with_the_same_z(tmp_path, limit):
    rng = np.random.default_rng(3)
    n = 3_000
    normal = np.round(rng.normal(50, 5, n), 3).astype(object)
    heavy = np.round(rng.lognormal(8, 2, n), 2).astype(object)  # log1p-standardized
    wide = np.round(rng.standard_t(2, n) * 1e4, 1).astype(object)
    for col, planted in ((normal, [5, 9]), (heavy, [7]), (wide, [11, 12])):
        col[planted] = ["", "inf"][: len(planted)]  # a missing and an infinite cell
    normal[100], heavy[200], wide[300] = 150.0, 1e12, -9e9
    profile = _profile(tmp_path, {"normal": normal.tolist(), "heavy": heavy.tolist(), "wide": wide.tolist()})
    kinds = {c.name: c.transform["kind"] for c in profile.columns}
    assert kinds == {"normal": "standardize", "heavy": "log1p-standardize", "wide": "tanh"}
    for col in profile.columns:
        fill, logged = col.transform["fill"], col.transform["kind"] == "log1p-standardize"
        x = np.where(col.nonfinite_mask | np.isnan(col.values), fill, col.values)
        full = robust_z(np.log1p(np.maximum(x, 0)) if logged else x, _typical(col, fill, logged))
        want = np.flatnonzero((full > limit) & ~col.missing_mask)
        rows, z = _extreme(col, limit)
        assert set(want) <= set(rows.tolist()), col.name
        np.testing.assert_array_equal(z, full[rows])  # bit for bit what the whole-column z gives
        assert not col.missing_mask[rows].any()
    assert 100 in _extreme(profile.columns[0], 15.0)[0] and 300 in _extreme(profile.columns[2], 15.0)[0]
