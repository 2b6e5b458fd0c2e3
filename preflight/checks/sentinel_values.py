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
from dataclasses import dataclass

import numpy as np

from preflight.checks.base import Check, Context, Scoring, pct, preview
from preflight.findings import Finding
from preflight.params import Interval
from preflight.profile.pass_two import RowBatch
from preflight.profile.row_states import Listing

MIN_VALUES = 30
NEAR = 5  # the neighbouring distinct values a spike is compared with
CODE = re.compile(r"^(-?9+|-[1-9]|-?8{2,}|-1+)$")  # 99, 999, -1, -9, -99, 88, 888


def _code_like(v: float) -> bool:
    return float(v).is_integer() and bool(CODE.match(str(int(v))))


class SentinelValues(Check):
    name = "sentinel-values"
    code = "PF108"
    summary = "A numeric feature holds a code for 'unknown' (99, 999, -1, ...): a spike apart from its other values."
    params = {"min_rows": Interval(int, 2, None), "spike_ratio": Interval(float, 1.0, None)}

    def score(self, profile, ctx: Context) -> Scoring:
        """Only a code-like smallest or largest value can be a sentinel (pass 1's range says which
        columns have one): per such column and end, the NEAR + 1 distinct values nearest that end
        with their counts, and the rows holding the end value (a count and the first max_listed_rows)."""
        asks = {}
        for col, lo, hi in _candidates(profile):
            asks[col.name] = EndCounts(col.name, lo if _code_like(lo) else None, hi if _code_like(hi) else None,
                                       max(ctx.max_rows, 5))  # the message shows 5
        return (yield asks)

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col, lo, hi in _candidates(profile):
            ends: Ends = ctx.scored[col.name]
            for below, (uniq, counts), listed in ((True, ends.low, ends.low_rows), (False, ends.high, ends.high_rows)):
                if listed is None:
                    continue
                i = 0 if below else uniq.size - 1
                if counts[i] < ctx.params["min_rows"] or uniq.size < 3:  # a tally under NEAR + 1 is every value
                    continue
                near = counts[i + 1:] if below else counts[:i]
                typical = float(np.median(near)) if near.size else 0.0
                if counts[i] < ctx.params["spike_ratio"] * max(typical, 1.0):
                    continue
                others = (float(uniq[1]), hi) if below else (lo, float(uniq[-2]))
                value = f"{uniq[i]:g}"
                out.append(ctx.finding(
                    f"column '{col.name}' holds {value} on {listed.count} rows ({pct(listed.count, col.rows)}), "
                    f"{counts[i] / max(typical, 1.0):.0f}x as often as its neighbouring values and "
                    f"{'below' if below else 'above'} all others ({others[0]:g} to {others[1]:g}): a code for "
                    f"'unknown'? (rows {preview(listed.rows.tolist(), total=listed.count)}); declare it missing "
                    "rather than a measurement",
                    rows=listed.rows, count=listed.count, truncated=listed.truncated, columns=[col.name],
                    details={"value": float(uniq[i]), "count": int(counts[i]), "neighbour_count": typical,
                             "others": list(others)}))
        return out


def _candidates(profile) -> list[tuple]:
    """(column, smallest, largest finite value) of the numeric features with enough numbers and a
    code-like smallest or largest value, from pass 1's moments."""
    out = []
    for col in profile.columns:
        if col.kind not in ("numeric", "mixed") or not col.varies:
            continue
        n = sum(p.moments.n for p in col.parts)
        if n < MIN_VALUES:
            continue  # too few values to call one a spike
        lo, hi = min(p.moments.min for p in col.parts), max(p.moments.max for p in col.parts)
        if _code_like(lo) or _code_like(hi):
            out.append((col, lo, hi))
    return out


Tallied = tuple[np.ndarray, np.ndarray]  # distinct values ascending, and how many cells hold each


@dataclass
class Ends:
    """The NEAR + 1 smallest (low) and largest (high) distinct finite values with their counts,
    and the rows holding the smallest / largest value (None: that end is not code-like)."""

    low: Tallied
    high: Tallied
    low_rows: Listing | None
    high_rows: Listing | None


@dataclass(frozen=True)
class EndCounts:
    """Exact counts of the distinct values at a column's ends, bounded by NEAR + 1 values an end:
    a tally merged by adding counts, then cut to the ends, whatever the partitioning."""

    column: str
    low: float | None   # the smallest value, when code-like: its rows are listed
    high: float | None  # the largest value, when code-like
    limit: int

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def start(self) -> Ends:
        empty = (np.empty(0), np.empty(0, np.int64))
        return Ends(empty, empty, None if self.low is None else Listing.empty(),
                    None if self.high is None else Listing.empty())

    def add(self, state: Ends, batch: RowBatch) -> Ends:
        values = batch.columns[self.column].values
        uniq, counts = np.unique(values[np.isfinite(values)], return_counts=True)
        here = Ends((uniq[:NEAR + 1], counts[:NEAR + 1]), (uniq[-NEAR - 1:], counts[-NEAR - 1:]),
                    self._rows(values, self.low, batch.start), self._rows(values, self.high, batch.start))
        return self.merge(state, here)

    def _rows(self, values: np.ndarray, end: float | None, start: int) -> Listing | None:
        if end is None:
            return None
        hit = np.flatnonzero(values == end)
        return Listing(int(hit.size), hit[:self.limit].astype(np.int64) + start)

    def merge(self, a: Ends, b: Ends) -> Ends:
        low, high = _plus(a.low, b.low), _plus(a.high, b.high)
        return Ends((low[0][:NEAR + 1], low[1][:NEAR + 1]), (high[0][-NEAR - 1:], high[1][-NEAR - 1:]),
                    None if a.low_rows is None or b.low_rows is None else a.low_rows.joined(b.low_rows, self.limit),
                    None if a.high_rows is None or b.high_rows is None else
                    a.high_rows.joined(b.high_rows, self.limit))


def _plus(a: Tallied, b: Tallied) -> Tallied:
    values, inverse = np.unique(np.concatenate([a[0], b[0]]), return_inverse=True)
    counts = np.zeros(values.size, np.int64)
    np.add.at(counts, inverse, np.concatenate([a[1], b[1]]))
    return values, counts
