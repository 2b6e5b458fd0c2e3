"""Suppressions: per_path_ignores globs and [[suppress]] entries drop exactly what they name."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import preflight
from preflight.cli import main
from preflight.decide.suppress import glob_regex
from preflight.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
ROWS = [f"{i * 0.37 % 5:.2f},{(i * 7) % 11},{'ny'[i % 2]}" for i in range(40)]


def _data(tmp_path: Path, config: str, files: dict[str, list[int]] | None = None) -> Path:
    """A folder with preflight.toml; files maps a name to the rows it copies (duplicates planted)."""
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    (root / "preflight.toml").write_text(config)
    for name, dups in (files or {"data/t.csv": [3, 3, 17]}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        start = 100 * len(list(root.rglob("*.csv")))
        own = [f"{(i + start) * 0.37 % 5:.2f},{(i + start) * 13 % 101},{'ny'[i % 2]}" for i in range(40)]
        path.write_text("a,b,label\n" + "\n".join(own + [own[d] for d in dups]) + "\n")
    return root


def test_suppress_rows_with_reason_and_count(tmp_path, capsys) -> None:
    root = _data(tmp_path, '[[suppress]]\nrule = "duplicate-rows"\nrows = [3, 40]\nreason = "known copy"\n')
    data = root / "data" / "t.csv"
    report = preflight.scan(data)
    (dup,) = report.by_rule("duplicate-rows")
    assert dup.rows == (17, 41, 42) and dup.groups == ((17, 42), (41,))
    assert report.suppressed == 2 and dup.details["suppressed"] == 2 and "[2 rows suppressed by config]" in dup.message
    assert main(["scan", str(data), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["suppressed"] == 2
    assert main(["scan", str(data)]) == 1
    assert "; 2 suppressed)" in capsys.readouterr().out.splitlines()[-1]


def test_a_finding_left_with_no_rows_disappears(tmp_path) -> None:
    hashes_config = '[[suppress]]\nrule = "PF201"\nrows = [3, 17, 40, 41, 42]\nreason = "accepted"\n'
    report = preflight.scan(_data(tmp_path, hashes_config) / "data" / "t.csv")
    assert report.by_rule("duplicate-rows") == [] and report.suppressed == 5 and report.exit_code == 0


def test_suppress_by_row_hash_follows_content(tmp_path) -> None:
    root = _data(tmp_path, "")
    data = root / "data" / "t.csv"
    base = tmp_path / "b.json"
    preflight.scan(data, write_baseline=base)
    entry = next(e for e in json.loads(base.read_text())["findings"] if e["rule"] == "duplicate-rows")
    h17 = sorted(set(entry["rows"]), key=entry["rows"].count)[0]   # row 17's content appears twice, row 3's 3 times
    (root / "preflight.toml").write_text(f'[[suppress]]\nrule = "duplicate-rows"\nrow_hashes = ["{h17}"]\n'
                                         'reason = "fine"\n')
    (dup,) = preflight.scan(data).by_rule("duplicate-rows")
    assert dup.rows == (3, 40, 41)


def test_per_path_ignores_drop_only_rows_from_matching_files(tmp_path) -> None:
    root = _data(tmp_path, '[per_path_ignores]\n"data/legacy/*.csv" = ["PF2", "outliers"]\n',
                 {"data/legacy/old.csv": [1, 1], "data/new/b.csv": [5]})
    legacy, new = root / "data" / "legacy" / "old.csv", root / "data" / "new" / "b.csv"
    with new.open("a") as fh:  # a copy across files: row 7 of old.csv as row 83 of the table
        fh.write(legacy.read_text().splitlines()[8] + "\n")
    report = preflight.scan(root / "data")
    (dup,) = report.by_rule("duplicate-rows")
    assert report.dataset["files"][0]["path"].startswith("legacy")
    assert dup.rows == (47, 82, 83)                 # b.csv starts at row 42: its rows 5, 40 and 41
    assert dup.groups == ((47, 82), (83,))          # the cross-file group keeps its unmatched row
    assert report.suppressed == 4                   # 3 copies of row 1 and row 7 of old.csv


def test_per_path_ignores_drop_column_findings_only_when_every_file_matches(tmp_path) -> None:
    root = _data(tmp_path, '[per_path_ignores]\n"t.csv" = ["needs-normalization", "duplicate-rows"]\n')
    assert preflight.scan(root / "data" / "t.csv", select=["PF2", "PF4"]).findings == ()


def test_suppress_image_files(tmp_path) -> None:
    data = tmp_path / "imgs"
    shutil.copytree(ROOT / "fixtures" / "images", data)
    before = preflight.scan(data, cache=False)
    (blurry,) = before.by_rule("blurry")
    (data.parent / "preflight.toml").write_text(
        f'[[suppress]]\nrule = "blurry"\nfiles = ["{blurry.files[0]}"]\nreason = "intentional"\n')
    after = preflight.scan(data, cache=False)
    assert after.by_rule("blurry") == [] or blurry.files[0] not in after.by_rule("blurry")[0].files
    assert after.suppressed == 1


@pytest.mark.parametrize("config,needle", [
    ('[[suppress]]\nrule = "duplicate-rows"\nrows = [1]\n', "The 'reason' parameter of suppress[0]"),
    ('[[suppress]]\nrule = "duplicate-rows"\nrows = [1]\nreason = " "\n', "must be a non-empty str"),
    ('[[suppress]]\nrule = "duplicate-rows"\nreason = "x"\n', "names no rows, files or row_hashes"),
    ('[[suppress]]\nrule = "duplicate-rowz"\nrows = [1]\nreason = "x"\n', "no rule name or code prefix"),
    ('[[suppress]]\nrule = "duplicate-rows"\nrows = [1]\nreason = "x"\nwhy = 1\n', "unknown key 'why' in [[suppress]]"),
    ('[[suppress]]\nrule = "duplicate-rows"\nrows = [-1]\nreason = "x"\n', "'rows' parameter of suppress[0]"),
    ('[[suppress]]\nrule = "duplicate-rows"\nrow_hashes = ["xyz"]\nreason = "x"\n', "16-hex-digit"),
    ('[per_path_ignores]\n"*.csv" = "PF2"\n', "must be a non-empty list of rule names"),
    ('per_path_ignores = ["*.csv"]\n', "must be a table of glob = [rules]"),
    ('per_path_ignore = {}\n', "unknown key 'per_path_ignore'"),
])
def test_config_errors(tmp_path, capsys, config, needle) -> None:
    root = _data(tmp_path, config)
    with pytest.raises(ConfigError, match=None) as err:
        preflight.scan(root / "data" / "t.csv")
    assert needle in str(err.value)
    assert main(["scan", str(root / "data" / "t.csv")]) == 2


@pytest.mark.parametrize("pattern,path,hit", [
    ("data/legacy/*.csv", "data/legacy/a.csv", True),
    ("data/legacy/*.csv", "data/legacy/x/a.csv", False),
    ("data/**/*.csv", "data/legacy/x/a.csv", True),
    ("data/**/*.csv", "data/a.csv", True),
    ("*.csv", "deep/in/a.csv", True),             # no slash: a file name anywhere
    ("legacy/*.csv", "data/legacy/a.csv", False),  # with a slash: from the config folder
    ("img/?.png", "img/a.png", True),
])
def test_glob(pattern, path, hit) -> None:
    assert bool(glob_regex(pattern).fullmatch(path)) is hit
