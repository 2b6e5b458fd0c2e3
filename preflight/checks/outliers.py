"""rows (or images) far from the rest, per feature and jointly, in the transformed space.

Scores are robust: the distance to the median over a spread taken from the observed values
only (missing and text cells, filled with the median for the models, would shrink it: a
column 40% missing reached z 5e12), the larger of 1.4826 MAD and IQR / 1.349 (each the std
of normal data), so a value repeated on just under half the rows (zeros) cannot collapse it. A feature that would flag more than max_fraction of its rows
has a shape (heavy tails, two clusters), not outliers, and flags none. A heavy-tailed positive
feature that the stats log-squash is judged on its log scale; every other one on its raw scale
(a tanh squash would hide the very values this check exists to show).
A feature constant on most rows (no spread, e.g. a sparse pixel) has no typical spread
to measure against and is left to the joint detector. Above sample_rows rows the medians
and MADs come from the content-keyed sample, and the joint detector scores such a sample.
Images: each image's mean distance to its 10 nearest images in the profile's features
(thumbnail components, colour histogram, texture), flagged when the robust z of its log
exceeds image_max_robust_z and the distance is image_min_distance_ratio times the median.

Why: a single extreme value dominates squared losses and gradient steps, and drags the
fitted mean and std so the other rows are squeezed together; many are entry errors
(an extra zero, a unit mix-up).

Example: age = 4300 among ages 18 to 90 (an extra zero; robust z far above max_robust_z);
or a row whose combination of values the IsolationForest isolates at once; a noise frame
among photos of cats.

Fix: check the flagged rows: correct entry errors, drop impossible values, clip or squash
genuine extremes; look at flagged images and drop those that do not belong. max_robust_z and max_isolation_z set the thresholds; multivariate turns
the joint detector on or off."""
from __future__ import annotations

import warnings
from collections import Counter

import numpy as np

from preflight.checks.base import Check, Context, pct
from preflight.checks.image_outliers import IMAGE_PARAMS, image_outliers
from preflight.findings import Finding
from preflight.kernels.hashing import first_by_hash
from preflight.params import Boolean, Interval
from preflight.workers import worker_count

FIT_ROWS = 10_000


def robust_z(x: np.ndarray, typical: np.ndarray | None = None) -> np.ndarray | None:
    """|x - median| / (1.4826 MAD), median and MAD taken over `typical` (default: x itself);
    None when the MAD is 0."""
    typical = x if typical is None else typical
    med = np.median(typical)
    scale = 1.4826 * np.median(np.abs(typical - med))
    return np.abs(x - med) / scale if scale > 0 else None


def center_scale(typical: np.ndarray) -> tuple[float, float]:
    """(median, robust spread) of the observed values: the larger of 1.4826 MAD and IQR / 1.349,
    each the std for normal data (0 when both are: a value on half the rows or more)."""
    if typical.size == 0:
        return 0.0, 0.0
    med = float(np.median(typical))
    p25, p75 = np.quantile(typical, [0.25, 0.75])
    mad = 1.4826 * float(np.median(np.abs(typical - med)))
    return med, max(mad, float(p75 - p25) / 1.349)


def feature_z(x: np.ndarray, typical: np.ndarray) -> np.ndarray | None:
    """|x - median| / spread as center_scale measures them on `typical`; None without spread."""
    med, scale = center_scale(typical)
    return np.abs(x - med) / scale if scale > 0 else None


def _extreme(col, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """(rows, robust z) of the present cells whose z may exceed `limit`: the z of every other
    cell is never shown. Bounds on the raw values pick the candidates in two passes (a margin
    keeps rounding at the bound on the safe side), then z is computed exactly as feature_z
    would over the whole filled column (missing, text and infinite cells count as the fill),
    with the center and spread of the observed values."""
    fill = col.transform["fill"]
    logged = col.transform["kind"] == "log1p-standardize"
    typical = _typical(col, logged)
    med, scale = center_scale(typical)
    if not scale > 0:
        return np.empty(0, np.int64), np.empty(0)
    lo, hi = med - 0.999 * limit * scale, med + 0.999 * limit * scale
    if logged:  # log1p(max(x, 0)) is monotone: bound x by the inverse, expm1
        lo, hi = (float(np.expm1(lo)) if lo > 0 else -np.inf), float(np.expm1(hi))
    values = col.values
    if 0.001 * limit * scale <= 1e-9 * abs(med):  # a spread below float resolution: no safe bound
        lo, hi = np.inf, -np.inf
    rows = np.flatnonzero((values > hi) | (values < lo))  # NaN compares False: filled cells below
    rows = rows[~col.nonfinite_mask[rows]]
    fill_z = abs((np.log1p(max(fill, 0.0)) if logged else fill) - med) / scale
    if fill_z > 0.999 * limit:  # a fill far out (rare): its cells are candidates too
        filled = np.flatnonzero((np.isnan(values) | col.nonfinite_mask) & ~col.missing_mask)
        rows = np.union1d(rows, filled)
    x = np.where(col.nonfinite_mask[rows] | np.isnan(values[rows]), fill, values[rows])
    z = np.abs((np.log1p(np.maximum(x, 0)) if logged else x) - med) / scale
    return rows, z


def _typical(col, logged: bool) -> np.ndarray:
    """The column's observed finite values: its content-keyed sample, which holds every one
    up to sample_rows of them (a content-keyed estimate beyond)."""
    t = col.sample
    return np.log1p(np.maximum(t, 0)) if logged else t


class Outliers(Check):
    name = "outliers"
    code = "PF401"
    summary = (
        "Rows lie far from the rest: per feature (robust z-score) or jointly (IsolationForest score); "
        "images far from their nearest images.")
    report_section = "outliers"
    kinds = frozenset({"tabular", "images"})
    params = {"max_robust_z": Interval(float, 0.0, None, closed="neither"),
              "max_isolation_z": Interval(float, 0.0, None, closed="neither"),
              "multivariate": Boolean(), "min_rows": Interval(int, 3, None),
              "max_fraction": Interval(float, 0.0, 1.0, closed="right")}
    params = {**params, **IMAGE_PARAMS}  # image_*: preflight/checks/image_outliers.py

    def run(self, profile, ctx: Context) -> list[Finding]:
        if profile.kind == "images":
            return image_outliers(profile, ctx)
        p = ctx.params
        if profile.rows < p["min_rows"]:
            return [ctx.skipped(f"{profile.rows} rows, fewer than min_rows={p['min_rows']}")]
        cols = [c for c in profile.columns if c.transform["kind"] in ("standardize", "log1p-standardize", "tanh")]
        if not cols:
            return []
        score = np.zeros(profile.rows)  # the worst per-feature z, kept only where it can flag
        source = np.full(profile.rows, -1, dtype=np.int32)  # index into cols of that feature
        shaped = []  # columns that would flag too many rows: a shape, not outliers
        for k, col in enumerate(cols):
            rows, z = _extreme(col, p["max_robust_z"])
            over = int(np.count_nonzero(z > p["max_robust_z"]))
            if over > p["max_fraction"] * max(col.rows - col.missing, 1):
                shaped.append(col.name)
                continue
            better = z > score[rows]
            score[rows[better]], source[rows[better]] = z[better], k
        flagged = score > p["max_robust_z"]
        joint, scored = 0, profile.rows
        if p["multivariate"]:
            rows, iz = self._isolation_z(profile, ctx.settings)
            if iz is not None:
                scored = rows.size
                hit = np.zeros(profile.rows, dtype=bool)
                hit[rows[iz > p["max_isolation_z"]]] = True
                hit &= ~flagged
                joint = int(hit.sum())
                score[rows] = np.where(hit[rows], iz, score[rows])
                source[hit] = len(cols)
                flagged |= hit
        found = np.flatnonzero(flagged)
        if found.size == 0:
            return []
        w = int(np.argmax(score[found]))
        worst = found[w]
        names = np.array([c.name for c in cols] + ["(multivariate)"], dtype=object)
        source = names[source[found]]  # per found row, the feature (or the joint detector) that flagged it
        by_column = Counter(source.tolist())
        causes = ", ".join(f"{name} {n}" for name, n in sorted(by_column.items(), key=lambda t: (-t[1], t[0]))[:4])
        sampled = f" (joint scores on a content-keyed sample of {scored:,} rows)" if scored < profile.rows else ""
        return [ctx.finding(
            f"{found.size} outlier rows ({pct(found.size, profile.rows)}): {found.size - joint} by a single "
            f"feature (robust z > {p['max_robust_z']:g}), {joint} jointly (isolation-forest robust z > "
            f"{p['max_isolation_z']:g}){sampled}; flagged by: {causes}; worst: row {worst} ({source[w]} = "
            f"{_cell(profile, source[w], worst)}, z {score[worst]:.1f}); inspect them: fix entry errors, drop or clip",
            rows=found, columns=sorted(set(source.tolist()) - {"(multivariate)"}),
            details={"scores": [round(float(score[r]), 3) for r in found[:10_000]],
                     "sources": [str(v) for v in source[:10_000]], "jointly_scored_rows": scored,
                     "by_column": dict(sorted(by_column.items())), "not_judged": shaped})]

    @staticmethod
    def _isolation_z(profile, settings) -> tuple[np.ndarray, np.ndarray | None]:
        """Robust z of IsolationForest anomaly scores, on at most sample_rows content-keyed rows.

        Only the sampled rows of the transformed matrix are built; columns that are constant
        over all rows are left out.
        """
        from sklearn.ensemble import IsolationForest

        rows = first_by_hash(profile.row_hash, settings["sample_rows"])
        fit_rows = first_by_hash(profile.row_hash, FIT_ROWS)
        union = np.sort(np.concatenate([rows, fit_rows]))  # np.union1d, minus numpy 2's slow hash unique
        union = union[np.r_[True, union[1:] != union[:-1]]]
        x, _, varying = profile.matrix_at(union, np.float32)  # the trees' own dtype: no conversion copy
        if varying.sum() < 2:
            return np.empty(0, int), None
        x = x[:, varying]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            forest = IsolationForest(n_estimators=100, random_state=settings["seed"]).fit(
                x[np.searchsorted(union, fit_rows)])
            anomaly = -_score_rows(forest, x[np.searchsorted(union, rows)], worker_count(settings))
        return rows, robust_z(anomaly)


def _cell(profile, name: str, row: int) -> str:
    """The flagged cell as written (a number), or 'a joint outlier' for the isolation forest."""
    col = next((c for c in profile.columns if c.name == name), None)
    if col is None:
        return "joint"
    return f"{col.values[row]:g}"


def _score_rows(forest, x: np.ndarray, threads: int) -> np.ndarray:
    """forest.score_samples over row chunks on `threads` threads (tree traversal releases the GIL).
    A row's score is summed over the trees in the same order whatever the chunking, so the
    result is identical to one call; n_jobs would sum trees in thread order instead."""
    from concurrent.futures import ThreadPoolExecutor

    if threads < 2 or len(x) < 20_000:
        return forest.score_samples(x)
    chunks = np.array_split(x, threads)
    with ThreadPoolExecutor(threads) as pool:
        return np.concatenate(list(pool.map(forest.score_samples, chunks)))
