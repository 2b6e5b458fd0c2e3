"""free-text cells that hold no text: empty, whitespace only, or no letter or digit at all.

Why: an empty review or a ticket of "..." carries no signal for its label; a model learns to
predict the label from nothing (the class prior of empty rows), and a tokenizer turns them
into a row of padding. Many of them usually mean a broken join or export.
missing-values counts empty cells of every column; this rule looks inside free-text columns
(kind text) only, and also finds texts made of punctuation alone.

Example: review = "", "   " and "!!!" on rows 3, 7 and 9.

Fix: drop the rows, or fix the export that lost their text."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from preflight.checks.base import Check, Context, Scoring, pct
from preflight.checks.texts import Hits, TextScorer, flagged, listing, text_columns
from preflight.findings import Finding
from preflight.kernels.arrow import bools

KINDS = ("null", "empty_or_whitespace", "no_letters")


@dataclass(frozen=True)
class Wordless(TextScorer):
    """The cells without a word: null, blank, or without a letter or digit (counted apart)."""

    def judge(self, texts: pa.Array, start: int) -> Hits:
        null = bools(pc.is_null(texts))
        blank = ~null & bools(pc.fill_null(pc.match_substring_regex(texts, r"^\s*$"), False))
        wordless = ~null & ~blank & ~bools(pc.fill_null(pc.match_substring_regex(texts, r"[\pL\pN]"), False))
        counts = dict(zip(KINDS, (int(null.sum()), int(blank.sum()), int(wordless.sum()))))
        return Hits(listing(np.flatnonzero(null | blank | wordless), start, self.limit), counts)


class EmptyText(Check):
    name = "empty-text"
    code = "PF601"
    summary = "Free-text cells that are empty, whitespace only, or without a letter or digit."

    def score(self, profile, ctx: Context) -> Scoring:
        """Per text column, its wordless rows: a count per kind and the first max_listed_rows."""
        return (yield {col.name: Wordless(col.name, ctx.max_rows) for col in text_columns(profile)})

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col, hits in flagged(profile, ctx.scored):
            kinds = {k: hits.counts.get(k, 0) for k in KINDS}
            said = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in kinds.items() if v)
            n = hits.rows.count
            out.append(ctx.finding(
                f"column '{col.name}': {n} texts ({pct(n, col.rows)}) hold no words ({said}); "
                "drop these rows or fix the export that lost their text",
                rows=hits.rows.rows, count=n, truncated=hits.rows.truncated, columns=[col.name], details=kinds))
        return out
