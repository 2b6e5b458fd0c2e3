"""`preflight stats-check STATS PATH`: 0 while the stats still fingerprint the data, 1 once stale, 2 on bad input."""
from __future__ import annotations

import json

import pytest

from preflight.cli import main

CSV = "x1,x2,label\n" + "".join(f"{i % 7},{(i * 37) % 11},{'ab'[i % 2]}\n" for i in range(40))


@pytest.fixture
def scanned(write_csv, tmp_path):
    data = write_csv(CSV)
    assert main(["scan", str(data), "--label", "label", "-o", str(tmp_path / "out"), "-q",
                 "--fail-on", "never"]) == 0
    return data, tmp_path / "out" / "stats.json"


def test_fresh_stats_exit_0(scanned, capsys) -> None:
    data, stats = scanned
    capsys.readouterr()
    assert main(["stats-check", str(stats), str(data)]) == 0  # the label defaults to the stats' own
    assert capsys.readouterr().out == f"preflight: stats fresh: {stats} matches {data} (40 rows)\n"


def test_added_rows_are_stale(scanned, capsys) -> None:
    data, stats = scanned
    data.write_text(CSV + "3,4,a\n5,6,b\n")
    capsys.readouterr()
    assert main(["stats-check", str(stats), str(data)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"preflight: stats stale: {stats} no longer matches {data}:"
    assert out[1] == "  rows: 40 -> 42"
    assert out[2].startswith("  content changed (content_hash ")
    assert out[3] == f"re-run `preflight scan {data} -o {stats.parent}` to refresh them"


def test_edited_value_added_column_and_changed_dtype(scanned, capsys) -> None:
    data, stats = scanned
    data.write_text(CSV.replace("\n0,0,a\n", "\n0,1,a\n", 1))
    assert main(["stats-check", str(stats), str(data)]) == 1
    out = capsys.readouterr().out
    assert "rows:" not in out and "content changed" in out
    lines = CSV.splitlines()
    data.write_text("\n".join([lines[0] + ",x3"] + [f"{row},{i}.5" for i, row in enumerate(lines[1:])]) + "\n")
    assert main(["stats-check", str(stats), str(data)]) == 1
    assert "  column added: x3 (double)\n" in capsys.readouterr().out
    data.write_text(CSV.replace("\n0,0,a\n", "\n0,zero,a\n", 1))
    assert main(["stats-check", str(stats), str(data)]) == 1
    assert "  column x2: dtype int64 -> string\n" in capsys.readouterr().out


def test_label_change_is_stale(scanned, capsys) -> None:
    data, stats = scanned
    assert main(["stats-check", str(stats), str(data), "--label", "x2"]) == 1
    assert "  label: 'label' -> 'x2'\n" in capsys.readouterr().out


@pytest.mark.parametrize("content,needle", [
    (None, "cannot read stats"),
    ("{not json", "cannot read stats"),
    (json.dumps({"format": "preflight-findings/1"}), "not a preflight-stats/1 file"),
    (json.dumps({"format": "preflight-stats/1", "fingerprint": {"rows": 1}}), "no complete fingerprint"),
])
def test_unreadable_stats_exit_2(scanned, tmp_path, capsys, content, needle) -> None:
    data, _ = scanned
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    assert main(["stats-check", str(bad), str(data)]) == 2
    assert needle in capsys.readouterr().err


def test_unreadable_data_exit_2(scanned, tmp_path, capsys) -> None:
    _, stats = scanned
    assert main(["stats-check", str(stats), str(tmp_path / "gone.csv")]) == 2
    assert "gone.csv: no such file or folder." in capsys.readouterr().err
