"""Every supported format reads to the same profile; folders read as one table."""
from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import preflight
from preflight.files import dumps

DF = pd.DataFrame({"a": [1.5, 2.0, None, 4.0, 1.5], "b": ["x", "y", "y", None, "x"], "y": [0, 1, 0, 1, 0]})


def _scan_dump(path, **kw) -> tuple[str, list]:
    report = preflight.scan(path, label="y", **kw)
    stats = dict(report.stats)
    stats["fingerprint"] = {k: v for k, v in stats["fingerprint"].items() if k != "columns"}
    for f in stats["features"].values():
        f.pop("dtype")
    return dumps(stats), [(f.rule, f.rows, f.groups) for f in report.findings]


def test_formats_agree(tmp_path) -> None:
    DF.to_csv(tmp_path / "t.csv", index=False)
    DF.to_csv(tmp_path / "t.tsv", index=False, sep="\t")
    with gzip.open(tmp_path / "t.csv.gz", "wt") as fh:
        DF.to_csv(fh, index=False)
    pq.write_table(pa.Table.from_pandas(DF, preserve_index=False), tmp_path / "t.parquet")
    (tmp_path / "t.jsonl").write_text("".join(json.dumps({k: (None if pd.isna(v) else v) for k, v in r.items()}) + "\n"
                                              for r in DF.to_dict("records")))
    for name in ("t.csv", "t.jsonl"):
        for suffix, codec in ((".bz2", "bz2"), (".zst", "zstd"), (".gz", "gzip")):
            if not (tmp_path / (name + suffix)).exists():
                with pa.output_stream(str(tmp_path / (name + suffix)), compression=codec) as out:
                    out.write((tmp_path / name).read_bytes())
    names = ["t.csv", "t.tsv", "t.parquet", "t.jsonl"]
    names += [f"{n}.{c}" for n in ("t.csv", "t.jsonl") for c in ("gz", "bz2", "zst")]
    results = {p: _scan_dump(tmp_path / p) for p in names}
    first = results["t.csv"]
    assert first[1] and all(r == first for r in results.values()), results


def test_compressed_json_lines_with_a_column_that_changes_type(tmp_path) -> None:
    """pyarrow's JSON reader refuses a column that changes type; the fallback reads the lines as
    text, decompressing as the fast path does."""
    lines = "".join(json.dumps({"x": x, "y": i % 2}) + "\n" for i, x in enumerate([1, 2, "three", 4, 5, 6]))
    with pa.output_stream(str(tmp_path / "t.jsonl.bz2"), compression="bz2") as out:
        out.write(lines.encode())
    report = preflight.scan(tmp_path / "t.jsonl.bz2", label="y", select=["mixed-types"])
    assert report.dataset["rows"] == 6 and [f.rows for f in report.findings] == [(2,)]


def test_folder_reads_files_in_order_as_one_table(tmp_path) -> None:
    d = tmp_path / "data"
    d.mkdir()
    (d / "b.csv").write_text("a,y\n3,1\n1,0\n")
    (d / "a.csv").write_text("y,a\n0,1\n1,2\n")       # column order may differ
    report = preflight.scan(d, label="y", select=["duplicate-rows"])
    assert report.dataset["files"] == [{"path": "a.csv", "rows": 2}, {"path": "b.csv", "rows": 2}]
    assert [f.groups for f in report.findings] == [((0, 3),)]


def test_csv_column_that_turns_to_text_after_the_first_block(tmp_path, monkeypatch) -> None:
    import preflight.read.tabular as reader

    monkeypatch.setattr(reader, "CSV_BLOCK_BYTES", 64)
    rows = [f"{i},{i % 2}" for i in range(40)] + ["5' 4\",1"]
    (tmp_path / "t.csv").write_text("h,y\n" + "\n".join(rows) + "\n")
    report = preflight.scan(tmp_path / "t.csv", label="y", select=["mixed-types"])
    assert [f.rows for f in report.findings] == [(40,)]


def test_jsonl_with_changing_types_falls_back_to_text(tmp_path) -> None:
    (tmp_path / "t.jsonl").write_text('{"h": 165, "y": 0}\n{"h": "5 ft", "y": 1}\n{"h": 170, "y": 0}\n')
    report = preflight.scan(tmp_path / "t.jsonl", label="y", select=["mixed-types"])
    assert [f.rows for f in report.findings] == [(1,)]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_streamed_reads_give_the_same_findings_and_stats(tmp_path, monkeypatch, fmt) -> None:
    """CSV above STREAM_BYTES and every Parquet file are streamed batch by batch; the result
    must be byte-identical to a whole-file read, across many small blocks and batches."""
    import pyarrow.csv as pacsv

    import preflight.read.tabular as reader

    rng = np.random.default_rng(5)
    n = 3000
    table = pa.table({"x": rng.normal(0, 1, n).round(3), "c": rng.choice(["a", " b", "c", "?"], n),
                      "y": rng.integers(0, 3, n)})
    path = tmp_path / f"t.{fmt}"
    if fmt == "csv":
        pacsv.write_csv(table, path)
    else:
        pq.write_table(table, path, row_group_size=700)
    whole = preflight.scan(path, label="y")
    monkeypatch.setattr(reader, "STREAM_BYTES", 0)
    monkeypatch.setattr(reader, "CSV_BLOCK_BYTES", 4096)
    monkeypatch.setattr(reader, "BATCH_ROWS", 500)
    streamed = preflight.scan(path, label="y")
    assert [f.to_dict() for f in streamed.findings] == [f.to_dict() for f in whole.findings]
    assert dumps(streamed.stats) == dumps(whole.stats)


def test_streamed_csv_column_that_turns_to_text_restarts_as_text(tmp_path, monkeypatch) -> None:
    """A streamed column that breaks type inference after batches were profiled: the profile
    starts again with the column read as text, with the same result as a whole-file read."""
    import preflight.read.tabular as reader

    rows = [f"{i},{i % 2}" for i in range(400)] + ["5' 4\",1"] + [f"{i},{i % 2}" for i in range(5)]
    (tmp_path / "t.csv").write_text("h,y\n" + "\n".join(rows) + "\n")
    monkeypatch.setattr(reader, "CSV_BLOCK_BYTES", 256)
    whole = preflight.scan(tmp_path / "t.csv", label="y")
    monkeypatch.setattr(reader, "STREAM_BYTES", 0)
    streamed = preflight.scan(tmp_path / "t.csv", label="y")
    mixed = [f for f in streamed.findings if f.rule == "mixed-types"]
    assert [f.rows for f in mixed] == [(400,)]
    assert [f.to_dict() for f in streamed.findings] == [f.to_dict() for f in whole.findings]
    assert dumps(streamed.stats) == dumps(whole.stats)


def test_folder_whose_files_disagree_on_a_column_type_profiles_as_one_text_column(tmp_path) -> None:
    """A column read as numbers in one file and as text in another is one mixed column, exactly as
    if a single file held all its rows: its number cells hash and code by value in both."""
    from preflight.decide.config import load_config
    from preflight.pipeline import _tabular_profile
    from preflight.progress import Progress

    d = tmp_path / "data"
    d.mkdir()
    numbers = [f"{i % 4},{i * 0.5},{i % 2}" for i in range(30)]
    texts = [f"{['a', ' b', '3', '1.0'][i % 4]},{i * 0.5 + 15},{i % 2}" for i in range(30)]
    (d / "a.csv").write_text("x,z,y\n" + "\n".join(numbers) + "\n")  # x: int64 here
    (d / "b.csv").write_text("x,z,y\n" + "\n".join(texts) + "\n")    # x: text here
    whole = tmp_path / "whole.csv"
    whole.write_text("x,z,y\n" + "\n".join(numbers + texts) + "\n")  # x: text throughout
    assert _scan_dump(d) == _scan_dump(whole)
    x = [_tabular_profile(p, load_config(p, overrides={"label": "y"}), Progress(False)).columns[0] for p in (d, whole)]
    assert x[0].kind == x[1].kind == "mixed"
    assert x[0].categories == x[1].categories == ("0", "1", "1.0", "2", "3", "a", "b")
    for field in ("codes", "hashes", "values", "missing_mask", "whitespace_mask", "nonfinite_mask"):
        np.testing.assert_array_equal(getattr(x[0], field), getattr(x[1], field), err_msg=field)
    assert x[0].distinct == x[1].distinct == 6
