"""The base every check derives from, and the context a check runs in.

A check is one module under preflight/checks/: it declares its name, code, one-line summary,
the inputs it needs and its parameters, and has one pure `run` from profile to findings.
Its severity and parameter defaults live in the rule pack (rules/default.toml); why it
matters, an example and the fix live in its module docstring.
"""
from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from preflight.findings import Finding, Severity
from preflight.params import Constraint

if TYPE_CHECKING:
    pass

# Where report.html shows a rule's findings (besides the findings list).
Section = Literal["duplicates", "label-issues", "outliers", "features", "classes", "ignored", "splits"]
LABEL_NEEDS = frozenset({"label", "classification", "regression"})
Scoring = Generator[Mapping[Any, Any], Mapping[Any, Any], Any]


@dataclass(frozen=True)
class Context:
    """Resolved settings for one rule: severity, parameters, and scan-wide settings."""

    rule: str
    code: str
    severity: Severity
    params: Mapping[str, Any]
    settings: Mapping[str, Any]
    scored: Any = None  # what this rule's pass-2 scorers returned (Check.score), None without

    @property
    def max_rows(self) -> int:
        return int(self.settings.get("max_listed_rows", 10_000))

    def finding(self, message: str, *, severity: Severity | None = None, rows: Iterable[int] = (),
                groups: Iterable[Iterable[int | str]] = (), files: Iterable[str] = (),
                columns: Iterable[str] = (), count: int | None = None,
                details: Mapping[str, Any] | None = None, truncated: bool = False) -> Finding:
        """A finding of this rule. Rows beyond `max_listed_rows` are cut (details.rows_truncated;
        `count` keeps the full number); truncated: `rows` are already the first of `count`. An
        unknown keyword is a TypeError, never dropped."""
        listed = tuple(int(r) for r in rows)
        info = dict(details or {})
        limit = self.max_rows
        if truncated:
            info["rows_truncated"] = True
        if len(listed) > limit:
            count = len(listed) if count is None else count
            listed = listed[:limit]
            info["rows_truncated"] = True
        return Finding(
            rule=self.rule, code=self.code, severity=severity or self.severity, message=message,
            count=int(count if count is not None else len(listed)), rows=listed,
            groups=tuple(tuple(r if isinstance(r, str) else int(r) for r in g) for g in groups),
            columns=tuple(columns), files=tuple(files), details=info,
        )

    def skipped(self, reason: str) -> Finding:
        """The one info finding of a check that cannot run for want of input."""
        return self.finding(f"skipped: {reason}", severity="info", details={"skipped": True})


class Check:
    """Subclass once per module. `needs` may hold: label, classification, regression, splits."""

    name: ClassVar[str]
    code: ClassVar[str]
    summary: ClassVar[str]              # the one-line doc: `preflight rules`, SARIF, the README table
    kinds: ClassVar[frozenset[str]] = frozenset({"tabular"})
    needs: ClassVar[frozenset[str]] = frozenset()
    params: ClassVar[Mapping[str, Constraint]] = {}
    report_section: ClassVar[Section | None] = None

    def run(self, profile: Any, ctx: Context) -> list[Finding]:  # pragma: no cover
        raise NotImplementedError

    def score(self, profile: Any, ctx: Context) -> Scoring | None:
        """Pass 2 (profile/pass_two.py): a generator that yields rounds of scorers ({key: scorer})
        and is sent back their merged states, whose return value `run` finds in ctx.scored; None
        when the rule needs no pass 2. The scorers run where the data is read; the rule stays a
        pure function of the profile and these bounded results."""
        return None

    def applies_to(self, kind: str, has_label: bool, task: str | None, has_splits: bool = False) -> bool:
        """Label checks need a label (PF100 says so once); task checks need their task; split
        checks need two splits or more."""
        if kind not in self.kinds:
            return False
        if self.needs & LABEL_NEEDS and not has_label:
            return False
        if "splits" in self.needs and not has_splits:
            return False
        return all(need not in ("classification", "regression") or task == need for need in self.needs)


def on_sample(findings: list[Finding], at: Any) -> list[Finding]:
    """Findings a check made on the row sample (TabularProfile.sampled; at: its rows' numbers in
    the table, None when it is every row) in the table's terms: rows and groups through `at`,
    the message saying where it was measured."""
    if at is None:
        return findings
    def rows(items: Iterable[int | str]) -> tuple:
        return tuple(r if isinstance(r, str) else int(at[r]) for r in items)

    suffix = f" (measured on a content-keyed sample of {at.size:,} rows)"
    return [replace(f, message=f.message + suffix, rows=rows(f.rows), groups=tuple(rows(g) for g in f.groups))
            for f in findings]


def preview(items: list | tuple, limit: int = 5, total: int | None = None) -> str:
    """'a, b, c, ... (+7 more)': keep messages one line long. total: how many there are when
    `items` holds only the first of them."""
    head = ", ".join(str(i) for i in list(items)[:limit])
    extra = (len(items) if total is None else total) - limit
    return f"{head}, ... (+{extra} more)" if extra > 0 else head


def pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "0%"
