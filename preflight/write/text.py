"""Linter-style text for people: one line per finding, a few rows, a summary line."""
from __future__ import annotations

from preflight.findings import Report
from preflight.printable import printable
from preflight.write.locate import shown_place

SHOW_ROWS = 10


def render(report: Report) -> str:
    ds = report.dataset
    lines = []
    for f in report.findings:
        lines.append(f"{ds['path']}: {f.code} {f.rule}: {f.message} [{f.severity}]")
        if f.groups:
            shown = "; ".join("[" + ", ".join(map(str, g)) + "]" for g in f.groups[:3])
            more = f"; ... (+{len(f.groups) - 3} more groups)" if len(f.groups) > 3 else ""
            lines.append(f"    groups: {shown}{more}")
            if "splits" in f.details and ds["kind"] == "tabular":  # copies across splits: where each side is
                at = "; ".join(" = ".join(shown_place(ds, int(r)) for r in g) for g in f.groups[:3])
                lines.append(f"    at: {at}{more}")
        elif f.files:
            more = f", ... (+{len(f.files) - SHOW_ROWS} more)" if len(f.files) > SHOW_ROWS else ""
            lines.append(f"    files: {', '.join(f.files[:SHOW_ROWS])}{more}")
        elif f.rows:
            more = f", ... (+{f.count - SHOW_ROWS} more)" if f.count > SHOW_ROWS else ""
            lines.append(f"    rows: {', '.join(map(str, f.rows[:SHOW_ROWS]))}{more}")
    s = report.summary()
    label = f"label '{ds['label']}' ({ds['task']})" if ds["label"] else "no label"
    verdict = "FAIL" if report.exit_code else "pass"
    size = (f"{ds['rows']:,} images" if ds["kind"] == "images"
            else f"{ds['rows']:,} rows x {ds['columns']} columns")
    gate = f"fail-on {report.fail_on}"
    if report.baseline is not None:
        b = report.baseline
        gate += f"; baseline: {b['new']} new, {b['known']} known, {b['fixed']} fixed"
    if report.suppressed is not None:
        gate += f"; {report.suppressed} suppressed"
    lines.append(
        f"preflight: {verdict}: {s['error']} errors, {s['warning']} warnings, {s['info']} info in "
        f"{ds['path']} ({size}, {label}; {gate})")
    return "\n".join(printable(line) for line in lines) + "\n"  # names from data: control characters escaped
