"""Per-rule cases as data (tests/cases/<rule>.toml): planted problems and clean tables.

Each case scans a tiny table with only its rule selected and asserts the exact
findings: rows, groups, columns, counts, severities and chosen details. A case may set
scan-wide settings too (`settings = {split_col = "split"}`).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import tomllib

import preflight

CASES = Path(__file__).parent / "cases"


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(CASES.glob("*.toml")):
        data = tomllib.loads(path.read_text())
        assert data["rule"] == path.stem, f"{path.name} names rule {data['rule']!r}"
        for case in data["case"]:
            out.append((data["rule"], case))
    return out


def _matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _matches(v, actual[k]) for k, v in expected.items())
    return expected == actual


@pytest.mark.parametrize("rule,case", load_cases(), ids=lambda v: v if isinstance(v, str) else v["name"])
def test_rule_case(rule: str, case: dict[str, Any], tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    if "links" in case:  # a folder scan: symlinks in it to files outside it (tests/cases/ignored-files.toml)
        data = tmp_path / "data" / "data.csv"
        data.parent.mkdir()
        for name, text in case.get("outside", {}).items():
            (tmp_path / name).write_text(text)
        for name, target in case["links"].items():
            (data.parent / name).symlink_to(tmp_path / target)
    data.write_text(case["csv"].lstrip("\n"))
    config = tmp_path / "preflight.toml"
    params = "".join(f"{k} = {json.dumps(v)}\n" for k, v in case.get("params", {}).items())
    settings = "".join(f"{k} = {json.dumps(v)}\n" for k, v in case.get("settings", {}).items())  # split_col, ...
    config.write_text(settings + (f"[rules.{rule}]\n{params}" if params else ""))
    report = preflight.scan(data.parent if "links" in case else data, label=case.get("label"), task=case.get("task"),
                            select=[rule], config_file=config)
    found = [f.to_dict() for f in report.by_rule(rule)]
    expected = case["expect"]
    assert len(found) == len(expected), f"expected {len(expected)} findings, got {found}"
    for exp, got in zip(expected, found):
        assert _matches(exp, got), f"expected {exp}\ngot      {got}"
    if "planted" in case:  # rows ordered by score, not file order: compare as a set
        assert sorted(found[0]["rows"]) == sorted(case["planted"])
    assert all(f.rule == rule for f in report.findings)
