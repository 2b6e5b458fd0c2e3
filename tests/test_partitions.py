"""The partition plan and the merge (issue 15, first half): partitions read today's batches, and
their merged profiles are the one-reader profile bit for bit, whatever the partitioning or the
merge tree. The Dask engine runs the same plan: tests/test_dask.py."""
from __future__ import annotations

import dataclasses
import json
import pickle
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import preflight
from preflight.cli import main
from preflight.decide.config import load_config
from preflight.profile.executor import PassOneResult, Streamed
from preflight.profile.merge import merge_tree
from preflight.profile.partition import PassOne, profile_partition
from preflight.profile.tabular import TabularProfile, build_profile
from preflight.progress import Progress
from preflight.read import partitions as plans
from preflight.read.partitions import CsvHints, Partition, Plan, Replan, make_plan, plan_source, read_partition
from preflight.read.tabular import open_tabular

CSV_OPTIONS = {"convert_options": pacsv.ConvertOptions(null_values=[], strings_can_be_null=False,
                                                       quoted_strings_can_be_null=False)}


def table(n: int, seed: int = 0) -> pa.Table:
    """Numbers, a text column with placeholders, stray whitespace and many distinct values, a
    mixed column, a split column and a label; copies and conflicting labels planted far apart."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(size=(n, 3)), 3)
    y = np.where(x[:, 0] > 0, "yes", "no").astype(object)
    words = np.array([f"w{i}" for i in range(40)] + [" pad ", "?", "NA", ""], dtype=object)
    text = words[rng.integers(0, len(words), n)]
    mixed = np.where(rng.random(n) < 0.97, np.round(rng.normal(size=n), 2).astype(str), "oops").astype(object)
    split = np.array(["train", "test", "valid"], dtype=object)[rng.choice(3, n, p=[0.7, 0.2, 0.1])]
    split[: n // 3] = "train"  # "valid" and "test" first appear after the first partitions
    for src, dst, flip in ((3, n - 5, False), (7, n // 2, False), (11, n - 2, True)):
        x[dst], text[dst], mixed[dst], split[dst] = x[src], text[src], mixed[src], split[src]
        y[dst] = ("no" if y[src] == "yes" else "yes") if flip else y[src]
    return pa.table({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "text": pa.array(list(text)),
                     "mixed": pa.array(list(mixed)), "split": pa.array(list(split)), "y": pa.array(list(y))})


def settings_for(path: Path, **overrides) -> dict:
    return dict(load_config(path, overrides=overrides).settings)


def profile_of(path: Path, plan: Plan | None = None, executor=None, label: str | None = "y", **overrides
               ) -> TabularProfile:
    return build_profile(open_tabular(path), label=label, task="auto", settings=settings_for(path, **overrides),
                         progress=Progress(False), plan=plan, executor=executor)


def snapshot(profile: TabularProfile) -> bytes:
    """Everything the checks and the stats read from a profile, as bytes."""
    cols = [c for c in (*profile.columns, profile.label) if c is not None]
    table_ = profile.split_table
    return pickle.dumps((
        profile.files, profile.rows, profile.task, profile.classes, profile.y, profile.feature_hash, profile.row_hash,
        [{f.name: getattr(c, f.name) for f in dataclasses.fields(c)} for c in cols],
        None if table_ is None else (table_.names, table_.rows, table_.files, table_.train, table_.ids()),
        [v.transform for v in profile.train_columns or ()],
    ))


def one_partition(plan: Plan) -> Plan:
    """Each file as a single partition on the same batch grid: one reader of all its batches."""
    firsts = [next(p for p in plan.partitions if p.file == i) for i in range(len(plan.files))]
    whole = tuple(dataclasses.replace(p, index=i, rows=None, row_groups=(), skip=0, span=None, header=0, types=None,
                                      streamed=p.span is not None) for i, p in enumerate(firsts))
    return dataclasses.replace(plan, partitions=whole)


def write_row_groups(path: Path, data: pa.Table, sizes: Sequence[int]) -> Path:
    """data as a Parquet file whose row groups hold `sizes` rows each, in order."""
    with pq.ParquetWriter(path, data.schema) as writer:
        start = 0
        for size in sizes:
            writer.write_table(data.slice(start, size))
            start += size
    return path


def scans_both_ways(path: Path, monkeypatch, batch_rows: int = 64, **options) -> tuple:
    """preflight.scan(path, **options) on partitions of `batch_rows`-row batches, and on one
    partition a file of the same batches: (many, one)."""
    import preflight.profile.tabular as tabular

    real = tabular.plan_source
    out = []
    for single in (False, True):
        def plan(source, single=single):
            p = real(source, batch_rows=batch_rows)
            return one_partition(p) if single else p

        monkeypatch.setattr(tabular, "plan_source", plan)
        out.append(preflight.scan(path, **options))
    return out[0], out[1]


class Tree:
    """An executor that merges the partitions in a pairwise tree instead of a left fold."""

    name = "tree"

    def pass_one(self, partitions: Sequence[Partition], job: PassOne, progress: Progress,
                 pool: ThreadPoolExecutor) -> PassOneResult:
        results = [profile_partition(p, job, pool) for p in partitions]
        replans = [r for r in results if isinstance(r, Replan)]
        if replans:
            return PassOneResult(None, [], replans)
        return PassOneResult(merge_tree([r.accumulators for r in results], job.where, job.split_col),
                             [r.arrays for r in results])


# --- reading ------------------------------------------------------------------------------------

def test_parquet_partitions_give_the_whole_files_batches(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    data = table(1232)
    with pq.ParquetWriter(path, data.schema) as writer:  # row groups off the batch grid
        for start, size in ((0, 5), (5, 300), (305, 20), (325, 900), (1225, 7)):
            writer.write_table(data.slice(start, size))
    plan = plan_source(open_tabular(path), batch_rows=100)
    assert len(plan.partitions) > 2
    assert {p.rows[1] - p.rows[0] for p in plan.partitions} != {100}  # partitions of different sizes
    got = [b for p in plan.partitions for b in read_partition(p)]
    want = list(pq.ParquetFile(path).iter_batches(batch_size=100))
    assert [b.num_rows for b in got] == [b.num_rows for b in want]
    assert all(g.equals(w) for g, w in zip(got, want))


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_csv_spans_give_the_streamed_files_batches(tmp_path: Path, monkeypatch, newline: bytes) -> None:
    path = tmp_path / "t.csv"
    rows = [b"a,b,c"] + [f"{i},{i * 0.25},{'xyz'[i % 3] * (i % 7)}".encode() for i in range(20_000)]
    path.write_bytes(newline.join(rows) + newline)
    monkeypatch.setattr(plans, "STREAM_BYTES", 1 << 12)
    monkeypatch.setattr(plans, "SPAN_BLOCKS", 2)
    data = path.read_bytes()
    block = next(b for b in range(4096, 8192) if newline == b"\n" or data[b * 3 - 1:b * 3] == b"\r")  # CR | LF cut
    source = open_tabular(path)
    plan = make_plan(str(path), [str(path)], ["t.csv"], source.columns, (), {0: CsvHints(block=block)}, 1 << 18)
    assert len(plan.partitions) > 10 and plan.partitions[1].types is not None
    got = [b for p in plan.partitions for b in read_partition(p)]
    want = list(pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=block), **CSV_OPTIONS))
    assert [b.num_rows for b in got] == [b.num_rows for b in want]
    assert all(g.equals(w) for g, w in zip(got, want))


# --- the merge is exact ---------------------------------------------------------------------------

@pytest.mark.parametrize("split_col", ["", "split"])
def test_partitions_merged_are_one_reader_bit_for_bit(tmp_path: Path, split_col: str) -> None:
    path = tmp_path / "t.parquet"
    data = table(3000)
    with pq.ParquetWriter(path, data.schema) as writer:
        for start, size in ((0, 3), (3, 1700), (1703, 40), (1743, 900), (2643, 357)):
            writer.write_table(data.slice(start, size))
    plan = plan_source(open_tabular(path), batch_rows=64)
    assert len(plan.partitions) >= 4
    options = {"split_col": split_col} if split_col else {}
    whole = snapshot(profile_of(path, one_partition(plan), **options))
    assert snapshot(profile_of(path, plan, **options)) == whole
    assert snapshot(profile_of(path, plan, Tree(), **options)) == whole


def test_a_vocabulary_that_outgrows_its_cap_across_partitions(tmp_path: Path) -> None:
    """Two partitions of 6,000 texts each: each coded alone, not together (max 10,000), as one reader
    decides; with overlapping texts the column stays coded."""
    for shift, coded in ((6000, False), (3000, True)):
        path = tmp_path / f"codes{shift}.parquet"
        ids = np.r_[np.arange(6000), np.arange(6000) + shift]
        data = pa.table({"code": pa.array([f"k{i}" for i in ids]), "v": np.arange(12000.0),
                         "y": np.arange(12000) % 2})
        pq.write_table(data, path, row_group_size=6000)
        plan = plan_source(open_tabular(path), batch_rows=3000)
        assert len(plan.partitions) == 2
        merged = profile_of(path, plan)
        assert snapshot(merged) == snapshot(profile_of(path, one_partition(plan)))
        assert bool(merged.columns[0].categories) == coded


def _prose(rng: np.random.Generator, n: int) -> list[str]:
    words = [f"word{i}" for i in range(300)]
    return [" ".join(rng.choice(words, 12)) for _ in range(n)]


def test_free_text_across_partitions_is_one_reader_bit_for_bit(tmp_path: Path) -> None:
    """A prose column split over partitions keeps its cells from each and is free text, as one
    reader makes it; so are its near-copy hashes and the stats' text columns."""
    rng = np.random.default_rng(3)
    path = tmp_path / "prose.parquet"
    data = pa.table({"note": pa.array(_prose(rng, 900)), "v": rng.normal(size=900), "y": np.arange(900) % 3})
    pq.write_table(data, path, row_group_size=300)
    plan = plan_source(open_tabular(path), batch_rows=100)
    assert len(plan.partitions) == 3
    merged = profile_of(path, plan)
    assert [c.name for c in merged.text_columns] == ["note"]
    assert snapshot(merged) == snapshot(profile_of(path, one_partition(plan)))
    assert snapshot(profile_of(path, plan, Tree())) == snapshot(merged)


def test_a_column_prose_in_one_partition_and_labels_in_another_is_categories(tmp_path: Path) -> None:
    """Each partition judges its own first text batch (docs/scale.md): a column that reads as prose in
    the first and as short labels in the second is categories on every executor, never half-kept text."""
    rng = np.random.default_rng(4)
    path = tmp_path / "mixed.parquet"
    notes = _prose(rng, 300) + [f"k{i % 7}" for i in range(300)]
    data = pa.table({"note": pa.array(notes), "v": rng.normal(size=600), "y": np.arange(600) % 2})
    pq.write_table(data, path, row_group_size=300)
    plan = plan_source(open_tabular(path), batch_rows=300)
    assert len(plan.partitions) == 2
    merged = profile_of(path, plan)
    assert merged.text_columns == [] and merged.columns[0].texts is None
    assert snapshot(profile_of(path, plan, Tree())) == snapshot(merged)
    assert [c.name for c in profile_of(path, one_partition(plan)).text_columns] == ["note"]


def units_table() -> pa.Table:
    """Two halves a partition each. Alone, the second would read neither column specially: its
    heights are mostly plain numbers (50 'cm' against 200), its colours mostly numbers. Together,
    'cm' dominates the heights (350 against 200) and the colours are text with 'none' a level."""
    rng = np.random.default_rng(5)
    first = [f"{v:.1f}cm" for v in rng.normal(170, 8, 300)]
    second = [f"{v:.1f}cm" for v in rng.normal(170, 8, 50)] + [f"{v:.1f}" for v in rng.normal(170, 8, 200)]
    second += ["unknown"] * 50
    colour = [*rng.choice(["red", "blue", "none"], 300, p=[.45, .45, .1]),
              *rng.choice(["1", "2", "green", "none"], 300, p=[.3, .3, .3, .1])]
    return pa.table({"height": pa.array(first + second), "colour": pa.array(colour),
                     "v": rng.normal(size=600), "y": np.arange(600) % 2})


def test_a_units_column_split_over_partitions_reads_as_one_partition(tmp_path: Path) -> None:
    """Readings are decided from the merged tallies and pass 1 runs again with them on every
    partition: the same bytes as one reader, on any merge tree."""
    path = tmp_path / "units.parquet"
    pq.write_table(units_table(), path, row_group_size=300)
    plan = plan_source(open_tabular(path), batch_rows=100)
    assert len(plan.partitions) == 2
    merged = profile_of(path, plan)
    height, colour = merged.columns[:2]
    assert height.reading.unit == "cm" and height.units == {"cm": 350}
    assert (height.numeric_count, height.text_count, height.kind) == (550, 50, "mixed")
    assert colour.reading.levels and colour.missing == 0 and "none" in colour.categories
    assert snapshot(merged) == snapshot(profile_of(path, one_partition(plan)))
    assert snapshot(profile_of(path, plan, Tree())) == snapshot(merged)
    second = dataclasses.replace(plan, partitions=plan.partitions[1:])  # the second half alone: read plainly
    alone = profile_of(path, second)
    assert alone.columns[0].reading.unit is None and not alone.columns[1].reading.levels


def test_a_column_that_breaks_its_type_in_a_later_span_is_text_from_the_start(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "t.csv"
    lines = ["x,y"] + [f"{i},{i % 2}" for i in range(30_000)]
    lines[25_000] = "oops,1"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(plans, "STREAM_BYTES", 1 << 12)
    source = open_tabular(path)
    plan = make_plan(str(path), [str(path)], ["t.csv"], source.columns, (), {0: CsvHints(block=8192)}, 1 << 18)
    assert len(plan.partitions) > 2
    spans = profile_of(path, plan)
    assert spans.columns[0].kind == "mixed" and spans.columns[0].dtype == "string"
    assert snapshot(spans) == snapshot(profile_of(path, one_partition(plan)))


def test_merge_refuses_a_builder_field_it_does_not_know(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    pacsv.write_csv(table(50), path)
    source = open_tabular(path)
    plan = plan_source(source)
    settings = settings_for(path)
    from preflight.profile.merge import merge
    from preflight.profile.tabular import pass_one_job

    job = pass_one_job(plan, "y", settings)
    result = profile_partition(plan.partitions[0], job)
    result.accumulators.columns["a"].new_tally = 0
    with pytest.raises(RuntimeError, match="new_tally"):
        merge(result.accumulators, result.accumulators)


# --- URLs, the engine setting ----------------------------------------------------------------------

def _without_paths(report) -> dict:
    out = report.to_dict()
    out["dataset"].pop("path")
    return out


def test_a_file_url_scans_as_the_local_path(tmp_path: Path) -> None:
    pytest.importorskip("fsspec")
    folder = tmp_path / "data"
    folder.mkdir()
    data = table(900)
    pacsv.write_csv(data.slice(0, 400), folder / "a.csv")
    pq.write_table(data.slice(400), folder / "b.parquet", row_group_size=100)
    local = preflight.scan(folder, label="y")
    remote = preflight.scan(f"file://{folder}", label="y")
    assert remote.dataset["path"] == f"file://{folder}"
    assert _without_paths(remote) == _without_paths(local)
    assert json.dumps(remote.stats) == json.dumps(local.stats)
    single = preflight.scan(f"file://{folder / 'a.csv'}", label="y")
    assert single.dataset["files"] == [{"path": f"file://{folder / 'a.csv'}", "rows": 400}]


def test_a_large_csv_behind_a_url_is_read_in_spans(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("fsspec")
    path = tmp_path / "t.csv"
    pacsv.write_csv(table(5000), path)
    monkeypatch.setattr(plans, "STREAM_BYTES", 1 << 12)
    from preflight.read.remote import open_url

    source = open_url(f"file://{path}")
    plan = make_plan(source.root, list(source.files), [source.display(f) for f in source.files], source.columns, (),
                     {0: CsvHints(block=1 << 12)}, 1 << 18)
    assert len(plan.partitions) > 3 and all(p.remote for p in plan.partitions)
    got = [b for p in plan.partitions for b in read_partition(p)]
    want = list(pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 12), **CSV_OPTIONS))
    assert [b.num_rows for b in got] == [b.num_rows for b in want] and all(g.equals(w) for g, w in zip(got, want))


def test_a_url_without_its_filesystem_package_is_exit_2(capsys) -> None:
    pytest.importorskip("fsspec")
    import importlib.util

    if importlib.util.find_spec("s3fs") is not None:
        pytest.skip("s3fs is installed: the missing-package message cannot be shown")
    assert main(["scan", "s3://bucket/data.csv", "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("preflight: error: s3://bucket/data.csv: cannot open this URL") \
        and "s3fs" in err[0]


def test_findings_record_the_engine(tmp_path: Path, write_csv) -> None:
    path = write_csv("a,y\n1,0\n2,1\n3,0\n")
    assert preflight.scan(path, select=["PF106"]).to_dict()["engine"] == "local"


def test_engine_dask_without_dask_is_one_line_and_exit_2(write_csv, monkeypatch, capsys) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("dask", "distributed")
                        else real(name, *a))
    path = write_csv("a,y\n1,0\n2,1\n")
    assert main(["scan", str(path), "--engine", "dask", "-q"]) == 2
    assert capsys.readouterr().err == "preflight: error: --engine dask needs dask and distributed: " \
                                      "pip install 'preflight[dask]'\n"


def test_images_with_engine_dask_are_scanned_locally_with_a_note(monkeypatch) -> None:
    images = Path(__file__).resolve().parent.parent / "fixtures" / "images_clean"
    report = preflight.scan(images, select=["ignored-files"], cache=False, engine="dask")
    assert report.engine == "local" and report.to_dict()["engine"] == "local"
    assert any("images are scanned locally" in note for note in report.notes)


def test_the_streamed_executor_is_the_default(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    pacsv.write_csv(table(200), path)
    assert snapshot(profile_of(path)) == snapshot(profile_of(path, executor=Streamed()))


def test_partitions_on_local_processes_give_the_same_bytes(tmp_path: Path) -> None:
    """engine.local's process mode (not the default: it pickles every partition's per-row arrays
    back, 4-5x slower than streaming while pass 1 keeps them)."""
    from preflight.engine.local import LocalEngine

    path = tmp_path / "t.parquet"
    pq.write_table(table(2000, seed=9), path, row_group_size=300)
    plan = plan_source(open_tabular(path), batch_rows=100)
    assert len(plan.partitions) > 2
    assert snapshot(profile_of(path, plan, LocalEngine(2, processes=True))) == snapshot(profile_of(path, plan))
