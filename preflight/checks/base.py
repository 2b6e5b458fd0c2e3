"""The base every check derives from, and the context a check runs in.

A check is one module under preflight/checks/: it declares its name, code, one-line summary,
the inputs it needs and its parameters, and has one pure `run` from profile to findings.
Its severity and parameter defaults live in the rule pack (rules/default.toml); why it
matters, an example and the fix live in its module docstring.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from preflight.findings import Finding, Severity
from preflight.params import Constraint

if TYPE_CHECKING:
    pass

# Where report.html shows a rule's findings (besides the findings list).
Section = Literal["duplicates", "label-issues", "outliers", "features", "classes", "ignored", "splits"]
LABEL_NEEDS = frozenset({"label", "classification", "regression"})


@dataclass(frozen=True)
class Context:
    """Resolved settings for one rule: severity, parameters, and scan-wide settings."""

    rule: str
    code: str
    severity: Severity
    params: Mapping[str, Any]
    settings: Mapping[str, Any]

    def finding(self, message: str, *, severity: Severity | None = None, rows: Iterable[int] = (),
                groups: Iterable[Iterable[int | str]] = (), files: Iterable[str] = (),
                columns: Iterable[str] = (), count: int | None = None,
                details: Mapping[str, Any] | None = None) -> Finding:
        """A finding of this rule. Rows beyond `max_listed_rows` are cut (details.rows_truncated;
        `count` keeps the full number). An unknown keyword is a TypeError, never dropped."""
        listed = tuple(int(r) for r in rows)
        info = dict(details or {})
        limit = int(self.settings.get("max_listed_rows", 10_000))
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

    def heavy_imports(self, params: Mapping[str, Any]) -> tuple[str, ...]:
        """Slow-to-import modules `run` will need with these params; the pipeline imports
        them in the background while it reads and profiles (preflight.warm)."""
        return ()


def preview(items: list | tuple, limit: int = 5) -> str:
    """'a, b, c, ... (+7 more)': keep messages one line long."""
    head = ", ".join(str(i) for i in list(items)[:limit])
    extra = len(items) - limit
    return f"{head}, ... (+{extra} more)" if extra > 0 else head


def pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "0%"
