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

import numpy as np

from preflight.checks.base import Check, Context, Scoring, pct
from preflight.checks.image_outliers import IMAGE_PARAMS, image_outliers
from preflight.checks.outlier_rows import Bound, FirstRound, Flagged, with_hits
from preflight.findings import Finding
from preflight.kernels.hashing import first_by_hash
from preflight.params import Boolean, Interval
from preflight.profile.row_states import MatrixRows
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


def bound(col, limit: float) -> Bound | None:
    """Bounds on the raw values that pick the candidate cells (a margin keeps rounding at the
    bound on the safe side), with the center and spread of the observed values; None without
    spread."""
    fill = col.transform["fill"]
    logged = col.transform["kind"] == "log1p-standardize"
    med, scale = center_scale(_typical(col, logged))
    if not scale > 0:
        return None
    lo, hi = med - 0.999 * limit * scale, med + 0.999 * limit * scale
    if logged:  # log1p(max(x, 0)) is monotone: bound x by the inverse, expm1
        lo, hi = (float(np.expm1(lo)) if lo > 0 else -np.inf), float(np.expm1(hi))
    if 0.001 * limit * scale <= 1e-9 * abs(med):  # a spread below float resolution: no safe bound
        lo, hi = np.inf, -np.inf
    fill_z = abs((np.log1p(max(fill, 0.0)) if logged else fill) - med) / scale
    return Bound(col.name, med, scale, lo, hi, fill, logged, bool(fill_z > 0.999 * limit))


def _extreme(col, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """bound(col, limit) applied to the column's per-row arrays (tests compare it with feature_z)."""
    b = bound(col, limit)
    if b is None:
        return np.empty(0, np.int64), np.empty(0)
    return b.z(col.values, col.nonfinite_mask, col.missing_mask)


def _present(col) -> int:
    return max(col.rows - col.missing, 1)


def _shaped(b: Bound | None, col, limit: float, max_fraction: float) -> bool:
    """The shape rule (more than max_fraction of the present cells over the limit) guessed from
    the column's sample: exact when the sample holds every finite value, an estimate beyond.
    The cells the stats fill (text, non-finite) count as the fill, as Bound.z counts them."""
    if b is None:
        return False
    finite = max(col.rows - col.missing - col.text_count - col.nonfinite, 0)
    x = np.append(col.sample, np.nan)  # the last cell stands for every filled one
    cells, z = b.z(x, np.zeros(x.size, bool), np.zeros(x.size, bool))
    over = z > limit
    n = int(np.count_nonzero(over[cells < col.sample.size]))
    estimate = n if col.sample.size >= finite else n * finite / col.sample.size
    if over[cells == col.sample.size].any():
        estimate += col.rows - col.missing - finite
    return bool(estimate > max_fraction * _present(col))


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

    def score(self, profile, ctx: Context) -> Scoring | None:
        if profile.kind != "tabular" or profile.rows < ctx.params["min_rows"] or not _candidates(profile):
            return None
        return self._scoring(profile, ctx)

    def _scoring(self, profile, ctx: Context) -> Scoring:
        """Round 1: how many cells each feature flags (a feature over max_fraction has a shape,
        not outliers), the joint detector's sampled rows of the model matrix, and the flagged
        rows under the shapes the samples predict; the forest is fitted and those rows scored
        here. Round 2, only when the counts overturn a prediction: the flagged rows again."""
        p = ctx.params
        limit = p["max_robust_z"]
        cols = _candidates(profile)
        bounds = tuple(bound(c, limit) for c in cols)
        guess = tuple(_shaped(b, c, limit, p["max_fraction"]) for b, c in zip(bounds, cols))
        joint = _joint_sample(profile, ctx.settings) if p["multivariate"] else None
        keep_rows = max(ctx.max_rows, DETAIL_ROWS)
        sampled = joint[2] if joint is not None else np.empty(0, np.int64)
        asks: dict = {"rows": FirstRound(bounds, tuple(not s for s in guess), limit, keep_rows, sampled)}
        if joint is not None:
            asks["matrix"] = joint[0]
        got = yield asks
        first = got["rows"]
        shape = tuple(b is not None and first.over[k] > p["max_fraction"] * _present(c)
                      for k, (b, c) in enumerate(zip(bounds, cols)))
        shaped = [c.name for c, s in zip(cols, shape) if s]
        rows, iz = np.empty(0, np.int64), None
        if joint is not None:
            matrix, fit_rows, scored_rows, varying = joint
            rows, iz = _isolation_z(matrix.result(got["matrix"], np.float32), matrix.rows, fit_rows, scored_rows,
                                    varying, ctx.settings)
        hits = rows[iz > p["max_isolation_z"]] if iz is not None else np.empty(0, np.int64)
        hit_z = iz[iz > p["max_isolation_z"]] if iz is not None else np.empty(0)
        scored = rows.size if iz is not None else profile.rows
        if shape == guess:
            return with_hits(first.flagged, first.sampled, hits, hit_z, keep_rows), shaped, scored
        keep = tuple(None if s else b for b, s in zip(bounds, shape))
        flagged = yield {"flagged": Flagged(keep, limit, hits, hit_z, keep_rows)}
        return flagged["flagged"], shaped, scored

    def run(self, profile, ctx: Context) -> list[Finding]:
        if profile.kind == "images":
            return image_outliers(profile, ctx)
        p = ctx.params
        if profile.rows < p["min_rows"]:
            return [ctx.skipped(f"{profile.rows} rows, fewer than min_rows={p['min_rows']}")]
        cols = _candidates(profile)
        if not cols:
            return []
        state, shaped, scored = ctx.scored
        if state.count == 0:
            return []
        names = np.array([c.name for c in cols] + ["(multivariate)"], dtype=object)
        source = names[state.sources]  # per listed row, the feature (or the joint detector) that flagged it
        by_column = {str(names[k]): int(n) for k, n in enumerate(state.by_source) if n}
        causes = ", ".join(f"{name} {n}" for name, n in sorted(by_column.items(), key=lambda t: (-t[1], t[0]))[:4])
        sampled = f" (joint scores on a content-keyed sample of {scored:,} rows)" if scored < profile.rows else ""
        worst_source = str(names[state.worst_source])
        cell = "joint" if state.worst_source == len(cols) else f"{state.worst_value:g}"
        listed = state.rows[:ctx.max_rows]
        return [ctx.finding(
            f"{state.count} outlier rows ({pct(state.count, profile.rows)}): {state.count - state.joint} by a single "
            f"feature (robust z > {p['max_robust_z']:g}), {state.joint} jointly (isolation-forest robust z > "
            f"{p['max_isolation_z']:g}){sampled}; flagged by: {causes}; worst: row {state.worst_row} ({worst_source} = "
            f"{cell}, z {state.worst_score:.1f}); inspect them: fix entry errors, drop or clip",
            rows=listed, count=state.count, truncated=state.count > listed.size,
            columns=sorted(set(by_column) - {"(multivariate)"}),
            details={"scores": [round(float(v), 3) for v in state.scores[:DETAIL_ROWS]],
                     "sources": [str(v) for v in source[:DETAIL_ROWS]], "jointly_scored_rows": scored,
                     "by_column": dict(sorted(by_column.items())), "not_judged": shaped})]


DETAIL_ROWS = 10_000  # rows whose scores and sources the details list


def _candidates(profile) -> list:
    return [c for c in profile.columns if c.transform["kind"] in ("standardize", "log1p-standardize", "tanh")]


def _joint_sample(profile, settings):
    """The joint detector's rows (at most sample_rows, content-keyed) and the forest's fitting
    rows, as one MatrixRows gather; None when fewer than two matrix columns vary."""
    from preflight.profile.tabular import matrix_columns

    specs, names, varying = matrix_columns(profile)
    if varying.sum() < 2:
        return None
    rows = first_by_hash(profile.row_hash, settings["sample_rows"])
    fit_rows = first_by_hash(profile.row_hash, FIT_ROWS)
    union = np.sort(np.concatenate([rows, fit_rows]))  # np.union1d, minus numpy 2's slow hash unique
    union = union[np.r_[True, union[1:] != union[:-1]]].astype(np.int64)
    return MatrixRows(specs, union, len(names)), fit_rows, rows, varying


def _isolation_z(x: np.ndarray, union: np.ndarray, fit_rows: np.ndarray, rows: np.ndarray, varying: np.ndarray,
                 settings) -> tuple[np.ndarray, np.ndarray | None]:
    """Robust z of IsolationForest anomaly scores of `rows`, fitted on `fit_rows` (both content-
    keyed samples; x holds their union's rows of the model matrix, in the trees' own float32).
    Columns constant over all rows are left out."""
    from sklearn.ensemble import IsolationForest

    x = x[:, varying]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forest = IsolationForest(n_estimators=100, random_state=settings["seed"]).fit(
            x[np.searchsorted(union, fit_rows)])
        anomaly = -_score_rows(forest, x[np.searchsorted(union, rows)], worker_count(settings))
    return rows, robust_z(anomaly)


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
