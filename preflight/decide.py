"""decide: run the enabled checks, order findings, and turn them into an exit code."""
from __future__ import annotations

from typing import Any

from preflight.check import Context
from preflight.checks import discover
from preflight.config import Config
from preflight.errors import EXIT_FINDINGS, EXIT_OK, CheckCrashed
from preflight.findings import SEVERITY_RANK, Finding


def applicable(check: Any, profile: Any) -> bool:
    """Label checks need a label (PF100 says so once); task checks need their task."""
    if profile.kind not in check.kinds:
        return False
    if check.needs & {"label", "classification", "regression"} and profile.label is None:
        return False
    if "classification" in check.needs and profile.task != "classification":
        return False
    return not ("regression" in check.needs and profile.task != "regression")


def run_checks(profile: Any, config: Config) -> tuple[Finding, ...]:
    checks = discover()
    findings: list[Finding] = []
    for name in config.enabled():
        check, rule = checks[name], config.rules[name]
        if not applicable(check, profile):
            continue
        ctx = Context(name, rule.code, rule.severity, rule.params, config.settings)
        try:
            findings.extend(check.run(profile, ctx))
        except Exception as exc:  # a crashed check fails the run; it is never skipped
            raise CheckCrashed(name, exc) from exc
    return tuple(sorted(findings, key=Finding.sort_key))


def exit_code(findings: tuple[Finding, ...], fail_on: str) -> int:
    if fail_on == "never":
        return EXIT_OK
    bar = SEVERITY_RANK[fail_on]
    return EXIT_FINDINGS if any(SEVERITY_RANK[f.severity] >= bar for f in findings) else EXIT_OK
