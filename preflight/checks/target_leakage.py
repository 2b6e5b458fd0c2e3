"""a feature that gives the label away: a copy, a code or a transform of it.

Why: a model trained with it scores perfectly in validation and fails in production, where
the feature is not known before the label (or is the label under another name); every
other feature is ignored.

Classification: a feature predicts the label almost perfectly on its own: per value of the
feature (numbers in at most 20 quantile bins, so a unique-per-row id cannot memorise), the
majority class (features with fewer than 5 rows a value on average are ids, left to
id-like-column) is right on the rows it covers with skill (accuracy above the majority
baseline, scaled) of at least min_skill; "one-to-one" when values and classes pair up
(species_id <-> species). Regression: a feature whose rank correlation with the target is at
least min_rank_correlation in absolute value: a monotone function of it (logwage = log(wage)),
on at most 20,000 content-keyed rows. For a binary label a number's best single threshold
counts too (Direction = sign(Today)).

Example: species_id = NL, DM, PF, ... with species = albigula, merriami, flavus, ...; or
logwage beside the target wage.

Fix: drop the feature, unless it is genuinely known at prediction time (then the task is
easy, and this is worth saying out loud)."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context, on_sample
from preflight.findings import Finding
from preflight.kernels.hashing import first_by_hash
from preflight.params import Interval

BINS = 20
SAMPLE = 20_000
MIN_ROWS_PER_VALUE = 5


class TargetLeakage(Check):
    name = "target-leakage"
    code = "PF206"
    summary = "A feature predicts the label almost perfectly on its own, or is a monotone function of the target."
    needs = frozenset({"label"})
    params = {"min_rows": Interval(int, 2, None), "min_skill": Interval(float, 0.0, 1.0),
              "min_rank_correlation": Interval(float, 0.0, 1.0)}

    def run(self, profile, ctx: Context) -> list[Finding]:
        # Above sample_rows rows the features' cells are the row sample's (profile/keep.py): measured there.
        view, at = profile.sampled
        return on_sample(self._run(view, ctx), at)

    def _run(self, profile, ctx: Context) -> list[Finding]:
        p = ctx.params
        if profile.task == "regression":
            return _regression(profile, ctx)
        keep = profile.y >= 0
        n = int(keep.sum())
        if n < p["min_rows"] or len(profile.classes) < 2:
            return [ctx.skipped(f"{n} labelled rows in {len(profile.classes)} class(es); needs {p['min_rows']} rows "
                                "and 2 classes")]
        y = profile.y[keep]
        base = np.bincount(y).max() / n
        out = []
        for col in profile.columns:
            codes = _codes(col, keep)
            if codes is None or np.unique(codes).size > n / MIN_ROWS_PER_VALUE:
                continue  # an id or free text would "predict" by memorising rows
            pairs = codes.astype(np.int64) * len(profile.classes) + y
            uniq, counts = np.unique(pairs, return_counts=True)
            value = uniq // len(profile.classes)
            best = np.zeros(int(value.max()) + 1, dtype=np.int64)
            np.maximum.at(best, value, counts)
            acc = best.sum() / n
            stump = _stump(col.values[keep], y) if _binned(col) and len(profile.classes) == 2 else 0.0
            acc = max(acc, stump)
            skill = (acc - base) / (1 - base) if base < 1 else 0.0
            if skill < p["min_skill"]:
                continue
            values = np.unique(value).size
            classes = np.unique(uniq % len(profile.classes)).size
            one_to_one = values == classes == uniq.size
            how = (f"one-to-one: its {values} values and the {classes} classes pair up" if one_to_one else
                   f"one threshold on it separates the classes on {acc:.1%} of rows" if stump == acc else
                   f"each of its {values} {'bins' if _binned(col) else 'values'} names one class on "
                   f"{acc:.1%} of rows")
            out.append(ctx.finding(
                f"feature '{col.name}' gives the label '{profile.label_name}' away: on its own it predicts it with "
                f"accuracy {acc:.3f} (majority baseline {base:.3f}; {how}); a copy, code or consequence of the "
                "label: drop it unless it is known at prediction time",
                columns=[col.name], count=1,
                details={"accuracy": round(float(acc), 6), "majority_baseline": round(float(base), 6),
                         "skill": round(float(skill), 6), "one_to_one": bool(one_to_one),
                         "values": int(values), "binned": _binned(col)}))
        return out


def _binned(col) -> bool:
    return col.kind == "numeric" and col.codes is None and col.distinct > BINS


def _codes(col, keep: np.ndarray) -> np.ndarray | None:
    """A small integer per labelled row: the category, the number, or its quantile bin
    (missing cells a value of their own); None for a column with too many categories."""
    if col.kind == "empty":
        return None
    if col.codes is not None and col.kind != "numeric":
        return np.where(col.codes[keep] >= 0, col.codes[keep] + 1, 0)
    if col.kind != "numeric":
        return None  # text beyond 10,000 distinct values: an id or free text, not a code
    v = col.values[keep]
    ok = np.isfinite(v)
    if col.distinct <= BINS:
        _, inv = np.unique(v[ok], return_inverse=True)
    else:
        edges = np.unique(np.quantile(v[ok], np.linspace(0, 1, BINS + 1)[1:-1])) if ok.any() else np.empty(0)
        inv = np.searchsorted(edges, v[ok], side="right")
    out = np.zeros(v.size, dtype=np.int64)
    out[ok] = inv.reshape(-1) + 1
    return out


def _stump(v: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of the best single threshold on v for a binary y (missing cells to the left):
    Direction = sign(Today) is one split, which quantile bins blur at the boundary."""
    order = np.argsort(np.where(np.isfinite(v), v, -np.inf), kind="stable")
    s, yy = v[order], y[order]
    ones = np.cumsum(yy)
    k = np.arange(1, yy.size + 1)
    cut = np.r_[s[1:] != s[:-1], True]  # split only between distinct values
    left = np.maximum(ones, k - ones)
    right_ones = ones[-1] - ones
    right = np.maximum(right_ones, (yy.size - k) - right_ones)
    return float(((left + right)[cut]).max() / yy.size)


def _regression(profile, ctx: Context) -> list[Finding]:
    label = profile.label
    ok = ~label.missing_mask & np.isfinite(label.values)
    rows = np.flatnonzero(ok)
    if rows.size < ctx.params["min_rows"]:
        return [ctx.skipped(f"{rows.size} rows with a target; needs {ctx.params['min_rows']}")]
    if rows.size > SAMPLE:
        rows = rows[first_by_hash(profile.row_hash[rows], SAMPLE)]
    t = _ranks(label.values[rows])
    found = []
    for col in profile.columns:
        if col.kind != "numeric" or not col.varies:
            continue
        v = col.values[rows]
        both = np.isfinite(v)
        if both.sum() < ctx.params["min_rows"]:
            continue
        a, b = _ranks(v[both]), t[both] if both.all() else _ranks(label.values[rows][both])
        rho = float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else 0.0
        if abs(rho) >= ctx.params["min_rank_correlation"]:
            found.append((col.name, rho))
    return [ctx.finding(
        f"feature '{name}' is a monotone function of the target '{profile.label_name}' (rank correlation "
        f"{rho:+.4f}): a log, a rescaling or another monotone transform of it; drop it",
        columns=[name], count=1, details={"rank_correlation": round(rho, 6)}) for name, rho in found]


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share their mean rank), as Spearman's rho needs."""
    order = np.argsort(x, kind="stable")
    s = x[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    ends = np.r_[starts[1:], s.size]
    mean_rank = (starts + ends - 1) / 2.0
    out = np.empty(x.size)
    out[order] = np.repeat(mean_rank, ends - starts)
    return out


