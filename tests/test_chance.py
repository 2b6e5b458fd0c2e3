"""The chance evidence behind duplicate-rows' and conflicting-labels' severities."""
from __future__ import annotations

from pathlib import Path

import numpy as np

import preflight


def test_copies_across_files_stay_errors_even_where_chance_explains_them(tmp_path: Path) -> None:
    """A coarse table repeats rows by design, but a row in both train and test leaks."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "train.csv").write_text("a,b,y\n" + "".join(f"{i % 3},{i % 2},{i % 2}\n" for i in range(30)))
    (folder / "test.csv").write_text("a,b,y\n" + "".join(f"{i % 3},{i % 2},{i % 2}\n" for i in range(6)))
    (one,) = preflight.scan(tmp_path / "data" / "train.csv", label="y", select=["duplicate-rows"]).findings
    assert one.severity == "info"  # within one file: 6 distinct rows over 30, as chance gives
    (both,) = preflight.scan(folder, label="y", select=["duplicate-rows"]).findings
    assert both.severity == "error" and both.details["groups_across_files"] == 6


def test_a_column_the_telling_one_determines_is_not_evidence(tmp_path: Path) -> None:
    """age_group is a function of age: equal ages make equal groups, not rarer rows."""
    import numpy as np

    rng = np.random.default_rng(0)
    age = rng.integers(18, 90, 3000)
    sex = rng.integers(0, 2, 3000)
    lines = [f"{a},{a // 10},{s}" for a, s in zip(age, sex)]
    path = tmp_path / "t.csv"
    path.write_text("age,age_group,sex\n" + "\n".join(lines) + "\n")
    (dup,) = preflight.scan(path, select=["duplicate-rows"]).findings
    evidence = dup.details["evidence"]
    assert dup.severity == "info" and evidence["telling_column"] == "age"
    assert evidence["chance_probability"] == 1.0  # with age_group among "the others": 0.0


def test_a_column_computed_from_others_is_never_the_telling_one(tmp_path: Path) -> None:
    """total = a + b + c repeats whenever its parts do: the evidence comes from the parts."""
    import numpy as np

    rng = np.random.default_rng(1)
    parts = rng.integers(0, 12, (300, 3))
    parts[:40] = 0  # a dose that stops every brood: rows equal by design
    lines = [f"{a},{b},{c},{a + b + c}" for a, b, c in parts]
    path = tmp_path / "t.csv"
    path.write_text("a,b,c,total\n" + "\n".join(lines) + "\n")
    (dup,) = preflight.scan(path, select=["duplicate-rows"]).findings
    assert dup.details["evidence"]["telling_column"] in ("a", "b", "c")


def test_the_resolution_of_a_clustered_column_is_chance(tmp_path) -> None:
    """Farms near each other, coordinates to 0.1 degree: equal longitudes beside many 0.1 apart
    are rounding, not copies; the same rows copied exactly, with no neighbours, stay copies."""
    rng = np.random.default_rng(3)
    lat = np.round(rng.normal(46.0, 0.3, 300), 1)
    lon = np.round(-92.0 + 0.8 * (lat - 46.0) + rng.normal(0, 0.15, 300), 1)
    counts = rng.integers(1, 3, 300)
    path = tmp_path / "farms.csv"
    path.write_text("latitude,longitude,number\n" + "".join(f"{a},{b},{c}\n" for a, b, c in zip(lat, lon, counts)))
    (dup,) = preflight.scan(path, select=["duplicate-rows"]).findings
    near = dup.details["evidence"]["resolution"]
    assert dup.severity == "info" and near["step"] == 0.1 and near["pairs_one_step"] > 0
    spread = np.round(rng.uniform(40, 50, 300), 4), np.round(rng.uniform(-95, -85, 300), 4)
    rows = [f"{a},{b},1\n" for a, b in zip(*spread)]
    path.write_text("latitude,longitude,number\n" + "".join(rows + rows[:5]))
    (dup,) = preflight.scan(path, select=["duplicate-rows"]).findings
    assert dup.severity == "error" and "resolution" not in dup.details["evidence"]
