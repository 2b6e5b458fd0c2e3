"""decide: config suppressions, then the baseline, then the exit code."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from preflight.decide.config import Config
from preflight.errors import EXIT_FINDINGS, EXIT_OK
from preflight.findings import SEVERITY_RANK, Finding

if TYPE_CHECKING:
    from preflight.profile.protocol import Profile


class Decided(NamedTuple):
    accepted: tuple[Finding, ...]       # after suppressions: what --write-baseline records
    findings: tuple[Finding, ...]       # after the baseline too: what is reported and gates
    suppressed: int | None              # None when the config suppresses nothing
    baseline: Mapping[str, Any] | None  # {"path", "known", "fixed", "new"} with --baseline


def apply_policies(findings: tuple[Finding, ...], profile: Profile, config: Config,
                   baseline: tuple[list, Path] | None = None) -> Decided:
    """Config suppressions (decide.suppress), then the baseline (decide.baseline)."""
    from preflight.decide import suppress

    accepted, n = suppress.apply(findings, profile, config)
    suppressed = n if (config.per_path_ignores or config.suppress) else None
    if baseline is None:
        return Decided(accepted, accepted, suppressed, None)
    from preflight.decide.baseline import compare, summary

    entries, path = baseline
    remaining, counts = compare(accepted, profile, entries)
    return Decided(accepted, remaining, suppressed, summary(path, counts))


def exit_code(findings: tuple[Finding, ...], fail_on: str) -> int:
    if fail_on == "never":
        return EXIT_OK
    bar = SEVERITY_RANK[fail_on]
    return EXIT_FINDINGS if any(SEVERITY_RANK[f.severity] >= bar for f in findings) else EXIT_OK
