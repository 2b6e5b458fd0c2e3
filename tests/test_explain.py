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


@pytest.mark.parametrize("query,hint", [
    ("class-imbalanse", "did you mean 'class-imbalance' (PF301)?"),
    ("near-duplicate", "did you mean 'near-duplicates' (PF203)?"),
    ("PF230", "did you mean 'near-duplicates' (PF203)?"),                  # two digits swapped
    ("pf40", "did you mean 'outliers' (PF401), 'needs-normalization' (PF402), 'needs-squashing' (PF403), "
             "'target-scale' (PF404) or 'distribution-shift' (PF405)?"),      # a code prefix
    ("duplicate", "did you mean 'duplicate-rows' (PF201), 'near-duplicates' (PF203) or "
                  "'duplicate-images' (PF204)?"),
    ("needs normalization", "did you mean 'needs-normalization' (PF402)?"),
    ("PF999", "`preflight rules` lists them all."),
    ("no-such-thing-at-all", "`preflight rules` lists them all."),
])
def test_unknown_rule_exits_2_with_one_line_naming_close_matches(query, hint, capsys) -> None:
    assert main(["explain", query]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"preflight: error: unknown rule '{query}' (neither a rule name nor a code); {hint}\n"


def test_unknown_rule_message_stays_one_line(capsys) -> None:
    assert main(["explain", "class-\nimbalance"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown rule 'class-\\nimbalance'" in err
