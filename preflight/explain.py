"""`preflight explain RULE`: one rule's documentation, in ruff's rule-doc shape.

Each fact has one home: the one-line doc, severity and parameter defaults live in the
rule pack; why the rule matters, an example and the fix live in the check module's
docstring; parameter constraints live on the check class. This module only joins them.
"""
from __future__ import annotations

import difflib
import importlib
import inspect
import json
import re
from typing import Any

from preflight.config import RuleConfig, load_rule_pack
from preflight.errors import PreflightError

SEVERITY_CHOICES = "error | warning | info"


class UnknownRule(PreflightError):
    """No rule has that name or code (exit 2, with close matches)."""


def find_rule(query: str) -> RuleConfig:
    _, pack = load_rule_pack()
    q = query.strip()
    for rule in pack.values():
        if q.lower() == rule.name or q.upper() == rule.code:
            return rule
    names = sorted([r.name for r in pack.values()] + [r.code.lower() for r in pack.values()])
    close = difflib.get_close_matches(q.lower(), names, n=5, cutoff=0.6)
    close = [c.upper() if re.fullmatch(r"pf\d+", c) else c for c in close]
    hint = f"did you mean: {', '.join(close)}?" if close else "`preflight rules` lists them all."
    raise UnknownRule(f"unknown rule '{query}' (neither a rule name nor a code); {hint}")


def long_doc(rule: RuleConfig) -> str:
    """The check module's docstring without its 'PFxxx: ' prefix: why, example, fix."""
    from preflight.checks import discover

    module = importlib.import_module(type(discover()[rule.name]).__module__)
    text = inspect.cleandoc(module.__doc__ or "")
    return re.sub(rf"^{rule.code}:\s*", "", text)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return json.dumps(value)


def render(rule: RuleConfig) -> str:
    from preflight.checks import discover

    constraints = discover()[rule.name].params
    lines = [f"{rule.code} {rule.name} ({rule.severity})", "", rule.doc, "", long_doc(rule), "", "Options:"]
    if not rule.params:
        lines.append("  none")
    for key, value in rule.params.items():
        lines.append(f"  {key} = {toml_value(value)}  ({constraints[key].describe()})")
    lines += ["", "Configure (preflight.toml, or [tool.preflight] in pyproject.toml):",
              f'  ignore = ["{rule.name}"]  # turn it off (a rule name or a code prefix such as "{rule.code[:3]}")',
              f'  # select = ["{rule.code}"]  # or run only the rules listed', "",
              f"  [rules.{rule.name}]",
              f'  severity = "{rule.severity}"  # {SEVERITY_CHOICES}']
    lines += [f"  {key} = {toml_value(value)}" for key, value in rule.params.items()]
    return "\n".join(lines) + "\n"
