"""Findings and the report: frozen, sortable, serialisable, deterministic."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
FINDINGS_FORMAT = "preflight-findings/1"


@dataclass(frozen=True)
class Finding:
    """One problem (or one note) found by one rule.

    `rows` are 0-based row indices in file order; `files` are paths relative to the
    scanned root (image datasets). `details` holds rule-specific, JSON-ready data.
    """

    rule: str
    code: str
    severity: str
    message: str
    count: int = 0
    rows: tuple[int, ...] = ()
    groups: tuple[tuple[int | str, ...], ...] = ()
    files: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple:
        return (self.code, self.rule, self.columns, self.rows[:1], self.files[:1], self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "count": self.count,
            "rows": list(self.rows),
            "groups": [list(g) for g in self.groups],
            "files": list(self.files),
            "columns": list(self.columns),
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class Report:
    """What `preflight.scan` returns: the dataset summary, findings, stats, exit code."""

    dataset: Mapping[str, Any]
    findings: tuple[Finding, ...]
    stats: Mapping[str, Any]
    exit_code: int
    fail_on: str

    def summary(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            counts[f.severity] += 1
        return counts

    def by_rule(self, rule: str) -> list[Finding]:
        return [f for f in self.findings if f.rule == rule]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FINDINGS_FORMAT,
            "dataset": dict(self.dataset),
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary(),
        }
