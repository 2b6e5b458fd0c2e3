"""PF401 on images: pictures far from every other picture of the dataset.

The feature space is the profile's own (no second decode): the 16x16 gray thumbnail on its
first principal components, the colour histogram, and two texture signals (contrast and
sharpness), because box-averaging into a thumbnail turns noise into flat gray. Each of the
three blocks is centred on its median and scaled to a median norm of 1, so each weighs the
same whatever its width.

An image's score is its mean distance to its NEIGHBOURS nearest other images, as cleanlab's
Datalab outlier check scores (brute force: what sklearn's NearestNeighbors computes, without
its 0.8 s import on scans that need no other model). It is judged against the dataset itself:
flagged when the robust z-score of the log distance (median, 1.4826 MAD) exceeds
image_max_robust_z *and* the distance is at least image_min_distance_ratio times the median
one, so a dataset sparse or alike by nature (MNIST) sets its own scale, and a tight spread alone
flags nothing.

Measured (robust z of the farthest clean image; of planted ones): 10,000 64x64 synthetic JPEGs
(benchmarks/images.py) 4.2, a noise image among them 6.7; sklearn's 1,797 digits as 28x28 gray
PNGs 5.0 (a faint '1' that low-information also flags), a noise image 18.8 and a photo 13.5
among them; photo crops 2.4; fixtures/images_outliers 4.5, its noise and shapes 33 and 26.
On the same features LocalOutlierFactor's scores reached z 30 on clean photo crops, and
IsolationForest left the noise image out of its top 3 among 1,000 synthetic ones (clean
10,000: up to 5.8): neither separates clean from planted as well.

Above REFERENCE images, distances are measured to a content-keyed sample of REFERENCE images
(every image is still scored), so the cost stays linear: 0.15 s for 10,000 images.
"""
from __future__ import annotations

import numpy as np

from preflight.check import Context, pct, preview
from preflight.checks._groups import first_by_hash
from preflight.checks._images import paths
from preflight.findings import Finding
from preflight.params import Interval

NEIGHBOURS = 10      # cleanlab's default k
COMPONENTS = 16      # principal components of the thumbnail block
REFERENCE = 2048     # at most this many reference images for the neighbour search
BLOCK = 512          # query images per distance block: 8 MB (2048 took twice as long, in fresh pages)

IMAGE_PARAMS = {"image_max_robust_z": Interval(float, 0.0, None, closed="neither"),
                "image_min_distance_ratio": Interval(float, 1.0, None)}


def image_outliers(profile, ctx: Context) -> list[Finding]:
    p = ctx.params
    ok = np.flatnonzero(profile.readable)
    if ok.size < p["min_rows"]:
        return [ctx.skipped(f"{ok.size} readable images, fewer than min_rows={p['min_rows']}")]
    from threadpoolctl import threadpool_limits

    # One BLAS thread: these products are small (0.15 s for 10,000 images), and on a busy
    # 2-core machine OpenBLAS's spinning threads made the same work take 1 to 2 s.
    with threadpool_limits(1, user_api="blas"):
        x = features(profile.signals, ok)
        ref = first_by_hash(profile.feature_hash[ok], REFERENCE)
        dist = neighbour_distance(x, ref, NEIGHBOURS)
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
                 "scored_images": int(ok.size), "reference_images": int(ref.size)})]


def features(s, ok: np.ndarray) -> np.ndarray:
    """Thumbnail principal components, colour histogram, texture: three blocks of equal weight."""
    thumb = _principal(s.thumb[ok].astype(np.float64) / 255.0, COMPONENTS)
    texture = _robust_standardize(np.column_stack([s.contrast[ok], s.sharpness[ok]]))
    return np.hstack([_unit_block(b) for b in (thumb, s.colour[ok].astype(np.float64), texture)])


def neighbour_distance(x: np.ndarray, ref: np.ndarray, k: int) -> np.ndarray:
    """Mean Euclidean distance from each row of x to its k nearest rows among x[ref] (itself excluded)."""
    r = x[ref]
    k = min(k, ref.size - 1)
    r2 = (r * r).sum(axis=1)
    out = np.empty(len(x))
    for a in range(0, len(x), BLOCK):
        q = x[a:a + BLOCK]
        d2 = (q * q).sum(axis=1)[:, None] + r2[None, :] - 2.0 * (q @ r.T)
        np.maximum(d2, 0.0, out=d2)
        rows = np.arange(a, a + len(q))
        pos = np.minimum(np.searchsorted(ref, rows), ref.size - 1)
        own = ref[pos] == rows  # a reference image is not its own neighbour
        d2[np.flatnonzero(own), pos[own]] = np.inf
        out[a:a + len(q)] = np.sqrt(np.partition(d2, k - 1, axis=1)[:, :k]).mean(axis=1)
    return out


def _principal(x: np.ndarray, n: int) -> np.ndarray:
    x = x - x.mean(axis=0)
    if x.shape[1] <= n:
        return x
    _, vectors = np.linalg.eigh(x.T @ x)  # ascending eigenvalues: the last n columns lead
    return x @ vectors[:, -n:]


def _robust_standardize(x: np.ndarray) -> np.ndarray:
    med = np.median(x, axis=0)
    mad = 1.4826 * np.median(np.abs(x - med), axis=0)
    sd = x.std(axis=0)
    return (x - med) / np.where(mad > 0, mad, np.where(sd > 0, sd, 1.0))


def _unit_block(x: np.ndarray) -> np.ndarray:
    x = x - np.median(x, axis=0)
    norms = np.sqrt((x * x).sum(axis=1))
    scale = float(np.median(norms)) or float(norms.mean()) or 1.0
    return x / scale
