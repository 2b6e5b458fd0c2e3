"""a held-out split is distributed differently from the training split: scores on it say little
about the data the model was fitted for.

Why: a model fitted on train and evaluated on a test split from another distribution gives a
score that holds for neither; the transforms, output bias, class weights and baselines in
stats.json are fitted on train and no longer fit the shifted split (a category train never saw
becomes all zeros; a units change turns standardized inputs into thousands of sigmas).

What counts: for each feature, each held-out split (validation, test, ...) against train, a
finding needs both a large effect and strong evidence. Numbers: the Wasserstein distance in units
of train's robust sigma (at least min_wasserstein), and Welch's t-test or a two-sample KS test.
Categories: the Jensen-Shannon distance between the shares of the categories train has (at least
min_jensen_shannon) and a chi-square test; categories train never saw, on at least
min_unseen_share of the held-out rows (rows listed), and unlikely to have missed train by chance;
a missing rate that moved by at least min_missing_change. The evidence must beat alpha divided by
the number of tests of the pair (Bonferroni), so a 1% wobble on a million rows and a gap on 30
rows both stay quiet. The label is tested on its own at alpha: class priors (a class whose share
moved by a factor of at least min_prior_ratio, and a chi-square test), a class absent from train
(always reported: no model learns it) or from a held-out split (when unlikely by chance), a
regression target like a number. Images: brightness, contrast,
sharpness, entropy, channel means, width and height as numbers, mode and format as categories,
and the classes. details.splits names the pair (train first); the message gives the measure, the
held-out vs train summary and a likely cause. Needs a training split (train/training, or
train_split); with splits but none of them training, one info finding says so.

Example: wine split 70/30, test's alcohol raised by two train sd: train vs test: 'alcohol' is
distributed differently (wasserstein / train robust sigma 1.46 >= 0.1, p=1.3e-19 < 7.7e-04): test
mean 14.5 vs train 13 (+1.8 train sd), median 14.5 vs 13.1, sd 0.812 vs 0.823; likely cause:
another period or source (drift), or a pipeline change. Others: 'mean area' ... likely cause: a
units change (held-out values about x1000 train's); 'site': 1 category never seen in train hold
7.3% of test's rows: 'D' (11); label 'target': class priors moved (largest class prior ratio 1.6).

Fix: if the split was meant to be random, re-split (stratified by the label, grouped by entity);
if the shift is real (a later period, another site), train on data like it, or at least know
that the held-out score measures transfer; fix unit and encoding changes at the source."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from preflight.checks.base import Check, Context, Scoring
from preflight.checks.drift import (
    Feature,
    Shift,
    absent_classes,
    categorical_shift,
    missing_shift,
    numeric_shift,
    prior_shift,
    unseen_categories,
)
from preflight.checks.splits import comparables
from preflight.findings import Finding
from preflight.params import Interval
from preflight.profile.row_states import CategoryRows

FIX = "re-split at random (stratified) if the split was meant to be random, else train on data like it"


class DistributionShift(Check):
    name = "distribution-shift"
    code = "PF405"
    summary = ("A held-out split's feature or label is distributed differently from the training split's "
               "(a large effect and strong evidence, per feature).")
    report_section = "splits"
    kinds = frozenset({"tabular", "images"})
    needs = frozenset({"splits"})
    params = {"alpha": Interval(float, 0.0, 1.0, closed="neither"),
              "min_wasserstein": Interval(float, 0.0, None, closed="neither"),
              "min_jensen_shannon": Interval(float, 0.0, 1.0, closed="right"),
              "min_prior_ratio": Interval(float, 1.0, None, closed="neither"),
              "min_unseen_share": Interval(float, 0.0, 1.0, closed="right"),
              "min_missing_change": Interval(float, 0.0, 1.0, closed="right")}

    def score(self, profile, ctx: Context) -> Scoring:
        """Per held-out split and feature reported for categories train lacks: the split's rows
        holding one of them, a count and the first max_listed_rows (tables; images list files)."""
        asks = {}
        table = profile.split_table
        if table is not None and len(table.names) >= 2 and table.train is not None:
            features = comparables(profile)
            for held in table.held_out:
                for s, _, _ in _kept(profile, features, table.train, held, ctx):
                    if s.aspect == "unseen" and s.held.get("rows", 0):
                        f = next(f for f in features if f.name == s.feature)
                        counts = f.counts[table.train]
                        unseen = tuple(n for n, c in zip(counts.names, counts.counts) if c == 0)
                        asks[(s.feature, held)] = CategoryRows(s.feature, unseen, held, table.column or "",
                                                               ctx.max_rows)
        return (yield asks)

    def run(self, profile, ctx: Context) -> list[Finding]:
        table = profile.split_table
        if table is None or len(table.names) < 2:
            return []
        if table.train is None:
            return [ctx.skipped(f"no training split to compare the others with: {table.reason}")]
        features = comparables(profile)
        out: list[Finding] = []
        for held in table.held_out:
            out += _pair(profile, features, table.train, held, ctx)
        return out


def _kept(profile: Any, features: list[Feature], train: int, held: int,
          ctx: Context) -> list[tuple[Shift, float, float]]:
    """The pair's shifts with a large effect and strong evidence: (shift, threshold, level)."""
    held_name = profile.split_table.names[held]
    tests: list[Shift] = []
    label: list[Shift] = []
    for f in features:
        found = _measure(f, train, held, held_name)
        (label if f.label else tests).extend(found)
    alpha = ctx.params["alpha"]
    per_test = alpha / max(len(tests), 1)
    kept = []
    for s, level in [(s, per_test) for s in tests] + [(s, alpha) for s in label]:
        threshold = _threshold(s, ctx.params)
        if s.effect >= threshold and s.p < level:
            kept.append((s, threshold, level))
    return kept


def _pair(profile: Any, features: list[Feature], train: int, held: int, ctx: Context) -> list[Finding]:
    kept = _kept(profile, features, train, held, ctx)
    new = {s.feature for s, _, _ in kept if s.aspect == "unseen"}  # new categories say it more precisely
    return [_finding(profile, s, threshold, level, train, held, features, ctx) for s, threshold, level in kept
            if not (s.aspect == "distribution" and s.feature in new)]


def _measure(f: Feature, train: int, held: int, held_name: str) -> list[Shift]:
    found: list[Shift | None] = []
    if f.numbers is not None:
        a, b = f.numbers[train], f.numbers[held]
        found += [numeric_shift(f.name, a, b, held_name), missing_shift(f.name, a, b, held_name)]
    elif f.counts is not None and f.label:
        a, b = f.counts[train], f.counts[held]
        found += [prior_shift(f.name, a, b, held_name), missing_shift(f.name, a, b, held_name)]
        found += absent_classes(f.name, a, b, held_name)
    elif f.counts is not None:
        a, b = f.counts[train], f.counts[held]
        found += [categorical_shift(f.name, a, b, held_name), missing_shift(f.name, a, b, held_name)]
        if f.onehot:
            found.append(unseen_categories(f.name, a, b, held_name))
    return [s for s in found if s is not None]


def _threshold(s: Shift, params: dict) -> float:
    if s.aspect == "distribution":
        return params["min_wasserstein"] if s.measure.startswith("wasserstein") else params["min_jensen_shannon"]
    return {"unseen": params["min_unseen_share"], "missing": params["min_missing_change"], "absent": 0.0,
            "prior": params["min_prior_ratio"]}[s.aspect]


def _finding(profile: Any, s: Shift, threshold: float, level: float, train: int, held: int,
             features: list[Feature], ctx: Context) -> Finding:
    names = profile.split_table.names
    pair = f"{names[train]} vs {names[held]}"
    what = f"label '{s.feature}'" if _is_label(s.feature, features) else f"'{s.feature}'"
    evidence = f"{s.measure} {_g(s.effect)} >= {threshold:g}, p={s.p:.1e} < {level:.1e}"
    if s.aspect == "distribution":
        head = f"{what} is distributed differently ({evidence}): {s.note}"
        tail = FIX
        if _is_label(s.feature, features):
            tail = (f"stats.json's output bias, expected initial loss and baselines do not hold on {names[held]}; "
                    "re-split at random if the split was meant to be random")
    elif s.aspect == "prior":
        head = f"{what}: class priors moved ({evidence}): {s.note}"
        tail = (f"stats.json's output bias, class weights, expected initial loss and baselines do not hold on "
                f"{names[held]}; re-split stratified by the label")
    elif s.aspect == "unseen":
        head = f"{what}: {s.note} ({evidence})"
        tail = "stats.transform maps them to all zeros: add such rows to train or map them to known categories"
    elif s.aspect == "missing":
        head = f"{what}: the missing rate moved, {s.note} ({evidence})"
        tail = "fix the pipeline that fills it, or train on data with the same gaps"
    else:
        head = f"{what}: {s.note}" + (f" (p={s.p:.1e})" if s.p > 0 else "")
        tail = "no model learns a class it never saw: re-split stratified by the label"
    rows, files, listed = _rows(profile, s, held, next(f for f in features if f.name == s.feature), train, ctx)
    count = {"distribution": s.held.get("n", s.held.get("rows", 0)), "missing": s.held.get("missing", 0)}.get(
        s.aspect, listed or len(files) or int(s.held.get("count", s.held.get("rows", 0))))
    details = {"splits": [names[train], names[held]], "aspect": s.aspect, "measure": s.measure,
               "effect": _num(s.effect), "threshold": threshold, "p_value": _num(s.p), "alpha": _num(level),
               "train": _clean(s.train), "held_out": _clean(s.held), "cause": s.cause, **_clean(s.extra or {})}
    return ctx.finding(f"{pair}: {head}; likely cause: {s.cause}; {tail}", columns=[s.feature], rows=rows,
                       files=files, count=int(count), details=details, truncated=listed > len(rows))


def _is_label(name: str, features: list[Feature]) -> bool:
    return any(f.label and f.name == name for f in features)


def _rows(profile: Any, s: Shift, held: int, f: Feature, train: int,
          ctx: Context) -> tuple[list[int], list[str], int]:
    """The held-out rows (or image files) carrying unseen categories, or a class train lacks, and
    how many rows there are in all (a table's unseen categories: the first max_listed_rows, from
    pass 2)."""
    if s.aspect not in ("unseen", "absent") or not s.held.get("rows", s.held.get("count", 0)):
        return [], [], 0
    if s.aspect == "unseen" and profile.kind != "images":
        listing = ctx.scored[(s.feature, held)]
        return listing.rows.tolist(), [], listing.count
    mine = profile.split_table.mask(held)
    if s.aspect == "absent":
        k = [str(c) for c in profile.classes].index(str(s.extra["class"]))
        where = mine & (profile.y == k)
    else:  # an image mode or format train lacks
        texts = np.array(profile.signals.mode if s.feature == "mode" else profile.signals.fmt, dtype=object)
        counts = f.counts[train].counts
        unseen = [n for n, c in zip(f.counts[train].names, counts) if c == 0]
        where = mine & profile.readable & np.isin(texts, unseen)
    rows = np.flatnonzero(where)
    if profile.kind == "images":
        return [], [profile.files[i] for i in rows], 0
    return rows.tolist(), [], rows.size


def _num(x: float) -> float | None:
    return float(f"{x:.6g}") if math.isfinite(x) else None


def _clean(d: dict) -> dict:
    return {k: (_num(v) if isinstance(v, float) else _clean(v) if isinstance(v, dict) else v) for k, v in d.items()}


def _g(x: float) -> str:
    return f"{x:.3g}" if math.isfinite(x) else "inf"
