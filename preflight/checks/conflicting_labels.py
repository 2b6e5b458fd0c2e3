"""PF202: identical features, different labels: at least one label in each group is wrong."""
from __future__ import annotations

import numpy as np

from preflight.check import Check, Context, preview
from preflight.checks._groups import hash_groups
from preflight.findings import Finding


class ConflictingLabels(Check):
    name = "conflicting-labels"
    code = "PF202"
    needs = frozenset({"label"})

    def run(self, profile, ctx: Context) -> list[Finding]:
        label = profile.label
        labels = profile.y if profile.y is not None else label.values
        groups = [g for g in hash_groups(profile.feature_hash, ~label.missing_mask)
                  if np.unique(labels[g]).size > 1]
        if not groups:
            return []
        rows = np.sort(np.concatenate(groups))
        shown = [", ".join(f"{r}:{_label(profile, r)}" for r in g[:4]) for g in groups[:3]]
        return [ctx.finding(
            f"{rows.size} rows in {len(groups)} groups have identical features but different labels "
            f"({'; '.join(shown)}{'; ...' if len(groups) > 3 else ''}); fix or drop the wrong labels",
            rows=rows, groups=groups,
            details={"labels": [[_label(profile, r) for r in g] for g in groups[:1000]]})]


def _label(profile, row: int):
    if profile.y is not None:
        return profile.classes[int(profile.y[row])]
    return float(profile.label.values[row])
