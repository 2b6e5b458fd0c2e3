"""Out-of-sample class probabilities from a few fast models, by content-hashed K-fold.

Label-issue detection is only as good as probabilities the model did not see the row's
label for. Folds come from a hash of each row's content, not its position, so adding or
reordering unrelated rows leaves every other row's fold (and score) where it was. Folds are
group-aware: rows with equal feature hashes form a group; a group of at most SPREAD_FROM - 1
rows (a copied record, a twin) shares one fold, so a copy never vouches for its twin's
label; a larger group is spread (kernels.hashing.spread_copies: its r-th copy keyed by its
hash re-mixed with r) over the folds at random, since holding out every row of a common
vector hides that vector from training (a table of 268,000 rows over 4 distinct vectors:
92% of rows "mislabeled" with each group kept in one fold). The price: in a group of 6 or
more, the other copies' labels inform each row's prediction, as they would in training.
Above a row cap, the models are fitted on a stratified content-keyed sample (stratified_sample,
copies spread the same way): cross-validated there, and fitted once on the whole sample to
score every other row (fit_mix, mix_pred_probs), which that fit never saw either.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from preflight.kernels.hashing import first_by_hash, splitmix64, spread_copies

MODELS = ("logreg", "knn", "hgb")
DEFAULT_MODELS = ("logreg", "knn")
# A model name is a family, optionally with a setting: "logreg-3" is a logistic regression with
# C = 3, "knn-10" a distance-weighted 10-NN; the bare names are C = 0.3 and 20 neighbours.
LOGREG_C = 0.3
DEFAULT_COMBINE = "mean"
# A class needs this many rows to be cross-validated: with two, the held-out row's model has seen
# one example of its class, and predicting another class is no evidence of a wrong label.
MIN_CLASS_ROWS = 3
_HASH_ROUND_ROBIN_BELOW = 20  # per fold: smaller classes get exact round-robin strata
SPREAD_FROM = 6  # groups of equal rows this large are spread over the folds; smaller ones share one


def one_thread() -> Any:
    """A context in which BLAS and OpenMP run one thread: the fits here are many and small, and
    on a busy machine threads spin-waiting for each other cost several times the work itself.
    One thread also makes the floating-point sums, and so the rows flagged, independent of the
    machine's core count."""
    import sklearn  # noqa: F401  (loads the BLAS and OpenMP runtimes: limits reach only loaded ones)
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def side_by_side(call: Callable[[Any], Any], items: list, threads: int) -> list:
    """[call(item) for item in items], `threads` calls at once when there are several (the trees
    and BLAS release the GIL), each in one BLAS and OpenMP thread: OpenMP's count is each
    thread's own, so it is set in every one; BLAS's is the process's, held at one until every
    call is back. A call is the same whichever thread runs it. Alone, the calls run in the
    caller's thread, under the caller's limits."""
    if threads < 2 or len(items) < 2:
        return [call(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    def alone(item: Any) -> Any:
        with one_thread():
            return call(item)

    with one_thread(), ThreadPoolExecutor(threads) as pool:
        return list(pool.map(alone, items))


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


def fold_hashes(X: np.ndarray, seed: int, hashes: np.ndarray | None = None) -> np.ndarray:
    """The hash keying each row's fold: the caller's content hashes mixed with seed, else
    row_hashes(X). Pass the data's own content hashes where X is a fitted transform of it:
    X's bytes move when inserted rows shift a column's mean, the content does not.
    Groups of SPREAD_FROM or more equal rows get distinct keys (spread_copies): they are
    spread over the folds; smaller groups keep one key, one fold."""
    if hashes is None:
        return spread_copies(row_hashes(X, seed), SPREAD_FROM)
    salt = splitmix64(np.array([seed % 2**64], dtype=np.uint64))[0]
    return splitmix64(spread_copies(np.asarray(hashes, dtype=np.uint64), SPREAD_FROM) ^ salt)


SAMPLE_FLOOR = 50  # rows per class a stratified sample keeps (all of a smaller class)
_SAMPLE_SALT = np.uint64(0x5EED)


def stratified_sample(hashes: np.ndarray, y: np.ndarray, size: int) -> np.ndarray:
    """Sorted indices of about `size` rows: per class, the rows with the lowest re-mixed content
    hashes, the quotas proportional to the class sizes (largest remainder) and raised to
    min(class size, SAMPLE_FLOOR) so that a rare class is still learnt.

    Which rows are drawn depends on their content and the class counts only, never on
    their positions: inserting unrelated rows moves at most the rows at a quota's edge.
    Copies in groups of SPREAD_FROM or more are keyed apart (spread_copies), so a common
    vector is drawn in proportion to its count, not all or none of it.
    """
    y = np.asarray(y, dtype=np.int64)
    if len(y) <= size:
        return np.arange(len(y))
    h = splitmix64(spread_copies(np.asarray(hashes, dtype=np.uint64), SPREAD_FROM) ^ _SAMPLE_SALT)
    classes, counts = np.unique(y, return_counts=True)
    share = counts * (size / len(y))
    quota = np.floor(share).astype(np.int64)
    extra = np.lexsort((classes, -(share - quota)))[: size - int(quota.sum())]
    quota[extra] += 1
    quota = np.maximum(quota, np.minimum(counts, SAMPLE_FLOOR))
    keep = []
    for k, q in zip(classes, quota):
        idx = np.flatnonzero(y == k)
        keep.append(idx[first_by_hash(h[idx], int(q))])
    return np.sort(np.concatenate(keep))


def family(name: str) -> str:
    """The model family of a model name ("logreg-3" -> "logreg")."""
    return name.split("-", 1)[0]


def _setting(name: str, default: float) -> float:
    return float(name.split("-", 1)[1]) if "-" in name else default


def knn_k(name: str) -> int:
    """Neighbours of a "knn" model name."""
    return int(_setting(name, KNN_K))


def _model(name: str, n_train: int, seed: int) -> Any:
    if family(name) == "logreg":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=_setting(name, LOGREG_C), tol=1e-3, max_iter=500, random_state=seed)
    if family(name) == "knn":
        from sklearn.neighbors import KNeighborsClassifier

        return KNeighborsClassifier(n_neighbors=min(knn_k(name), n_train), weights="distance")
    if name == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(
            max_iter=30, learning_rate=0.3, max_leaf_nodes=15, max_bins=64,
            early_stopping=False, random_state=seed,
        )
    raise ValueError(f"unknown model '{name}'; expected one of {', '.join(MODELS)}")


def _fit_one(name: str, X: np.ndarray, y: np.ndarray, n_classes: int, seed: int) -> tuple[Any, np.ndarray, np.ndarray]:
    """(fitted model or None, its classes, the training prior): None where a split with a single
    class (or none) cannot fit a classifier, which then predicts its prior."""
    prior = np.bincount(y, minlength=n_classes).astype(np.float64)
    prior = prior / prior.sum() if prior.sum() else np.full(n_classes, 1.0 / n_classes)
    if len(np.unique(y)) < 2:
        return None, np.zeros(0, np.int64), prior
    model = _model(name, len(y), seed).fit(X, y)
    return model, model.classes_.astype(np.int64), prior


def _predict_one(name: str, model: Any, cols: np.ndarray, prior: np.ndarray, Z: np.ndarray,
                 n_classes: int) -> np.ndarray:
    """A _fit_one model's predict_proba widened to every class column (a split may lack some)."""
    if model is None:
        return np.tile(prior, (len(Z), 1))
    out = np.zeros((len(Z), n_classes))
    # The boosted trees read a column per split: column-major rows are read contiguously.
    out[:, cols] = model.predict_proba(np.asfortranarray(Z) if family(name) == "hgb" else Z)
    return out


def _fitted(name: str, X: np.ndarray, y: np.ndarray, n_classes: int, seed: int) -> Callable[[np.ndarray], np.ndarray]:
    """Fit one model; its predict_proba widened to every class column (a split may lack some).

    A split with a single class (or none) cannot fit a classifier: predict its prior.
    """
    model, cols, prior = _fit_one(name, X, y, n_classes, seed)
    return lambda Z: _predict_one(name, model, cols, prior, Z, n_classes)


KNN_K = 20  # distance-weighted neighbours (the "knn" model)
KNN_POOL = 50  # neighbours found once per row; a fold's 20 are the nearest of them outside it


def neighbour_table(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's KNN_POOL nearest rows (itself included), nearest first: (distances, indices).

    One search over all rows instead of one per fold, pass and repeat (20 on the default
    path): a fold's 20-NN are then the nearest pooled rows outside the fold, the same rows
    a search of that fold's training split would find (rows short of 20 such are searched
    again exactly)."""
    from sklearn.neighbors import NearestNeighbors

    X = np.asarray(X, dtype=np.float64)
    return NearestNeighbors(n_neighbors=min(KNN_POOL, len(X))).fit(X).kneighbors(X)


def _knn_pred_probs(table: tuple[np.ndarray, np.ndarray], X: np.ndarray, y: np.ndarray, te: np.ndarray,
                    train: np.ndarray, n_classes: int, name: str = "knn") -> np.ndarray:
    """KNeighborsClassifier(min(k, len(train)), weights="distance") fitted on rows `train`,
    predicting rows `te`, read off the neighbour table (k from the model name, at most KNN_POOL)."""
    k = min(knn_k(name), len(train))
    dist, idx = table[0][te], table[1][te]
    allowed = np.zeros(len(y), dtype=bool)
    allowed[train] = True
    ok = allowed[idx]
    take = ok & (np.cumsum(ok, axis=1) <= k)
    with np.errstate(divide="ignore"):
        w = np.where(take, 1.0 / dist, 0.0)
    exact = take & (dist == 0)  # as scikit-learn: a zero-distance neighbour takes all the weight
    hit = exact.any(axis=1)
    w[hit] = exact[hit]
    out = np.zeros((len(te), n_classes))
    rows = np.arange(len(te))
    for j in range(idx.shape[1]):
        out[rows, y[idx[:, j]]] += w[:, j]
    short = np.flatnonzero(take.sum(axis=1) < k)
    if len(short):  # fewer than k allowed rows in the pool: search the training split itself
        out[short] = _fitted(name, X[train], y[train], n_classes, 0)(X[te[short]])
    total = out.sum(axis=1, keepdims=True)
    return out / np.where(total == 0, 1.0, total)


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


# Rows from which the folds' fits run on threads: below, each fit takes a few milliseconds and
# setting each thread's limits (threadpoolctl reads the loaded libraries) costs as much (a
# 1,000-row scan: 0.2 s slower threaded; 100,000 rows: 1.6 s faster, benchmarks/RESULTS.md).
THREADS_FROM = 5_000


def out_of_sample_pred_probs(
    X: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    *,
    seed: int,
    n_folds: int = 5,
    models: tuple[str, ...] = DEFAULT_MODELS,
    combine: str = DEFAULT_COMBINE,
    train_mask: np.ndarray | None = None,
    hashes: np.ndarray | None = None,
    neighbours: tuple[np.ndarray, np.ndarray] | None = None,
    by_model: bool = False,
    threads: int = 1,
) -> tuple[np.ndarray, dict]:
    """(n x n_classes) probabilities, each row from models that never saw that row.

    train_mask (optional, bool per row) keeps suspected-noisy rows out of every training
    split while still scoring them: a second pass on cleaner labels sharpens the rest.
    hashes (optional, uint64 per row): the rows' content hashes, which then key the folds.
    neighbours (optional): neighbour_table(X), to share between calls on the same X.
    by_model: also return each model's own probabilities, info["by_model"] (name -> n x n_classes),
    for a caller that chooses among the models (choose_models).
    threads: the folds' fits at once (from THREADS_FROM rows), each with one BLAS and OpenMP
    thread: a fit is the same whichever thread runs it, and each writes its own fold's rows.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    n = len(y)
    counts = np.bincount(y, minlength=n_classes)
    single = np.flatnonzero((counts > 0) & (counts < MIN_CLASS_ROWS))
    fit = np.flatnonzero(counts[y] >= MIN_CLASS_ROWS)
    if len(fit) == 0:  # nothing to cross-validate: every row keeps its own label
        probs = np.eye(n_classes)[y] if n else np.zeros((0, n_classes))
        return probs, {"models": [], "combine": combine, "weights": {}, "folds": 0, "log_loss": {},
                       "fit_rows": 0, "unscored_classes": [int(c) for c in single],
                       "unscored_rows": list(range(n)),
                       **({"by_model": dict.fromkeys(models, probs)} if by_model else {})}
    h = fold_hashes(X, seed, hashes)
    k = int(min(n_folds, max(2, len(fit) // 2)))
    folds = assign_folds(h[fit], y[fit], k)
    oof = {m: np.zeros((len(fit), n_classes)) for m in models}
    usable = np.ones(len(fit), bool) if train_mask is None else np.asarray(train_mask, bool)[fit]
    jobs = []  # (model, training rows, held-out rows) in fold order
    for f in range(k):
        tr, te = np.flatnonzero((folds != f) & usable), np.flatnonzero(folds == f)
        if len(te):
            jobs += [(m, tr, te) for m in models]
    if neighbours is None and any(family(m) == "knn" and len(np.unique(y[fit[tr]])) > 1 for m, tr, _ in jobs):
        neighbours = neighbour_table(X)

    def held_out(job: tuple[str, np.ndarray, np.ndarray]) -> np.ndarray:
        m, tr, te = job
        if family(m) == "knn" and len(np.unique(y[fit[tr]])) > 1:
            assert neighbours is not None
            return _knn_pred_probs(neighbours, X, y, fit[te], fit[tr], n_classes, m)
        return _fitted(m, X[fit[tr]], y[fit[tr]], n_classes, seed)(X[fit[te]])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        found = side_by_side(held_out, jobs, threads if len(fit) >= THREADS_FROM else 1)
    for (m, _, te), probs in zip(jobs, found):
        oof[m][te] = probs
    w = _weights(oof, y[fit], combine)
    probs = np.zeros((n, n_classes))
    for m in models:
        probs[fit] += w[m] * oof[m]
    lone = np.flatnonzero(counts[y] < MIN_CLASS_ROWS)
    probs[lone, :] = 0.0
    probs[lone, y[lone]] = 1.0  # too few to cross-validate: keep the label (rare-class reports the class)
    probs /= probs.sum(axis=1, keepdims=True)
    info = {
        "models": list(models),
        "combine": combine,
        "weights": w,
        "folds": k,
        "log_loss": {m: round(_log_loss(y[fit], oof[m]), 6) for m in models},
        "fit_rows": len(fit),
        "unscored_classes": [int(c) for c in single],
        "unscored_rows": [int(r) for r in lone],
    }
    if by_model:
        info["by_model"] = {}
        for m in models:
            own = np.zeros((n, n_classes))
            own[fit] = oof[m]
            own[lone, y[lone]] = 1.0
            info["by_model"][m] = own
    return probs, info


SELECT_FLOOR = 0.05  # times 1 / classes: the least probability a model's log loss counts


def choose_models(by_model: dict[str, np.ndarray], y: np.ndarray) -> dict[str, float]:
    """Per model family, the member with the lowest out-of-sample log loss; the winners weighted
    equally. The given label's probability counts at least SELECT_FLOOR / classes: a k-NN gives
    0 to a class absent among its neighbours, and one such row would otherwise outweigh its
    accuracy everywhere else (the 5-NN on MNIST: the most accurate, and the worst log loss
    unfloored). Ties go to the first name in sorted order."""
    n_classes = next(iter(by_model.values())).shape[1] if by_model else 0
    floor = SELECT_FLOOR / max(n_classes, 1)
    rows = np.arange(len(y))
    losses = {m: float(-np.mean(np.log(np.maximum(p[rows, y], floor)))) for m, p in by_model.items()}
    winners = [min(sorted(ms), key=lambda m: losses[m])
               for ms in ([m for m in by_model if family(m) == f] for f in dict.fromkeys(map(family, by_model)))]
    return {m: 1.0 / len(winners) for m in winners}


PREDICT_CHUNK = 65_536  # rows per predict_proba call: bounded memory on a million rows


@dataclass(frozen=True)
class FittedMix:
    """Models fitted once, each with its mixture weight: picklable, so that pass 2 scores rows
    with them where the rows are read (learn/label_scoring.py)."""

    names: tuple[str, ...]
    weights: tuple[float, ...]
    fits: tuple[tuple[Any, np.ndarray, np.ndarray], ...]  # per model: _fit_one's (model, classes, prior)
    n_classes: int

    def add_to(self, out: np.ndarray, Z: np.ndarray, model: int) -> None:
        """out += this model's weighted probabilities of rows Z."""
        out += self.weights[model] * _predict_one(self.names[model], *self.fits[model], Z, self.n_classes)

    def predict(self, Z: np.ndarray) -> np.ndarray:
        """The mixed probabilities of rows Z, each row summing to 1."""
        Z = np.asarray(Z, dtype=np.float64)
        out = np.zeros((len(Z), self.n_classes))
        for m in range(len(self.names)):
            self.add_to(out, Z, m)
        return out / out.sum(axis=1, keepdims=True) if len(Z) else out


def fit_mix(X_fit: np.ndarray, y_fit: np.ndarray, n_classes: int, *, seed: int,
            weights: dict[str, float]) -> FittedMix:
    """Each model of `weights` with a weight above 0, fitted once on (X_fit, y_fit)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X_fit = np.asarray(X_fit, dtype=np.float64)
    y_fit = np.asarray(y_fit, dtype=np.int64)
    used = [(m, w) for m, w in weights.items() if w != 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fits = tuple(_fit_one(m, X_fit, y_fit, n_classes, seed) for m, _ in used)
    return FittedMix(tuple(m for m, _ in used), tuple(w for _, w in used), fits, n_classes)


def mix_pred_probs(mix: FittedMix, X: np.ndarray, rows: np.ndarray | None = None, threads: int = 1) -> np.ndarray:
    """mix.predict of X's rows (every one, or `rows`), PREDICT_CHUNK rows a call (bounded memory
    on a million rows), `threads` calls at once, each with one BLAS and OpenMP thread as the
    models were fitted. A row's probabilities are its own sums (over the trees, a dot product,
    its neighbours), and the chunks are fixed by the rows alone: the same bits on any number
    of threads, and as one call over every row (tests/test_label_scoring.py)."""
    n = len(X) if rows is None else len(rows)

    def chunk(a: int) -> np.ndarray:
        part = X[a:a + PREDICT_CHUNK] if rows is None else X[rows[a:a + PREDICT_CHUNK]]
        return mix.predict(np.asarray(part, dtype=np.float64))

    with one_thread():  # alone too: as the models were fitted
        parts = side_by_side(chunk, list(range(0, n, PREDICT_CHUNK)), threads)
    return np.concatenate(parts) if parts else np.zeros((0, mix.n_classes))
