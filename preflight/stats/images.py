"""The `images` section of stats.json, and the rest of the stats for an image dataset.

Channel mean and std are exact over every pixel of every readable image, on the
[0, 1] scale torchvision's Normalize expects: integer sums and sums of squares per
channel from each decode, merged, then divided once. Gray datasets get one channel;
if any image has colour, gray images count as R = G = B (what .convert("RGB") gives).
With a training split (split folders), everything but `splits` comes from its images alone.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np

from preflight.stats.format import STATS_FORMAT, num
from preflight.stats.splits import with_splits
from preflight.stats.target import target_section, train_rows


def build_image_stats(profile: Any, settings: Mapping[str, Any]) -> dict[str, Any]:
    return with_splits({
        "format": STATS_FORMAT,
        "fingerprint": {
            "rows": profile.rows,
            "columns": [{"name": profile.label.name, "dtype": profile.label.dtype}] if profile.label else [],
            "label": profile.label_name,
            "content_hash": profile.content_hash,
        },
        "placeholders": list(settings["placeholders"]),
        "features": {},
        "feature_names_out": [],
        "target": target_section(profile),
        "images": image_section(profile),
    }, profile)


def _fitted(profile: Any) -> np.ndarray:
    """The readable images the stats come from: those of the training split, if there is one."""
    rows = train_rows(profile)
    return profile.readable if rows is None else profile.readable & rows


def channel_stats(profile: Any) -> tuple[list[float], list[float], int]:
    """(mean, std, pixels per channel) over all readable pixels, [0, 1] scale, exact sums."""
    s, ok = profile.signals, _fitted(profile)
    if not ok.any():
        return [], [], 0
    channels = 3 if (s.channels[ok] == 3).any() else 1
    pixels = s.width[ok] * s.height[ok]
    sums, sq = s.sums[ok], s.sumsq[ok]
    gray = s.channels[ok] == 1
    if channels == 3:  # a gray image as RGB: the same sums in every channel
        sums = np.where(gray[:, None], sums[:, :1], sums)
        sq = np.where(gray[:, None], sq[:, :1], sq)
    n = int(sum(int(p) for p in pixels))
    mean, std = [], []
    for c in range(channels):
        total = sum(int(v) for v in sums[:, c])       # Python ints: no overflow, no rounding
        total_sq = sum(int(v) for v in sq[:, c])
        mean.append(total / (n * 255))  # int / int is correctly rounded
        std.append(float(np.sqrt((total_sq * n - total * total) / (n * n * 255 * 255))))
    return mean, std, n


def image_section(profile: Any) -> dict[str, Any]:
    s, ok = profile.signals, _fitted(profile)
    rows = train_rows(profile)
    mean, std, n = channel_stats(profile)
    w, h = s.width[ok], s.height[ok]

    def spread(v: np.ndarray) -> dict[str, Any]:
        if v.size == 0:
            return {"median": None, "min": None, "max": None}
        return {"median": num(np.median(v)), "min": int(v.min()), "max": int(v.max())}

    return {
        "count": int(ok.sum()),
        "unreadable": int((~profile.readable if rows is None else ~profile.readable & rows).sum()),
        "channels": len(mean),
        "channel_mean": [num(m) for m in mean],
        "channel_std": [num(v) for v in std],
        "pixels": n,
        "size": {"width": spread(w), "height": spread(h)},
        "modes": dict(sorted(Counter(m for m, k in zip(s.mode, ok) if k).items())),
        "formats": dict(sorted(Counter(f for f, k in zip(s.fmt, ok) if k).items())),
        "exif_transposed": int((s.orientation[ok] > 1).sum()),  # sizes above are as displayed
        "splits": profile.split_counts(),
    }
