"""The report's splits section: per held-out split against train, each shifted feature with the
two splits' histograms overlaid (numbers) or their shares side by side (categories, classes,
missing rates), and the leakage found between them (the leaked rows themselves are in the
duplicates section, side by side with their split and file).

Histograms are drawn from each split's sample (the same accumulators the check read), on shared
bins over both splits' 0.5% to 99.5% range, as shares of each split so sizes compare.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from preflight.checks.drift import Feature
from preflight.checks.splits import comparables
from preflight.findings import Finding

BINS = 30
MAX_SHIFTS = 24    # features shown per pair
MAX_BARS = 12      # categories shown per feature


def split_views(profile: Any, findings: Sequence[Finding]) -> dict | None:
    table = profile.split_table
    if table is None or len(table.names) < 2:
        return None
    features = {f.name: f for f in comparables(profile)} if table.train is not None else {}
    facts = [{"name": table.names[i], "value": f"{table.rows[i]:,} rows" + (" (train)" if i == table.train else "")}
             for i in table.order()]
    pairs = []
    for held in [i for i in table.order() if i != table.train]:
        ref = table.train if table.train is not None else table.order()[0]
        if ref == held:
            continue
        a, b = table.names[ref], table.names[held]
        mine = [f for f in findings if sorted(f.details.get("splits") or []) == sorted([a, b])
                and f.rule in ("distribution-shift", "split-leakage")]
        shifts = [_shift(f, features.get(f.columns[0]) if f.columns else None, ref, held, a, b)
                  for f in mine if f.rule == "distribution-shift"][:MAX_SHIFTS]
        leaks = [{"severity": f.severity, "message": f.message, "count": f"{f.count:,}"}
                 for f in mine if f.rule == "split-leakage"]
        pairs.append({"title": f"{a} vs {b}", "a": a, "b": b, "shifts": shifts, "leaks": leaks})
    fitted = (f"stats.json is fitted on '{table.names[table.train]}' alone" if table.train is not None
              else f"stats.json is fitted on every row: {table.reason}")
    return {"facts": facts, "pairs": pairs, "fitted": fitted}


def _shift(f: Finding, feature: Feature | None, ref: int, held: int, a: str, b: str) -> dict:
    out: dict[str, Any] = {"feature": f.columns[0] if f.columns else "", "severity": f.severity,
                           "message": f.message, "aspect": f.details.get("aspect", ""), "hist": None, "bars": None}
    if feature is None:
        return out
    aspect = out["aspect"]
    if aspect == "missing":
        sides = (feature.numbers or feature.counts)
        out["bars"] = _bars([("missing", sides[ref].missing / max(sides[ref].rows, 1),
                              sides[held].missing / max(sides[held].rows, 1))], a, b)
    elif feature.numbers is not None and aspect == "distribution":
        out["hist"] = _overlay(feature.numbers[ref].sample, feature.numbers[held].sample, a, b)
    elif feature.counts is not None:
        t, h = feature.counts[ref].counts.astype(float), feature.counts[held].counts.astype(float)
        pt, ph = t / max(t.sum(), 1), h / max(h.sum(), 1)
        order = np.lexsort((-ph, -pt)) if aspect != "unseen" else np.argsort(-(ph * (t == 0)), kind="stable")
        out["bars"] = _bars([(feature.counts[ref].names[i], float(pt[i]), float(ph[i])) for i in order[:MAX_BARS]
                             if pt[i] or ph[i]], a, b)
    return out


def _overlay(x: np.ndarray, y: np.ndarray, a: str, b: str) -> dict | None:
    if x.size == 0 or y.size == 0:
        return None
    lo = float(min(np.quantile(x, 0.005), np.quantile(y, 0.005)))
    hi = float(max(np.quantile(x, 0.995), np.quantile(y, 0.995)))
    if not hi > lo:
        lo, hi = float(min(x.min(), y.min())), float(max(x.max(), y.max()))
    bins = BINS if hi > lo else 1
    edges = np.linspace(lo, hi, bins + 1) if hi > lo else np.array([lo - 0.5, lo + 0.5])
    cx = np.histogram(np.clip(x, edges[0], edges[-1]), bins=edges)[0] / x.size
    cy = np.histogram(np.clip(y, edges[0], edges[-1]), bins=edges)[0] / y.size
    peak = float(max(cx.max(), cy.max())) or 1.0
    bars = [{"a": round(float(p / peak), 4), "b": round(float(q / peak), 4),
             "title": f"[{_fmt(e0)}, {_fmt(e1)}]: {a} {100 * p:.1f}%, {b} {100 * q:.1f}%"}
            for p, q, e0, e1 in zip(cx, cy, edges, edges[1:])]
    return {"bars": bars, "width": len(bars), "lo": _fmt(lo), "hi": _fmt(hi), "a": a, "b": b}


def _bars(items: list[tuple[str, float, float]], a: str, b: str) -> dict:
    peak = max([max(p, q) for _, p, q in items] or [1.0]) or 1.0
    return {"a": a, "b": b, "rows": [{"name": str(n), "a": f"{100 * p:.1f}%", "b": f"{100 * q:.1f}%",
                                      "wa": f"{100 * p / peak:.1f}%", "wb": f"{100 * q / peak:.1f}%"}
                                     for n, p, q in items]}


def _fmt(x: float) -> str:
    return f"{x:.4g}"
