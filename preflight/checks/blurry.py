"""images far blurrier than the dataset's norm (out of focus, upscaled thumbnails).

Sharpness is log1p of the variance of a Laplacian on the gray image (downscaled to at
most 256 px). Flat images (no contrast at all) are left to low-information.

Why: blurred images lack the detail the model should learn from, and an upscaled
thumbnail teaches it that blur belongs to its class.

Example: a motion-blurred photo among sharp ones.

Fix: replace or drop them; the options work as in dark."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context
from preflight.checks.images import robust_outliers
from preflight.findings import Finding
from preflight.params import Interval

FLAT = 2.0 / 255.0  # luminance std below this: a flat image, not a blurry one


class Blurry(Check):
    name = "blurry"
    code = "PF506"
    summary = (
        "Images much blurrier than the rest of the dataset (robust z-score of log Laplacian variance).")
    kinds = frozenset({"images"})
    params = {"max_robust_z": Interval(float, 0.0, None, closed="neither"),
              "min_delta": Interval(float, 0.0, None), "min_images": Interval(int, 3, None)}

    def run(self, profile, ctx: Context) -> list[Finding]:
        s = profile.signals
        sharpness = np.where(s.contrast < FLAT, np.median(s.sharpness[profile.readable]) if profile.readable.any()
                             else 0.0, s.sharpness)
        return robust_outliers(profile, ctx, sharpness, -1, "are far blurrier (log Laplacian variance)",
                               "re-take or drop them, or check the resizing pipeline")
