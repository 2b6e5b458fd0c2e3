"""images far brighter than the dataset's own norm (overexposed, blank white).

Scored on -log(1.01 - brightness), the mirror image of dark's scale.

Why: washed-out images carry little signal and are often scanner or capture failures.

Example: an almost white frame (mean brightness 0.98) in a dataset whose median is 0.45.

Fix: drop them or fix the exposure; the options work as in dark."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context
from preflight.checks.images import robust_outliers
from preflight.findings import Finding
from preflight.params import Interval

EPS = 0.01  # keeps a pure white frame finite


class Bright(Check):
    name = "bright"
    code = "PF505"
    summary = (
        "Images much brighter than the rest of the dataset (robust z-score of -log(1 - mean brightness); "
        "min_delta in log units).")
    kinds = frozenset({"images"})
    params = {"max_robust_z": Interval(float, 0.0, None, closed="neither"),
              "min_delta": Interval(float, 0.0, None), "min_images": Interval(int, 3, None)}

    def run(self, profile, ctx: Context) -> list[Finding]:
        b = profile.signals.brightness
        return robust_outliers(profile, ctx, -np.log(1.0 + EPS - b), 1, "are far brighter (mean brightness)",
                               "check the exposure, or drop blank frames", shown=b)
