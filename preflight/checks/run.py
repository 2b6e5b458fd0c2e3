"""Run the chosen checks on a profile; a check that raises fails the run (CheckCrashed, exit 3)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from preflight.checks.base import Check, Context
from preflight.errors import CheckCrashed
from preflight.findings import Finding

if TYPE_CHECKING:
    from preflight.profile.protocol import Profile


def run_checks(profile: Profile, plan: Iterable[tuple[Check, Context]]) -> tuple[Finding, ...]:
    """Every (check, context) of the plan, in order; findings sorted (Finding.sort_key)."""
    findings: list[Finding] = []
    for check, ctx in plan:
        try:
            findings.extend(check.run(profile, ctx))
        except Exception as exc:  # a crashed check fails the run; it is never skipped
            raise CheckCrashed(check.name, exc) from exc
    return tuple(sorted(findings, key=Finding.sort_key))
