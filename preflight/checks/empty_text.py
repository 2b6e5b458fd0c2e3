"""free-text cells that hold no text: empty, whitespace only, or no letter or digit at all.

Why: an empty review or a ticket of "..." carries no signal for its label; a model learns to
predict the label from nothing (the class prior of empty rows), and a tokenizer turns them
into a row of padding. Many of them usually mean a broken join or export.
missing-values counts empty cells of every column; this rule looks inside free-text columns
(kind text) only, and also finds texts made of punctuation alone.

Example: review = "", "   " and "!!!" on rows 3, 7 and 9.

Fix: drop the rows, or fix the export that lost their text."""
from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from preflight.checks.base import Check, Context, pct
from preflight.checks.texts import text_columns
from preflight.findings import Finding
from preflight.kernels.arrow import bools


class EmptyText(Check):
    name = "empty-text"
    code = "PF601"
    summary = "Free-text cells that are empty, whitespace only, or without a letter or digit."

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col in text_columns(profile):
            null = bools(pc.is_null(col.texts))
            blank = ~null & bools(pc.fill_null(pc.match_substring_regex(col.texts, r"^\s*$"), False))
            wordless = ~null & ~blank & ~bools(pc.fill_null(pc.match_substring_regex(col.texts, r"[\pL\pN]"), False))
            rows = np.flatnonzero(null | blank | wordless)
            if not rows.size:
                continue
            kinds = {"null": int(null.sum()), "empty_or_whitespace": int(blank.sum()),
                     "no_letters": int(wordless.sum())}
            said = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in kinds.items() if v)
            out.append(ctx.finding(
                f"column '{col.name}': {rows.size} texts ({pct(rows.size, col.rows)}) hold no words ({said}); "
                "drop these rows or fix the export that lost their text",
                rows=rows, columns=[col.name], details=kinds))
        return out
