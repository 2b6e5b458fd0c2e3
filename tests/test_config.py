from __future__ import annotations

from pathlib import Path

import pytest

import preflight
from preflight.errors import ConfigError

TABLE = "a,b,y\n1,x,0\n1,x,0\n2,y,1\n"


def test_unknown_top_level_key_is_an_error(write_csv) -> None:
    data = write_csv(TABLE)
    (data.parent / "preflight.toml").write_text('lable = "y"\n')
    with pytest.raises(ConfigError, match=r"preflight.toml: unknown key 'lable'"):
        preflight.scan(data)


def test_unknown_rule_parameter_is_an_error(write_csv) -> None:
    data = write_csv(TABLE)
    (data.parent / "preflight.toml").write_text("[rules.class-imbalance]\nmax_ration = 3.0\n")
    with pytest.raises(ConfigError, match=r"unknown parameter 'max_ration' for rule class-imbalance"):
        preflight.scan(data)


def test_parameter_validation_message(write_csv) -> None:
    data = write_csv(TABLE)
    (data.parent / "preflight.toml").write_text("[rules.class-imbalance]\nmax_ratio = 0.5\n")
    with pytest.raises(ConfigError) as err:
        preflight.scan(data)
    config = data.parent / "preflight.toml"  # the file that set the key is named first
    assert str(err.value) == f"{config}: The 'max_ratio' parameter of class-imbalance must be a float > 1. Got 0.5."


def test_unknown_rule_and_selector(write_csv) -> None:
    data = write_csv(TABLE)
    (data.parent / "preflight.toml").write_text("[rules.duplicate-row]\nseverity = 'info'\n")
    with pytest.raises(ConfigError, match="unknown rule 'duplicate-row'"):
        preflight.scan(data)
    (data.parent / "preflight.toml").unlink()
    with pytest.raises(ConfigError, match="'PF9', which is no rule name or code prefix"):
        preflight.scan(data, select=["PF9"])


def test_select_and_ignore_by_prefix_and_name(write_csv) -> None:
    data = write_csv(TABLE)
    rules = {f.rule for f in preflight.scan(data, label="y", select=["PF2"]).findings}
    assert rules == {"duplicate-rows", "target-leakage"}  # target-leakage: skipped, too few rows
    ignore = ["duplicate-rows", "target-leakage"]
    rules = {f.rule for f in preflight.scan(data, label="y", select=["PF2"], ignore=ignore).findings}
    assert rules == set()


def test_severity_override_and_fail_on(write_csv) -> None:
    rows = "".join(f"{i * 0.731 % 5:.3f},{i * 1.37 % 3:.3f},{i % 2}\n" for i in range(40))
    data = write_csv("a,b,y\n" + rows + "1.111,2.222,0\n1.111,2.222,0\n")  # a copied record
    assert preflight.scan(data, label="y").exit_code == 1
    (data.parent / "preflight.toml").write_text('label = "y"\n[rules.duplicate-rows]\nseverity = "warning"\n')
    assert preflight.scan(data).exit_code == 0
    assert preflight.scan(data, fail_on="warning").exit_code == 1
    assert preflight.scan(data, fail_on="never", select=["PF2"]).exit_code == 0


def test_pyproject_tool_table_found_walking_up(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.preflight]\nlabel = "b"\nselect = ["PF3"]\n')
    data = tmp_path / "data" / "nested" / "t.csv"
    data.parent.mkdir(parents=True)
    data.write_text(TABLE)
    report = preflight.scan(data)
    assert report.dataset["label"] == "b"
    assert {f.rule for f in report.findings} <= {"class-imbalance", "rare-class", "missing-labels", "label-issues",
                                                 "target-leakage"}


def test_bad_label_type_and_task(write_csv) -> None:
    data = write_csv(TABLE)
    (data.parent / "preflight.toml").write_text("label = 3\n")
    with pytest.raises(ConfigError, match="'label' must be a column name"):
        preflight.scan(data)
    with pytest.raises(ConfigError, match="The 'task' parameter of preflight must be a str among"):
        preflight.scan(write_csv(TABLE, "x.csv"), config_file=None, task="clustering", label="y")
