"""outliers' per-feature pass: the candidate bounds find exactly the cells the full z-score flags."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from preflight.checks.outliers import _extreme, _typical, feature_z
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
        full = feature_z(np.log1p(np.maximum(x, 0)) if logged else x, _typical(col, logged))
        want = np.flatnonzero((full > limit) & ~col.missing_mask)
        rows, z = _extreme(col, limit)
        assert set(want) <= set(rows.tolist()), col.name
        np.testing.assert_array_equal(z, full[rows])  # bit for bit what the whole-column z gives
        assert not col.missing_mask[rows].any()
    assert 100 in _extreme(profile.columns[0], 15.0)[0] and 300 in _extreme(profile.columns[2], 15.0)[0]


def test_missing_cells_and_zeros_do_not_shrink_the_spread(tmp_path):
    """A column 45% missing (its median fill once made the MAD a sixth of the std), and one zero
    on just under half its rows, flag only the planted row, and the message names its column."""
    import preflight

    rng = np.random.default_rng(4)
    n = 400
    sparse = np.round(rng.normal(100, 10, n), 1).astype(object)
    sparse[rng.choice(n, 180, replace=False)] = ""
    zeros = np.round(rng.lognormal(3, 0.5, n), 2).astype(object)
    zeros[rng.choice(np.arange(1, n), 196, replace=False)] = 0
    other = np.round(rng.normal(0, 1, n), 3).astype(object)
    other[0] = 500.0
    cols = {"sparse": sparse.tolist(), "zeros": zeros.tolist(), "other": other.tolist()}
    path = tmp_path / "t.csv"
    path.write_text("\n".join([",".join(cols)] + [",".join(str(cols[c][i]) for c in cols) for i in range(n)]) + "\n")
    (finding,) = preflight.scan(path, select=["outliers"]).by_rule("outliers")
    assert finding.details["by_column"] == {"other": 1}
    assert "flagged by: other 1;" in finding.message and "worst: row 0 (other = 500" in finding.message
