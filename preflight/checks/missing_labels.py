"""rows without a label cannot be trained on: say which, and make sure a loader cannot misread them.

Why: loaders drop them, fill them with a default class, or crash; a placeholder such as
'?' may even become a class of its own. Empty cells (and the spellings pandas reads as NaN:
NA, null, None, ...) arrive in training code as NaN, which scikit-learn rejects loudly and a
careful script drops; stats.json's target numbers already leave these rows out. So a few
unlabelled rows are a warning with the fix (the configured severity): often they are the
unlabelled part of the data (outcomes not observed yet, a measurement not taken). It is an
error when a missing label is spelled as a value a loader keeps ('?', '-': pandas reads them
as a class or a string), or when no row has a label at all.

Example: churn is empty in rows 405 and 406 (warning); or '?' in row 3 (error).

Fix: label them, or drop them before training (df.dropna(subset=["churn"]) after reading
with pandas' defaults, plus the placeholders named in the message); image datasets: file
images under a class folder."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context, pct, preview
from preflight.findings import Finding, plural
from preflight.profile.cells import PANDAS_NA


class MissingLabels(Check):
    name = "missing-labels"
    code = "PF303"
    summary = "Rows have no label."
    kinds = frozenset({"tabular", "images"})
    needs = frozenset({"label"})

    def run(self, profile, ctx: Context) -> list[Finding]:
        label = profile.label
        missing = label.missing_mask | label.nonfinite_mask
        if not missing.any():
            return []
        rows = np.flatnonzero(missing)
        if profile.kind == "images":
            files = [profile.files[r] for r in rows]
            return [ctx.finding(
                f"{rows.size} image files ({pct(rows.size, profile.rows)}) have no class "
                f"({preview(files)}): they sit outside any class folder (or have no label in the table); "
                "file them under a class or remove them",
                files=files, count=rows.size, details={"placeholders": label.placeholders})]
        tokens = ", ".join(f"{t!r} x{n}" for t, n in label.placeholders.items())
        kept = [t for t in label.placeholders if t not in PANDAS_NA]  # a loader reads these as values
        if kept:
            severity, why = "error", (f"; {', '.join(map(repr, kept))} would be read as a class or value by "
                                      "pandas' defaults: replace it with an empty cell, then label or drop the rows")
        elif rows.size == profile.rows:
            severity, why = "error", "; no row has a label: is this the label column?"
        else:
            severity, why = None, (f"; they are left out of stats.json's target numbers: label them, or drop them "
                                   f"before training (df.dropna(subset=[{label.name!r}]))")
        return [ctx.finding(
            f"{plural(rows.size, 'row')} ({pct(rows.size, profile.rows)}) have no label in '{label.name}' "
            f"(rows {preview(rows.tolist())}{'; placeholders: ' + tokens if tokens else ''}){why}",
            severity=severity, rows=rows, columns=[label.name], details={"placeholders": label.placeholders})]
