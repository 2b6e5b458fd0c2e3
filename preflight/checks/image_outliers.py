"""PF401 on images: pictures far from every other picture of the dataset.

The score is the profile's ImageProfile.neighbour_distance (preflight.profile.image_neighbours:
an image's mean distance to its 10 nearest images, in a thumbnail + colour + texture space).
It is judged against the dataset itself: flagged when the robust z-score of the log distance
(median, 1.4826 MAD) exceeds image_max_robust_z *and* the distance is at least
image_min_distance_ratio times the median one, so a dataset sparse or alike by nature (MNIST)
sets its own scale, and a tight spread alone flags nothing. The thresholds sit between the
farthest clean images and planted ones of the measured sets; LocalOutlierFactor and an
IsolationForest on the same features separated them less well (benchmarks/RESULTS.md).
"""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Context, pct, preview
from preflight.checks.images import paths
from preflight.findings import Finding
from preflight.params import Interval
from preflight.profile.image_neighbours import NEIGHBOURS

IMAGE_PARAMS = {"image_max_robust_z": Interval(float, 0.0, None, closed="neither"),
                "image_min_distance_ratio": Interval(float, 1.0, None)}


def image_outliers(profile, ctx: Context) -> list[Finding]:
    p = ctx.params
    ok = np.flatnonzero(profile.readable)
    if ok.size < p["min_rows"]:
        return [ctx.skipped(f"{ok.size} readable images, fewer than min_rows={p['min_rows']}")]
    dist, references = profile.neighbour_distance
    score = np.log(dist + 1e-12)
    med = float(np.median(score))
    scale = 1.4826 * float(np.median(np.abs(score - med)))
    if scale == 0:
        return []
    z = (score - med) / scale
    ratio = np.exp(score - med)
    hit = np.flatnonzero((z > p["image_max_robust_z"]) & (ratio >= p["image_min_distance_ratio"]))
    if hit.size == 0:
        return []
    hit = hit[np.argsort(-z[hit], kind="stable")]  # worst first
    files = paths(profile, ok[hit])
    shown = [f"{f} (z {z[i]:.1f}, {ratio[i]:.1f}x)" for f, i in zip(files, hit)]
    return [ctx.finding(
        f"{hit.size} image(s) ({pct(hit.size, ok.size)}) far from the rest of the dataset (robust z of the "
        f"distance to their {NEIGHBOURS} nearest images > {p['image_max_robust_z']:g} and at least "
        f"{p['image_min_distance_ratio']:g}x the typical distance), worst first: {preview(shown, 3)}; look at "
        "them: noise, placeholders, wrong-domain pictures or broken captures; drop or replace them",
        files=files, count=hit.size,
        details={"scores": [round(float(z[i]), 3) for i in hit],
                 "distance_ratios": [round(float(ratio[i]), 3) for i in hit],
                 "scored_images": int(ok.size), "reference_images": references})]
