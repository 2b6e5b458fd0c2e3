"""Rows whose given label disagrees with out-of-sample predictions.

cleanlab flags rows whose prediction differs from the given label; a normalized-margin
ceiling keeps only confident disagreements, and the given label's probability must be under
chance (1 / classes), so hard-but-correct rows of clean data stay quiet.
label_issues_from_features fits twice: the second pass trains without the rows the first
pass found suspicious, since flipped labels in training blur every prediction.
Each pass averages two fold assignments: with one, the result hung on which rows shared
a fold (iris, 15 flipped rows: F1 0.966 or 0.889 for features equal to 12 digits).
Defaults were chosen on benchmarks/label_errors.py (grid and numbers in its docstring).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FILTER_BY = "predicted_neq_given"
SCORE_METHOD = "normalized_margin"
MAX_QUALITY = 0.25  # normalized margin (p_given - max p_other + 1) / 2: p_other leads by > 0.5
REFIT_BELOW = 0.3  # first-pass normalized margin under which a row is left out of refitting
REPEATS = 2  # fold assignments averaged: one assignment swung iris' F1 by two rows in fifteen
KNN_FEW_FROM = 1000  # rows from which a 5-NN is among the candidates (candidate_models)
PRUNE_FROM = 250  # rows per class from which the confident joint also prunes (decision_rule)
PRUNE_MAX_QUALITY = 0.35  # the ceiling then: the joint already bounds how many rows are flagged
SAMPLED_MODELS = ("logreg", "hgb")  # above the row cap (see _sampled)
HGB_MAX_CLASSES = 10  # above: the logistic regression alone (one multinomial fit; see _sampled)


@dataclass(frozen=True)
class LabelIssues:
    """Flagged rows, most suspicious first, plus the quality score of every row."""

    rows: np.ndarray
    scores: np.ndarray
    given: np.ndarray
    suggested: np.ndarray
    quality: np.ndarray


def find_label_issues(
    pred_probs: np.ndarray,
    y: np.ndarray,
    *,
    method: str = FILTER_BY,
    score_method: str = SCORE_METHOD,
    max_quality: float | None = MAX_QUALITY,
    max_given: float | None = None,
) -> LabelIssues:
    """cleanlab's filter (`method` = its filter_by), kept only where quality < max_quality and
    the given label's probability < max_given."""
    from cleanlab.filter import find_label_issues as cl_find
    from cleanlab.rank import get_label_quality_scores

    pred_probs = np.asarray(pred_probs, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    n = len(y)
    if n == 0 or pred_probs.shape[1] < 2 or len(np.unique(y)) < 2:
        empty = np.zeros(0, dtype=np.int64)
        return LabelIssues(empty, np.zeros(0), empty, empty, np.ones(n))
    quality = np.asarray(get_label_quality_scores(y, pred_probs, method=score_method), dtype=np.float64)
    mask = np.asarray(cl_find(labels=y, pred_probs=pred_probs, filter_by=method, n_jobs=1), dtype=bool)
    if max_quality is not None:
        mask &= quality < max_quality
    if max_given is not None:
        mask &= pred_probs[np.arange(n), y] < max_given
    flagged = np.flatnonzero(mask)
    rows = flagged[np.lexsort((flagged, quality[flagged]))]
    return LabelIssues(
        rows=rows.astype(np.int64),
        scores=quality[rows],
        given=y[rows],
        suggested=pred_probs[rows].argmax(axis=1).astype(np.int64),
        quality=quality,
    )


def label_issues_from_features(
    X: np.ndarray, y: np.ndarray, n_classes: int, *, seed: int,
    hashes: np.ndarray | None = None, sample: np.ndarray | None = None, adapt: bool = True,
    final: bool = False, threads: int = 1,
) -> tuple[LabelIssues, dict]:
    """Cross-validated probabilities from X (two passes), then find_label_issues on them.

    hashes: the rows' content hashes, to key the folds (else a hash of X's bytes).
    sample: sorted row indices (crossval.stratified_sample) the models are fitted on, when
    there are too many rows to cross-validate all: see _sampled. Without it every row is
    cross-validated. info["pred_probs"] holds the final out-of-sample probabilities.
    adapt: choose the models per dataset (candidate_models) and the filter by rows per class
    (decision_rule); without it the fixed DEFAULT_MODELS and predicted_neq_given (with the
    chance ceiling, below_chance), as the image representation was chosen and measured with
    (benchmarks/image_quality.py).
    final: also info["final"], the chosen models fitted once on the rows they were last trained
    on (crossval.FittedMix), to score rows outside X with (learn/label_scoring.py).
    The models run in one thread (crossval.one_thread); with a sample, the rows outside it are
    scored `threads` chunks at once (crossval.mix_pred_probs: the same bits on any number).
    """
    from preflight.learn.crossval import one_thread

    with one_thread():
        return _label_issues_from_features(X, y, n_classes, seed=seed, hashes=hashes, sample=sample, adapt=adapt,
                                           final=final, threads=threads)


def _label_issues_from_features(
    X: np.ndarray, y: np.ndarray, n_classes: int, *, seed: int,
    hashes: np.ndarray | None, sample: np.ndarray | None, adapt: bool, final: bool = False, threads: int = 1,
) -> tuple[LabelIssues, dict]:
    from cleanlab.rank import get_label_quality_scores

    from preflight.learn.crossval import (
        DEFAULT_MODELS,
        MIN_CLASS_ROWS,
        choose_models,
        fit_mix,
        neighbour_table,
        out_of_sample_pred_probs,
    )

    y = np.asarray(y, dtype=np.int64)
    if sample is not None and len(sample) < len(y):
        return _sampled(X, y, n_classes, seed=seed, hashes=hashes, sample=np.asarray(sample, dtype=np.int64),
                        final=final, threads=threads)

    table = neighbour_table(X) if len(y) > 1 else None  # one search, shared by every k-NN fit
    candidates = candidate_models(len(y)) if adapt else DEFAULT_MODELS

    def averaged(models: tuple[str, ...], train_mask: np.ndarray | None) -> tuple[np.ndarray, dict]:
        runs = [out_of_sample_pred_probs(X, y, n_classes, seed=seed + r, models=models, train_mask=train_mask,
                                         hashes=hashes, neighbours=table, by_model=True, threads=threads)
                for r in range(REPEATS)]
        by_model = {m: sum(i["by_model"][m] for _, i in runs) / REPEATS for m in models}
        return sum(p for p, _ in runs) / REPEATS, {**runs[0][1], "by_model": by_model, "repeats": REPEATS}

    _, first_info = averaged(candidates, None)
    weights = choose_models(first_info["by_model"], y)
    first = sum(w * first_info["by_model"][m] for m, w in weights.items())
    suspect = np.zeros(len(y), dtype=bool)
    if len(y) and len(np.unique(y)) > 1:
        suspect = get_label_quality_scores(y, first, method=SCORE_METHOD) < REFIT_BELOW
    chosen = tuple(m for m in candidates if m in weights)
    pred_probs, info = averaged(chosen, ~suspect)
    info.pop("by_model")
    method, max_quality, max_given = (decision_rule(len(y), n_classes) if adapt
                                      else (FILTER_BY, MAX_QUALITY, below_chance(n_classes)))
    issues = find_label_issues(pred_probs, y, method=method, max_quality=max_quality, max_given=max_given)
    info = {**info, "candidates": list(candidates), "candidate_log_loss": first_info["log_loss"],
            "method": method, "score_method": SCORE_METHOD, "max_quality": max_quality, "max_given": max_given,
            "left_out_of_refit": int(suspect.sum()), "pred_probs": pred_probs}
    if final:  # the refit's training rows: neither suspects nor classes too small to cross-validate
        train = ~suspect & (np.bincount(y, minlength=n_classes)[y] >= MIN_CLASS_ROWS)
        info["final"] = fit_mix(X[train], y[train], n_classes, seed=seed, weights=weights)
    return issues, info


def candidate_models(rows: int) -> tuple[str, ...]:
    """The models pass 1 cross-validates; per family the one with the lowest log loss is kept
    (crossval.choose_models). Logistic regression at three strengths: C = 0.3 suits a dozen
    correlated columns of a few hundred rows, C = 30 classes a linear model separates only
    unregularised (crabs' species x sex from five size-dominated measurements: accuracy 0.86 ->
    0.94). k-NN with 10 or 20 neighbours, and 5 from KNN_FEW_FROM rows on: there a class has
    hundreds of rows and the nearest few are the best vote (MNIST: accuracy 0.93 at 20, 0.95
    at 5); on a few hundred rows one flipped neighbour would sway a 5-NN."""
    knn = ("knn-5", "knn-10", "knn") if rows >= KNN_FEW_FROM else ("knn",)
    return ("logreg", "logreg-3", "logreg-30", *knn)


def decision_rule(rows: int, n_classes: int) -> tuple[str, float, float | None]:
    """(cleanlab filter_by, normalized-margin ceiling, given-label probability ceiling). With
    PRUNE_FROM rows a class or more the
    confident joint's count of each (given, true) pair is estimated well enough to prune by it:
    cleanlab's "both" flags a row only where pruning by class and by noise rate agree, each
    class or pair giving up about as many rows as the joint says it holds mislabeled, which
    drops the model's own mistakes among many classes (MNIST's clean table: 1.4% flagged ->
    0.3%). With fewer rows a class those counts are a few rows each and rounding them drops
    real errors (iris, penguins), so a confident disagreement (predicted_neq_given) decides, its
    given label under chance (below_chance); the joint already bounds what "both" flags."""
    if rows >= PRUNE_FROM * n_classes:
        return "both", PRUNE_MAX_QUALITY, None
    return FILTER_BY, MAX_QUALITY, below_chance(n_classes)


def below_chance(n_classes: int) -> float:
    """The given label's probability a flagged row stays under: 1 / classes, less than a guess.
    A mislabeled row's given label is arbitrary and the models give it next to nothing; a
    correctly labelled hard example (an MNIST 4 written like a 9, a Sicilian oil that reads as
    Calabrian) keeps a share of its own class even where another leads by more than 0.5. With
    four classes or fewer the margin ceiling already implies it (p_given < 0.25). Among ten it
    took the clean MNIST image folder's false flags from 22 to 13 and precision at 40 moved
    files from 0.60-0.65 to 0.72-0.78, and olive_area's nine classes from 2.4% to 1.0% flagged
    unflipped, with the table grid's mean F1 up (benchmarks/RESULTS.md). A lower margin ceiling
    instead (0.2, 0.15) cost the small tables and digits recall for less."""
    return 1.0 / max(n_classes, 1)


def _sampled(X: np.ndarray, y: np.ndarray, n_classes: int, *, seed: int,
             hashes: np.ndarray | None, sample: np.ndarray, final: bool = False,
             threads: int = 1) -> tuple[LabelIssues, dict]:
    """Every row scored by models fitted on a sample: the sample's rows by cross-validation
    (pass 1 finds suspects, pass 2 refits without them), every other row by the same models
    fitted once on the whole sample minus the suspects. Rows outside the sample never train,
    so only the sample needs the first pass.

    The models are SAMPLED_MODELS: a 20-NN would compare each of a million rows with every
    sampled row (minutes for a million rows), where boosted trees cost
    microseconds a row and, unlike the 20-NN, shrug off columns that do not bear on the label.
    One fold assignment: REPEATS steadies a few hundred rows, not tens of thousands.
    With more than HGB_MAX_CLASSES classes only the logistic regression runs: it is one
    multinomial model whose cost grows gently with the classes, where boosting fits a tree
    per class and round (35,549 rows in 40 classes: 78 s, and a diverged fit, log loss 26.8;
    logistic regression alone: the whole scan in 6 s, log loss 0.035. 36,000 synthetic rows in
    241 classes: 63 s and accuracy 0.10 with both models, 9.9 s and 0.99 with one).
    """
    from cleanlab.rank import get_label_quality_scores

    from preflight.learn.crossval import fit_mix, mix_pred_probs, out_of_sample_pred_probs

    n = len(y)
    Xs, ys = X[sample], y[sample]
    hs = None if hashes is None else np.asarray(hashes)[sample]
    models = SAMPLED_MODELS if n_classes <= HGB_MAX_CLASSES else ("logreg",)
    first, _ = out_of_sample_pred_probs(Xs, ys, n_classes, seed=seed, models=models, hashes=hs, threads=threads)
    suspect = np.zeros(len(ys), dtype=bool)
    if len(np.unique(ys)) > 1:
        suspect = get_label_quality_scores(ys, first, method=SCORE_METHOD) < REFIT_BELOW
    sample_probs, info = out_of_sample_pred_probs(Xs, ys, n_classes, seed=seed, models=models,
                                                  train_mask=~suspect, hashes=hs, threads=threads)
    outside = np.ones(n, dtype=bool)
    outside[sample] = False
    rest = np.flatnonzero(outside)
    pred_probs = np.empty((n, n_classes))
    pred_probs[sample] = sample_probs
    mix = fit_mix(Xs[~suspect], ys[~suspect], n_classes, seed=seed, weights=info["weights"])
    pred_probs[rest] = mix_pred_probs(mix, X, rest, threads)
    issues = find_label_issues(pred_probs, y)
    info = {**info, "repeats": 1, "unscored_rows": [int(sample[r]) for r in info["unscored_rows"]],
            "method": FILTER_BY, "score_method": SCORE_METHOD, "max_quality": MAX_QUALITY,
            "sample_rows": len(sample), "left_out_of_refit": int(suspect.sum()), "pred_probs": pred_probs,
            **({"final": mix} if final else {})}
    return issues, info


def validate_pred_probs(arr: np.ndarray, n_rows: int, n_classes: int, source: str) -> np.ndarray:
    """User-supplied probabilities: right shape, finite, in [0, 1], rows summing to 1."""
    a = np.asarray(arr)
    if a.ndim != 2 or a.shape != (n_rows, n_classes):
        got = " x ".join(str(s) for s in a.shape) if a.ndim else "a scalar"
        raise ValueError(
            f"{source}: expected {n_rows} rows x {n_classes} columns (one per class, "
            f"in stats.json's class order), got {got}."
        )
    a = _numeric(a, source)
    _finite(a, source)
    bad = np.flatnonzero(((a < 0) | (a > 1)).any(axis=1))
    if len(bad):
        raise ValueError(f"{source}: has values outside [0, 1] in {len(bad)} rows (first: {bad[0]}).")
    sums = a.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-3)
    if len(bad):
        raise ValueError(
            f"{source}: rows must sum to 1 (probabilities), but {len(bad)} rows do not "
            f"(first: {bad[0]}, sums to {sums[bad[0]]:.4g}); apply a softmax first."
        )
    return a / sums[:, None]


def validate_features(arr: np.ndarray, n_rows: int, source: str) -> np.ndarray:
    """User-supplied embeddings/features: one finite numeric row per data row."""
    a = np.asarray(arr)
    if a.ndim != 2 or a.shape[0] != n_rows or a.shape[1] == 0:
        got = " x ".join(str(s) for s in a.shape) if a.ndim else "a scalar"
        raise ValueError(f"{source}: expected {n_rows} rows x at least 1 column (one row per data row), got {got}.")
    a = _numeric(a, source)
    _finite(a, source)
    return a


def _numeric(a: np.ndarray, source: str) -> np.ndarray:
    if a.dtype == bool or not np.issubdtype(a.dtype, np.number) or np.iscomplexobj(a):
        raise ValueError(f"{source}: expected a real numeric array, got dtype {a.dtype}.")
    return a.astype(np.float64, copy=False)


def _finite(a: np.ndarray, source: str) -> None:
    for what, bad_mask in (("NaN", np.isnan(a)), ("infinite values", np.isinf(a))):
        bad = np.flatnonzero(bad_mask.any(axis=1))
        if len(bad):
            raise ValueError(f"{source}: contains {what} in {len(bad)} rows (first: {bad[0]}).")


def skill(pred_probs: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """(accuracy, majority baseline, skill = (accuracy - baseline) / (1 - baseline)).

    Confident learning cannot tell a mislabeled row from a correctly labeled one that sits
    among the other class: where the features predict the label only weakly (skill near 0),
    every hard example looks like a label error.
    """
    y = np.asarray(y, dtype=np.int64)
    if len(y) == 0:
        return 0.0, 1.0, 0.0
    acc = float(np.mean(pred_probs.argmax(axis=1) == y))
    base = float(np.bincount(y).max() / len(y))
    return acc, base, (acc - base) / (1 - base) if base < 1 else 0.0
