"""Helpers shared by the image checks: paths for findings, robust one-sided scores."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Context, preview
from preflight.findings import Finding


def paths(profile, idx) -> list[str]:
    return [profile.files[int(i)] for i in idx]


def path_groups(profile, groups) -> list[tuple[str, ...]]:
    return [tuple(paths(profile, g)) for g in groups]


def shown_groups(groups: list[tuple[str, ...]], limit: int = 3) -> str:
    return preview(["[" + ", ".join(g[:3]) + (", ...]" if len(g) > 3 else "]") for g in groups], limit)


def near_radius(profile, settings) -> int:
    """image_hash_radius: how far apart two pHashes may be for the thumbnails to be compared.

    The radius only nominates pairs; the thumbnails decide (preflight.profile.image_pairs), so
    it no longer shrinks where the dataset's images are alike (digits)."""
    return int(settings["image_hash_radius"])


def similar_groups(profile, radius: int) -> list[np.ndarray]:
    """Readable images linked by equal pixels or confirmed pHash near-copies (connected groups)."""
    from preflight.kernels.hamming import components

    a, b = profile.near_pairs(radius)
    return components(profile.rows, a, b)


def robust_outliers(profile, ctx: Context, signal: np.ndarray, side: int, what: str,
                    fix: str, shown: np.ndarray | None = None) -> list[Finding]:
    """One finding for the readable images whose signal lies far on `side` (+1 high, -1 low).

    Far means both: robust z-score (median / 1.4826 MAD of this dataset) over max_robust_z,
    and at least min_delta from the median (both on the `signal` scale; messages show
    `shown`, e.g. plain brightness where the score is its log), so a dataset that is dark or sparse by nature
    (MNIST) is judged against itself and a tight spread alone flags nothing.
    """
    p = ctx.params
    ok = np.flatnonzero(profile.readable)
    if ok.size < p["min_images"]:
        return [ctx.skipped(f"{ok.size} readable images, fewer than min_images={p['min_images']}")]
    x = signal[ok]
    med = float(np.median(x))
    delta = side * (x - med)
    scale = 1.4826 * float(np.median(np.abs(x - med)))
    z = delta / scale if scale > 0 else np.where(delta > 0, np.inf, 0.0)
    hit = (z > p["max_robust_z"]) & (delta >= p["min_delta"])
    if not hit.any():
        return []
    idx = ok[hit]
    order = np.argsort(-delta[hit], kind="stable")
    worst = idx[order[0]]
    files = paths(profile, idx)
    shown = signal if shown is None else shown
    typical = float(np.median(shown[ok]))
    return [ctx.finding(
        f"{idx.size} image(s) {what} than the rest of the dataset ({preview(files)}; worst "
        f"{profile.files[worst]}: {shown[worst]:.3g} vs median {typical:.3g}); {fix}",
        files=files, count=idx.size,
        details={"values": {f: round(float(v), 4) for f, v in zip(files, shown[idx])},
                 "median": round(typical, 4), "robust_z": [round(float(v), 3) for v in z[hit]]})]
