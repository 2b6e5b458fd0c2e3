"""label-issues through the pipeline: the user's --pred-probs and --features, and their errors."""
from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

import preflight
from preflight.cli import main

CASE = tomllib.loads((Path(__file__).parent / "cases" / "label-issues.toml").read_text())["case"][0]


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "blobs.csv"
    path.parent.mkdir()
    path.write_text(CASE["csv"].lstrip("\n"))
    return path


def _one_hot_probs(path: Path) -> np.ndarray:
    """A user model that trusts the given labels except on rows 7 and 33."""
    report = preflight.scan(path, select=["rare-class"])
    classes = report.stats["target"]["classes"]
    labels = [line.rsplit(",", 1)[1] for line in path.read_text().splitlines()[1:]]
    p = np.full((len(labels), len(classes)), 0.05)
    for i, lab in enumerate(labels):
        p[i, classes.index(lab)] = 0.9
    for i in (7, 33):
        p[i] = np.roll(p[i], 1)
    return p / p.sum(axis=1, keepdims=True)


def test_pred_probs_replace_the_built_in_models(planted, tmp_path) -> None:
    probs = tmp_path / "probs.npy"
    np.save(probs, _one_hot_probs(planted))
    report = preflight.scan(planted, select=["label-issues"], pred_probs=probs)
    (finding,) = report.findings
    assert sorted(finding.rows) == [7, 33]
    assert finding.details["model"] == {"source": "--pred-probs"}


def test_features_replace_the_built_in_features(planted, tmp_path) -> None:
    lines = planted.read_text().splitlines()[1:]
    x = np.array([[float(v) for v in line.split(",")[:2]] for line in lines])
    feats = tmp_path / "emb.npy"
    np.save(feats, x * 10 + 3)  # another scale: the models standardize nothing here, kNN must still work
    report = preflight.scan(planted, select=["label-issues"], features=feats)
    (finding,) = report.findings
    assert sorted(finding.rows) == sorted(CASE["planted"])
    assert finding.details["model"]["source"] == "--features"


@pytest.mark.parametrize("array,flag,message", [
    (np.full((10, 3), 1 / 3), "--pred-probs", "expected 150 rows x 3 columns (one per class, in stats.json's class order), got 10 x 3."),
    (np.full((150, 3), 0.5), "--pred-probs", "rows must sum to 1 (probabilities), but 150 rows do not"),
    (np.full((150, 2), np.nan), "--features", "contains NaN in 150 rows (first: 0)."),
])
def test_bad_user_arrays_exit_2(planted, tmp_path, capsys, array, flag, message) -> None:
    path = tmp_path / "arr.npy"
    np.save(path, array)
    assert main(["scan", str(planted), flag, str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: {message}" in err and err.count("\n") == 1


def test_unreadable_npy_exits_2(planted, tmp_path, capsys) -> None:
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"not numpy")
    assert main(["scan", str(planted), "--pred-probs", str(bad)]) == 2
    assert f"{bad}: cannot read as a .npy array" in capsys.readouterr().err


def test_label_issues_are_deterministic(planted) -> None:
    a = preflight.scan(planted, select=["label-issues"]).to_dict()
    b = preflight.scan(planted, select=["label-issues"]).to_dict()
    assert a == b
