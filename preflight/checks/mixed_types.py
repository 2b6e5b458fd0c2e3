"""a column mixing numbers and text, e.g. heights given as 165 and '5' 4"'.

Why: training code that reads the column as numbers crashes or turns the text into NaN;
read as text, every number becomes a category. Either way the values mean different
things (units, formats) and the model learns noise.

Example: height_cm = 162.0, 165.6, 5' 4", 180cm.

Fix: fix the entries at the source, or parse the units into numbers (5' 4" -> 162.6).
Placeholders such as '?' are not text values here: they count as missing."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context, preview
from preflight.findings import Finding


class MixedTypes(Check):
    name = "mixed-types"
    code = "PF104"
    summary = "A column mixes numbers and text (such as 165 and '5 ft 4'): a parsing or entry error."

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col in (*profile.columns, *([profile.label] if profile.label is not None else [])):
            if col.kind != "mixed":
                continue
            is_text = ~col.missing_mask & np.isnan(col.values)
            is_number = ~col.missing_mask & ~is_text
            minority = is_text if col.text_count <= col.numeric_count else is_number
            out.append(ctx.finding(
                f"column '{col.name}' mixes {col.numeric_count} numbers with {col.text_count} text values "
                f"(text: {preview([repr(t) for t in col.text_examples], 3)}; numbers: "
                f"{preview(col.number_examples, 3)}); fix the entries or parse units into numbers",
                rows=np.flatnonzero(minority), columns=[col.name],
                details={"numbers": col.numeric_count, "text": col.text_count,
                         "text_examples": col.text_examples, "number_examples": col.number_examples}))
        return out
