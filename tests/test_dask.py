"""The Dask engine on a real cluster: a distributed.LocalCluster of two worker processes on
localhost, started once for the module (CI starts no other network service). On it, every
per-rule case and the fixtures give the local findings and stats byte for byte; partitions of
very different sizes with copies and conflicting labels planted across them; a worker killed
mid-scan (Dask re-runs its task elsewhere: the findings are complete and equal)."""
from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import logging
import os
import pickle
import sys
import warnings
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from test_distinct import SIZES, planted, write_groups
from test_partitions import one_partition, profile_of, snapshot, table, units_table
from test_rules import load_cases

import preflight
from preflight.cli import main
from preflight.profile.partition import profile_partition

pytest.importorskip("distributed", reason="the Dask engine's tests need dask and distributed "
                                          "(pip install 'preflight[dask]'; the test extra installs them)")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def scheduler():
    from distributed import LocalCluster

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, silence_logs=logging.ERROR)
    with cluster:
        yield cluster.scheduler_address


def same(local, remote) -> None:
    """Equal findings JSON (but the engine) and stats.json, byte for byte."""
    a, b = local.to_dict(), remote.to_dict()
    assert (a.pop("engine"), b.pop("engine")) == ("local", "dask")
    assert json.dumps(a) == json.dumps(b)
    assert json.dumps(local.stats) == json.dumps(remote.stats)


@pytest.mark.parametrize("rule,case", load_cases(), ids=lambda v: v if isinstance(v, str) else v["name"])
def test_rule_cases_equal_on_the_cluster(rule: str, case: dict, tmp_path: Path, scheduler: str) -> None:
    if "links" in case:
        pytest.skip("a folder of links out of it: not a table case")
    data = tmp_path / "data.csv"
    data.write_text(case["csv"].lstrip("\n"))
    config = tmp_path / "preflight.toml"
    params = "".join(f"{k} = {json.dumps(v)}\n" for k, v in case.get("params", {}).items())
    settings = "".join(f"{k} = {json.dumps(v)}\n" for k, v in case.get("settings", {}).items())
    config.write_text(settings + (f"[rules.{rule}]\n{params}" if params else ""))
    kwargs = {"label": case.get("label"), "task": case.get("task"), "select": [rule], "config_file": config}
    same(preflight.scan(data, **kwargs), preflight.scan(data, engine="dask", scheduler=scheduler, **kwargs))


@pytest.mark.parametrize("name,label", [("demo/customers.csv", "churn"), *(
    (f"real/{p.name}", None) for p in sorted((ROOT / "fixtures" / "real").glob("*.csv")))])
def test_fixtures_equal_on_the_cluster(name: str, label: str | None, scheduler: str) -> None:
    path = ROOT / "fixtures" / name
    same(preflight.scan(path, label=label), preflight.scan(path, label=label, engine="dask", scheduler=scheduler))


def _planted(tmp_path: Path) -> tuple[Path, Path]:
    """One table as one CSV, and as a folder of five files of 1 to 2,500 rows (CSV, Parquet in row
    groups, JSON lines), copies and conflicting labels planted across the files."""
    data = table(4021, seed=3)
    single = tmp_path / "single" / "all.csv"
    single.parent.mkdir()
    pacsv.write_csv(data, single)
    folder = tmp_path / "parts"
    folder.mkdir()
    cuts = [0, 1, 4, 21, 1521, 4021]
    writers = [lambda t, p: pacsv.write_csv(t, p.with_suffix(".csv")),
               lambda t, p: pq.write_table(t, p.with_suffix(".parquet"), row_group_size=7),
               lambda t, p: p.with_suffix(".jsonl").write_text("".join(json.dumps(r) + "\n" for r in t.to_pylist())),
               lambda t, p: pacsv.write_csv(t, p.with_suffix(".csv")),
               lambda t, p: pq.write_table(t, p.with_suffix(".parquet"), row_group_size=300)]
    for i, (start, stop) in enumerate(itertools.pairwise(cuts)):
        writers[i](data.slice(start, stop - start), folder / f"part-{i}")
    return single, folder


@pytest.mark.parametrize("sample", [{}, {"sample_rows": 100}], ids=["every row", "the row sample"])
def test_partitions_of_very_different_sizes(tmp_path: Path, scheduler: str, sample: dict) -> None:
    """Also above sample_rows, where the client keeps the features' arrays of the row sample only."""
    single, folder = _planted(tmp_path)
    options = {"label": "y", "ignore": ["label-issues"], **sample}
    local = preflight.scan(folder, **options)
    remote = preflight.scan(folder, engine="dask", scheduler=scheduler, **options)
    same(local, remote)
    dups, = remote.by_rule("duplicate-rows")
    conflicts, = remote.by_rule("conflicting-labels")
    assert [3, 4016] in [list(g) for g in dups.groups] and [7, 2010] in [list(g) for g in dups.groups]
    assert [11, 4019] in [list(g) for g in conflicts.groups]
    # The same table in one file: other batches, so the moments' last bits may differ; the
    # findings are the same, and stats.json's floats (12 significant digits) within 1e-9.
    whole = preflight.scan(single, **options)
    strip = lambda r: [(f.rule, f.count, f.rows, f.groups, f.columns) for f in r.findings]
    assert strip(whole) == strip(remote)
    _close(whole.stats, remote.stats)


def test_label_issues_scored_in_pass_two_on_the_cluster(tmp_path: Path, scheduler: str) -> None:
    """Above sample_rows, label-issues' pass-2 rows are the same on the Dask engine."""
    from test_label_scoring import FLIPPED, gaussians

    path = gaussians(tmp_path / "t.parquet")
    local = preflight.scan(path, label="y", sample_rows=100)
    remote = preflight.scan(path, label="y", sample_rows=100, engine="dask", scheduler=scheduler)
    same(local, remote)
    finding, = remote.by_rule("label-issues")
    assert sorted(finding.rows) == FLIPPED.tolist()


def test_pixel_tables_scored_in_pass_two_on_the_cluster(tmp_path: Path, scheduler: str) -> None:
    """The sample's PixelMap (scaling, principal components) travels to the workers with the models."""
    from test_label_scoring import PIXEL_FLIPS, pixels

    path = pixels(tmp_path / "p.parquet")
    local = preflight.scan(path, label="y", sample_rows=400, select=["label-issues"])
    remote = preflight.scan(path, label="y", sample_rows=400, select=["label-issues"], engine="dask",
                            scheduler=scheduler)
    same(local, remote)
    finding, = remote.by_rule("label-issues")
    assert sorted(finding.rows) == PIXEL_FLIPS.tolist()


def _close(a, b, path: str = "") -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            if k not in ("files", "dtype"):  # which files hold the rows; types each file's reader inferred
                _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12), path
    else:
        assert a == b, path


def test_many_partitions_of_one_file_on_the_cluster(tmp_path: Path, scheduler: str) -> None:
    from preflight.engine.cluster import DaskEngine
    from preflight.read.partitions import plan_source
    from preflight.read.tabular import open_tabular

    path = tmp_path / "t.parquet"
    data = table(3000, seed=5)
    with pq.ParquetWriter(path, data.schema) as writer:
        for start, size in ((0, 2), (2, 2000), (2002, 30), (2032, 968)):
            writer.write_table(data.slice(start, size))
    plan = plan_source(open_tabular(path), batch_rows=50)
    assert len(plan.partitions) >= 3
    with DaskEngine(scheduler, 2) as engine:
        remote = profile_of(path, plan, engine, split_col="split")
        assert engine.moved["rows"] > 0 and engine.moved["accumulators"] > 0
    assert snapshot(remote) == snapshot(profile_of(path, one_partition(plan), split_col="split"))


@pytest.mark.parametrize("late", [False, True], ids=["bounded", "bound missed"])
def test_bounded_samples_on_the_cluster(tmp_path: Path, scheduler: str, late: bool) -> None:
    """Each partition's bottom-k samples let go of what the table's first k cannot reach (keep.
    sample_bound) on the workers: the merged profile is one local reader's, also when a column
    present only in the last partitions makes the bound miss and pass 1 runs again without it."""
    from test_keep import _bounded_samples

    from preflight.engine.cluster import DaskEngine

    path, plan = _bounded_samples(tmp_path, late)
    with DaskEngine(scheduler, 2) as engine:
        remote = profile_of(path, plan, engine, sample_rows=100)
    assert snapshot(remote) == snapshot(profile_of(path, one_partition(plan), sample_rows=100))
    assert snapshot(remote) == snapshot(profile_of(path, plan, sample_rows=100))


def test_readings_decided_after_pass_one_reach_the_workers(tmp_path: Path, scheduler: str) -> None:
    """A units column and a column with 'none' as a level, each read so only from the merged
    tallies: pass 1 runs again on the cluster with the readings, as one local reader reads them."""
    from preflight.engine.cluster import DaskEngine
    from preflight.read.partitions import plan_source
    from preflight.read.tabular import open_tabular

    path = tmp_path / "units.parquet"
    pq.write_table(units_table(), path, row_group_size=300)
    plan = plan_source(open_tabular(path), batch_rows=100)
    with DaskEngine(scheduler, 2) as engine:
        remote = profile_of(path, plan, engine)
    assert remote.columns[0].reading.unit == "cm" and remote.columns[1].reading.levels
    # Value by value: a unit's name arrives from two pickles (the job's reading, the tallies) as two
    # equal strings where one process shares one, which only pickle's memo can tell apart.
    local = profile_of(path, one_partition(plan))
    for a, b in zip([*remote.columns, remote.label], [*local.columns, local.label]):
        assert [pickle.dumps(getattr(a, f.name)) for f in dataclasses.fields(a)] == \
            [pickle.dumps(getattr(b, f.name)) for f in dataclasses.fields(b)]
    assert pickle.dumps((remote.feature_hash, remote.row_hash, remote.y)) == \
        pickle.dumps((local.feature_hash, local.row_hash, local.y))


def test_a_dataframe_scans_on_the_cluster_as_locally(scheduler: str) -> None:
    """scan(df): the one partition that carries its table travels to a worker and reads the same."""
    frame = table(500, seed=7).to_pandas()
    same(preflight.scan(frame, label="y"), preflight.scan(frame, label="y", engine="dask", scheduler=scheduler))


def die_once(part, job, marker: str):
    """Kill this worker process the first time partition 1 runs (the nanny starts a new one)."""
    flag = Path(marker)
    if part.index == 1 and not flag.exists():
        flag.write_text(str(os.getpid()))
        os._exit(1)
    with open(flag.with_suffix(".runs"), "a") as fh:
        fh.write(f"{part.index}\n")
    return profile_partition(part, job)


def test_a_worker_that_dies_mid_scan(tmp_path: Path, scheduler: str, monkeypatch) -> None:
    import functools

    import cloudpickle

    import preflight.engine
    from preflight.engine.cluster import DaskEngine

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers need not import this test
    _, folder = _planted(tmp_path)
    marker = tmp_path / "died"
    fn = functools.partial(die_once, marker=str(marker))

    @contextlib.contextmanager
    def dying(settings, kind="tabular"):
        with DaskEngine(scheduler, 2, fn=fn) as engine:
            yield engine

    options = {"label": "y", "ignore": ["label-issues"]}
    local = preflight.scan(folder, **options)
    monkeypatch.setattr(preflight.engine, "open_engine", dying)
    remote = preflight.scan(folder, engine="dask", **options)
    assert marker.exists(), "partition 1 never ran on a worker"
    assert "1" in marker.with_suffix(".runs").read_text().split(), "partition 1 was not run again"
    same(local, remote)


def test_a_local_cluster_without_a_scheduler(tmp_path: Path, write_csv, capsys) -> None:
    path = write_csv("a,b,y\n1,2,0\n1,2,0\n3,4,1\n5,6,1\n")
    out = tmp_path / "out"
    assert main(["scan", str(path), "--engine", "dask", "--select", "PF201", "--fail-on", "never", "-o", str(out)]) == 0
    assert json.loads((out / "findings.json").read_text())["engine"] == "dask"


def test_an_unreachable_scheduler_is_one_line_and_exit_2(write_csv, capsys) -> None:
    import dask

    path = write_csv("a,y\n1,0\n2,1\n")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main(["scan", str(path), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].startswith("preflight: error: --scheduler tcp://127.0.0.1:9: cannot reach a Dask scheduler there")


def test_unreadable_data_on_a_worker_is_the_local_one_line_error(tmp_path: Path, scheduler: str, capsys) -> None:
    path = tmp_path / "data" / "bad.csv"
    path.parent.mkdir()
    path.write_bytes(b"a,b,y\n1,caf\xe9,0\n2,x,1\n")
    assert main(["scan", str(path), "-q"]) == 2
    local = capsys.readouterr().err
    assert main(["scan", str(path), "-q", "--engine", "dask", "--scheduler", scheduler]) == 2
    assert capsys.readouterr().err == local and local.count("\n") == 1 and "UTF-8" in local


def test_pass_two_on_the_cluster_equals_the_streamed_one(tmp_path: Path, scheduler: str) -> None:
    """Scorers run where each partition is read; the states merged here equal the local fold."""
    from test_pass_two import planted

    from preflight.engine.cluster import DaskEngine
    from preflight.profile.executor import Streamed
    from preflight.profile.row_states import RowsWhere
    from preflight.read.partitions import plan_source
    from preflight.read.tabular import open_tabular

    path = planted(tmp_path)
    plan = plan_source(open_tabular(path), batch_rows=64)
    rescan = profile_of(path, plan).rescan
    scorers = {(c, m): RowsWhere(c, m, 3) for c in ("num", "text") for m in ("missing", "ws", "nonfinite")}
    with DaskEngine(scheduler, 2) as engine:
        remote = engine.pass_two(rescan, scorers)
        assert engine.moved["scores"] > 0
    local = Streamed().pass_two(rescan, scorers)
    assert {k: (v.count, v.rows.tolist()) for k, v in remote.items()} == \
        {k: (v.count, v.rows.tolist()) for k, v in local.items()}


def test_text_rules_and_report_views_on_the_cluster(tmp_path: Path, scheduler: str) -> None:
    """The text rules' scorers, the report's histograms and its listed rows' cells run on the
    workers: findings and views equal the local scan's, on partitions of 1 to 1,700 rows."""
    from test_pass_two_text import planted as planted_text
    from test_pass_two_views import with_copies

    from preflight.engine.cluster import DaskEngine
    from preflight.profile.executor import Streamed
    from preflight.read.partitions import plan_source
    from preflight.read.tabular import open_tabular
    from preflight.report.rows import ListedCells
    from preflight.report.views import score_views

    (tmp_path / "text").mkdir()
    (tmp_path / "copies").mkdir()
    for path in (planted_text(tmp_path / "text"), with_copies(tmp_path / "copies")):
        options = {"label": "y", "ignore": ["label-issues", "near-duplicates"], "views": True}
        local = preflight.scan(path, **options)
        remote = preflight.scan(path, engine="dask", scheduler=scheduler, **options)
        same(local, remote)
        assert json.dumps(local.views, sort_keys=True) == json.dumps(remote.views, sort_keys=True)
    # and on many partitions of the file: the views' rounds run on the workers
    profile = profile_of(path, plan_source(open_tabular(path), batch_rows=64))
    rows = np.array([0, 1, 2, 63, 64, 1702, 1703, 1704, profile.rows - 1])
    cells = ListedCells(tuple((c.name, c.kind, bool(c.categories)) for c in (profile.label, *profile.columns)), rows)
    results: list[dict] = []
    for engine in (DaskEngine(scheduler, 2), contextlib.nullcontext(Streamed())):
        with engine as executor:
            scoring, sent = score_views(profile), None
            try:
                while True:
                    asks = scoring.send(sent) if sent is not None else next(scoring)
                    sent = executor.pass_two(profile.rescan, asks)
            except StopIteration as stop:
                results.append(stop.value)
            results[-1]["cells"] = executor.pass_two(profile.rescan, {"c": cells})["c"]
    (remote_f, local_f) = (r["features"] for r in results)
    assert results[0]["cells"] == results[1]["cells"] and len(results[0]["cells"][0]) == len(rows)
    assert remote_f.keys() == local_f.keys() and remote_f
    for name in local_f:
        assert remote_f[name][0] == local_f[name][0]
        assert [c.tolist() for c in remote_f[name][1]] == [c.tolist() for c in local_f[name][1]]


def test_distinct_values_on_the_cluster_are_one_readers(tmp_path: Path, scheduler: str) -> None:
    """Pass 1's distinct sets (exact below the cap, estimated above it: sample_rows 100) merged from
    the workers: the one-reader profile, and the findings and stats of the local scan."""
    from preflight.engine.cluster import DaskEngine
    from preflight.read.partitions import plan_source
    from preflight.read.tabular import open_tabular

    path = tmp_path / "t.parquet"
    write_groups(path, planted(sum(SIZES)))
    plan = plan_source(open_tabular(path), batch_rows=64)
    for options in ({"split_col": "split"}, {"sample_rows": 100}):
        with DaskEngine(scheduler, 2) as engine:
            remote = profile_of(path, plan, engine, **options)
        assert snapshot(remote) == snapshot(profile_of(path, one_partition(plan), **options))
    kwargs = {"label": "y", "split_col": "split", "ignore": ["label-issues", "near-duplicates"]}
    same(preflight.scan(path, **kwargs), preflight.scan(path, engine="dask", scheduler=scheduler, **kwargs))


def test_near_copies_of_every_row_on_dask(tmp_path: Path, scheduler: str) -> None:
    """Pass 2 ships the sample's near-copy index and grids to the workers: the same findings as
    local, every planted pair with them."""
    from test_keep import _parquet, near_table

    path = _parquet(tmp_path / "t.parquet", near_table())
    options = {"label": "y", "split_col": "split", "sample_rows": 100, "ignore": ["label-issues"]}
    local = preflight.scan(path, **options)
    remote = preflight.scan(path, engine="dask", scheduler=scheduler, **options)
    same(local, remote)
    near, = remote.by_rule("near-duplicates")
    assert "searched for every row against a content-keyed sample of 100 rows" in near.message
    assert [list(g) for g in near.groups] == [[i, i + 1500] for i in range(300)]


def test_near_copies_in_the_users_embeddings_on_dask(tmp_path: Path, scheduler: str) -> None:
    """--features: the pairs found in memory, the dropped id of their rows read on the workers."""
    from test_keep import _parquet, near_table

    data = near_table()
    path = _parquet(tmp_path / "t.parquet", data)
    features = tmp_path / "emb.npy"
    np.save(features, np.stack([data[f"f{j}"].to_numpy() for j in range(5)], axis=1))
    options = {"label": "y", "split_col": "split", "sample_rows": 100, "features": features,
               "ignore": ["label-issues"]}
    local = preflight.scan(path, **options)
    remote = preflight.scan(path, engine="dask", scheduler=scheduler, **options)
    same(local, remote)
    assert remote.by_rule("conflicting-labels") and remote.by_rule("near-duplicates")
