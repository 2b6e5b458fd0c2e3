"""Baselines: known findings stop failing the gate, new ones still do, and identity survives row inserts."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import preflight
from preflight.cli import main
from preflight.decide.baseline import BASELINE_FORMAT

ROOT = Path(__file__).resolve().parent.parent


def _rows(n: int, seed: int) -> list[str]:
    """Clean rows: label determined by x1 with a wide margin (no label issues), no copies."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        y = int(rng.integers(0, 2))
        x1 = rng.normal(5.0 if y else -5.0, 1.0)
        out.append(f"{x1:.6f},{rng.normal():.6f},{'abc'[int(rng.integers(0, 3))]},{'ny'[y]}")
    return out


def _table(tmp_path: Path, extra_top: int = 0, new_dup: bool = False) -> Path:
    body = _rows(150, seed=1)
    body[20] = body[10]                      # planted duplicate pair
    body[90] = body[91] = body[30]           # and a triple
    first = body[40].split(",")
    body[40] = ",".join(["inf", *first[1:]])  # a non-finite value
    last = body[60].split(",")
    body[60] = ",".join([*last[:3], ""])      # a missing label
    if new_dup:
        body.append(body[70])
    rows = _rows(extra_top, seed=99) + body
    path = tmp_path / "data" / "t.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x1,x2,cat,label\n" + "\n".join(rows) + "\n")
    return path


def test_inserting_rows_keeps_findings_known_and_a_new_duplicate_is_new(tmp_path, capsys) -> None:
    data, base = _table(tmp_path), tmp_path / "baseline.json"
    assert main(["scan", str(data), "-q", "--write-baseline", str(base)]) == 1
    capsys.readouterr()
    rules = {e["rule"] for e in json.loads(base.read_text())["findings"]}
    assert {"duplicate-rows", "non-finite-values", "missing-labels"} <= rules

    _table(tmp_path, extra_top=5)
    assert main(["scan", str(data), "--baseline", str(base), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["findings"] == []
    assert doc["baseline"] == {"path": str(base), "known": len(rules), "fixed": 0, "new": 0}

    _table(tmp_path, extra_top=5, new_dup=True)
    assert main(["scan", str(data), "--baseline", str(base), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [f["rule"] for f in doc["findings"]] == ["duplicate-rows"]
    details = doc["findings"][0]["details"]
    assert details["new_rows"] == [75, 155]           # body[70] (5 rows down) and its new copy at the end
    assert sorted(details["known_rows"]) == [15, 25, 35, 95, 96]
    assert doc["baseline"]["new"] == 1 and doc["baseline"]["known"] == len(rules) - 1


def test_baseline_file_is_deterministic_sorted_and_index_free(tmp_path) -> None:
    data = _table(tmp_path)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    preflight.scan(data, write_baseline=a)
    preflight.scan(data, write_baseline=b)
    assert a.read_bytes() == b.read_bytes()
    doc = json.loads(a.read_text())
    assert doc["format"] == BASELINE_FORMAT and doc["kind"] == "tabular"
    keys = [(e["code"], e["rule"], e["columns"]) for e in doc["findings"]]
    assert keys == sorted(keys)
    dup = next(e for e in doc["findings"] if e["rule"] == "duplicate-rows")
    assert dup["rows"] == sorted(dup["rows"]) and len(dup["rows"]) == 5       # multiset: the triple counts 3
    assert all(len(h) == 16 and int(h, 16) >= 0 for h in dup["rows"])


def test_fixed_findings_are_counted_and_text_summary_says_so(tmp_path, capsys) -> None:
    data, base = _table(tmp_path), tmp_path / "baseline.json"
    preflight.scan(data, write_baseline=base)
    lines = data.read_text().splitlines()
    data.write_text("\n".join(line for i, line in enumerate(lines) if i != 41) + "\n")  # drop the inf row
    report = preflight.scan(data, baseline=base)
    assert report.baseline["fixed"] == 1 and report.baseline["new"] == 0 and report.exit_code == 0
    assert main(["scan", str(data), "--baseline", str(base)]) == 0
    assert "baseline: 0 new, " in capsys.readouterr().out.splitlines()[-1]
    assert "baseline" not in preflight.scan(data).to_dict()   # optional key: only with --baseline


def test_bad_baseline_is_a_usage_error(tmp_path, capsys) -> None:
    data = _table(tmp_path)
    assert main(["scan", str(data), "--baseline", str(tmp_path / "nope.json")]) == 2
    assert "baseline file not found" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "preflight-findings/1"}')
    assert main(["scan", str(data), "--baseline", str(bad)]) == 2
    assert "not a preflight baseline" in capsys.readouterr().err
    assert main(["scan", str(data.parent), "--write-baseline", str(data.parent / "b.json")]) == 2
    assert not (data.parent / "b.json").exists()


def test_image_baseline_keys_files_by_path_and_content(tmp_path) -> None:
    data = tmp_path / "imgs"
    shutil.copytree(ROOT / "fixtures" / "images", data)
    base = tmp_path / "b.json"
    first = preflight.scan(data, write_baseline=base, cache=False)
    doc = json.loads(base.read_text())
    assert doc["kind"] == "images"
    entry = next(e for e in doc["findings"] if e["files"])
    assert all("@" in item for item in entry["files"])
    assert preflight.scan(data, baseline=base, cache=False).findings == ()
    blurry = data / "train" / "bird" / "blurry.png"
    assert any(f.rule == "blurry" and "train/bird/blurry.png" in f.files for f in first.findings)
    blurry.rename(blurry.with_name("blurry2.png"))            # a moved file is a new identity
    rules = {f.rule for f in preflight.scan(data, baseline=base, cache=False).findings}
    assert "blurry" in rules


@pytest.mark.parametrize("kind", ["rows", "files", "columns", "dataset"])
def test_identity_units(kind) -> None:
    from types import SimpleNamespace

    from preflight.decide.baseline import identify
    from preflight.findings import Finding

    profile = SimpleNamespace(kind="images", files=("a.png", "b.png"),
                              feature_hash=np.array([1, 2], np.uint64), row_hash=np.array([3, 4], np.uint64))
    f = {"rows": Finding("r", "PF1", "info", "m", rows=(1,)),
         "files": Finding("r", "PF1", "info", "m", files=("b.png",)),
         "columns": Finding("r", "PF1", "info", "m", columns=("z", "a")),
         "dataset": Finding("r", "PF1", "info", "m")}[kind]
    expected = {"rows": ("rows", [(1, "0000000000000004")]), "files": ("files", [("b.png", "b.png@0000000000000002")]),
                "columns": ("columns", [(None, "a,z")]), "dataset": ("dataset", [(None, "r")])}[kind]
    assert identify(f, profile) == expected
