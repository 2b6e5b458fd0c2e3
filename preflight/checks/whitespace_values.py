"""'cat ' and 'cat' are one category; preflight trims them, the training code may not.

Why: one-hot encoders and embeddings see 'Berlin ' and 'Berlin' as two categories, which
splits the examples of one value between two weights (and the test set may only have one).

Example: city = 'Berlin', 'Berlin ', 'Lisbon ' (trailing spaces).

Free-text columns (kind text) are left out: their spacing is compared normalised instead.

Fix: strip the values at the source or when loading (pandas: df[col].str.strip())."""
from __future__ import annotations

from preflight.checks.base import Check, Context, Scoring, pct, preview
from preflight.findings import Finding
from preflight.profile.row_states import RowsWhere


class WhitespaceValues(Check):
    name = "whitespace-values"
    code = "PF107"
    summary = "Text values carry stray leading or trailing whitespace ('cat ' next to 'cat')."

    def score(self, profile, ctx: Context) -> Scoring:
        return (yield {c.name: RowsWhere(c.name, "ws", ctx.max_rows) for c in self._reported(profile)})

    @staticmethod
    def _reported(profile) -> list:
        return [c for c in (*profile.columns, *([profile.label] if profile.label is not None else []))
                if c.whitespace and c.kind != "text"]  # spacing in sentences is not a category's noise

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col in self._reported(profile):
            listed = ctx.scored[col.name]
            out.append(ctx.finding(
                f"column '{col.name}': {col.whitespace} text values ({pct(col.whitespace, col.rows)}) have "
                f"stray leading/trailing whitespace ({preview([repr(v) for v in col.whitespace_examples], 3)}); "
                "strip them so they do not become separate categories",
                rows=listed.rows, count=listed.count, truncated=listed.truncated, columns=[col.name],
                details={"examples": col.whitespace_examples}))
        return out
