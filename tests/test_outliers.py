"""outliers' per-feature pass: the candidate bounds find exactly the cells the full z-score flags."""
from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import preflight
from preflight.checks import outliers, run
from preflight.checks.outlier_rows import FlaggedRows
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


UNPATCHED = run.score_rows, outliers._shaped, outliers.with_hits


def _table(n: int, seed: int, far_e: int = 0) -> pa.Table:
    """a: 3% far rows (flagged), the worst value twice (rows n/6 and n-7); a, b, c far together
    on 2% of rows, each under the z limit (the joint detector's); d: 8% far (a shape); far_e > 0:
    e with that many far rows."""
    rng = np.random.default_rng(seed)
    a = np.round(rng.normal(50, 5, n), 3)
    a[rng.choice(n, n // 33, replace=False)] = np.round(rng.uniform(200, 400, n // 33), 3)
    b = np.round(rng.normal(0, 1, n), 3)
    c = np.round(b + rng.normal(0, 0.05, n), 3)
    odd = rng.choice(n, n // 50, replace=False)
    a[odd], b[odd], c[odd] = 50 + 12 * 5, 12.0, -12.0
    a[n // 6] = a[n - 7] = 1000.0
    d = np.round(rng.normal(0, 1, n), 3)
    d[rng.choice(n, n // 12, replace=False)] = 500.0
    cols = {"a": a, "b": b, "c": c, "d": d}
    if far_e:
        e = np.round(rng.normal(0, 1, n), 3)
        e[rng.choice(n, far_e, replace=False)] = 500.0
        cols["e"] = e
    return pa.table(cols)


def _scan(path: Path, monkeypatch, wrong: bool = False, **settings) -> dict:
    """outliers on `path`: what its scoring returned, its pass-2 rounds, its finding, the shapes
    guessed, and whether each joint hit was feature-flagged. wrong: every shape guessed wrong,
    which forces today's second round."""
    seen: dict = {"rounds": 0, "guess": {}}
    score_rows, shaped, with_hits = UNPATCHED

    def counted(profile, plan, run_pass, also=None):
        def one(scorers):
            seen["rounds"] += any(name == "outliers" for name, _ in scorers)
            return run_pass(scorers)
        out = score_rows(profile, plan, one, also)
        seen["scored"] = out["outliers"]
        return out

    def guess(b, col, limit, max_fraction):
        seen["guess"][col.name] = shaped(b, col, limit, max_fraction) != wrong
        return seen["guess"][col.name]

    def hits(first, sampled, hit, hit_z, keep):
        seen["hit_flagged"] = np.isin(hit, sampled)
        return with_hits(first, sampled, hit, hit_z, keep)

    monkeypatch.setattr(run, "score_rows", counted)
    monkeypatch.setattr(outliers, "_shaped", guess)
    monkeypatch.setattr(outliers, "with_hits", hits)
    monkeypatch.setattr(outliers, "DETAIL_ROWS", 5)  # keep 5 rows: fewer than are flagged
    (seen["finding"],) = preflight.scan(path, select=["outliers"], max_listed_rows=5, **settings).by_rule("outliers")
    assert isinstance(seen["scored"][0], FlaggedRows)
    return seen


def _same(a, b) -> None:
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y), f.name
        else:
            assert x == y or (np.isnan(x) and np.isnan(y)), f.name


@pytest.mark.parametrize("multivariate", [True, False])
@pytest.mark.parametrize(("n", "seed", "settings"), [(3000, 0, {"sample_rows": 100}), (600, 4, {})],
                         ids=["above sample_rows", "below"])
def test_one_read_gives_the_rows_of_two(tmp_path, monkeypatch, n, seed, settings, multivariate):
    """The shapes guessed from the samples hold: round 1 gives the flagged rows, the exact
    FlaggedRows (and finding) of the second round it saves."""
    path = tmp_path / "t.parquet"
    pq.write_table(_table(n, seed), path)
    (tmp_path / "preflight.toml").write_text(f"[rules.outliers]\nmultivariate = {str(multivariate).lower()}\n")
    one = _scan(path, monkeypatch, **settings)
    two = _scan(path, monkeypatch, wrong=True, **settings)
    assert (one["rounds"], two["rounds"]) == (1, 2)
    jointly_scored = 100 if multivariate and settings else n
    assert one["scored"][1:] == two["scored"][1:] == (["d"], jointly_scored)
    fused, twice = one["scored"][0], two["scored"][0]
    _same(fused, twice)
    assert fused.count > 5 == fused.rows.size  # more flagged than kept
    assert fused.worst_row == n // 6 and fused.worst_value == 1000.0  # the first of two equal worst
    if multivariate:
        assert fused.joint > 0 and one["hit_flagged"].any() and not one["hit_flagged"].all()
    else:
        assert fused.joint == 0 and one["hit_flagged"].size == 0
    assert one["finding"].to_dict() == two["finding"].to_dict()


@pytest.mark.parametrize(("far_e", "seed"), [(135, 0), (168, 0)], ids=["guessed shape", "missed shape"])
def test_a_wrong_guess_reads_again(tmp_path, monkeypatch, far_e, seed):
    """e flags 4.5% (no shape) or 5.6% (a shape) of its rows, its sample of 100 the other side of
    max_fraction: a second round, with the rows of the shapes round 1 counted."""
    path = tmp_path / "t.parquet"
    pq.write_table(_table(3000, seed, far_e), path)
    one = _scan(path, monkeypatch, sample_rows=100)
    two = _scan(path, monkeypatch, wrong=True, sample_rows=100)
    shape = far_e > 150  # more than max_fraction 0.05 of 3000 rows
    assert one["guess"]["e"] is not shape and ("e" in one["scored"][1]) is shape
    assert (one["rounds"], two["rounds"]) == (2, 2)
    _same(one["scored"][0], two["scored"][0])
    assert one["scored"][0].by_source[4] == (0 if shape else far_e)
    assert one["finding"].to_dict() == two["finding"].to_dict()


def _run(scorer, batches, cuts):
    """The scorer over batches grouped into partitions at `cuts`, merged in order."""
    parts = [batches[i:j] for i, j in zip([0, *cuts], [*cuts, len(batches)])]
    states = []
    for part in parts:
        state = scorer.start()
        for batch in part:
            state = scorer.add(state, batch)
        states.append(state)
    out = states[0]
    for state in states[1:]:
        out = scorer.merge(out, state)
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("keep", [1, 7, 10_000])
@pytest.mark.parametrize("top", [12.0, 13.0], ids=["a hit ties the worst feature", "hits tie above it"])
def test_round_one_plus_the_hits_is_the_second_round(seed, keep, top):
    """Whole numbers as z (median 0, spread 1), so many rows tie, among features and with the
    forest's z; hits both on rows a feature flags and not; any batching and partitioning."""
    from preflight.checks.outlier_rows import Bound, FirstRound, Flagged, with_hits
    from preflight.profile.pass_two import Cells, RowBatch

    rng = np.random.default_rng(seed)
    n, limit = 400, 9.0
    names = ["f", "g", "shaped", "h"]
    data = {k: rng.integers(-12, 13, n).astype(float) for k in names}
    data["f"][rng.choice(n, 20, replace=False)] = np.nan  # text cells: the fill, 11, is far
    data["g"][rng.choice(n, 10, replace=False)] = np.inf
    missing = rng.random(n) < 0.05
    for k in names:
        data[k][missing] = np.nan
    bounds = tuple(Bound(k, 0.0, 1.0, -0.999 * limit, 0.999 * limit, 11.0 if k == "f" else 0.0, False, k == "f")
                   for k in names)
    bounds = (*bounds[:3], None, bounds[3])  # a feature without spread
    edges = np.unique(np.r_[0, np.sort(rng.choice(np.arange(1, n), int(rng.integers(1, 30)), replace=False)), n])
    def cells(k: str, i: int, j: int) -> Cells:
        x, m = data[k][i:j], missing[i:j]
        return Cells(x, m, np.isnan(x) & ~m, np.zeros(j - i, bool), np.isinf(x))

    batches = [RowBatch(int(i), int(j - i), {k: cells(k, i, j) for k in names}) for i, j in itertools.pairwise(edges)]
    cuts = sorted(rng.choice(np.arange(1, len(batches)), min(3, len(batches) - 1), replace=False).tolist())
    sampled = np.sort(rng.choice(n, 150, replace=False))
    hits = np.sort(rng.choice(sampled, 40, replace=False))
    judged = (True, True, False, False, True)
    first = _run(FirstRound(bounds, judged, limit, keep, sampled), batches, cuts)
    joint = ~np.isin(hits, first.sampled)  # the hits no feature flags
    hit_z = rng.integers(8, 13, hits.size).astype(float)
    hit_z[np.flatnonzero(joint)[::3]] = top  # 12: the worst feature z
    want = _run(Flagged(tuple(b if j else None for b, j in zip(bounds, judged)), limit, hits, hit_z, keep),
                batches, cuts)
    got = with_hits(first.flagged, first.sampled, hits, hit_z, keep)
    _same(got, want)
    assert want.joint == joint.sum() > 0 and not joint.all()
    assert want.worst_score == top and (hit_z[joint] == top).sum() > 1  # the worst tied
    assert want.count > min(keep, 100) and want.by_source[0] > 0  # the far fill flags f's text cells
    over = [np.count_nonzero(b.z(np.asarray(data[b.column]), np.isinf(data[b.column]), missing)[1] > limit)
            if b is not None else 0 for b in bounds]
    assert first.over.tolist() == over
