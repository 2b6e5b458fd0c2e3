"""Out-of-sample class probabilities from a few fast models, by content-hashed K-fold.

Label-issue detection is only as good as probabilities the model did not see the row's
label for. Folds come from a hash of each row's bytes, not its position, so adding or
reordering unrelated rows leaves every other row's fold (and score) where it was.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from preflight.profile.accumulators import splitmix64

MODELS = ("logreg", "knn", "hgb")
DEFAULT_MODELS = ("logreg", "knn")
DEFAULT_COMBINE = "mean"
_HASH_ROUND_ROBIN_BELOW = 20  # per fold: smaller classes get exact round-robin strata


def row_hashes(X: np.ndarray, seed: int) -> np.ndarray:
    """One uint64 per row from its float64 bytes (-0.0 folded into 0.0), mixed with seed."""
    words = np.ascontiguousarray(np.asarray(X, dtype=np.float64) + 0.0).view(np.uint64)
    words = words.reshape(len(X), -1) if len(X) else np.zeros((0, 0), dtype=np.uint64)
    h = np.full(len(X), splitmix64(np.array([seed % 2**64], dtype=np.uint64))[0], dtype=np.uint64)
    for j in range(words.shape[1]):
        h = splitmix64(h ^ words[:, j])
    return h


def assign_folds(h: np.ndarray, y: np.ndarray, n_folds: int) -> np.ndarray:
    """Fold per row: hash modulo n_folds for big classes, round-robin in hash order for small.

    Hash-modulo keeps a row's fold independent of every other row; classes with fewer
    than ~20 rows per fold would come out lopsided that way, so they are dealt out exactly
    (every class with 2+ members then has a member in every training split).
    """
    folds = (h % np.uint64(n_folds)).astype(np.int64)
    classes, counts = np.unique(y, return_counts=True)
    for k, c in zip(classes, counts):
        if c < _HASH_ROUND_ROBIN_BELOW * n_folds:
            idx = np.flatnonzero(y == k)
            order = idx[np.lexsort((idx, h[idx]))]
            folds[order] = np.arange(len(order)) % n_folds
    return folds


def _fit_rows(h: np.ndarray, y: np.ndarray, max_rows: int) -> np.ndarray:
    """Deterministic stratified sample (lowest re-mixed hash per class); all rows if small."""
    if len(y) <= max_rows:
        return np.arange(len(y))
    h2 = splitmix64(h ^ np.uint64(0x5EED))
    keep: list[np.ndarray] = []
    for k in np.unique(y):
        idx = np.flatnonzero(y == k)
        quota = max(min(len(idx), 50), int(round(len(idx) * max_rows / len(y))))
        keep.append(idx[np.lexsort((idx, h2[idx]))][:quota])
    return np.sort(np.concatenate(keep))


def _model(name: str, n_train: int, seed: int) -> Any:
    if name == "logreg":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=0.3, tol=1e-3, max_iter=500, random_state=seed)
    if name == "knn":
        from sklearn.neighbors import KNeighborsClassifier

        return KNeighborsClassifier(n_neighbors=min(20, n_train), weights="distance")
    if name == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(
            max_iter=30, learning_rate=0.3, max_leaf_nodes=15, max_bins=64,
            early_stopping=False, random_state=seed,
        )
    raise ValueError(f"unknown model '{name}'; expected one of {', '.join(MODELS)}")


def _fitted(name: str, X: np.ndarray, y: np.ndarray, n_classes: int, seed: int) -> Callable[[np.ndarray], np.ndarray]:
    """Fit one model; its predict_proba widened to every class column (a split may lack some).

    A split with a single class (or none) cannot fit a classifier: predict its prior.
    """
    prior = np.bincount(y, minlength=n_classes).astype(np.float64)
    prior = prior / prior.sum() if prior.sum() else np.full(n_classes, 1.0 / n_classes)
    if len(np.unique(y)) < 2:
        return lambda Z: np.tile(prior, (len(Z), 1))
    model = _model(name, len(y), seed).fit(X, y)
    cols = model.classes_.astype(np.int64)

    def predict(Z: np.ndarray) -> np.ndarray:
        out = np.zeros((len(Z), n_classes))
        out[:, cols] = model.predict_proba(Z)
        return out

    return predict


def _log_loss(y: np.ndarray, p: np.ndarray) -> float:
    return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-15, 1.0))))


def _weights(oof: dict[str, np.ndarray], y: np.ndarray, combine: str) -> dict[str, float]:
    """Mixture weights: equal ('mean'), the single best ('best'), or the best 0.1-grid mix."""
    names = list(oof)
    losses = {m: _log_loss(y, oof[m]) for m in names}
    if combine == "mean" or len(names) == 1:
        return {m: 1.0 / len(names) for m in names}
    if combine == "best":
        best = min(names, key=lambda m: (losses[m], m))
        return {m: float(m == best) for m in names}
    if combine != "weighted":
        raise ValueError(f"unknown combine '{combine}'; expected mean, best or weighted")
    grid = _simplex(len(names), 10)
    stacked = np.stack([oof[m][np.arange(len(y)), y] for m in names], axis=1)
    scores = -np.mean(np.log(np.clip(stacked @ grid.T, 1e-15, 1.0)), axis=0)
    w = grid[int(np.argmin(scores))]  # argmin takes the first of ties: deterministic
    return {m: float(x) for m, x in zip(names, w)}


def _simplex(k: int, steps: int) -> np.ndarray:
    """All weight vectors of k non-negative multiples of 1/steps that sum to 1."""
    from itertools import product

    pts = [c for c in product(range(steps + 1), repeat=k) if sum(c) == steps]
    return np.array(pts, dtype=np.float64) / steps


def out_of_sample_pred_probs(
    X: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    *,
    seed: int,
    n_folds: int = 5,
    max_fit_rows: int = 200_000,
    models: tuple[str, ...] = DEFAULT_MODELS,
    combine: str = DEFAULT_COMBINE,
    train_mask: np.ndarray | None = None,
) -> tuple[np.ndarray, dict]:
    """(n x n_classes) probabilities, each row from models that never saw that row.

    train_mask (optional, bool per row) keeps suspected-noisy rows out of every training
    split while still scoring them: a second pass on cleaner labels sharpens the rest.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    n = len(y)
    counts = np.bincount(y, minlength=n_classes)
    single = np.flatnonzero(counts == 1)
    h = row_hashes(X, seed)
    scorable = np.flatnonzero(counts[y] >= 2)
    if len(scorable) == 0:  # nothing to cross-validate: every row keeps its own label
        probs = np.eye(n_classes)[y] if n else np.zeros((0, n_classes))
        return probs, {"models": [], "combine": combine, "weights": {}, "folds": 0, "log_loss": {},
                       "fit_rows": 0, "sampled_rows": None, "unscored_classes": [int(c) for c in single],
                       "unscored_rows": list(range(n))}
    fit = scorable[_fit_rows(h[scorable], y[scorable], max_fit_rows)]
    k = int(min(n_folds, max(2, len(fit) // 2)))
    folds = assign_folds(h[fit], y[fit], k)
    rest = np.setdiff1d(scorable, fit)
    oof = {m: np.zeros((len(fit), n_classes)) for m in models}
    rest_p = {m: np.zeros((len(rest), n_classes)) for m in models}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        usable = np.ones(len(fit), bool) if train_mask is None else np.asarray(train_mask, bool)[fit]
        for f in range(k):
            tr, te = np.flatnonzero((folds != f) & usable), np.flatnonzero(folds == f)
            if len(te) == 0:
                continue
            for m in models:
                predict = _fitted(m, X[fit[tr]], y[fit[tr]], n_classes, seed)
                oof[m][te] = predict(X[fit[te]])
                if len(rest):
                    rest_p[m] += predict(X[rest]) / k
    w = _weights(oof, y[fit], combine)
    probs = np.zeros((n, n_classes))
    for m in models:
        probs[fit] += w[m] * oof[m]
        probs[rest] += w[m] * rest_p[m]
    lone = np.flatnonzero(counts[y] == 1)
    probs[lone, :] = 0.0
    probs[lone, y[lone]] = 1.0  # a class of one cannot be cross-validated: keep its label
    probs /= probs.sum(axis=1, keepdims=True)
    info = {
        "models": list(models),
        "combine": combine,
        "weights": w,
        "folds": k,
        "log_loss": {m: round(_log_loss(y[fit], oof[m]), 6) for m in models},
        "fit_rows": int(len(fit)),
        "sampled_rows": int(len(fit)) if len(rest) else None,
        "unscored_classes": [int(c) for c in single],
        "unscored_rows": [int(r) for r in lone],
    }
    return probs, info
