"""a number that stands for "unknown": 99, 999, -1, 9999 among real values.

Why: a model reads age 99 or income -1 as a measurement; the code drags means and spreads
and teaches a relation that does not exist. Squashing or clipping hides it further.

Found by its spike against the distribution, not by a list alone: a value that (1) is
written like a code (all nines: 9, 99, 999, ...; or -1, -9, -99, ...; or 8s: 88, 888),
(2) repeats on at least min_rows rows and at least spike_ratio times as often as the
typical value next to it (in a column of at least 30 numbers), and (3) sits apart from
the other values (above all of them, or below all of them), in a numeric feature. 99
among ages 18 to 95 on 40 rows is one; 99 inside a spread of 0 to 1,000 is a value.

Example: age = 34, 51, 99, 27, 99, 62 (99 on 4% of rows; the other ages end at 95).

Fix: declare the code missing (add it to `placeholders` if it is written as text, or
replace it with NaN) and let imputation or a missing-indicator handle it."""
from __future__ import annotations

import re

import numpy as np

from preflight.checks.base import Check, Context, pct, preview
from preflight.findings import Finding
from preflight.params import Interval

MIN_VALUES = 30
CODE = re.compile(r"^(-?9+|-[1-9]|-?8{2,}|-1+)$")  # 99, 999, -1, -9, -99, 88, 888


def _code_like(v: float) -> bool:
    return float(v).is_integer() and bool(CODE.match(str(int(v))))


class SentinelValues(Check):
    name = "sentinel-values"
    code = "PF108"
    summary = "A numeric feature holds a code for 'unknown' (99, 999, -1, ...): a spike apart from its other values."
    params = {"min_rows": Interval(int, 2, None), "spike_ratio": Interval(float, 1.0, None)}

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col in profile.columns:
            if col.kind not in ("numeric", "mixed") or not col.varies:
                continue
            v = col.values[np.isfinite(col.values)]
            if v.size < MIN_VALUES:
                continue  # too few values to call one a spike
            uniq, counts = np.unique(v, return_counts=True)
            for i in np.flatnonzero([_code_like(u) for u in uniq]):
                if counts[i] < ctx.params["min_rows"] or uniq.size < 3:
                    continue
                above, below = i == uniq.size - 1, i == 0
                if not (above or below):
                    continue  # among the other values: a value
                near = counts[max(i - 5, 0):i] if above else counts[i + 1:i + 6]
                typical = float(np.median(near)) if near.size else 0.0
                if counts[i] < ctx.params["spike_ratio"] * max(typical, 1.0):
                    continue
                rest = np.delete(uniq, i)
                rows = np.flatnonzero(col.values == uniq[i])
                value = f"{uniq[i]:g}"
                out.append(ctx.finding(
                    f"column '{col.name}' holds {value} on {rows.size} rows ({pct(rows.size, col.rows)}), "
                    f"{counts[i] / max(typical, 1.0):.0f}x as often as its neighbouring values and "
                    f"{'above' if above else 'below'} all others ({rest.min():g} to {rest.max():g}): a code for "
                    f"'unknown'? (rows {preview(rows.tolist())}); declare it missing rather than a measurement",
                    rows=rows, columns=[col.name],
                    details={"value": float(uniq[i]), "count": int(counts[i]), "neighbour_count": typical,
                             "others": [float(rest.min()), float(rest.max())]}))
        return out
