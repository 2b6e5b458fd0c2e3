"""Each readable image's mean distance to its nearest other images: the image outliers' score.

The feature space is the profile's own (no second decode): the 16x16 gray thumbnail on its
first principal components, the colour histogram, and two texture signals (contrast and
sharpness), because box-averaging into a thumbnail turns noise into flat gray. Each of the
three blocks is centred on its median and scaled to a median norm of 1, so each weighs the
same whatever its width.

An image's score is its mean distance to its NEIGHBOURS nearest other images, as cleanlab's
Datalab outlier check scores (brute force: what sklearn's NearestNeighbors computes, without
its import on scans that need no other model). Above REFERENCE images, distances are
measured to a content-keyed sample of REFERENCE images (every image is still scored), so the
cost stays linear in the number of images.

It is a whole-dataset result, so the per-image cache cannot hold it; it is memoised instead
(preflight.profile.memo), keyed by the exact signals it reads: a rescan of an unchanged
folder loads it, any changed image recomputes it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from preflight.kernels.hashing import first_by_hash
from preflight.profile.image_signals import Signals
from preflight.profile.memo import memoised

NEIGHBOURS = 10      # cleanlab's default k
COMPONENTS = 16      # principal components of the thumbnail block
REFERENCE = 2048     # at most this many reference images for the neighbour search
BLOCK = 512          # query images per distance block: 8 MB (2048 took twice as long, in fresh pages)


def image_neighbour_distance(s: Signals, ok: np.ndarray, feature_hash: np.ndarray,
                             cache_dir: Path | None, notes: list[str]) -> tuple[np.ndarray, int]:
    """(mean distance to the NEIGHBOURS nearest reference images, per image of `ok`; reference count)."""
    ref = first_by_hash(feature_hash[ok], REFERENCE)

    def compute() -> np.ndarray:
        from threadpoolctl import threadpool_limits

        # One BLAS thread: these products are small, and on a busy machine OpenBLAS's spinning
        # threads cost more than the work.
        with threadpool_limits(1, user_api="blas"):
            return neighbour_distance(features(s, ok), ref, NEIGHBOURS)

    inputs = [np.array([NEIGHBOURS, COMPONENTS, REFERENCE], np.int64).tobytes(), ref.astype(np.int64).tobytes()]
    inputs += [np.ascontiguousarray(a[ok]).tobytes() for a in (s.thumb, s.colour, s.contrast, s.sharpness)]
    return memoised(cache_dir, "image-neighbours", inputs, compute, (ok.size,), notes), int(ref.size)


def features(s: Signals, ok: np.ndarray) -> np.ndarray:
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
