"""near-copies: rows or pictures that are the same up to rounding, re-encoding or resizing.

Why: near-copies leak across train/test splits and over-weight whatever they say, like exact
copies, but hashing cannot see them.

Tables: rows whose distance in the transformed feature space (or the user's --features)
is under a small fraction of the typical nearest-neighbour distance (not all pairs: a
KD-tree on a distance-preserving projection). Groups that are exact copies only are left
to duplicate-rows. Above sample_rows rows the index holds the content-keyed row sample: its
own near-copies, every other row's near-copies in it (searched in a second read, or in memory
for --features) and among the other rows (those sharing a cell of a grid about the radius's
size, compared exactly; a pair is missed only where both grids' cell walls split it, rarely:
learn/near_duplicates.NearGrid) and every row's exact copies.
Free text (a column of kind text): texts whose word 3-shingles overlap by at least the setting
text_near_jaccard (Jaccard similarity, 0.8), found by MinHash with LSH buckets (never all
pairs) and confirmed on the exact shingle sets, in rows whose other model columns are equal.
Images: 64-bit perceptual hashes (DCT of a 32x32 gray image) within the scan-wide
image_hash_radius, found with multi-index hashing (never all pairs), each pair confirmed by
the two thumbnails (16x16 luma once brightness and contrast are matched, 8x8 colour): a pHash
alone also matches the same shapes on another background colour, or alike digits. Groups
made only of pixel-identical files are left to duplicate-images.

Example: rows 50 and 407 differ by one cent in income and in monthly_spend; cat/1.jpg and
cat/1_small.png are the same photo saved at two sizes.

Fix: keep one of each group, or at least keep each group within one split (group-aware
splitting, e.g. scikit-learn's GroupShuffleSplit)."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context, Scoring, pct, preview
from preflight.checks.images import near_radius, path_groups, shown_groups, similar_groups
from preflight.checks.near_pairs import near_copies, near_rows, sample_note
from preflight.findings import Finding, plural


class NearDuplicates(Check):
    name = "near-duplicates"
    code = "PF203"
    summary = (
        "Near-copies: rows a tiny fraction of the typical nearest-neighbour distance apart, or images whose "
        "perceptual hashes differ in at most image_hash_radius bits and whose thumbnails agree.")
    report_section = "duplicates"
    kinds = frozenset({"tabular", "images"})

    def score(self, profile, ctx: Context) -> Scoring | None:
        if profile.kind != "tabular" or profile.rows < 2:
            return None
        return near_rows(profile, ctx.max_rows)  # above sample_rows rows: every row in pass 2

    def run(self, profile, ctx: Context) -> list[Finding]:
        if profile.kind == "images":
            return self._images(profile, ctx)
        return self._rows(profile, ctx)

    @staticmethod
    def _rows(profile, ctx: Context) -> list[Finding]:
        if profile.rows < 2:
            return [ctx.skipped(f"{profile.rows} row(s): nothing to compare")]
        groups, info = near_copies(profile)
        groups = [np.asarray(g) for g in groups if np.unique(profile.feature_hash[g]).size > 1]
        if not groups:
            return []
        rows = np.sort(np.concatenate(groups))
        shown = preview(["[" + ", ".join(map(str, g[:4])) + (", ...]" if g.size > 4 else "]") for g in groups], 3)
        space = "in feature space"
        if profile.text_columns and profile.user_features is None:
            space = (f"of text (word 3-shingle Jaccard at least {info['jaccard']:g}, estimated by MinHash and "
                     "confirmed exactly; other columns equal)")
        if profile.kept is not None:
            space += f" ({sample_note(profile, profile.kept.size)}, with every exact copy)"
        return [ctx.finding(
            f"{rows.size} rows in {plural(len(groups), 'group')}"
            f" ({pct(rows.size, profile.rows)}) are near-copies {space} "
            f"({shown}); keep one of each, or keep each group within one split",
            rows=rows, groups=groups,
            details={k: v for k, v in info.items() if isinstance(v, (int, float, bool, str)) or v is None})]

    @staticmethod
    def _images(profile, ctx: Context) -> list[Finding]:
        radius = near_radius(profile, ctx.settings)
        content = profile.signals.content
        groups = [g for g in similar_groups(profile, radius) if np.unique(content[g]).size > 1]
        if not groups:
            return []
        named = path_groups(profile, groups)
        files = sorted(f for g in named for f in g)
        return [ctx.finding(
            f"{len(files)} images in {plural(len(named), 'group')}"
            f" are near-copies of each other (perceptual hash within "
            f"{radius} bits, thumbnails alike: {shown_groups(named)}); keep one of each, or group them when splitting",
            files=files, groups=named, count=len(files), details={"radius": radius})]
