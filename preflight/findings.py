"""Findings and the report: frozen, sortable, serialisable, deterministic."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

Severity = Literal["error", "warning", "info"]
FailOn = Literal["error", "warning", "info", "never"]
TaskName = Literal["auto", "classification", "regression"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}
FINDINGS_FORMAT = "preflight-findings/1"


@dataclass(frozen=True)
class Finding:
    """One problem (or one note) found by one rule.

    `rows` are 0-based row indices in file order; `files` are paths relative to the
    scanned root (image datasets). `details` holds rule-specific, JSON-ready data; the keys
    another stage reads are declared below (RowScores, LabelIssue, ...).
    """

    rule: str
    code: str
    severity: Severity
    message: str
    count: int = 0
    rows: tuple[int, ...] = ()
    groups: tuple[tuple[int | str, ...], ...] = ()
    files: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple:
        return (self.code, self.rule, self.columns, self.rows[:1], self.files[:1], self.message)

    def display_key(self) -> tuple:
        """How people read findings (text output, notebooks): most severe first, then by code."""
        return (-SEVERITY_RANK[self.severity], *self.sort_key())

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


def plural(n: int, word: str) -> str:
    """'1 error', '2 errors': counts in messages people read."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


# --- details that another stage reads (the report, decide): declared once, here ---

class Skipped(TypedDict):
    """A check that could not run for want of input: one info finding with these details."""

    skipped: bool


class RowScores(TypedDict):
    """Per listed row (same order as `rows`): its score and the column (or detector) behind it."""

    scores: list[float]
    sources: list[str]


class LabelIssue(TypedDict, total=False):
    """One suspected label error: a table `row` or an image `file`, given vs suggested label."""

    row: int
    file: str
    given: Any
    suggested: Any
    score: float


@dataclass(frozen=True)
class Report:
    """What `preflight.scan` returns: the dataset summary, findings, stats, exit code."""

    dataset: Mapping[str, Any]
    findings: tuple[Finding, ...]
    stats: Mapping[str, Any] = field(repr=False)  # a preflight.Stats from scan(): a read-only dict with transform()
    exit_code: int
    fail_on: FailOn
    # What report.html shows (preflight.report.views), built only by scan(views=True); never in to_dict().
    views: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    # --baseline: {"path", "known", "fixed", "new"}; in to_dict() only when a baseline was used.
    baseline: Mapping[str, Any] | None = None
    # Rows/files dropped by per_path_ignores and [[suppress]]; None when the config has neither.
    suppressed: int | None = None
    # One-line notes for stderr (e.g. "cache disabled: ..."); never in to_dict().
    notes: tuple[str, ...] = field(default=(), compare=False)
    # Names of the rules that ran (after select/ignore, applicable to the data); None: not recorded
    # (a Report built by hand). The JUnit test cases and SARIF rules; never in to_dict().
    rules: tuple[str, ...] | None = None
    # The files scan(output_dir=...) wrote (stats.json, findings.json, report.html); never in to_dict().
    written: tuple[str, ...] = field(default=(), compare=False)
    # Where the table's pass 1 ran: "local" or "dask" (an image scan: always "local").
    engine: str = "local"

    def summary(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            counts[f.severity] += 1
        return counts

    def by_rule(self, rule: str) -> list[Finding]:
        return [f for f in self.findings if f.rule == rule]

    def _repr_html_(self) -> str:
        """The findings as a table for Jupyter, most severe first; every value escaped (column
        names and messages come from the data). Like to_dict(), a view of the report."""
        from html import escape

        ds, s = self.dataset, self.summary()
        verdict = "FAIL" if self.exit_code else ("not gating" if self.fail_on == "never" else "pass")
        head = (f"<p><b>preflight: {verdict}</b>: {plural(s['error'], 'error')}, {plural(s['warning'], 'warning')}, "
                f"{s['info']} info in <code>{escape(str(ds.get('path')))}</code> ({ds.get('rows', 0):,} "
                f"{'images' if ds.get('kind') == 'images' else 'rows'}, label {escape(repr(ds.get('label')))})</p>")
        colour = {"error": "#b00020", "warning": "#a15c00", "info": "#555"}
        rows = []
        for f in sorted(self.findings, key=Finding.display_key):
            where = ", ".join(map(str, (f.rows or f.files or f.columns)[:5]))
            more = max(len(f.rows or f.files or f.columns) - 5, 0)
            rows.append(f"<tr><td style='color:{colour[f.severity]}'>{f.severity}</td><td>{f.code}</td>"
                        f"<td>{escape(f.rule)}</td><td style='text-align:left'>{escape(f.message)}</td>"
                        f"<td>{escape(where)}{f' (+{more})' if more else ''}</td></tr>")
        table = ("<table><thead><tr><th>severity</th><th>code</th><th>rule</th><th>message</th><th>where</th>"
                 "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>") if rows else "<p>No findings.</p>"
        return head + table

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": FINDINGS_FORMAT,
            "dataset": dict(self.dataset),
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary(),
            "engine": self.engine,  # added later: format stays 1 (additive)
        }
        if self.baseline is not None:  # optional keys: format stays 1 (additive)
            out["baseline"] = dict(self.baseline)
        if self.suppressed is not None:
            out["suppressed"] = self.suppressed
        return out
