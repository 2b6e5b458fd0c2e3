"""identical features, different labels: at least one label in each group is wrong.

Why: no model can fit both labels; the pair caps the reachable accuracy, adds noise to the
gradient, and one of them is a labelling error that also corrupts evaluation.

Example: rows 20 and 404 have the same features; row 20 says churn = no, row 404 yes.

Fix: review the group and correct or drop the wrong labels (or add the feature that
tells them apart).

Tables: exact copies of the features, and (with `near`) near-copies in the transformed
feature space, as near-duplicates finds them.

Images: the same or a near-same picture (pHash within image_hash_radius, thumbnails
alike, as near-duplicates finds them) filed under different classes."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context
from preflight.checks.groups import hash_groups
from preflight.findings import Finding
from preflight.params import Boolean


class ConflictingLabels(Check):
    name = "conflicting-labels"
    code = "PF202"
    summary = "Rows (or images) with identical or near-identical features carry different labels."
    report_section = "duplicates"
    kinds = frozenset({"tabular", "images"})
    needs = frozenset({"label"})
    params = {"near": Boolean()}

    def heavy_imports(self, params) -> tuple[str, ...]:
        return ("sklearn.neighbors", "scipy.sparse.csgraph") if params["near"] else ()

    def run(self, profile, ctx: Context) -> list[Finding]:
        if profile.kind == "images":
            return _images(profile, ctx)
        label = profile.label
        labels = profile.y if profile.y is not None else label.values
        present = ~label.missing_mask
        if ctx.params["near"] and profile.rows >= 2:
            from preflight.learn.near_duplicates import near_groups

            # Near-copy groups contain the exact ones: they replace them.
            candidates = [g[present[g]] for g in map(np.asarray, near_groups(profile)[0])]
        else:
            candidates = hash_groups(profile.feature_hash, present)
        groups = [g for g in candidates if np.unique(labels[g]).size > 1]
        if not groups:
            return []
        rows = np.sort(np.concatenate(groups))
        shown = [", ".join(f"{r}:{_label(profile, r)}" for r in g[:4]) for g in groups[:3]]
        return [ctx.finding(
            f"{rows.size} rows in {len(groups)} groups have identical features but different labels "
            f"({'; '.join(shown)}{'; ...' if len(groups) > 3 else ''}); fix or drop the wrong labels",
            rows=rows, groups=groups,
            details={"labels": [[_label(profile, r) for r in g] for g in groups[:1000]]})]


def _images(profile, ctx: Context) -> list[Finding]:
    from preflight.checks.images import near_radius, path_groups, shown_groups, similar_groups

    radius = near_radius(profile, ctx.settings)
    labels = profile.y if profile.y is not None else profile.label.values
    present = ~profile.label.missing_mask
    groups = []
    for g in similar_groups(profile, radius):
        g = g[present[g]]
        if np.unique(labels[g]).size > 1:
            groups.append(g)
    if not groups:
        return []
    named = path_groups(profile, groups)
    files = sorted(f for g in named for f in g)
    return [ctx.finding(
        f"{len(files)} images in {len(named)} groups are the same or near-same picture (perceptual hash within "
        f"{radius} bits, thumbnails alike) filed under different classes ({shown_groups(named)}); fix or drop "
        "the wrong labels",
        files=files, groups=named, count=len(files),
        details={"labels": [[_label(profile, r) for r in g] for g in groups[:1000]], "radius": radius})]


def _label(profile, row: int):
    if profile.y is not None:
        return profile.classes[int(profile.y[row])]
    return float(profile.label.values[row])
