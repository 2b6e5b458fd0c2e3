"""Above sample_rows rows a scan keeps the features' per-row arrays for the content-keyed row
sample only (profile/keep.py): the same rows on any partitioning, every row's hashes, label and
split, checks that read the features row by row on the sample, rows in the table's numbers."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_partitions import (
    Tree,
    one_partition,
    profile_of,
    scans_both_ways,
    settings_for,
    snapshot,
    table,
    write_row_groups,
)
from test_rules import load_cases

import preflight
from preflight.kernels.hashing import first_by_hash
from preflight.read.partitions import plan_source
from preflight.read.tabular import open_tabular

ROW_GROUPS = ((0, 3), (3, 1700), (1703, 40), (1743, 900), (2643, 357))


def _parquet(path: Path, data: pa.Table, groups=ROW_GROUPS) -> Path:
    with pq.ParquetWriter(path, data.schema) as writer:
        for start, size in groups:
            writer.write_table(data.slice(start, size))
    return path


def test_the_kept_rows_are_the_first_by_hash_on_any_partitioning(tmp_path: Path) -> None:
    path = _parquet(tmp_path / "t.parquet", table(3000))
    plan = plan_source(open_tabular(path), batch_rows=64)
    assert len(plan.partitions) >= 4
    kept = profile_of(path, plan, sample_rows=100)
    assert snapshot(kept) == snapshot(profile_of(path, one_partition(plan), sample_rows=100))
    assert snapshot(kept) == snapshot(profile_of(path, plan, Tree(), sample_rows=100))
    assert kept.kept is not None
    assert kept.kept.tolist() == first_by_hash(kept.row_hash, 100).tolist()
    every = profile_of(path, plan)  # default sample_rows: every row's arrays
    assert every.kept is None and (every.row_hash == kept.row_hash).all() and (every.y == kept.y).all()
    for a, b in zip(kept.columns, every.columns):
        assert a.values.size == 100
        assert np.array_equal(a.values, b.values[kept.kept], equal_nan=True), a.name
        assert (a.missing_mask == b.missing_mask[kept.kept]).all(), a.name
        if b.codes is not None:
            assert a.categories == b.categories and (a.codes == b.codes[kept.kept]).all(), a.name
        assert (a.rows, a.missing, a.categories) == (b.rows, b.missing, b.categories)
        assert a.mean == b.mean or (np.isnan(a.mean) and np.isnan(b.mean))  # moments: every row's
    assert kept.label.values.size == 3000  # the label is every row's


def test_a_table_that_may_hold_free_text_keeps_every_row(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    words = np.array(["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while", "it",
                      "rains", "in", "the", "city"])
    notes = [" ".join(rng.choice(words, 8)) + f" {i}" for i in range(600)]
    data = pa.table({"x": rng.normal(size=600), "note": notes, "y": rng.choice(["a", "b"], 600)})
    path = _parquet(tmp_path / "t.parquet", data, ((0, 600),))
    profile = profile_of(path, sample_rows=100)
    note = next(c for c in profile.columns if c.name == "note")
    assert note.kind == "text" and profile.kept is None and note.values.size == 600


def _planted(n: int = 400, seed: int = 1):
    """Numbers with near-copy pairs (rows i and i + n/2 for i < n/4, 1e-6 apart), two exact
    copies, missing cells, a label."""
    rng = np.random.default_rng(seed)
    half = n // 2
    x = rng.normal(size=(n, 4))
    x[half:half + n // 4] = x[:n // 4] + 1e-6
    x[n - 1], x[n - 2] = x[n // 4 + 5], x[n // 4 + 7]  # exact copies (features; label below)
    y = np.where(x[:, 0] + 0.3 * rng.normal(size=n) > 0, "yes", "no")
    y[n - 1], y[n - 2] = y[n // 4 + 5], y[n // 4 + 7]
    cols = {f"f{j}": x[:, j] for j in range(4)}
    missing = [17, 234, 350]
    f3 = cols["f3"].astype(object)
    f3[missing] = None
    cols["f3"] = f3
    return pa.table({**cols, "y": y}), missing


def test_checks_above_sample_rows_report_the_tables_rows(tmp_path: Path) -> None:
    data, missing = _planted()
    path = _parquet(tmp_path / "t.parquet", data, ((0, 150), (150, 250)))
    report = preflight.scan(path, label="y", sample_rows=100)
    profile = profile_of(path, label="y", sample_rows=100)
    kept = set(profile.kept.tolist())
    dups, = report.by_rule("duplicate-rows")
    assert [list(g) for g in dups.groups] == [[105, 399], [107, 398]]  # every row's hashes: all copies
    miss, = report.by_rule("missing-values")
    assert list(miss.rows) == missing  # pass 2 lists every row
    near, = report.by_rule("near-duplicates")
    assert sum(i not in kept and i + 200 not in kept for i in range(100)) >= 10  # pairs outside the sample
    apart = {17, 34}  # f3 missing in row 17 and in 234, its pair's copy: filled, the rows are not near
    assert [list(g) for g in near.groups] == [[i, i + 200] for i in range(100) if i not in apart]  # every row
    assert ("searched for every row against a content-keyed sample of 100 rows and, by shared grid cells, "
            "among the rows outside it") in near.message
    issues = report.by_rule("label-issues")  # every labelled row scored (tests/test_label_scoring.py)
    assert all("every one of the 400 scored" in f.message for f in issues if not f.details.get("skipped"))


def test_a_value_beyond_float32_above_sample_rows(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=3000)
    huge = [10, 1700, 2990]
    x[huge] = 1e308
    split = np.where(np.arange(3000) < 2000, "train", "test")
    data = pa.table({"x": x, "z": rng.normal(size=3000), "split": split, "y": rng.choice(["a", "b"], 3000)})
    path = _parquet(tmp_path / "t.parquet", data)
    profile = profile_of(path, sample_rows=100, split_col="split")
    assert profile.kept is not None
    col = next(c for c in profile.columns if c.name == "x")
    ok = np.ones(3000, bool)
    ok[huge] = False
    assert col.nonfinite == 3
    assert col.mean == pytest.approx(x[ok].mean(), rel=1e-12) and col.max == x[ok].max()
    train = profile.split_table.train
    mine = ok & (split == profile.split_table.names[train])
    assert col.parts[train].nonfinite == 2 and col.parts[train].moments.mean == pytest.approx(x[mine].mean(), rel=1e-12)
    stats = preflight.scan(path, split_col="split", sample_rows=100, label="y").stats
    assert stats["features"]["x"]["transform"]["mean"] == pytest.approx(x[mine].mean(), rel=1e-9)


@pytest.fixture
def tiny_sample(monkeypatch):
    """sample_rows of 10 (the setting's floor is 100): every case table is thinned."""
    from preflight.decide import config
    from preflight.params import Interval

    monkeypatch.setitem(config.SETTINGS, "sample_rows", Interval(int, 2, None))


@pytest.mark.parametrize("rule,case", load_cases(), ids=lambda v: v if isinstance(v, str) else v["name"])
def test_every_rule_runs_on_a_thinned_table(rule: str, case: dict, tmp_path: Path, tiny_sample) -> None:
    """No check reads a feature's per-row array as if it were every row's (a crash is exit 3)."""
    if "links" in case:
        pytest.skip("a folder of links out of it: not a table case")
    data = tmp_path / "data.csv"
    data.write_text(case["csv"].lstrip("\n"))
    config = tmp_path / "preflight.toml"
    settings = {**case.get("settings", {}), "sample_rows": 10}
    params = "".join(f"{k} = {json.dumps(v)}\n" for k, v in case.get("params", {}).items())
    config.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items())
                      + (f"[rules.{rule}]\n{params}" if params else ""))
    report = preflight.scan(data, label=case.get("label"), task=case.get("task"), config_file=config)
    rows = report.to_dict()["dataset"]["rows"]
    for f in report.findings:  # rows found on the sample are the table's row numbers
        assert all(0 <= r < rows for r in (*f.rows, *(r for g in f.groups for r in g if isinstance(r, int)))), f


def near_table(n: int = 3000, pairs: int = 300, seed: int = 3) -> pa.Table:
    """Five numbers with near-copy pairs (rows i and i + n/2 for i < pairs, 1e-6 apart, across
    the train/test split), labels that differ in every third pair, and an id column the models
    drop that the pairs share, but every sixth pair from the fourth (i = 3, 9, ...)."""
    rng = np.random.default_rng(seed)
    half = n // 2
    x = rng.normal(size=(n, 5))
    x[half:half + pairs] = x[:pairs] + 1e-6
    y = rng.choice(np.array(["a", "b"]), n)
    y[half:half + pairs] = y[:pairs]
    flip = np.arange(0, pairs, 3)
    y[half + flip] = np.where(y[flip] == "a", "b", "a")
    ids = np.array([f"u{i:05d}" for i in range(n)], dtype=object)
    ids[half:half + pairs] = ids[:pairs]
    ids[half + 3:half + pairs:6] = [f"other{i}" for i in range(3, pairs, 6)]
    split = np.where(np.arange(n) < half, "train", "test")
    return pa.table({**{f"f{j}": x[:, j] for j in range(5)}, "id": ids, "split": split, "y": y})


def test_near_copies_of_every_row_are_found(tmp_path: Path) -> None:
    """Above sample_rows, every row is queried against the sample's index, and the rows outside
    the sample that share a grid cell are compared in a second round: every planted pair is
    found, with or without a row in the sample, for all three near-copy rules."""
    n, pairs = 3000, 300
    half = n // 2
    path = _parquet(tmp_path / "t.parquet", near_table(n, pairs))
    options = {"label": "y", "split_col": "split", "sample_rows": 100}
    report = preflight.scan(path, **options)
    profile = profile_of(path, **options)
    assert next(c for c in profile.columns if c.name == "id").transform["kind"] == "drop"
    kept = set(profile.kept.tolist())
    found = [[i, i + half] for i in range(pairs)]
    outside = [p for p in found if p[0] not in kept and p[1] not in kept]
    assert len(outside) >= 200 and len(found) - len(outside) >= 10  # both kinds, most outside
    near, = report.by_rule("near-duplicates")
    assert [list(g) for g in near.groups] == found
    assert ("searched for every row against a content-keyed sample of 100 rows and, by shared grid cells, "
            "among the rows outside it") in near.message
    assert near.details["grid_rows_compared"] >= 2 * len(outside) and not near.details["grid_rows_capped"]
    conflicts, = report.by_rule("conflicting-labels")
    flipped = [p for p in found if p[0] % 3 == 0]
    assert any(p[0] % 6 == 3 for p in flipped)  # flipped pairs whose dropped id tells their rows apart
    assert [list(g) for g in conflicts.groups] == [p for p in flipped if p[0] % 6 == 0]
    assert "near-copies searched for every row against a content-keyed sample" in conflicts.details["compared"]
    leak = [f for f in report.by_rule("split-leakage") if f.details["match"] == "near"]
    assert len(leak) == 1 and [list(g) for g in leak[0].groups] == found


def test_near_copies_of_every_row_in_the_users_embeddings(tmp_path: Path) -> None:
    """--features above sample_rows: every row's embedding is in memory, queried against the
    sample's index and keyed by the grids without a read; pass 2 reads the dropped id of the
    rows in pairs only, which conflicting-labels asks equal."""
    n, pairs = 3000, 300
    half = n // 2
    data = near_table(n, pairs)
    path = _parquet(tmp_path / "t.parquet", data)
    features = tmp_path / "emb.npy"
    np.save(features, np.stack([data[f"f{j}"].to_numpy() for j in range(5)], axis=1) * 10 + 3)
    report = preflight.scan(path, label="y", split_col="split", sample_rows=100, features=features)
    kept = set(profile_of(path, label="y", split_col="split", sample_rows=100).kept.tolist())
    found = [[i, i + half] for i in range(pairs)]
    assert sum(p[0] not in kept and p[1] not in kept for p in found) >= 200
    near, = report.by_rule("near-duplicates")
    assert [list(g) for g in near.groups] == found
    assert "searched for every row against a content-keyed sample of 100 rows and, by shared grid cells" in \
        near.message
    conflicts, = report.by_rule("conflicting-labels")
    assert [list(g) for g in conflicts.groups] == [p for p in found if p[0] % 6 == 0]  # flipped, same id
    leak = [f for f in report.by_rule("split-leakage") if f.details["match"] == "near"]
    assert len(leak) == 1 and [list(g) for g in leak[0].groups] == found


def test_near_copies_of_every_row_on_any_partitioning(tmp_path: Path, monkeypatch) -> None:
    path = _parquet(tmp_path / "t.parquet", near_table())
    many, one = scans_both_ways(path, monkeypatch, batch_rows=64, label="y", split_col="split", sample_rows=100)
    assert many.by_rule("near-duplicates") and many.by_rule("conflicting-labels")
    assert json.dumps(many.to_dict()) == json.dumps(one.to_dict())


def test_near_pairs_to_the_sample_are_bounded(tmp_path: Path, monkeypatch) -> None:
    """A table of near-identical rows keeps the first pairs in row order and the exact count."""
    from preflight.checks import near_pairs

    monkeypatch.setattr(near_pairs, "PAIRS", 50)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 4))
    x[1200:] = x[0] + rng.normal(scale=1e-6, size=(800, 4))  # 40%: the median distance stays the spread's
    path = _parquet(tmp_path / "t.parquet", pa.table({f"f{j}": x[:, j] for j in range(4)}), ((0, 2000),))
    profile = profile_of(path, label=None, sample_rows=100)
    state = _near_pairs_of(profile, limit=10)
    assert state.rows.size == 50 and state.count > 50 and state.truncated
    assert (np.diff(state.rows) >= 0).all() and not np.isin(state.rows, profile.kept).any()


def _near_pairs_of(profile, limit: int):
    from preflight.checks.near_pairs import near_rows
    from preflight.profile.executor import Streamed

    scoring = near_rows(profile, limit)
    scorers = next(scoring)
    with pytest.raises(StopIteration):  # the index's round, then the grid's candidates'
        while True:
            scorers = scoring.send(Streamed().pass_two(profile.rescan, scorers))
    return profile.__dict__["_near_rows"]


def test_a_bound_that_keeps_too_few_rows_reads_again_without_it(tmp_path: Path, monkeypatch) -> None:
    """keep.threshold misses the sample with a chance of about e^-50; forced here, the pass is
    run again with every row a candidate, and the profile is the one without a bound."""
    import preflight.profile.tabular as tabular

    path = _parquet(tmp_path / "t.parquet", table(3000))
    plan = plan_source(open_tabular(path), batch_rows=64)
    whole = snapshot(profile_of(path, one_partition(plan), sample_rows=100))  # a whole file: no bound
    passes = _passes(monkeypatch, "keep_below")
    assert snapshot(profile_of(path, plan, sample_rows=100)) == whole
    assert passes[0] is not None and passes[-1] is not None  # the bound holds the sample: one pass
    passes.clear()
    monkeypatch.setattr(tabular, "threshold", lambda rows, k: 2**50)  # about 0 of 3,000 rows below it
    assert snapshot(profile_of(path, plan, sample_rows=100)) == whole
    assert passes == [2**50, None]


def _bounded_samples(tmp_path: Path, late: bool = False):
    """A table of 8,000 rows in 16 row groups; late: a column present in the last eighth only."""
    data = table(8000)
    if late:
        rng = np.random.default_rng(5)
        data = data.append_column("late", pa.array([None] * 7000 + list(rng.normal(size=1000))))
    path = write_row_groups(tmp_path / "t.parquet", data, [500] * 16)
    plan = plan_source(open_tabular(path), batch_rows=64)
    assert len(plan.partitions) == 16
    return path, plan


def _passes(monkeypatch, field: str) -> list:
    """Each pass 1's PassOne.<field>, in order, as the scan makes them."""
    import preflight.profile.tabular as tabular

    passes: list = []
    real = tabular.pass_one_job

    def job(*args, **kwargs):
        out = real(*args, **kwargs)
        passes.append(getattr(out, field))
        return out

    monkeypatch.setattr(tabular, "pass_one_job", job)
    return passes


def test_bounded_samples_are_the_unbounded_ones_and_ship_small(tmp_path: Path, monkeypatch) -> None:
    """Above sample_rows, when the plan knows every partition's rows, each partition's bottom-k
    samples let go of what the first k of the table cannot reach (keep.sample_bound): the
    profile is the one of a single reader, and a partition ships a fraction of its samples."""
    from preflight.profile.partition import profile_partition
    from preflight.profile.tabular import pass_one_job

    path, plan = _bounded_samples(tmp_path)
    whole = snapshot(profile_of(path, one_partition(plan), sample_rows=100))  # a whole file: no bound
    passes = _passes(monkeypatch, "sample_total")
    assert snapshot(profile_of(path, plan, sample_rows=100)) == whole
    assert snapshot(profile_of(path, plan, Tree(), sample_rows=100)) == whole
    assert passes == [(8000,), (8000,)]  # one pass each, bounded
    settings = settings_for(path, sample_rows=100)
    sizes = {}
    for bounded in (False, True):
        job = pass_one_job(plan, "y", settings, keep_rows=100, bounded=True, samples_bounded=bounded)
        acc = profile_partition(plan.partitions[3], job).accumulators
        samples = [p.sample for b in acc.columns.values() for p in b.parts.values()]
        sizes[bounded] = (sum(s.values.size for s in samples), len(pickle.dumps(acc)))
        assert all(s.exact for s in samples) or bounded
    assert sizes[True][0] * 2 < sizes[False][0]  # about 2 x 220 / 16 values a sample instead of 100
    assert sizes[True][1] < sizes[False][1]


def test_a_sample_bound_that_misses_reads_again_without_it(tmp_path: Path, monkeypatch) -> None:
    """A column present only in the last partitions is eight times as dense there as in the
    table: their bound lets go of values its sample needs; the merged sample tells (BottomK.
    exact) and pass 1 runs again without the bound, to the profile of one reader."""
    path, plan = _bounded_samples(tmp_path, late=True)
    whole = snapshot(profile_of(path, one_partition(plan), sample_rows=100))
    passes = _passes(monkeypatch, "sample_total")
    assert snapshot(profile_of(path, plan, sample_rows=100)) == whole
    assert passes == [(8000,), None]
    passes.clear()
    assert snapshot(profile_of(path, plan, Tree(), sample_rows=100)) == whole
    assert passes == [(8000,), None]
    assert snapshot(profile_of(path, plan)) == snapshot(profile_of(path, one_partition(plan)))  # no bound


def test_splits_from_the_layout_above_sample_rows(tmp_path: Path) -> None:
    """train/test files, thinned: exact copies across the splits from every row's hashes, the
    split-by-file ids of the sample's rows for the near-copy and id searches."""
    data, _ = _planted(600, seed=4)
    folder = tmp_path / "data"
    folder.mkdir()
    pq.write_table(data.slice(0, 400), folder / "train.parquet", row_group_size=100)
    test = pa.concat_tables([data.slice(400, 195), data.slice(10, 5)])  # rows 10-14 of train again
    pq.write_table(test, folder / "test.parquet", row_group_size=100)
    report = preflight.scan(folder, label="y", sample_rows=100)
    exact = [f for f in report.by_rule("split-leakage") if f.details.get("match") == "exact"]
    assert len(exact) == 1
    # rows in plan order: test.parquet (0-199) before train.parquet (200-599)
    assert [list(g) for g in exact[0].groups] == [[195 + i, 210 + i] for i in range(5)]
    for f in report.findings:
        assert all(0 <= r < 600 for r in f.rows), f.rule


def test_pred_probs_above_sample_rows_judge_every_row(tmp_path: Path) -> None:
    """The user's probabilities are every row's: label-issues needs no feature cells for them,
    so a thinned table's finding is the one every row kept would give."""
    data, _ = _planted()
    path = _parquet(tmp_path / "t.parquet", data, ((0, 150), (150, 250)))
    labels = data.column("y").to_pylist()
    classes = sorted(set(labels))
    p = np.full((len(labels), 2), 0.05)
    for i, lab in enumerate(labels):
        p[i, classes.index(lab)] = 0.95
    wrong = [3, 150, 333, 390]
    p[wrong] = p[wrong][:, ::-1]
    probs = tmp_path / "probs.npy"
    np.save(probs, p)
    kept = profile_of(path, label="y", sample_rows=100).kept
    assert any(r not in set(kept.tolist()) for r in wrong)
    thinned, = preflight.scan(path, label="y", select=["label-issues"], pred_probs=probs, sample_rows=100).findings
    every, = preflight.scan(path, label="y", select=["label-issues"], pred_probs=probs).findings
    assert sorted(thinned.rows) == wrong and thinned.to_dict() == every.to_dict()
