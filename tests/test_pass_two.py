"""Pass 2 (profile/pass_two.py): partitions read again, scorers keep bounded states merged in
plan order. On a table cut into partitions of very different sizes, with problems planted in
several of them, every scorer's state equals what the per-row arrays of pass 1 give, and the
findings equal a one-partition scan's."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_partitions import one_partition, profile_of, table, units_table, write_row_groups

import preflight
from preflight.checks.run import score_rows
from preflight.profile.executor import Streamed
from preflight.profile.pass_two import fold, score_partition
from preflight.profile.row_states import Listing, RowsWhere
from preflight.read.partitions import plan_source
from preflight.read.tabular import open_tabular

SIZES = (3, 1700, 1, 40, 900, 357)  # row groups: partitions of 1 to 1,700 rows


def planted(tmp_path: Path) -> Path:
    """table() plus a numeric column with inf, 1e308, missing cells and far values, planted in
    the first, a middle and the last partitions (and in the one-row one)."""
    data = table(sum(SIZES), seed=5)
    n = data.num_rows
    rng = np.random.default_rng(7)
    num = np.round(rng.normal(10, 2, n), 3).astype(object)
    for rows, value in (([0, 1703, n - 1], "inf"), ([2, 1744, n - 3], "1e308"), ([1, 1745, 2000, n - 2], ""),
                        ([4, 1703 + 20, 2500], "95.5"), ([1702], "-inf")):
        for r in rows:
            num[r] = value
    data = data.append_column("num", pa.array([str(v) for v in num]))
    path = tmp_path / "t.parquet"
    return write_row_groups(path, data, SIZES)


def test_listings_equal_the_per_row_masks_across_partitions(tmp_path: Path) -> None:
    path = planted(tmp_path)
    plan = plan_source(open_tabular(path), batch_rows=64)
    assert len(plan.partitions) >= 5
    profile = profile_of(path, plan)
    rescan = profile.rescan
    assert rescan is not None and rescan.offsets[0] == 0 and len(rescan.offsets) == len(plan.partitions)
    cols = {c.name: c for c in (*profile.columns, profile.label)}
    masks = {"missing": "missing_mask", "ws": "whitespace_mask", "nonfinite": "nonfinite_mask"}
    for limit in (0, 1, 7, 10_000):
        scorers = {(name, m): RowsWhere(name, m, limit) for name in cols for m in masks}
        got = Streamed().pass_two(rescan, scorers)
        for (name, m), listing in got.items():
            want = np.flatnonzero(getattr(cols[name], masks[m]))
            assert listing.count == want.size, (name, m)
            np.testing.assert_array_equal(listing.rows, want[:limit])
    num = cols["num"]
    assert num.nonfinite == 7 and "num" in rescan.job.capped  # inf, -inf and 1e308 in five partitions
    huge = Streamed().pass_two(rescan, {"h": RowsWhere("num", "huge", 0)})["h"]
    assert huge.count == int(np.isfinite(num.values[num.nonfinite_mask]).sum()) == 3


def test_states_merge_alike_in_any_grouping(tmp_path: Path) -> None:
    """A left fold, a fold of pairs and one partition alone give the same states."""
    path = planted(tmp_path)
    plan = plan_source(open_tabular(path), batch_rows=64)
    rescan = profile_of(path, plan).rescan
    scorers = {"m": RowsWhere("num", "missing", 2), "n": RowsWhere("num", "nonfinite", 3)}
    states = [score_partition(p, o, rescan.job, scorers) for p, o in zip(rescan.partitions, rescan.offsets)]
    left = fold(scorers, states)
    pairs = fold(scorers, [fold(scorers, states[i:i + 2]) for i in range(0, len(states), 2)])
    whole = one_partition(plan)
    alone = score_partition(whole.partitions[0], 0, rescan.job, scorers)
    for key in scorers:
        for other in (pairs, alone):
            assert (left[key].count, left[key].rows.tolist()) == (other[key].count, other[key].rows.tolist())


def test_a_listing_keeps_the_first_rows_in_row_order() -> None:
    a, b = Listing(3, np.array([1, 4, 9])), Listing(2, np.array([12, 15]))
    assert a.joined(b, 4).rows.tolist() == [1, 4, 9, 12] and a.joined(b, 4).count == 5
    assert a.joined(b, 2).rows.tolist() == [1, 4] and a.joined(b, 2).truncated


def test_scoring_rounds_run_in_lockstep() -> None:
    """Each round is one pass for every check that asks; a check's return value is its result."""
    calls = []

    class Two:
        name = "two"

        def score(self, profile, ctx):
            first = yield {"a": 1}
            second = yield {"b": first["a"] + 1}
            return second["b"] * 10

    class One:
        name = "one"

        def score(self, profile, ctx):
            got = yield {"a": 5}
            return got["a"]

    class No:
        name = "no"

        def score(self, profile, ctx):
            return None

    def run_pass(scorers):
        calls.append(sorted(scorers))
        return dict(scorers)

    out = score_rows(None, [(Two(), None), (One(), None), (No(), None)], run_pass)
    assert out == {"two": 20, "one": 5}
    assert calls == [[("one", "a"), ("two", "a")], [("two", "b")]]


@pytest.mark.parametrize("max_rows", [2, 10_000])
def test_findings_equal_a_one_partition_scan(tmp_path: Path, monkeypatch, max_rows: int) -> None:
    import preflight.profile.tabular as tabular

    path = planted(tmp_path)
    real = tabular.plan_source
    options = {"label": "y", "ignore": ["label-issues"], "max_listed_rows": max_rows}
    monkeypatch.setattr(tabular, "plan_source", lambda source: real(source, batch_rows=64))
    many = preflight.scan(path, **options)
    monkeypatch.setattr(tabular, "plan_source", lambda source: one_partition(real(source, batch_rows=64)))
    one = preflight.scan(path, **options)
    assert json.dumps(many.to_dict()) == json.dumps(one.to_dict())
    rules = {f.rule for f in many.findings}
    assert {"missing-values", "non-finite-values", "whitespace-values"} <= rules
    (nonfinite,) = [f for f in many.findings if f.rule == "non-finite-values"]
    assert nonfinite.count == 7 and nonfinite.rows == (0, 2, 1702, 1703, 1744, 2998, 3000)[:max_rows]
    assert nonfinite.details.get("rows_truncated", False) == (max_rows < 7)
    assert "(rows 0, 2, 1702, 1703, 1744, ... (+2 more))" in nonfinite.message  # whatever max_listed_rows


def test_pass_two_reads_cells_as_the_readings_decided(tmp_path: Path, monkeypatch) -> None:
    """Pass 2 re-reads with pass 1's final readings: 'none' in a column where it is a level is no
    missing cell, '?' is; the same listing as one partition."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import preflight.profile.tabular as tabular

    data = units_table()
    colour = data.column("colour").to_pylist()
    for row in (10, 350):
        colour[row] = "?"
    path = tmp_path / "units.parquet"
    pq.write_table(data.set_column(1, "colour", pa.array(colour)), path, row_group_size=300)
    real = tabular.plan_source
    options = {"label": "y", "select": ["missing-values", "mixed-types", "column-handling"]}
    monkeypatch.setattr(tabular, "plan_source", lambda source: real(source, batch_rows=100))
    many = preflight.scan(path, **options)
    monkeypatch.setattr(tabular, "plan_source", lambda source: one_partition(real(source, batch_rows=100)))
    assert json.dumps(many.to_dict()) == json.dumps(preflight.scan(path, **options).to_dict())
    (missing,) = [f for f in many.findings if f.rule == "missing-values"]
    assert missing.columns == ("colour",) and missing.rows == (10, 350)


def test_gathered_matrix_rows_equal_matrix_at(tmp_path: Path) -> None:
    """The joint detector's rows of the model matrix, gathered in pass 2 (one-hot categories of
    a column coded per partition, a mixed column, filled cells), are matrix_at's bit for bit."""
    from preflight.profile.row_states import MatrixRows
    from preflight.profile.tabular import matrix_columns

    path = planted(tmp_path)
    profile = profile_of(path, plan_source(open_tabular(path), batch_rows=64))
    specs, names, varying = matrix_columns(profile)
    assert any(spec["kind"] == "one-hot" for _, spec in specs)
    rows = np.array([0, 1, 2, 3, 63, 64, 1702, 1703, 1704, 2999, 3000], np.int64)
    gather = MatrixRows(specs, rows, len(names))
    got = gather.result(Streamed().pass_two(profile.rescan, {"m": gather})["m"], np.float32)
    want, want_names, want_varying = profile.matrix_at(rows, np.float32)
    assert names == want_names and got.dtype == np.float32
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(varying, want_varying)


def test_a_round_of_given_rows_reads_only_their_batches_and_columns(tmp_path: Path, monkeypatch) -> None:
    """MatrixRows (only_rows) parses its rows of the batches holding any, skips partitions without any,
    and reads a Parquet partition's model columns only; its rows are matrix_at's all the same."""
    import preflight.profile.pass_two as pass_two
    from preflight.profile.row_states import MatrixRows
    from preflight.profile.tabular import matrix_columns

    path = planted(tmp_path)
    profile = profile_of(path, plan_source(open_tabular(path), batch_rows=64))
    specs, names, _ = matrix_columns(profile)
    rows = np.array([1, 1702, 1710], np.int64)  # partitions [0, 64) and [64, 1728): batches [0, 64), [1664, 1728)
    parsed, read = [], []
    real_cells, real_read = pass_two._cells, pass_two.read_ahead
    monkeypatch.setattr(pass_two, "_cells", lambda b, a, capped: parsed.append(len(a)) or real_cells(b, a, capped))
    monkeypatch.setattr(pass_two, "read_ahead", lambda part: read.append(part.columns) or real_read(part))
    gather = MatrixRows(specs, rows, len(names))
    got = gather.result(Streamed().pass_two(profile.rescan, {"m": gather})["m"])
    np.testing.assert_array_equal(got, profile.matrix_at(rows)[0])
    assert len(read) == 2  # of the 5 partitions
    assert all(set(cols) == {name for name, _ in specs} for cols in read) and "y" not in read[0]
    assert sorted(parsed) == [1] * len(specs) + [2] * len(specs)  # one batch in each, its given rows only


@pytest.mark.parametrize("max_rows", [3, 10_000])
def test_outlier_rows_equal_the_per_row_scores(tmp_path: Path, monkeypatch, max_rows: int) -> None:
    """Per-feature outliers planted in several partitions: pass 2's rows, count, scores and
    worst row are what the whole columns' robust z gives."""
    import preflight.profile.tabular as tabular
    from preflight.checks.outliers import _extreme

    path = planted(tmp_path)
    real = tabular.plan_source
    monkeypatch.setattr(tabular, "plan_source", lambda source: real(source, batch_rows=64))
    options = {"label": "y", "select": ["outliers"], "max_listed_rows": max_rows}
    report = preflight.scan(path, **options)
    (finding,) = report.findings
    profile = profile_of(path, plan_source(open_tabular(path), batch_rows=64))
    cols = [c for c in profile.columns if c.transform["kind"] in ("standardize", "log1p-standardize", "tanh")]
    score = np.zeros(profile.rows)
    for col in cols:
        if col.name in finding.details["not_judged"]:
            continue
        rows, z = _extreme(col, 5.0)
        better = z > score[rows]
        score[rows[better]] = z[better]
    uni = np.flatnonzero(score > 5.0)
    assert finding.count - sum(1 for s in finding.details["sources"] if s == "(multivariate)") == uni.size
    assert {1723, 2500, 4} <= set(uni.tolist())  # the planted 95.5s, in three partitions
    joint = [r for r, s in zip(finding.rows, finding.details["sources"]) if s == "(multivariate)"]
    assert sorted(set(uni.tolist()) | set(joint))[:max_rows] == list(finding.rows)
    for r, s, z in zip(finding.rows, finding.details["sources"], finding.details["scores"]):
        if s != "(multivariate)":
            assert z == round(float(score[r]), 3)


def test_a_file_changed_between_the_two_reads_is_exit_2_not_a_silent_mix(tmp_path: Path, monkeypatch, capsys) -> None:
    """Pass 2 puts its rows under pass 1's row numbers: a file rewritten in between (a job still
    writing it) would mix two versions, so it is an error naming the file."""
    from preflight.cli import main

    path = tmp_path / "data" / "t.csv"
    path.parent.mkdir()
    path.write_text("x,y\n" + "".join(f"{'' if i % 7 == 0 else i},{i % 2}\n" for i in range(60)))
    real = Streamed.pass_two

    def rewritten_first(self, rescan, scorers):
        path.write_text(path.read_text() + "1,0\n")
        return real(self, rescan, scorers)

    monkeypatch.setattr(Streamed, "pass_two", rewritten_first)
    assert main(["scan", str(path), "--label", "y", "-q", "--select", "missing-values"]) == 2
    err = capsys.readouterr().err
    assert err == (f"preflight: error: {path}: changed while it was being scanned (its size or modification "
                   "time); scan it again once it is written.\n")


def test_a_partition_that_reads_other_rows_the_second_time_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(table(300), path, row_group_size=100)
    rescan = profile_of(path, plan_source(open_tabular(path), batch_rows=100)).rescan
    assert rescan is not None and rescan.rows == (100, 100, 100)
    part = rescan.partitions[1]
    score_partition(part, 100, rescan.job, {}, (100, rescan.stamps[1]))  # as pass 1 read it
    with pytest.raises(preflight.DataError, match=r"changed while it was being scanned \(99 rows read first, 100"):
        score_partition(part, 100, rescan.job, {}, (99, None))
