"""decide: run the enabled checks, order findings, and turn them into an exit code."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, NamedTuple

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


def heavy_imports(config: Config, kind: str) -> list[str]:
    """What the enabled checks for this kind of dataset will import (Check.heavy_imports)."""
    checks = discover()
    return [m for name in config.enabled() if kind in checks[name].kinds
            for m in checks[name].heavy_imports(config.rules[name].params)]


def ran_rules(profile: Any, config: Config) -> tuple[str, ...]:
    """The rules run_checks runs: left on by select/ignore, and applicable (Report.rules)."""
    checks = discover()
    return tuple(name for name in config.enabled() if applicable(checks[name], profile))


def run_checks(profile: Any, config: Config) -> tuple[Finding, ...]:
    checks = discover()
    findings: list[Finding] = []
    for name in ran_rules(profile, config):
        check, rule = checks[name], config.rules[name]
        ctx = Context(name, rule.code, rule.severity, rule.params, config.settings)
        try:
            findings.extend(check.run(profile, ctx))
        except Exception as exc:  # a crashed check fails the run; it is never skipped
            raise CheckCrashed(name, exc) from exc
    return tuple(sorted(findings, key=Finding.sort_key))


class Decided(NamedTuple):
    accepted: tuple[Finding, ...]       # after suppressions: what --write-baseline records
    findings: tuple[Finding, ...]       # after the baseline too: what is reported and gates
    suppressed: int | None              # None when the config suppresses nothing
    baseline: Mapping[str, Any] | None  # {"path", "known", "fixed", "new"} with --baseline


def apply_policies(findings: tuple[Finding, ...], profile: Any, config: Config,
                   baseline: tuple[list, Path] | None = None) -> Decided:
    """Config suppressions (preflight.suppress), then the baseline (preflight.baseline)."""
    from preflight import suppress

    accepted, n = suppress.apply(findings, profile, config)
    suppressed = n if (config.per_path_ignores or config.suppress) else None
    if baseline is None:
        return Decided(accepted, accepted, suppressed, None)
    from preflight.baseline import compare, summary

    entries, path = baseline
    remaining, counts = compare(accepted, profile, entries)
    return Decided(accepted, remaining, suppressed, summary(path, counts))


def exit_code(findings: tuple[Finding, ...], fail_on: str) -> int:
    if fail_on == "never":
        return EXIT_OK
    bar = SEVERITY_RANK[fail_on]
    return EXIT_FINDINGS if any(SEVERITY_RANK[f.severity] >= bar for f in findings) else EXIT_OK
