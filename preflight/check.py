"""The base every check derives from, and the context a check runs in.

A check is one module under preflight/checks/: it declares name, code, the inputs
it needs and its parameters, and has one pure `run` from profile to findings.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

from preflight.findings import Finding
from preflight.params import Constraint


@dataclass(frozen=True)
class Context:
    """Resolved settings for one rule: severity, parameters, and scan-wide settings."""

    rule: str
    code: str
    severity: str
    params: Mapping[str, Any]
    settings: Mapping[str, Any]

    def finding(self, message: str, *, severity: str | None = None, **fields: Any) -> Finding:
        rows = tuple(int(r) for r in fields.pop("rows", ()))
        details = dict(fields.pop("details", {}))
        limit = int(self.settings.get("max_listed_rows", 10_000))
        if len(rows) > limit:
            fields.setdefault("count", len(rows))
            rows = rows[:limit]
            details["rows_truncated"] = True
        groups = tuple(tuple(r if isinstance(r, str) else int(r) for r in g) for g in fields.pop("groups", ()))
        count = fields.pop("count", len(rows) if rows else 0)
        return Finding(
            rule=self.rule, code=self.code, severity=severity or self.severity,
            message=message, count=int(count), rows=rows, groups=groups,
            columns=tuple(fields.pop("columns", ())), files=tuple(fields.pop("files", ())),
            details=details,
        )

    def skipped(self, reason: str) -> Finding:
        """The one info finding of a check that cannot run for want of input."""
        return self.finding(f"skipped: {reason}", severity="info", details={"skipped": True})


class Check:
    """Subclass per module. `needs` may hold: label, classification, regression."""

    name: ClassVar[str]
    code: ClassVar[str]
    kinds: ClassVar[frozenset[str]] = frozenset({"tabular"})
    needs: ClassVar[frozenset[str]] = frozenset()
    params: ClassVar[Mapping[str, Constraint]] = {}

    def run(self, profile: Any, ctx: Context) -> list[Finding]:  # pragma: no cover
        raise NotImplementedError

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
