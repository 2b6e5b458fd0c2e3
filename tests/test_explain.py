"""`preflight explain RULE`: every rule is documented in ruff's shape, and typos get suggestions."""
from __future__ import annotations

import pytest

from preflight.checks import discover
from preflight.cli import main


@pytest.mark.parametrize("name", sorted(discover()))
def test_every_rule_explains_why_example_fix_and_options(name, capsys) -> None:
    check = discover()[name]
    assert main(["explain", name]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"{check.code} {name} (")
    for section in ("\nWhy", "\nExample:", "\nFix:", "\nOptions:\n", f"[rules.{name}]", "severity = "):
        assert section in out, f"{name}: explain lacks {section.strip()!r}"
    for param in check.params:
        assert f"  {param} = " in out and check.params[param].describe() in out


def test_explain_by_code_matches_by_name(capsys) -> None:
    assert main(["explain", "pf403"]) == 0
    by_code = capsys.readouterr().out
    assert main(["explain", "needs-squashing"]) == 0
    assert capsys.readouterr().out == by_code
    assert by_code.startswith("PF403 needs-squashing (warning)\n\nNumeric features are heavy-tailed")
    assert "tanh((x - center) / C)" in by_code and "p95 - p50" in by_code and "log1p" in by_code


@pytest.mark.parametrize("rule,needles", [
    ("class-imbalance", ["log priors", "softmax(bias) = priors", "class_weights", "max_ratio = 5.0  (a float > 1)"]),
    ("label-issues", ["Skill guard", "min_skill = 0.5", "downgraded to info"]),
])
def test_key_rules_explain_their_remedies(rule, needles, capsys) -> None:
    assert main(["explain", rule]) == 0
    out = capsys.readouterr().out
    for needle in needles:
        assert needle in out


def test_unknown_rule_exits_2_with_close_matches(capsys) -> None:
    assert main(["explain", "class-imbalanse"]) == 2
    err = capsys.readouterr().err
    assert err == "preflight: error: unknown rule 'class-imbalanse' (neither a rule name nor a code); " \
                  "did you mean: class-imbalance?\n"
    assert main(["explain", "no-such-thing-at-all"]) == 2
    assert "`preflight rules` lists them all" in capsys.readouterr().err
