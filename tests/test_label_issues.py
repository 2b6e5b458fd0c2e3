"""label-issues through the pipeline: the user's --pred-probs and --features, and their errors."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tomllib

import preflight
from preflight.cli import main

CASE_FILE = Path(__file__).parent / "cases" / "label-issues.toml"
CASES = {c["name"]: c for c in tomllib.loads(CASE_FILE.read_text())["case"]}
CASE = CASES["five flipped labels"]
CAPPED = CASES["twelve flipped labels outside a 150-row sample"]
BACK = {"y": "x", "z": "y", "x": "z"}  # CAPPED's planted rows carry the next class's label


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
    (np.full((10, 3), 1 / 3), "--pred-probs",
     "expected 150 rows x 3 columns (one per class, in stats.json's class order), got 10 x 3."),
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


# --- above the row cap: a sample is fitted, every row is scored ---------------------------------

def _capped(tmp_path: Path, lines: list[str], name: str = "capped") -> tuple[Path, Path]:
    folder = tmp_path / name
    folder.mkdir()
    data = folder / "data.csv"
    data.write_text("\n".join(lines) + "\n")
    config = tmp_path / f"{name}.toml"
    config.write_text(f"[rules.label-issues]\nmax_rows = {CAPPED['params']['max_rows']}\n")
    return data, config


def _capped_lines() -> list[str]:
    return CAPPED["csv"].strip().splitlines()


def test_planted_rows_lie_outside_the_sample(tmp_path) -> None:
    """Keeps the capped case meaningful: its planted rows are scored by the fitted sample only."""
    from preflight.decide.config import load_config
    from preflight.learn.crossval import stratified_sample
    from preflight.pipeline import _tabular_profile
    from preflight.progress import Progress

    data, config = _capped(tmp_path, _capped_lines())
    profile = _tabular_profile(data, load_config(data, config_file=config, overrides={}), Progress(False))
    sample = stratified_sample(profile.feature_hash, profile.y, CAPPED["params"]["max_rows"])
    assert len(sample) == 151 and np.intersect1d(sample, CAPPED["planted"]).size == 0


def test_above_the_cap_the_finding_says_what_was_sampled(tmp_path) -> None:
    data, config = _capped(tmp_path, _capped_lines())
    (finding,) = preflight.scan(data, select=["label-issues"], config_file=config).findings
    assert finding.message.endswith("(models fitted on a stratified sample of 151 of 600 labelled rows; "
                                    "every one scored)")
    assert finding.details["model"]["models"] == ["logreg", "hgb"]
    scores = [i["score"] for i in finding.details["issues"]]
    assert scores == sorted(scores) and [i["row"] for i in finding.details["issues"]] == list(finding.rows)


def test_above_the_cap_clean_rows_stay_quiet(tmp_path) -> None:
    lines = _capped_lines()
    for r in CAPPED["planted"]:  # the same table with the planted labels put back
        a, b, label = lines[r + 1].split(",")
        lines[r + 1] = f"{a},{b},{BACK[label]}"
    data, config = _capped(tmp_path, lines)
    assert preflight.scan(data, select=["label-issues"], config_file=config).findings == ()


def test_above_the_cap_is_deterministic(tmp_path) -> None:
    data, config = _capped(tmp_path, _capped_lines())
    a = preflight.scan(data, select=["label-issues"], config_file=config)
    b = preflight.scan(data, select=["label-issues"], config_file=config)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())


def test_inserted_rows_do_not_change_the_verdicts(tmp_path) -> None:
    """Rows inserted above shift indices, not verdicts: sample and folds follow content."""
    lines = _capped_lines()
    rng = np.random.default_rng(5)  # 45 more clean rows from the same three blobs
    centres = {"x": (0.0, 0.0), "y": (6.0, 0.0), "z": (0.0, 6.0)}
    extra = [f"{cx + dx:.3f},{cy + dy:.3f},{k}" for k, (cx, cy), (dx, dy) in
             zip("xyz" * 15, [centres[k] for k in "xyz" * 15], rng.normal(0.0, 0.8, (45, 2)))]
    data, config = _capped(tmp_path, [lines[0], *extra, *lines[1:]], "inserted")
    (finding,) = preflight.scan(data, select=["label-issues"], config_file=config).findings
    assert sorted(finding.rows) == [r + len(extra) for r in CAPPED["planted"]]
    assert finding.details["searched_rows"] == 645


def test_calibration_error_measures_overconfidence() -> None:
    from preflight.checks.label_issues import calibration_error

    y = np.array([0] * 80 + [1] * 20)
    honest = np.tile([0.8, 0.2], (100, 1))  # says 0.8 and is right 8 times in 10
    assert calibration_error(honest, y) == pytest.approx(0.0)
    sure = np.tile([0.99, 0.01], (100, 1))  # says 0.99, right 8 times in 10
    assert calibration_error(sure, y) == pytest.approx(0.19)
