"""Public tables with a known verdict (fixtures/real/): the false alarms of the first sweep over
real data stay quiet, the real problems in them stay found (issue 13; benchmarks/real_tables.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

import preflight

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"


def _errors(report) -> set[str]:
    return {f.rule for f in report.findings if f.severity == "error"}


@pytest.mark.parametrize("name,label,task", [
    ("iris", "Species", "classification"),        # two identical flowers: chance at 0.1 cm
    ("toothgrowth", "len", "regression"),         # a designed experiment: repeats by design
    ("tips", "tip", "regression"),                # two round bills; equal inputs, other tips: noise
    ("galton", "child", "regression"),            # heights in inches: a count table of 928 rows
    ("longley", "TOTEMP", "regression"),          # 16 rows, 16 integers: not 16 classes
    ("cavendish", None, None),                    # density, density2 (one value fixed), density3: one measurement
    ("darwin", None, None),                       # one column named y: the data, not a label
    ("airquality", "Ozone", "regression"),        # 37 unmeasured Ozone values: a warning with the fix
])
def test_false_alarms_stay_quiet(name: str, label: str | None, task: str | None) -> None:
    report = preflight.scan(REAL / f"{name}.csv", label=label)
    assert report.dataset["task"] == task
    assert report.exit_code == 0, [f.message for f in report.findings if f.severity == "error"]
    dup = report.by_rule("duplicate-rows")
    assert all(f.severity == "info" and f.details["evidence"]["chance_probability"] >= 0.001 for f in dup)


def test_birthwt_copies_and_its_label_as_a_feature_are_found() -> None:
    report = preflight.scan(REAL / "birthwt.csv", label="low")
    assert report.exit_code == 1 and _errors(report) == {"duplicate-rows", "target-leakage"}
    (leak,) = report.by_rule("target-leakage")
    assert leak.columns == ("bwt",) and leak.details["accuracy"] == 1.0  # low = bwt < 2500 g


def test_glass_duplicate_among_nine_measurements_is_found() -> None:
    report = preflight.scan(REAL / "fgl.csv", label="type")
    assert _errors(report) == {"duplicate-rows"}
    (dup,) = report.by_rule("duplicate-rows")
    assert dup.groups == ((38, 39),) and dup.details["evidence"]["chance_probability"] < 1e-4


def test_msleep_awake_is_the_target_backwards() -> None:
    report = preflight.scan(REAL / "msleep.csv", label="sleep_total")
    assert _errors(report) == {"target-leakage"}
    (leak,) = report.by_rule("target-leakage")
    assert leak.columns == ("awake",) and leak.details["rank_correlation"] == -1.0


def test_starwars_none_is_a_level_and_unlabelled_rows_a_warning() -> None:
    """hair_color 'none' (bald), sex 'none' (droids): levels of text columns, not missing."""
    report = preflight.scan(REAL / "starwars.csv", label="species")
    assert report.exit_code == 0
    features = report.stats["features"]
    assert "none" in features["hair_color"]["transform"]["categories"]
    assert "none" in features["sex"]["transform"]["categories"]
    (handled,) = report.by_rule("column-handling")
    assert "'none' x38 read as a level" in handled.details["hair_color"]["reason"]
    (unlabelled,) = report.by_rule("missing-labels")
    assert unlabelled.severity == "warning" and unlabelled.count == 4
