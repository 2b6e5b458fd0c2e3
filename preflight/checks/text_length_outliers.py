"""free texts far longer than the rest: a 2 MB "review", a whole file pasted into one cell.

Why: one huge text costs as much memory and time as thousands of normal ones (padding a
batch to it, or a tokenizer choking on it), is truncated at training anyway, and is usually
an export accident (a field that swallowed the rest of the file, a log dump) rather than an
example of the task.

Judged on the log of the length in characters, against this column's own spread: a text is
flagged when its robust z-score (distance from the median log length in units of 1.4826 MAD)
exceeds max_robust_z and it is at least min_ratio times the median length.

Example: review on row 5 holds 2,000,000 characters; the median review holds 300.

Fix: look at the flagged rows; drop or cut the accidents (stats.json text_columns gives the
length distribution and the sequence lengths that cover 95% and 99% of rows)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from preflight.checks.base import Check, Context, Scoring, preview
from preflight.checks.texts import text_columns
from preflight.findings import Finding
from preflight.params import Interval
from preflight.profile.pass_two import RowBatch
from preflight.profile.row_states import Listing, TextLengths, median_of

KEEP = 10_000  # flagged rows whose lengths details.chars gives, at least
SHOWN = 3      # the longest texts the message names


@dataclass
class Long:
    """The flagged rows: a count, the first ones with their lengths, and the longest SHOWN
    (by length, then row)."""

    rows: Listing
    chars: np.ndarray     # int64, of rows.rows
    longest: list[tuple[int, int]]  # (-chars, row), ascending


@dataclass(frozen=True)
class LongTexts:
    """Rows whose log length's robust z exceeds the bound and whose length reaches min_chars;
    the median and MAD come from round 1's tallies, the z of each row as the whole column's."""

    column: str
    median: float
    mad: float
    max_z: float
    min_chars: float
    limit: int

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def start(self) -> Long:
        return Long(Listing.empty(), np.empty(0, np.int64), [])

    def add(self, state: Long, batch: RowBatch) -> Long:
        from preflight.profile.text import lengths

        cells = batch.columns[self.column]
        present = np.flatnonzero(~cells.missing)
        chars = lengths(cells.texts)[0][present].astype(np.float64)
        z = (np.log1p(chars) - self.median) / self.mad
        hit = (z > self.max_z) & (chars >= self.min_chars)
        rows, long = present[hit].astype(np.int64) + batch.start, chars[hit].astype(np.int64)
        worst = sorted(zip((-long).tolist(), rows.tolist()))[:SHOWN]
        return self.merge(state, Long(Listing(int(rows.size), rows[:self.limit]), long[:self.limit], worst))

    def merge(self, a: Long, b: Long) -> Long:
        rows = a.rows.joined(b.rows, self.limit)
        chars = np.concatenate([a.chars, b.chars])[:rows.rows.size]
        return Long(rows, chars, sorted(a.longest + b.longest)[:SHOWN])


class TextLengthOutliers(Check):
    name = "text-length-outliers"
    code = "PF604"
    summary = "Free texts far longer than the rest of their column (robust z-score of the log length)."
    params = {"max_robust_z": Interval(float, 0.0, None, closed="neither"),
              "min_ratio": Interval(float, 1.0, None), "min_rows": Interval(int, 3, None)}

    def score(self, profile, ctx: Context) -> Scoring:
        """Round 1: each column's lengths as a tally, for the median and MAD of the log length;
        round 2: the rows over the bound (the first max(max_listed_rows, KEEP) with lengths)."""
        p = ctx.params
        cols = [c for c in text_columns(profile) if c.rows - c.missing >= p["min_rows"]]
        tallies = yield {c.name: TextLengths(c.name) for c in cols}
        asks: dict[str, Any] = {}
        typical = {}
        for c in cols:
            chars = tallies[c.name][0]
            logged = np.log1p(chars.values.astype(np.float64))
            median = median_of(logged, chars.counts)
            mad = 1.4826 * median_of(np.abs(logged - median), chars.counts)
            if mad == 0:
                continue
            typical[c.name] = median_of(chars.values.astype(np.float64), chars.counts)
            asks[c.name] = LongTexts(c.name, median, mad, p["max_robust_z"],
                                     p["min_ratio"] * max(typical[c.name], 1.0), max(ctx.max_rows, KEEP))
        found = yield asks
        return {name: (typical[name], found[name]) for name in asks}

    def run(self, profile, ctx: Context) -> list[Finding]:
        p = ctx.params
        out = []
        for col in text_columns(profile):
            if col.name not in ctx.scored:
                continue
            typical, long = ctx.scored[col.name]
            n = long.rows.count
            if not n:
                continue
            shown = [f"{r} ({-c:,} chars)" for c, r in long.longest]
            rows = long.rows.rows[:ctx.max_rows]
            out.append(ctx.finding(
                f"column '{col.name}': {n} texts are far longer than the median of {typical:,.0f} characters "
                f"({preview(shown, SHOWN, total=n)}; robust z of the log length > {p['max_robust_z']:g}); "
                "look at them: usually an export accident, and truncated at training anyway",
                rows=rows, count=n, truncated=n > rows.size, columns=[col.name],
                details={"median_chars": typical,
                         "chars": {str(int(r)): int(c) for r, c in zip(long.rows.rows, long.chars)}}))
        return out
