"""distribution-shift lists a held-out split's rows with a category train lacks in pass 2, each
row's split from its file (a layout) or from the split column read again: on tables cut into
partitions of 1 to 1,700 rows with such categories planted across them, in two held-out splits,
the findings equal a one-partition scan's and the rows the per-row arrays of pass 1 give."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from test_partitions import profile_of, scans_both_ways, write_row_groups

SIZES = (3, 1700, 1, 40, 900, 357, 2)  # row groups: partitions [0, 3), [3, 1703), [1703, 1704), ...
N = sum(SIZES)
RULE = ["distribution-shift"]


def _site(rng: np.random.Generator, n: int) -> list[str]:
    return [str(s) for s in np.array(["north", "south", "east"])[rng.integers(0, 3, n)]]


def _plant(site: list[str], split: list[str], held: str, every: int, value: str) -> None:
    """`value` on every `every`-th row of `held`, and on its rows at partition edges."""
    mine = [i for i, s in enumerate(split) if s == held]
    for i in {*mine[::every], *(i for i in mine if i in (0, 1702, 1703, 1704, N - 1))}:
        site[i] = value


def _column_table(seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    split = [str(s) for s in np.array(["train", "test", "valid"])[rng.choice(3, N, p=[0.6, 0.3, 0.1])]]
    split[:3] = ["test", "train", "valid"]
    split[1703] = split[N - 1] = "test"  # the one-row partition and the last row
    site = _site(rng, N)
    _plant(site, split, "test", 7, "west")
    _plant(site, split, "test", 23, "7")  # a category that reads as a number
    _plant(site, split, "valid", 5, "west")  # the same category in another held-out split
    return pa.table({"site": site, "x": rng.normal(size=N), "split": split, "y": rng.integers(0, 2, N)})


def _expected(path: Path, **options) -> dict[str, list[int]]:
    """Per held-out split, its rows with a category train lacks, from pass 1's per-row arrays."""
    profile = profile_of(path, **options)
    table = profile.split_table
    col = next(c for c in profile.columns if c.name == "site")
    train = col.parts[table.train].category_counts
    unseen = (col.codes >= 0) & (train[np.maximum(col.codes, 0)] == 0)
    return {table.names[h]: np.flatnonzero(table.mask(h) & unseen).tolist() for h in table.held_out}


def _check(many, one, expected: dict[str, list[int]], max_rows: int) -> None:
    assert json.dumps(many.to_dict()) == json.dumps(one.to_dict())
    found = {f.details["splits"][1]: f for f in many.findings if f.details["aspect"] == "unseen"}
    assert sorted(found) == ["test", "valid"]
    for held, f in found.items():
        want = expected[held]
        assert len(want) > 20 and f.count == len(want) == f.details["held_out"]["rows"]
        assert list(f.rows) == want[:max_rows]
        assert f.details.get("rows_truncated", False) == (len(want) > max_rows)


def _files(folder: Path, data: pa.Table, sizes: list[int]) -> None:
    """data cut into Parquet files of `sizes` rows, in name order; row groups of 100 rows."""
    folder.mkdir(parents=True)
    start = 0
    for i, size in enumerate(s for s in sizes if s):
        size = min(size, data.num_rows - start)
        write_row_groups(folder / f"part-{i}.parquet", data.slice(start, size), [100] * -(-size // 100))
        start += size
    assert start == data.num_rows


@pytest.mark.parametrize("max_rows", [2, 10_000])
def test_unseen_categories_from_a_split_column_equal_a_one_partition_scan(tmp_path: Path, monkeypatch,
                                                                          max_rows: int) -> None:
    path = write_row_groups(tmp_path / "splits.parquet", _column_table(21), SIZES)
    options = {"label": "y", "split_col": "split"}
    many, one = scans_both_ways(path, monkeypatch, select=RULE, max_listed_rows=max_rows, **options)
    expected = _expected(path, split_col="split")
    _check(many, one, expected, max_rows)
    test = next(f for f in many.findings if f.details["splits"][1] == "test")
    assert sorted(test.details["unseen"]) == ["7", "west"]


def test_unseen_categories_from_a_split_column_over_files_of_1_to_1700_rows(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "column"
    _files(folder, _column_table(23), list(SIZES))  # partitions of 1 to 64 rows and a file's 64-row grid
    many, one = scans_both_ways(folder, monkeypatch, label="y", split_col="split", select=RULE)
    _check(many, one, _expected(folder, split_col="split"), 10_000)


@pytest.mark.parametrize("max_rows", [2, 10_000])
def test_unseen_categories_from_split_files_equal_a_one_partition_scan(tmp_path: Path, monkeypatch,
                                                                       max_rows: int) -> None:
    whole = _column_table(22)
    split = whole.column("split").to_pylist()
    for name in ("test", "train", "valid"):
        rows = [i for i, s in enumerate(split) if s == name]
        part = whole.take(rows).drop_columns(["split"])
        _files(tmp_path / "layout" / name, part, [3, 1, part.num_rows // 2, 1, 40, part.num_rows])
    many, one = scans_both_ways(tmp_path / "layout", monkeypatch, label="y", select=RULE, max_listed_rows=max_rows)
    assert list(many.dataset["splits"]) == ["train", "test", "valid"]
    _check(many, one, _expected(tmp_path / "layout"), max_rows)
