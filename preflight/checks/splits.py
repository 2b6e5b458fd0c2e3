"""The features that can be compared between splits, as drift.py takes them (shared by
distribution-shift and the report).

Tables: each feature from its per-split accumulators (profile/parts.py): numbers when it has
number statistics, else category counts; identifiers (unique per row, or a row counter running
1 by 1 within each split) are left out, since their values differ between any two splits.
Images: the decoded signals per readable image (brightness, contrast, sharpness, entropy,
channel means, width, height; mode and format as categories).
The label comes last: class counts, or a regression target's numbers.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from preflight.checks.drift import Counts, Feature, Numbers

IMAGE_NUMBERS = ("brightness", "contrast", "sharpness", "entropy")


def comparables(profile: Any) -> list[Feature]:
    table = profile.split_table
    if table is None:
        return []
    features = _images(profile) if profile.kind == "images" else _tables(profile)
    label = _label(profile)
    return features + ([label] if label is not None else [])


def _numbers_of(col: Any) -> tuple[Numbers, ...]:
    return tuple(Numbers(p.moments.n, p.moments.mean, p.moments.std, p.sample, p.rows, p.missing) for p in col.parts)


def _tables(profile: Any) -> list[Feature]:
    out = []
    fitted = profile.train_columns or profile.columns
    for col, fit in zip(profile.columns, fitted):
        if col.kind == "empty" or str(col.transform.get("reason", "")).startswith("unique per row") \
                or _row_counter(col):
            continue
        if math.isfinite(col.mean):
            out.append(Feature(col.name, numbers=_numbers_of(col)))
        elif col.codes is not None:
            counts = tuple(Counts(col.categories, p.category_counts, p.rows, p.missing) for p in col.parts)
            out.append(Feature(col.name, counts=counts, onehot=fit.transform.get("kind") == "one-hot"))
    return out


def _row_counter(col: Any) -> bool:
    """Whole numbers running 1 by 1 over each split (an index written by each split's file):
    different ranges per split by construction, so no shift to report."""
    parts = [p for p in col.parts if p.present]
    return bool(parts) and all(p.integral and p.numeric and p.present > 1 and p.text_count == 0
                               and p.moments.max - p.moments.min + 1 == p.present for p in parts)


def _label(profile: Any) -> Feature | None:
    if profile.label is None:
        return None
    name = profile.label_name
    ids = profile.split_table.ids()
    if profile.task == "classification" and profile.y is not None:
        names = tuple(str(c) for c in profile.classes)
        counts = []
        for i in range(len(profile.split_table.names)):
            y = profile.y[ids == i]
            counts.append(Counts(names, np.bincount(y[y >= 0], minlength=len(names)), int(y.size),
                                 int((y < 0).sum())))
        return Feature(name, counts=tuple(counts), label=True)
    if profile.task == "regression" and profile.kind == "tabular":
        return Feature(name, numbers=_numbers_of(profile.label), label=True)
    return None


def _images(profile: Any) -> list[Feature]:
    s, ok = profile.signals, profile.readable
    ids = profile.split_table.ids()
    splits = range(len(profile.split_table.names))
    masks = [(ids == i) & ok for i in splits]
    values: dict[str, np.ndarray] = {k: getattr(s, k).astype(np.float64) for k in IMAGE_NUMBERS}
    pixels = np.maximum(s.width * s.height, 1).astype(np.float64) * 255
    if ok.any() and (s.channels[ok] == 3).any():
        gray = s.channels == 1
        for c, channel in enumerate(("red", "green", "blue")):
            sums = np.where(gray, s.sums[:, 0], s.sums[:, c])
            values[f"{channel} mean"] = sums / pixels
    values["width"], values["height"] = s.width.astype(np.float64), s.height.astype(np.float64)
    out = []  # unreadable images are unreadable-file's business: no missing rates here
    for name, v in values.items():
        numbers = []
        for m in masks:
            x = v[m]
            numbers.append(Numbers(int(x.size), float(x.mean()) if x.size else 0.0,
                                   float(x.std()) if x.size else 0.0, x, int(x.size), 0))
        out.append(Feature(name, numbers=tuple(numbers)))
    for name, texts in (("mode", s.mode), ("format", s.fmt)):
        arr = np.array(texts, dtype=object)
        names = tuple(sorted({t for t, k in zip(texts, ok) if k}))
        index = {t: j for j, t in enumerate(names)}
        counts = []
        for m in masks:
            codes = np.array([index[t] for t in arr[m]], np.int64)
            counts.append(Counts(names, np.bincount(codes, minlength=len(names)), int(m.sum()), 0))
        out.append(Feature(name, counts=tuple(counts), onehot=True))
    return out
