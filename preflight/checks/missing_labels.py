"""rows without a label cannot be trained on (and silently shrink the data).

Why: loaders drop them, fill them with a default class, or crash; a placeholder such as
'?' may even become a class of its own.

Example: churn is empty in rows 405 and 406.

Fix: label them or drop them explicitly (image datasets: file images under a class folder)."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context, pct, preview
from preflight.findings import Finding, plural


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
        return [ctx.finding(
            f"{plural(rows.size, 'row')} ({pct(rows.size, profile.rows)}) have no label in '{label.name}' "
            f"(rows {preview(rows.tolist())}{'; placeholders: ' + tokens if tokens else ''}); "
            "label or drop them",
            rows=rows, columns=[label.name], details={"placeholders": label.placeholders})]
