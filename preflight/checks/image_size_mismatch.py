"""images whose size or shape is far from the dataset's: resizing will distort them.

Far means an area more than max_area_ratio times larger or smaller than the median
area, or an aspect ratio more than max_aspect_ratio times off the median aspect.

Why: a fixed input size means these images are upscaled into blur, downscaled into
noise, or squashed out of shape; thumbnails and panoramas are often not the same kind of
picture at all.

Example: a 32x32 icon among 640x480 photos; a 2000x300 banner.

Fix: crop or pad to the usual aspect ratio, replace the odd ones, or drop them."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context, preview
from preflight.checks.images import paths
from preflight.findings import Finding
from preflight.params import Interval


class ImageSizeMismatch(Check):
    name = "image-size-mismatch"
    code = "PF502"
    summary = "An image's area or aspect ratio is far from the dataset's median."
    kinds = frozenset({"images"})
    params = {"max_area_ratio": Interval(float, 1.0, None, closed="neither"),
              "max_aspect_ratio": Interval(float, 1.0, None, closed="neither")}

    def run(self, profile, ctx: Context) -> list[Finding]:
        ok = np.flatnonzero(profile.readable)
        if ok.size < 2:
            return []
        w = profile.signals.width[ok].astype(float)
        h = profile.signals.height[ok].astype(float)
        area, aspect = np.log(w * h), np.log(w / h)
        area_off = np.abs(area - np.median(area)) / np.log(ctx.params["max_area_ratio"])
        aspect_off = np.abs(aspect - np.median(aspect)) / np.log(ctx.params["max_aspect_ratio"])
        hit = (area_off > 1) | (aspect_off > 1)
        if not hit.any():
            return []
        idx = ok[hit]
        files = paths(profile, idx)
        sizes = {f: f"{int(profile.signals.width[i])}x{int(profile.signals.height[i])}" for f, i in zip(files, idx)}
        mw, mh = int(np.median(w)), int(np.median(h))
        return [ctx.finding(
            f"{idx.size} image(s) far from the typical size {mw}x{mh} "
            f"({preview([f'{f} ({s})' for f, s in sizes.items()])}); crop or pad them deliberately rather than "
            "letting a resize distort them, or drop them",
            files=files, count=idx.size, details={"sizes": sizes, "median": [mw, mh]})]
