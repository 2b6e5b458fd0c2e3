"""`preflight explain RULE`: one rule's documentation, in ruff's rule-doc shape.

Each fact has one home: severity and parameter defaults live in the rule pack; the code, the
one-line summary and parameter constraints on the check class; why the rule matters, an
example and the fix in the check module's docstring. This module only joins them.
"""
from __future__ import annotations

import importlib
import inspect
import json
from typing import Any

from preflight.decide.config import RuleConfig

SEVERITY_CHOICES = "error | warning | info"


def long_doc(rule: RuleConfig) -> str:
    """The check module's docstring: what it checks, why, an example, the fix."""
    from preflight.checks import discover

    module = importlib.import_module(type(discover()[rule.name]).__module__)
    return inspect.cleandoc(module.__doc__ or "")


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
