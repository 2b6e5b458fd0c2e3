"""Linter-style text for people: one line per finding (most severe first), where it is, a summary.

Rows of a folder of tables are shown where they are (`data/b.csv:14`, through write/locate.py);
of a single file, as the 0-based indices findings.json uses. Colour (ANSI) only when asked for:
the CLI decides (a terminal, NO_COLOR, --color). Text from the data is escaped before any colour
code is added, so a column name cannot carry its own escape sequences.
"""
from __future__ import annotations

from collections.abc import Iterable

from preflight.findings import Finding, Report, plural
from preflight.printable import printable
from preflight.write.locate import row_places, shown_place

SHOW_ROWS = 10
_SGR = {"error": "31", "warning": "33", "info": "36", "bold": "1", "dim": "2", "pass": "32"}


def _paint(text: str, style: str, color: bool) -> str:
    return f"\x1b[{_SGR[style]}m{text}\x1b[0m" if color else text


def render(report: Report, color: bool = False) -> str:
    ds = report.dataset
    path = printable(str(ds["path"]))
    lines = []
    for f in sorted(report.findings, key=Finding.display_key):
        lines.append(f"{_paint(path, 'bold', color)}: {_paint(f.code, f.severity, color)} {printable(f.rule)}: "
                     f"{printable(f.message)} {_paint(f'[{f.severity}]', f.severity, color)}")
        lines += [_paint(f"    {printable(where)}", "dim", color) for where in _where(report, f)]
    lines.append(_summary(report, color))
    if report.written:
        lines.append(f"preflight: wrote {printable(', '.join(report.written))}")
    return "\n".join(lines) + "\n"


def _where(report: Report, f: Finding) -> list[str]:
    """The rows, groups or files under a finding (a line each)."""
    ds = report.dataset
    folder = len(ds.get("files") or []) > 1
    if f.groups:
        shown = "; ".join("[" + ", ".join(_rows(report, g, folder)) + "]" for g in f.groups[:3])
        more = f"; ... (+{len(f.groups) - 3} more groups)" if len(f.groups) > 3 else ""
        out = [f"groups: {shown}{more}"]
        if "splits" in f.details and ds["kind"] == "tabular":  # copies across splits: where each side is
            at = "; ".join(" = ".join(shown_place(ds, int(r)) for r in g) for g in f.groups[:3])
            out.append(f"at: {at}{more}")
        return out
    if f.files:
        more = f", ... (+{len(f.files) - SHOW_ROWS} more)" if len(f.files) > SHOW_ROWS else ""
        return [f"files: {', '.join(f.files[:SHOW_ROWS])}{more}"]
    if f.rows:
        more = f", ... (+{f.count - SHOW_ROWS} more)" if f.count > SHOW_ROWS else ""
        return [f"rows: {', '.join(_rows(report, f.rows[:SHOW_ROWS], folder))}{more}"]
    return []


def _rows(report: Report, rows: Iterable[int | str], folder: bool) -> list[str]:
    if not folder or any(isinstance(r, str) for r in rows):
        return [str(r) for r in rows]
    return row_places(report.dataset, [int(r) for r in rows])


def _summary(report: Report, color: bool) -> str:
    ds, s = report.dataset, report.summary()
    label = f"label '{printable(str(ds['label']))}' ({ds['task']})" if ds["label"] else "no label"
    size = (f"{plural(ds['rows'], 'image')}" if ds["kind"] == "images"
            else f"{plural(ds['rows'], 'row')} x {plural(ds['columns'], 'column')}")
    gate = f"fail-on {report.fail_on}"
    if report.baseline is not None:
        b = report.baseline
        gate += f"; baseline: {b['new']} new, {b['known']} known, {b['fixed']} fixed"
    if report.suppressed is not None:
        gate += f"; {report.suppressed} suppressed"
    if report.fail_on == "never":
        verdict = _paint("not gating", "bold", color)
    elif report.exit_code:
        verdict = _paint("FAIL", "error", color)
    else:
        verdict = _paint("pass", "pass", color)
    counts = f"{plural(s['error'], 'error')}, {plural(s['warning'], 'warning')}, {s['info']} info"
    return f"preflight: {verdict}: {counts} in {printable(str(ds['path']))} ({size}, {label}; {gate})"
