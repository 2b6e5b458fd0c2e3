"""Finding a rule by name or code, and the rules a mistyped query probably meant."""
from __future__ import annotations

import difflib
import re

from preflight.decide.config import RuleConfig, load_rule_pack
from preflight.errors import PreflightError


class UnknownRule(PreflightError):
    """No rule has that name or code (exit 2, with close matches)."""


def find_rule(query: str) -> RuleConfig:
    """The rule named (or coded) `query`; else UnknownRule, one line naming the closest rules."""
    _, pack = load_rule_pack()
    q = query.strip()
    for rule in pack.values():
        if q.lower() == rule.name or q.upper() == rule.code:
            return rule
    close = suggestions(q, list(pack.values()))
    if close:
        shown = [f"'{r.name}' ({r.code})" for r in close]
        hint = f"did you mean {', '.join(shown[:-1]) + ' or ' if len(shown) > 1 else ''}{shown[-1]}?"
    else:
        hint = "`preflight rules` lists them all."
    raise UnknownRule(f"unknown rule {query!r} (neither a rule name nor a code); {hint}")


def suggestions(query: str, rules: list[RuleConfig], most: int = 5, within: float = 0.1) -> list[RuleConfig]:
    """The rules a mistyped query probably meant, best first (at most `most`).

    A code prefix (`PF2`) names the rules under it; a code one digit off (`PF230`: a swap,
    `PF207`: a wrong digit) the codes one edit away; anything else the names and codes
    difflib rates >= 0.6 and within `within` of the best, so a near miss is not buried.
    """
    q = query.strip().lower()
    if re.fullmatch(r"pf\d{3}", q):
        return sorted((r for r in rules if _one_edit(q, r.code.lower())), key=lambda r: r.code)[:most]
    if re.fullmatch(r"pf\d{0,2}", q):
        return sorted((r for r in rules if r.code.lower().startswith(q)), key=lambda r: r.code)[:most]
    scored: dict[str, tuple[float, RuleConfig]] = {}
    for rule in rules:
        score = max(difflib.SequenceMatcher(None, q, key).ratio() for key in (rule.name, rule.code.lower()))
        if score >= 0.6:
            scored[rule.name] = (score, rule)
    best = max((score for score, _ in scored.values()), default=0.0)
    ranked = sorted(scored.values(), key=lambda sr: (-sr[0], sr[1].code))
    return [rule for score, rule in ranked if score >= best - within][:most]


def _one_edit(a: str, b: str) -> bool:
    """Same length, and one character changed or two neighbours swapped."""
    diff = [i for i in range(len(a)) if a[i] != b[i]] if len(a) == len(b) else []
    return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                              and a[diff[1]] == b[diff[0]])
