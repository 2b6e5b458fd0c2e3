"""PF106: nothing to train on."""
from __future__ import annotations

from preflight.check import Check, Context
from preflight.findings import Finding


class EmptyDataset(Check):
    name = "empty-dataset"
    code = "PF106"

    def run(self, profile, ctx: Context) -> list[Finding]:
        if profile.rows == 0:
            return [ctx.finding("the dataset has no rows")]
        if not profile.columns:
            return [ctx.finding("the dataset has no feature columns (only the label)")]
        return []
