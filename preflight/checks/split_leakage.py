"""the same (or a near-same) image in two splits: the held-out score is inflated.

Why: the model is evaluated on pictures it trained on, so the test score overstates how
well it generalises, and model selection on it picks the best memoriser.

Example: train/cat/12.jpg and test/cat/12_resized.jpg (perceptual hashes a few bits apart).

Fix: keep each group within one split (remove it from test, or split by source)."""
from __future__ import annotations

from preflight.checks.base import Check, Context
from preflight.checks.images import near_radius, path_groups, shown_groups, similar_groups
from preflight.findings import Finding


class SplitLeakage(Check):
    name = "split-leakage"
    code = "PF205"
    summary = (
        "The same or a near-same image sits in two splits (train and test): the test score is inflated.")
    report_section = "duplicates"
    kinds = frozenset({"images"})

    def run(self, profile, ctx: Context) -> list[Finding]:
        splits = profile.splits
        if len({s for s in splits if s}) < 2:
            return []
        radius = near_radius(profile, ctx.settings)
        groups = [g for g in similar_groups(profile, radius) if len({splits[i] for i in g if splits[i]}) > 1]
        if not groups:
            return []
        named = path_groups(profile, groups)
        files = sorted(f for g in named for f in g)
        pairs = sorted({"/".join(sorted({splits[i] for i in g if splits[i]})) for g in groups})
        return [ctx.finding(
            f"{len(named)} image(s) appear in more than one split ({', '.join(pairs)}), same or near-same "
            f"(perceptual hash within {radius} bits, thumbnails alike): {shown_groups(named)}; keep each in one "
            "split only",
            files=files, groups=named, count=len(named),
            details={"radius": radius, "splits": [[splits[i] for i in g] for g in groups[:1000]]})]
