"""Out-of-sample label probabilities for tables with free text: TF-IDF + a fast linear model.

The text columns become TF-IDF word features (words: runs of letters and digits of the normalised
text, profile/text.tokenize; sublinear term frequency, words seen in at least MIN_DF texts, each
text column its own vocabulary; computed in numpy, `tfidf`); the table's other model columns (its
transformed matrix) are joined in. A linear model trained by SGD with the modified Huber loss
(scikit-learn's SGDClassifier, one-vs-rest, MAX_ITER epochs) gives probabilities by
content-hashed 5-fold cross-validation, in two passes as on tables (the second leaves out the
rows the first found suspicious). Chosen on benchmarks/text_quality.py with 5% of the labels
flipped (benchmarks/RESULTS.md): on Reuters R8 and 20 Newsgroups, word unigrams beat word
1-2-grams and character 3-5-grams (as good or better, 3 to 10 times faster), and SGD beat a
logistic regression fitted to convergence at a tenth of its time.
Above a row cap, the models are fitted on a stratified content-keyed sample (cross-validated
there) and score every other row, as on tables.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from preflight.learn.label_issues import FILTER_BY, MAX_QUALITY, REFIT_BELOW, SCORE_METHOD, find_label_issues

MIN_DF = 2
ALPHA = 2e-4
MAX_ITER = 5
FOLDS = 5


def text_matrix(profile: Any, rows: np.ndarray) -> Any:
    """Sparse features of `rows`: TF-IDF of each text column, then the other model columns."""
    import scipy.sparse as sp

    from preflight.profile.text import ints, tokenize

    blocks = [tfidf(*tokenize(col.text.normalised.take(ints(rows)))[:2], min_df=MIN_DF if len(rows) >= 50 else 1)
              for col in profile.text_columns]
    dense, _ = profile.matrix
    if dense.shape[1]:
        blocks.append(sp.csr_matrix(dense[rows].astype(np.float32)))
    if not blocks:
        return sp.csr_matrix((len(rows), 0), dtype=np.float32)
    return sp.hstack(blocks, format="csr")


def tfidf(counts: np.ndarray, codes: np.ndarray, *, min_df: int) -> Any:
    """TF-IDF rows as scikit-learn's TfidfVectorizer(sublinear_tf=True, min_df=min_df) computes them
    (tf = 1 + log(count), idf = log((1 + n) / (1 + df)) + 1, rows scaled to unit length), from
    tokenize's word codes: vectorised, no Python loop over words."""
    import scipy.sparse as sp

    n = len(counts)
    doc = np.repeat(np.arange(n, dtype=np.int64), counts)
    width = int(codes.max()) + 1 if len(codes) else 0
    pairs, tf = np.unique(doc * max(width, 1) + codes, return_counts=True)
    row, term = pairs // max(width, 1), pairs % max(width, 1)
    df = np.bincount(term, minlength=width)
    kept = np.flatnonzero(df >= min_df)
    column = np.full(width, -1, np.int64)
    column[kept] = np.arange(len(kept))
    use = column[term] >= 0
    row, term, tf = row[use], column[term[use]], tf[use]
    idf = np.log((1.0 + n) / (1.0 + df[kept])) + 1.0
    data = (1.0 + np.log(tf)) * idf[term]
    norm = np.sqrt(np.bincount(row, data * data, minlength=n))
    data = data / np.where(norm > 0, norm, 1.0)[row]
    return sp.csr_matrix((data.astype(np.float32), (row, term)), shape=(n, len(kept)))


def _model(seed: int) -> Any:
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="modified_huber", alpha=ALPHA, max_iter=MAX_ITER, tol=None, random_state=seed)


def _fit_predict(X: Any, y: np.ndarray, train: np.ndarray, test: np.ndarray, n_classes: int, seed: int) -> np.ndarray:
    out = np.zeros((len(test), n_classes))
    classes = np.unique(y[train])
    if len(classes) < 2:
        prior = np.bincount(y[train], minlength=n_classes).astype(float)
        return np.tile(prior / max(prior.sum(), 1.0), (len(test), 1))
    model = _model(seed).fit(X[train], y[train])
    out[:, model.classes_.astype(np.int64)] = model.predict_proba(X[test])
    out[out.sum(axis=1) == 0] = 1.0  # no class scored above the others' floor: uniform
    return out / out.sum(axis=1, keepdims=True)


def _out_of_sample(X: Any, y: np.ndarray, n_classes: int, seed: int, hashes: np.ndarray,
                   usable: np.ndarray | None) -> np.ndarray:
    from preflight.learn.crossval import assign_folds, fold_hashes

    k = int(min(FOLDS, max(2, len(y) // 2)))
    folds = assign_folds(fold_hashes(np.zeros((len(y), 0)), seed, hashes), y, k)
    probs = np.zeros((len(y), n_classes))
    ok = np.ones(len(y), bool) if usable is None else usable
    for f in range(k):
        test = np.flatnonzero(folds == f)
        if len(test):
            probs[test] = _fit_predict(X, y, np.flatnonzero((folds != f) & ok), test, n_classes, seed)
    return probs


def text_label_issues(profile: Any, labelled: np.ndarray, y: np.ndarray, n_classes: int, *, seed: int,
                      sample: np.ndarray | None = None) -> tuple[Any, dict]:
    """(LabelIssues, info) for the labelled rows; info["pred_probs"]: the final probabilities."""
    from cleanlab.rank import get_label_quality_scores
    from sklearn.exceptions import ConvergenceWarning

    from preflight.learn.crossval import one_thread

    y = np.asarray(y, dtype=np.int64)
    hashes = profile.feature_hash[labelled]
    with one_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        X = text_matrix(profile, labelled)
        fit = np.arange(len(y)) if sample is None else np.asarray(sample, dtype=np.int64)
        Xs, ys = X[fit], y[fit]
        first = _out_of_sample(Xs, ys, n_classes, seed, hashes[fit], None)
        suspect = np.zeros(len(ys), bool)
        if len(np.unique(ys)) > 1:
            suspect = get_label_quality_scores(ys, first, method=SCORE_METHOD) < REFIT_BELOW
        probs = np.zeros((len(y), n_classes))
        probs[fit] = _out_of_sample(Xs, ys, n_classes, seed, hashes[fit], ~suspect)
        if sample is not None:
            rest = np.setdiff1d(np.arange(len(y)), fit)
            probs[rest] = _fit_predict(X, y, fit[~suspect], rest, n_classes, seed) if len(rest) else probs[rest]
    issues = find_label_issues(probs, y)
    info = {"models": ["tfidf-sgd"], "features": X.shape[1], "folds": FOLDS, "repeats": 1,
            "method": FILTER_BY, "score_method": SCORE_METHOD, "max_quality": MAX_QUALITY,
            "left_out_of_refit": int(suspect.sum()), "pred_probs": probs}
    return issues, info
