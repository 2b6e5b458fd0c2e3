"""Run the chosen checks on a profile; a check that raises fails the run (CheckCrashed, exit 3)."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from preflight.checks.base import Check, Context, Scoring
from preflight.errors import CheckCrashed
from preflight.findings import Finding

if TYPE_CHECKING:
    from preflight.profile.protocol import Profile

RunPass = Callable[[Mapping[Any, Any]], Mapping[Any, Any]]  # scorers -> their merged states


def score_rows(profile: Profile, plan: Iterable[tuple[Check, Context]], run_pass: RunPass,
               also: Mapping[str, Scoring] | None = None) -> dict[str, Any]:
    """Pass 2: the checks' scoring rounds (Check.score) in lockstep, each round one read of the
    data for every check that asks; per rule, what its scoring returned. also: more scorings
    by name (not a rule's: the report's histograms) sharing those reads."""
    live: dict[str, Scoring] = {}
    asks: dict[str, Mapping[Any, Any]] = {}
    results: dict[str, Any] = {}
    scorings = [(check.name, _guard(check.name, lambda c=check, x=ctx: c.score(profile, x))) for check, ctx in plan]
    for name, scoring in [*scorings, *(also or {}).items()]:
        if scoring is not None:
            live[name] = scoring
            _step(name, scoring, None, asks, results)
    while asks:
        scorers = {(name, key): s for name, ask in asks.items() for key, s in ask.items()}
        states = run_pass(scorers) if scorers else {}
        round_asks, asks = asks, {}
        for name, ask in round_asks.items():
            _step(name, live[name], {key: states[(name, key)] for key in ask}, asks, results)
    return results


def _step(name: str, scoring: Scoring, sent: Mapping[Any, Any] | None, asks: dict, results: dict) -> None:
    try:
        asks[name] = scoring.send(sent) if sent is not None else next(scoring)
    except StopIteration as stop:
        results[name] = stop.value
    except Exception as exc:  # a crashed check fails the run; it is never skipped
        raise CheckCrashed(name, exc) from exc


def _guard(name: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as exc:
        raise CheckCrashed(name, exc) from exc


def run_checks(profile: Profile, plan: Iterable[tuple[Check, Context]],
               scored: Mapping[str, Any] | None = None) -> tuple[Finding, ...]:
    """Every (check, context) of the plan, in order, each with what its pass 2 returned;
    findings sorted (Finding.sort_key)."""
    findings: list[Finding] = []
    for check, ctx in plan:
        if scored and check.name in scored:
            ctx = dataclasses.replace(ctx, scored=scored[check.name])
        try:
            findings.extend(check.run(profile, ctx))
        except Exception as exc:  # a crashed check fails the run; it is never skipped
            raise CheckCrashed(check.name, exc) from exc
    return tuple(sorted(findings, key=Finding.sort_key))
