"""Near-copy pairs of images: perceptual-hash candidates, each confirmed by the picture itself.

A pHash sees where a 32x32 gray image is lighter or darker than its median: a re-encoded,
resized or brightened copy keeps that, and so do two different pictures that share it (the same
shape on another background colour; two alike handwritten digits). So a pHash within the radius
only nominates a pair, and the pair is kept when the `ycc` thumbnails agree as well
(image_signals: 16x16 luma, 8x8 Cb and Cr, antialiased, so a resized copy gives the same cells):

- luma, slightly blurred, once brightness and contrast are matched (an offset, and a gain within
  1/GAIN..GAIN, fitted both ways, the worse kept): root-mean-square difference at most LUMA_RMS
  levels of 255, and no cell more than LUMA_MAX off (a moved or added shape changes a few cells
  a lot), nor more than LUMA_EDGE times the local contrast where one picture is flat (a faint
  shape moved changes few levels, but where there was no edge);
- colour, Cb and Cr scaled by the same gain: root-mean-square difference at most CHROMA_RMS,
  and no cell of the blurred difference more than CHROMA_MAX off (a shape of another hue but
  the same brightness, moved).

Images with identical pixels are always a pair. Measured in benchmarks/image_quality.py: JPEG
re-encodes at quality 50-95, resizes by 0.75-1.5x, brightness +-12 levels or x0.9 pass;
alike digits, recoloured backgrounds and moved shapes (faint ones included) do not.
"""
from __future__ import annotations

import numpy as np

from preflight.profile.image_signals import LUMA

LUMA_RMS = 2.5
LUMA_MAX = 12.0
LUMA_EDGE = 0.85
EDGE_FLOOR = 8.0
CHROMA_RMS = 8.0
CHROMA_MAX = 12.0
GAIN = 1.25
BLOCK = 1 << 20  # candidate pairs expanded at once
COMPARE = 1 << 14  # pairs (or images) compared at once: two float64 thumbnails each, 50 MB


def near_pairs(content: np.ndarray, phash: np.ndarray, ycc: np.ndarray, keep: np.ndarray,
               radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges (i < j, sorted, unique) linking kept images with identical pixels, or with pHashes
    within `radius` bits whose thumbnails confirm them. Identical pixels link to the first such
    image (enough for connected groups); distinct pictures are compared pair by pair."""
    from preflight.kernels.hamming import hamming_pairs

    idx = np.flatnonzero(keep)
    _, first, inverse = np.unique(content[idx], return_index=True, return_inverse=True)
    rep = idx[first][inverse.reshape(-1)]
    same = rep != idx
    edges_a, edges_b = [rep[same]], [idx[same]]
    reps = idx[np.sort(first)]  # one image per distinct picture, in file order
    values, group = np.unique(phash[reps], return_inverse=True)
    group = group.reshape(-1)
    order = np.argsort(group, kind="stable")
    counts = np.bincount(group, minlength=values.size)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ua, ub = hamming_pairs(values, radius) if radius > 0 else (np.empty(0, np.int64), np.empty(0, np.int64))
    shared = np.flatnonzero(counts > 1)  # distinct pictures with one pHash: compared among themselves
    u = np.concatenate([ua, shared]).astype(np.int64)
    v = np.concatenate([ub, shared]).astype(np.int64)
    sizes = counts[u] * counts[v]
    ends = np.cumsum(sizes)
    cand_a, cand_b = [], []
    lo = 0
    while lo < u.size:
        hi = max(lo + 1, int(np.searchsorted(ends, (ends[lo - 1] if lo else 0) + BLOCK, "right")))
        a, b, own = _expand(u[lo:hi], v[lo:hi], counts, starts)
        once = np.where(own, a < b, True)  # within one pHash: each pair once, none with itself
        a, b = reps[order[a[once]]], reps[order[b[once]]]
        cand_a.append(np.minimum(a, b))
        cand_b.append(np.maximum(a, b))
        lo = hi
    if cand_a:
        a, b = np.concatenate(cand_a), np.concatenate(cand_b)
        ok = same_picture(ycc, a, b)
        edges_a.append(a[ok])
        edges_b.append(b[ok])
    a, b = np.concatenate(edges_a).astype(np.int64), np.concatenate(edges_b).astype(np.int64)
    if a.size == 0:
        return a, b
    n = int(keep.size)
    key = np.unique(a * n + b)
    return key // n, key % n


def _expand(u: np.ndarray, v: np.ndarray, counts: np.ndarray,
            starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (member of group u[k], member of group v[k]), as positions in the group order, and
    whether the two groups are one."""
    cu, cv = counts[u], counts[v]
    size = cu * cv
    total = int(size.sum())
    pair = np.repeat(np.arange(u.size), size)
    offset = np.arange(total) - np.repeat(np.cumsum(size) - size, size)
    return starts[u][pair] + offset // cv[pair], starts[v][pair] + offset % cv[pair], (u == v)[pair]


def same_picture(ycc: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether images a[k] and b[k] (rows of the `ycc` signal) show the same picture (see above)."""
    ok = np.zeros(a.size, dtype=bool)
    if a.size == 0:
        return ok
    cells = LUMA * LUMA
    involved, where = np.unique(np.concatenate([a, b]), return_inverse=True)
    where = where.reshape(-1)
    pa, pb = where[:a.size], where[a.size:]
    luma = np.empty((involved.size, cells), np.float32)  # each image's smoothed luma, once
    span = np.empty((involved.size, cells), np.float32)  # and its local range
    for lo in range(0, involved.size, COMPARE):
        luma[lo:lo + COMPARE] = _smooth(ycc[involved[lo:lo + COMPARE], :cells].astype(np.float64))
        span[lo:lo + COMPARE] = _local_range(luma[lo:lo + COMPARE], LUMA)
    colour = ycc[involved, cells:]
    for lo in range(0, a.size, COMPARE):
        i, j = pa[lo:lo + COMPARE], pb[lo:lo + COMPARE]
        lx, ly = luma[i].astype(np.float64), luma[j].astype(np.float64)
        sx, sy = span[i].astype(np.float64), span[j].astype(np.float64)
        cx, cy = colour[i] - 128.0, colour[j] - 128.0
        rms, worst, edge, tint, spot = np.maximum(_residual(lx, ly, sx, sy, cx, cy),
                                                  _residual(ly, lx, sy, sx, cy, cx))
        ok[lo:lo + COMPARE] = ((rms <= LUMA_RMS) & (worst <= LUMA_MAX) & (edge <= LUMA_EDGE)
                               & (tint <= CHROMA_RMS) & (spot <= CHROMA_MAX))
    return ok


def _smooth(luma: np.ndarray) -> np.ndarray:
    """Centred luma, blurred by a 3x3 binomial kernel (edges repeated): a resize moves edges by
    a fraction of a cell, which the blur absorbs, while a moved or added shape still shows."""
    out = _blur(luma, LUMA)
    return out - out.mean(axis=1, keepdims=True)


def _blur(cells: np.ndarray, side: int) -> np.ndarray:
    """Each row of side x side cells blurred by a 3x3 binomial kernel, edges repeated."""
    p = np.pad(cells.reshape(-1, side, side), ((0, 0), (1, 1), (1, 1)), mode="edge")
    rows = p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:]
    return (rows[:, :, :-2] + 2 * rows[:, :, 1:-1] + rows[:, :, 2:]).reshape(len(cells), -1) / 16.0


def _local_range(cells: np.ndarray, side: int) -> np.ndarray:
    """Per cell, the largest minus the smallest value of its 3x3 neighbourhood (edges repeated)."""
    p = np.pad(cells.reshape(-1, side, side), ((0, 0), (1, 1), (1, 1)), mode="edge")
    high, low = p[:, 1:-1, 1:-1].copy(), p[:, 1:-1, 1:-1].copy()
    for i in range(3):
        for j in range(3):
            np.maximum(high, p[:, i:i + side, j:j + side], out=high)
            np.minimum(low, p[:, i:i + side, j:j + side], out=low)
    return (high - low).reshape(len(cells), -1)


def _residual(x: np.ndarray, y: np.ndarray, sx: np.ndarray, sy: np.ndarray, cx: np.ndarray,
              cy: np.ndarray) -> np.ndarray:
    """(luma RMS, largest luma cell, largest luma cell against the local edge, colour RMS,
    largest blurred colour cell) of x - g y, g the least-squares luma gain within 1/GAIN..GAIN;
    colour (Cb, Cr about their neutral 128) scaled by the same gain, as dimming an RGB picture
    scales both.

    A re-encode or resize changes a cell most where both pictures have an edge there; a moved
    shape changes it where one of them is flat. So each luma cell's difference is also divided
    by the smaller of the two pictures' local ranges (plus EDGE_FLOOR, JPEG's noise on flat
    ground): a faint box moved onto flat ground scores high even when its levels are few."""
    gain = np.einsum("ij,ij->i", x, y) / np.maximum(np.einsum("ij,ij->i", y, y), 1e-6)
    g = np.clip(gain, 1 / GAIN, GAIN)[:, None]
    r, c = x - g * y, cx - g * cy
    ar = np.abs(r)
    flat = np.minimum(sx, g * sy)  # the local ranges (sx, sy) of x and of g y
    half = LUMA // 2
    spot = np.abs(np.hstack([_blur(c[:, :half * half], half), _blur(c[:, half * half:], half)]))
    return np.stack([np.sqrt(np.mean(r * r, axis=1)), ar.max(axis=1), (ar / (EDGE_FLOOR + flat)).max(axis=1),
                     np.sqrt(np.mean(c * c, axis=1)), spot.max(axis=1)])
