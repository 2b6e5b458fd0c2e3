"""The report's data: profile + findings + stats -> a plain, JSON-able "views" dict.

Everything report.html shows is computed here (STYLE: formatters never compute): histogram counts
and bar heights before and after each fitted transform, the rows to show (values as strings), the
shares, and thumbnails. `preflight/write/html.py` only fills a template with it. It runs inside
`pipeline.scan(views=True)`, while the profile is still in memory, and only when a report is wanted.
What it needs of the rows comes from pass 2 (report/rows.py): the histograms in the checks' own
rounds (`score_views`), the listed rows' cells in one more read (`run_pass`).

Plots are inline SVG bars drawn by the template from the heights computed here, not matplotlib: a
histogram is thirty numbers, and matplotlib's import alone would cost several times this whole
report (benchmarks/RESULTS.md). Pictures shown are decoded small by report/thumbnails.py.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from preflight.checks import discover
from preflight.findings import SEVERITY_RANK, Finding, LabelIssue, RowScores
from preflight.report.rows import Binned, Bins, ListedCells, Span
from preflight.report.splits import split_views
from preflight.report.text_views import side_by_side, text_sections
from preflight.report.thumbnails import Thumbs

if TYPE_CHECKING:
    from preflight.profile.protocol import Profile

VIEWS_FORMAT = "preflight-views/1"
MIN_BAR = 0.02        # a non-empty bin is drawn at least this tall (a lone outlier stays visible)
MAX_FEATURES = 100    # histograms shown
MAX_COLUMNS = 40      # table columns shown in row tables
MAX_ROWS = 20         # outlier rows and label issues shown
MAX_GROUPS = 8        # duplicate groups shown per rule
MAX_GROUP_SIZE = 6    # members shown per group
PER_RULE_THUMBS = 6   # flagged images shown per image rule
PER_CLASS_THUMBS = 4  # example images per class (budget permitting)
NUMERIC_TRANSFORMS = ("identity", "standardize", "log1p-standardize", "tanh")


def section_of(f: Finding) -> str | None:
    """Where the report shows a finding besides the list: its check's declared report_section."""
    check = discover().get(f.rule)
    return check.report_section if check is not None else None


RunPass = Callable[[Mapping[Any, Any]], Mapping[Any, Any]]  # scorers -> their merged states


def score_views(profile: Any) -> Any:
    """Pass 2 for the histograms (a Check.score-like generator, run beside the checks' rounds):
    round 1 each text column's word counts and each drawn feature's bins, on the range pass 1
    measured (Span.known); a feature whose range pass 1 cannot give (a capped column: cells
    beyond float32 are drawn as non-finite) has its range read in round 1, its bins in round 2.
    Returns {"features": {name: (Span state, Binned state, bins)}, "words": {name: Tally}}."""
    from preflight.profile.row_states import TextLengths

    cols = _drawn(profile)
    texts = getattr(profile, "text_columns", [])
    rescan = getattr(profile, "rescan", None)
    capped = rescan.job.capped if rescan is not None else frozenset()
    spans = {c.name: Span.known(c, spec) for c, spec in cols if c.name not in capped}
    binned = {c.name: _binned(c.name, spec, spans[c.name]) for c, spec in cols if c.name in spans}
    first = yield {**{("span", c.name): Span(c.name, spec) for c, spec in cols if c.name not in spans},
                   **{("words", c.name): TextLengths(c.name) for c in texts},
                   **{("bins", name): b for name, b in binned.items()}}
    counts = {name: first[("bins", name)] for name in binned}
    late = {}
    for c, spec in cols:
        if c.name not in spans:
            spans[c.name] = first[("span", c.name)]
            late[c.name] = binned[c.name] = _binned(c.name, spec, spans[c.name])
    if late:
        counts.update((yield late))
    return {"features": {c.name: (spans[c.name], counts[c.name], binned[c.name]) for c, _ in cols},
            "words": {c.name: first[("words", c.name)][1] for c in texts}}


def _binned(name: str, spec: Mapping[str, Any], span: tuple) -> Binned:
    _, lo, hi, lo_t, hi_t = span
    return Binned(name, spec, Bins.of(lo, hi), Bins.of(lo_t, hi_t))


def build_views(profile: Profile, findings: Sequence[Finding], stats: Mapping[str, Any], *,
                path: str, exit_code: int, fail_on: str, scored: Mapping[str, Any] | None = None,
                run_pass: RunPass | None = None) -> dict[str, Any]:
    """scored: what score_views returned; run_pass: reads the tables' rows again (pass 2)."""
    images = profile.kind == "images"
    thumbs = Thumbs(profile) if images else None
    scored = scored or {"features": {}, "words": {}}
    listed = ({}, {}) if images else _gather(profile, findings, run_pass)
    views: dict[str, Any] = {
        "format": VIEWS_FORMAT,
        "kind": "images" if images else "tabular",
        "summary": _summary(profile, findings, path, exit_code, fail_on),
        "findings": _findings(findings),
        "classes": _classes(stats.get("target")),
        "features": [] if images else _features(profile, scored["features"]),
        "outliers": None if images else _outliers(profile, findings, listed),
        "text": [] if images else text_sections(profile, stats, {n: _tallied(t) for n, t in scored["words"].items()
                                                                 if t.n}, _fmt),
        "duplicates": _duplicates(profile, findings, thumbs, listed),
        "label_issues": _label_issues(profile, findings, thumbs, listed),
        "images": _images(profile, findings, stats.get("images") or {}, thumbs) if images else None,
        "splits": split_views(profile, findings),
    }
    views["thumbs"] = thumbs.decode() if thumbs else {}
    return views


# --- summary and findings -------------------------------------------------------------------------

def _summary(profile: Any, findings: Sequence[Finding], path: str, exit_code: int, fail_on: str) -> dict:
    counts = dict.fromkeys(("error", "warning", "info"), 0)
    for f in findings:
        counts[f.severity] += 1
    facts = [("path", path)]
    if profile.kind == "images":
        facts += [("images", f"{profile.rows:,}"),
                  ("unreadable", f"{int((~profile.readable).sum()):,}")]
        splits = profile.split_counts()
        if splits:
            facts.append(("splits", ", ".join(f"{k} {v:,}" for k, v in splits.items())))
    else:
        facts += [("rows", f"{profile.rows:,}"),
                  ("columns", f"{len(profile.columns) + (profile.label is not None)}")]
        if profile.split_table is not None:
            t = profile.split_table
            facts.append(("splits", ", ".join(f"{t.names[i]} {t.rows[i]:,}" for i in t.order())))
    facts += [("label", profile.label_name or "(none)"), ("task", profile.task or "(no label)"),
              ("fail on", fail_on)]
    return {"passed": exit_code == 0, "verdict": "FAIL" if exit_code else "PASS", "exit_code": exit_code,
            "counts": counts, "facts": [{"name": k, "value": v} for k, v in facts]}


def _findings(findings: Sequence[Finding]) -> list[dict]:
    ordered = sorted(findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.sort_key()))
    return [{"rule": f.rule, "code": f.code, "severity": f.severity, "message": f.message,
             "count": f"{f.count:,}", "anchor": _anchor(f)} for f in ordered]


def _anchor(f: Finding) -> str | None:
    where = section_of(f)
    return None if where == "ignored" else where


# --- target -------------------------------------------------------------------------------------

def _classes(target: Mapping[str, Any] | None) -> dict | None:
    if not target:
        return None
    if target.get("task") == "regression":
        facts = [(k, _fmt(target.get(k))) for k in ("count", "mean", "std", "min", "max")]
        facts += [("output bias", _fmt((target.get("output_bias") or [None])[0]))]
        return {"task": "regression", "label": target.get("label"), "rows": [],
                "facts": [{"name": k, "value": v} for k, v in facts],
                "loss": _pairs(target.get("expected_initial_loss")), "baseline": _pairs(target.get("baseline"))}
    counts = target.get("counts") or []
    peak = max(counts) if counts else 0
    total = sum(counts)
    rows = [{"name": str(c), "count": f"{n:,}", "share": f"{100 * n / total:.1f}%" if total else "",
             "width": _pct(n / peak if peak else 0.0), "bias": _fmt(b), "weight": _fmt(w)}
            for c, n, b, w in zip(target.get("classes", []), counts, target.get("output_bias", []),
                                  target.get("class_weights", []))]
    facts = []
    if target.get("sigmoid_bias"):
        sb = target["sigmoid_bias"]
        facts.append({"name": f"sigmoid bias (positive class {sb['positive_class']})", "value": _fmt(sb["bias"])})
    return {"task": "classification", "label": target.get("label"), "rows": rows, "facts": facts,
            "loss": _pairs(target.get("expected_initial_loss")), "baseline": _pairs(target.get("baseline"))}


def _pairs(d: Mapping[str, Any] | None) -> list[dict]:
    return [{"name": k.replace("_", " "), "value": _fmt(v)} for k, v in (d or {}).items()]


# --- features -----------------------------------------------------------------------------------

def _drawn(profile: Any) -> list[tuple[Any, Mapping[str, Any]]]:
    """The features drawn, with the transform stats.json gives them (the training split's fit)."""
    fitted = {v.name: v.transform for v in profile.train_columns or ()}
    specs = [(c, fitted.get(c.name, c.transform)) for c in profile.columns]
    return [(c, spec) for c, spec in specs if spec.get("kind") in NUMERIC_TRANSFORMS
            and math.isfinite(c.mean) and c.numeric_count > c.nonfinite][:MAX_FEATURES]


def _features(profile: Any, scored: Mapping[str, Any]) -> list[dict]:
    out = []
    for col, spec in _drawn(profile):
        (n, lo, hi, lo_t, hi_t), (before, after), bins = scored[col.name]
        out.append({"name": col.name, "transform": _describe(spec),
                    "before": _histogram(before, bins.before, lo, hi, n),
                    "after": _histogram(after, bins.after, lo_t, hi_t, n),
                    "note": _feature_note(col, n, spec)})
    return out


def _describe(spec: Mapping[str, Any]) -> str:
    kind = spec["kind"]
    if kind == "standardize":
        return f"standardize: (x - {_fmt(spec['mean'])}) / {_fmt(spec['std'])}"
    if kind == "log1p-standardize":
        return f"log1p, then standardize: (log1p(x) - {_fmt(spec['mean'])}) / {_fmt(spec['std'])}"
    if kind == "tanh":
        return f"squash: tanh((x - {_fmt(spec['center'])}) / {_fmt(spec['scale'])})"
    return f"identity ({spec.get('reason', 'kept as is')})"


def _feature_note(col: Any, shown: int, spec: Mapping[str, Any]) -> str:
    parts = [f"{shown:,} values"]
    if col.missing:
        parts.append(f"{col.missing:,} missing (filled with {_fmt(spec.get('fill'))}, not drawn)")
    if col.nonfinite:
        parts.append(f"{col.nonfinite:,} infinite (not drawn)")
    return "; ".join(parts)


def _tallied(tally: Any) -> dict:
    """The histogram of a tally's values (each repeated its count times)."""
    lo, hi = float(tally.values[0]), float(tally.values[-1])
    bins = Bins.of(lo, hi)
    x = tally.values.astype(np.float64)
    counts = np.array([tally.n]) if bins is None else \
        np.histogram(x / bins.scale, bins=bins.bins, range=bins.range, weights=tally.counts)[0].astype(np.int64)
    return _histogram(counts, bins, lo, hi, tally.n)


def _histogram(counts: np.ndarray, bins: Bins | None, lo: float, hi: float, n: int) -> dict:
    """The bars of n values in [lo, hi] counted on `bins` (report/rows.py: np.histogram's bins
    of those values; None: one bar)."""
    edges = np.array([lo, hi]) if bins is None else bins.edges()
    counts = np.array([n]) if bins is None else counts
    peak = int(counts.max())
    bars = [{"h": round(float(max(c / peak, MIN_BAR)), 4) if c else 0.0,
             "title": f"[{_fmt(a)}, {_fmt(b)}]: {int(c):,}"} for c, a, b in zip(counts, edges, edges[1:])]
    return {"bars": bars, "counts": counts.tolist(), "edges": [float(e) for e in edges],
            "lo": _fmt(lo), "hi": _fmt(hi), "peak": f"{peak:,}", "width": len(bars)}


# --- rows ---------------------------------------------------------------------------------------

def _table_columns(profile: Any) -> list[Any]:
    cols = ([profile.label] if profile.label is not None else []) + list(profile.columns)
    return cols[:MAX_COLUMNS]


def _header(profile: Any) -> dict:
    cols = _table_columns(profile)
    total = len(profile.columns) + (profile.label is not None)
    return {"names": [c.name for c in cols], "label": profile.label_name,
            "hidden": max(0, total - len(cols))}


Listed = tuple[dict, dict]  # report/rows.ListedCells: {row: {column: shown}}, {row: {column: text}}


def _cells(cols: Sequence[Any], r: int, listed: Listed) -> list[str]:
    return [listed[0][r][c.name] for c in cols]


def _listed_columns(profile: Any) -> list[Any]:
    """The columns whose cells the row tables show: the first table columns, and every free-text
    column (duplicates show texts side by side)."""
    cols = _table_columns(profile)
    return cols + [c for c in getattr(profile, "text_columns", []) if all(c is not d for d in cols)]


def _gather(profile: Any, findings: Sequence[Finding], run_pass: RunPass | None) -> Listed:
    """The listed rows' cells, read in one pass-2 round."""
    rows = sorted(_listed_rows(profile, findings))
    if not rows or run_pass is None:
        return {}, {}
    specs = tuple((c.name, c.kind, bool(c.categories)) for c in _listed_columns(profile))
    scorer = ListedCells(specs, np.array(rows, np.int64))
    return run_pass({"cells": scorer})["cells"]


def _listed_rows(profile: Any, findings: Sequence[Finding]) -> set[int]:
    """Every row a row table shows (the sections below pick the same ones)."""
    rows: set[int] = set()
    outliers = _outlier_finding(findings)
    if outliers is not None:
        rows.update(int(outliers.rows[i]) for i in _outlier_order(outliers))
    for f in findings:
        if section_of(f) == "duplicates" and f.groups:
            rows.update(int(r) for g in f.groups[:MAX_GROUPS] for r in g[:MAX_GROUP_SIZE])
    issues = _label_finding(findings)
    if issues is not None:
        rows.update(int(d["row"]) for d in _shown_issues(profile, issues, None))
    return rows


def _outlier_finding(findings: Sequence[Finding]) -> Finding | None:
    found = [f for f in findings if section_of(f) == "outliers" and f.rows]
    return found[0] if found else None


def _outlier_order(f: Finding) -> list[int]:
    """The outliers shown: the highest scores first, ties by row. Scores may go on beyond the
    listed rows (outliers keeps them for at least 10,000); only listed rows are shown."""
    scores = list(cast(RowScores, f.details).get("scores", []))
    return sorted(range(min(len(scores), len(f.rows))), key=lambda i: (-scores[i], f.rows[i]))[:MAX_ROWS]


def _outliers(profile: Any, findings: Sequence[Finding], listed: Listed) -> dict | None:
    f = _outlier_finding(findings)
    if f is None:
        return None
    scored = cast(RowScores, f.details)
    scores, sources = list(scored.get("scores", [])), list(scored.get("sources", []))
    order = _outlier_order(f)
    cols = _table_columns(profile)
    names = [c.name for c in cols]
    rows = [{"row": int(f.rows[i]), "extra": [f"{scores[i]:.1f}", sources[i]],
             "cells": _cells(cols, int(f.rows[i]), listed), "hot": [n == sources[i] for n in names]} for i in order]
    return {"severity": f.severity, "message": f.message, "header": _header(profile), "rows": rows,
            "shown": len(rows), "count": f"{f.count:,}"}


def _duplicates(profile: Any, findings: Sequence[Finding], thumbs: Thumbs | None, listed: Listed) -> list[dict]:
    out = []
    for f in findings:
        if section_of(f) != "duplicates" or not f.groups:
            continue
        groups = []
        for g in f.groups[:MAX_GROUPS]:
            members = list(g[:MAX_GROUP_SIZE])
            if thumbs is not None:
                items = [_image_item(profile, thumbs, str(m)) for m in members]
                groups.append({"members": items, "more": len(g) - len(members)})
            else:
                cols = _table_columns(profile)
                cells = [_cells(cols, int(r), listed) for r in members]
                differs = [len(set(column)) > 1 for column in zip(*cells)]
                groups.append({"rows": [{"row": int(r), "extra": _where(profile, f, int(r)), "cells": c,
                                         "hot": differs} for r, c in zip(members, cells)],
                               "more": len(g) - len(members), "texts": side_by_side(profile, members, listed[1])})
        out.append({"rule": f.rule, "code": f.code, "severity": f.severity, "message": f.message,
                    "groups": groups, "hidden_groups": len(f.groups) - len(groups),
                    "header": None if thumbs is not None else _header(profile),
                    "extra_head": ("split", "file") if _across_splits(profile, f) else ()})
    return out


def _across_splits(profile: Any, f: Finding) -> bool:
    return profile.kind == "tabular" and profile.split_table is not None and "splits" in f.details


def _where(profile: Any, f: Finding, row: int) -> list[str]:
    """A leaked row's split and its place in its file (row within the file, 0-based)."""
    if not _across_splits(profile, f):
        return []
    ends = np.cumsum([n for _, n in profile.files])
    i = min(int(np.searchsorted(ends, row, side="right")), len(ends) - 1)
    start = int(ends[i - 1]) if i else 0
    return [profile.split_table.names[int(profile.split_table.ids()[row])], f"{profile.files[i][0]} row {row - start}"]


def _label_finding(findings: Sequence[Finding]) -> Finding | None:
    found = [f for f in findings if section_of(f) == "label-issues" and f.details.get("issues")]
    return found[0] if found else None


def _shown_issues(profile: Any, f: Finding, thumbs: Thumbs | None) -> list[dict]:
    """The label issues shown: the lowest scores first, ties by row."""
    listed = cast(list[LabelIssue], f.details["issues"])
    # the check names images by "file", table rows by "row"
    at = {name: i for i, name in enumerate(profile.files)} if thumbs is not None else {}
    issues = [{**d, "row": at[d["file"]]} if "row" not in d else d for d in listed]
    return sorted(issues, key=lambda d: (d["score"], d["row"]))[:MAX_ROWS]


def _label_issues(profile: Any, findings: Sequence[Finding], thumbs: Thumbs | None,
                  listed: Listed) -> dict | None:
    f = _label_finding(findings)
    if f is None:
        return None
    issues = _shown_issues(profile, f, thumbs)
    cols = None if thumbs is not None else _table_columns(profile)
    items = []
    for d in issues:
        item = {"row": int(d["row"]), "given": str(d["given"]), "suggested": str(d["suggested"]),
                "score": f"{d['score']:.4f}"}
        if thumbs is not None:
            item.update(_image_item(profile, thumbs, profile.files[int(d["row"])]))
        else:
            item.update(extra=[item["given"], item["suggested"], item["score"]], hot=[],
                        cells=_cells(cols, int(d["row"]), listed))
        items.append(item)
    return {"severity": f.severity, "message": f.message, "entries": items, "count": f"{f.count:,}",
            "header": None if thumbs is not None else _header(profile)}


# --- images -------------------------------------------------------------------------------------

def _images(profile: Any, findings: Sequence[Finding], section: Mapping[str, Any], thumbs: Thumbs) -> dict:
    mean, std = section.get("channel_mean") or [], section.get("channel_std") or []
    names = ["R", "G", "B"] if len(mean) == 3 else ["gray"] * len(mean)
    channels = [{"name": n, "mean": f"{m:.4f}", "std": f"{s:.4f}", "width": _pct(m), "std_width": _pct(s)}
                for n, m, s in zip(names, mean, std)]
    rgb = [round(255 * m) for m in (mean * 3 if len(mean) == 1 else mean)]
    size = section.get("size") or {}
    facts = [("readable images", f"{section.get('count', 0):,}"), ("pixels", f"{section.get('pixels', 0):,}"),
             ("median size", f"{_fmt((size.get('width') or {}).get('median'))} x "
                             f"{_fmt((size.get('height') or {}).get('median'))}"),
             ("modes", _counts(section.get("modes"))), ("formats", _counts(section.get("formats")))]
    flagged: dict[str, dict] = {}  # per rule: unreadable-file has one finding per file
    for f in findings:
        if section_of(f) in ("duplicates", "label-issues", "ignored") or not f.files:
            continue
        block = flagged.setdefault(f.rule, {"rule": f.rule, "code": f.code, "severity": f.severity,
                                            "files": [], "messages": []})
        block["files"] += f.files
        block["messages"].append(f.message)
        if SEVERITY_RANK[f.severity] > SEVERITY_RANK[block["severity"]]:
            block["severity"] = f.severity
    for block in flagged.values():
        files, messages = block.pop("files"), block.pop("messages")
        block["members"] = [_image_item(profile, thumbs, p) for p in files[:PER_RULE_THUMBS]]
        block["more"] = max(0, len(files) - PER_RULE_THUMBS)
        block["message"] = messages[0] if len(messages) == 1 else f"{len(files):,} files ({len(messages)} findings)"
    return {"channels": channels, "swatch": "#{:02x}{:02x}{:02x}".format(*rgb) if rgb else None,
            "facts": [{"name": k, "value": v} for k, v in facts], "flagged": list(flagged.values()),
            "examples": _examples(profile, thumbs)}


def _examples(profile: Any, thumbs: Thumbs) -> list[dict]:
    """A few readable images per class (first in path order), as far as the thumbnail budget allows."""
    if profile.y is None:
        return []
    out = []
    for k, name in enumerate(profile.classes):
        rows = np.flatnonzero((profile.y == k) & profile.readable)[:PER_CLASS_THUMBS]
        items = [_image_item(profile, thumbs, profile.files[int(r)]) for r in rows]
        items = [i for i in items if i["thumb"]]
        if items:
            out.append({"name": str(name), "members": items})
    return out


def _image_item(profile: Any, thumbs: Thumbs, rel: str) -> dict:
    """One picture: its thumbnail key (None: unreadable, or over the budget), name, class, problem."""
    index = thumbs.index.get(rel)
    label, problem = "", ""
    if index is not None:
        if profile.y is not None and profile.y[index] >= 0:
            label = str(profile.classes[int(profile.y[index])])
        reason = profile.signals.reason[index]
        problem = f"unreadable: {reason}" if reason else ""
    folder, _, name = rel.rpartition("/")
    return {"file": rel, "name": name, "dir": folder + "/" if folder else "", "label": label,
            "problem": problem or ("" if index is not None else "not in the scan"), "thumb": thumbs.want(rel)}


# --- formatting ---------------------------------------------------------------------------------

def _fmt(x: Any) -> str:
    if x is None:
        return "–"
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        return str(x)
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}" if abs(x) >= 10_000 else str(int(x))
    return f"{x:.4g}"


def _pct(fraction: float) -> str:
    return f"{100 * min(max(fraction, 0.0), 1.0):.1f}%"


def _counts(d: Mapping[str, int] | None) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in (d or {}).items()) or "–"
