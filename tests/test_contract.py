"""Every registered check against the rule pack and its cases: the three places agree."""
from __future__ import annotations

import importlib
import importlib.util
import json
import re
from pathlib import Path

import pytest
import tomllib

import preflight
from preflight.checks import discover
from preflight.decide.config import load_rule_pack, rule_pack_path

CHECKS = discover()
PACK = tomllib.loads(rule_pack_path().read_text())["rules"]
CASES = Path(__file__).parent / "cases"
TABULAR = sorted(n for n, c in CHECKS.items() if "tabular" in c.kinds)


def test_registry_matches_rule_pack() -> None:
    assert sorted(CHECKS) == sorted(PACK)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_check_declares_what_the_pack_says(name: str) -> None:
    check, entry = CHECKS[name], PACK[name]
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name)
    assert re.fullmatch(r"PF\d{3}", check.code)
    assert check.summary.strip() and "\n" not in check.summary, f"{name} has no one-line summary"
    assert entry["severity"] in ("error", "warning", "info")
    assert "code" not in entry and "doc" not in entry, f"{name}: code and doc live on the check, not in the pack"
    assert importlib.import_module(type(check).__module__).__doc__, f"{name}'s module has no docstring"
    defaults = {k for k in entry if k != "severity"}
    assert defaults == set(check.params), f"{name}: rule pack defaults {defaults} != declared {set(check.params)}"


def test_codes_are_unique() -> None:
    codes = [c.code for c in CHECKS.values()]
    assert len(codes) == len(set(codes))


def test_pack_defaults_validate() -> None:
    settings, rules = load_rule_pack()
    assert set(rules) == set(CHECKS)
    assert settings["fail_on"] == "error"


@pytest.mark.parametrize("name", TABULAR)
def test_every_tabular_rule_has_cases(name: str) -> None:
    path = CASES / f"{name}.toml"
    assert path.is_file(), f"no test cases for {name}: add tests/cases/{name}.toml"
    cases = tomllib.loads(path.read_text())["case"]
    default = PACK[name]["severity"]
    assert any(c["expect"] and c["expect"][0].get("severity", default) == default for c in cases), "no planted case"
    assert any(not c["expect"] for c in cases), "no clean case"


@pytest.mark.parametrize("name", sorted(set(CHECKS) - set(TABULAR)))
def test_every_image_rule_is_tested(name: str) -> None:
    text = (Path(__file__).parent / "test_images.py").read_text()
    assert f'"{name}"' in text, f"tests/test_images.py never asserts on {name}"


@pytest.mark.parametrize("name", TABULAR)
@pytest.mark.parametrize("table", ["x,y\n", "x,y\n1,0\n", "x\n1\n"], ids=["empty", "one-row", "no-label"])
def test_check_handles_degenerate_tables(name: str, table: str, write_csv) -> None:
    report = preflight.scan(write_csv(table), select=[name])
    for f in report.findings:
        json.dumps(f.to_dict(), allow_nan=False)


@pytest.mark.parametrize("name", TABULAR)
def test_check_is_deterministic(name: str) -> None:
    demo = Path(__file__).parent.parent / "fixtures" / "demo" / "customers.csv"
    first = preflight.scan(demo, select=[name]).to_dict()
    second = preflight.scan(demo, select=[name]).to_dict()
    assert json.dumps(first, allow_nan=False) == json.dumps(second, allow_nan=False)


def test_readme_documents_every_rule_and_a_two_block_quickstart() -> None:
    root = Path(__file__).parent.parent
    readme = (root / "README.md").read_text()
    spec = importlib.util.spec_from_file_location("gen_docs", root / "scripts" / "gen_docs.py")
    gen_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_docs)
    _, pack = load_rule_pack(root / "rules" / "default.toml")
    table = gen_docs.rule_table(sorted(pack.values(), key=lambda r: r.code))
    assert table in readme, "README's rule table is stale: run `python scripts/gen_docs.py`"
    assert all(f"| {check.code} | [`{name}`]" in table for name, check in CHECKS.items())
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```[a-z]*\n(.*?)```", quickstart, re.S)
    assert len(blocks) == 2
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert blocks[1].strip() in ci, ".ci/run must run the README's test command"
