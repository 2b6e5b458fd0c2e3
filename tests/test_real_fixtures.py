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
])
def test_false_alarms_stay_quiet(name: str, label: str, task: str) -> None:
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
