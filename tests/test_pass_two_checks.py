"""mixed-types and sentinel-values read their rows and counts in pass 2: on a table cut into
partitions of 1 to 1,700 rows with the problems planted across them, the findings equal a
one-partition scan's, and the rows the per-row arrays of pass 1 give."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from test_partitions import profile_of, scans_both_ways, write_row_groups

SIZES = (3, 1700, 1, 40, 900, 357, 2)  # row groups: partitions [0, 3), [3, 1703), [1703, 1704), ...
N = sum(SIZES)
PLANTED = [1, 1703, 1720, 2700, N - 1]  # the first, the one-row, a middle and the last partitions


def mixed(tmp_path: Path) -> Path:
    rng = np.random.default_rng(11)
    height = [f"{v:.1f}" for v in rng.normal(170, 8, N)]
    route = [str(v) for v in rng.integers(100, 999, N)]
    route2 = list(route)
    code = [f"{chr(65 + a)}{b}" for a, b in zip(rng.integers(0, 26, N), rng.integers(0, 10, N))]
    size = [f"{v}cm" if i % 2 else f"{v} in" for i, v in enumerate(rng.integers(60, 190, N))]
    for r in PLANTED:
        height[r], route[r], route2[r], code[r] = "tall", "510A", "510A", "323"
    route2[1702] = "5.5"  # one number not whole: "510A" is no longer a code among route numbers
    for r in (0, 1703, 2999):
        size[r] = ""
    data = pa.table({"height": height, "route": route, "route2": route2, "code": code, "size": size,
                     "y": rng.integers(0, 2, N)})
    return write_row_groups(tmp_path / "mixed.parquet", data, SIZES)


@pytest.mark.parametrize("max_rows", [2, 10_000])
def test_mixed_types_equal_a_one_partition_scan(tmp_path: Path, monkeypatch, max_rows: int) -> None:
    path = mixed(tmp_path)
    many, one = scans_both_ways(path, monkeypatch, label="y", select=["mixed-types"], max_listed_rows=max_rows)
    assert json.dumps(many.to_dict()) == json.dumps(one.to_dict())
    found = {f.columns[0]: f for f in many.findings}
    assert sorted(found) == ["code", "height", "route", "route2", "size"]
    assert [found[c].details["mix"] for c in ("code", "height", "route", "route2", "size")] == \
        ["codes", "stray", "codes", "stray", "units"]
    profile = profile_of(path)
    cols = {c.name: c for c in profile.columns}
    for name, f in found.items():
        col = cols[name]
        if name == "size":
            want = np.flatnonzero(~col.missing_mask)
            assert f.count == N - 3 and want.size == N - 3
        else:
            text = ~col.missing_mask & np.isnan(col.values)
            want = np.flatnonzero(text if col.text_count <= col.numeric_count else ~col.missing_mask & ~text)
            assert f.count == want.size
        assert list(f.rows) == want.tolist()[:max_rows]
        assert f.details.get("rows_truncated", False) == (want.size > max_rows)
    assert list(found["height"].rows) == PLANTED[:max_rows]
    assert list(found["code"].rows) == PLANTED[:max_rows]  # the numbers among codes
    assert "mixes 5 numbers with 2998 text values" in found["code"].message


SENTINEL = sorted({*range(1, N, 10), 1703, N - 1})  # 99 on every 10th row, the one-row partition, the last


def sentinels(tmp_path: Path) -> Path:
    rng = np.random.default_rng(12)
    age = rng.integers(18, 96, N).astype(float)
    age[SENTINEL] = 99
    debt = np.round(rng.gamma(2, 300, N), 2)
    debt[PLANTED] = -1  # five rows (min_rows) among amounts that each occur about once
    inside = rng.integers(0, 2000, N).astype(float)
    inside[SENTINEL] = 999  # a spike, but among the other values: a value
    data = pa.table({"age": age, "debt": debt, "inside": inside, "y": rng.integers(0, 2, N)})
    return write_row_groups(tmp_path / "sentinel.parquet", data, SIZES)


@pytest.mark.parametrize("max_rows", [2, 10_000])
def test_sentinel_values_equal_a_one_partition_scan(tmp_path: Path, monkeypatch, max_rows: int) -> None:
    path = sentinels(tmp_path)
    many, one = scans_both_ways(path, monkeypatch, label="y", select=["sentinel-values"], max_listed_rows=max_rows)
    assert json.dumps(many.to_dict()) == json.dumps(one.to_dict())
    assert [f.columns[0] for f in many.findings] == ["age", "debt"]
    age, debt = many.findings
    assert age.count == len(SENTINEL) and list(age.rows) == SENTINEL[:max_rows]
    assert age.details["value"] == 99.0 and age.details["others"] == [18.0, 95.0]
    assert age.details.get("rows_truncated", False) == (len(SENTINEL) > max_rows)
    assert f"(rows {', '.join(map(str, SENTINEL[:5]))}, ... (+{len(SENTINEL) - 5} more))" in age.message
    assert debt.count == 5 and list(debt.rows) == PLANTED[:max_rows] and "below all others" in debt.message
