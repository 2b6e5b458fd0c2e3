"""nothing to train on.

Why: an empty export or a filter that removed everything would otherwise pass silently,
and the training run would fail later or train on nothing.

Example: a CSV holding only its header, or a table whose only column is the label.

Fix: check the export or the path; every other rule needs rows and feature columns."""
from __future__ import annotations

from preflight.checks.base import Check, Context
from preflight.findings import Finding


class EmptyDataset(Check):
    name = "empty-dataset"
    code = "PF106"
    summary = "The dataset has no rows or no feature columns."

    def run(self, profile, ctx: Context) -> list[Finding]:
        if profile.rows == 0:
            return [ctx.finding("the dataset has no rows")]
        if not profile.columns:
            return [ctx.finding("the dataset has no feature columns (only the label)")]
        return []
