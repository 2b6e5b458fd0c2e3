"""Which rules run on this dataset, with which severity and parameters (select/ignore, applicability)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from preflight.checks import discover
from preflight.checks.base import Check, Context
from preflight.decide.config import Config

if TYPE_CHECKING:
    from preflight.profile.protocol import Profile


def ran_rules(profile: Profile, config: Config) -> tuple[str, ...]:
    """The rules that run: left on by select/ignore and applicable to the data (Report.rules)."""
    checks = discover()
    splits = profile.split_table is not None and len(profile.split_table.names) > 1
    return tuple(name for name in config.enabled()
                 if checks[name].applies_to(profile.kind, profile.label is not None, profile.task, splits))


def plan(profile: Profile, config: Config) -> list[tuple[Check, Context]]:
    """Each rule that runs, with its resolved context (severity, parameters, scan settings)."""
    checks = discover()
    out = []
    for name in ran_rules(profile, config):
        rule = config.rules[name]
        out.append((checks[name], Context(name, rule.code, rule.severity, rule.params, config.settings)))
    return out
