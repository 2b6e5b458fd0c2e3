"""preflight.learn: planted label flips are found, clean data stays quiet, inputs are checked."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from preflight.learn.crossval import (
    _knn_pred_probs,
    assign_folds,
    neighbour_table,
    out_of_sample_pred_probs,
    row_hashes,
    stratified_sample,
)
from preflight.learn.label_issues import (
    find_label_issues,
    label_issues_from_features,
    validate_features,
    validate_pred_probs,
)
from preflight.learn.near_duplicates import near_duplicate_groups

CENTERS = [(-6.0, 0.0, 0.0), (6.0, 0.0, 0.0), (0.0, 8.0, 0.0)]


def blobs(n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=n, centers=CENTERS, cluster_std=1.0, random_state=7)
    return X.astype(np.float64), y.astype(np.int64)


def flipped(y: np.ndarray, n_flip: int = 10) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    rows = np.sort(rng.choice(len(y), size=n_flip, replace=False))
    noisy = y.copy()
    noisy[rows] = (y[rows] + rng.integers(1, 3, size=n_flip)) % 3
    return noisy, rows


def test_planted_flips_are_found() -> None:
    X, y = blobs()
    noisy, planted = flipped(y)
    issues, info = label_issues_from_features(X, noisy, 3, seed=0)
    hits = len(np.intersect1d(issues.rows, planted))
    assert hits / len(planted) >= 0.8
    assert hits / max(len(issues.rows), 1) >= 0.7
    assert info["folds"] == 5 and {m.split("-")[0] for m in info["models"]} == {"logreg", "knn"}  # one per family


def test_issue_fields_agree() -> None:
    X, y = blobs()
    noisy, _ = flipped(y)
    issues, _ = label_issues_from_features(X, noisy, 3, seed=0)
    assert len(issues.rows) > 0
    assert np.all(np.diff(issues.scores) >= 0)
    np.testing.assert_array_equal(issues.given, noisy[issues.rows])
    np.testing.assert_array_equal(issues.scores, issues.quality[issues.rows])
    assert np.all(issues.suggested != issues.given)
    assert issues.quality.shape == (len(y),)


def test_clean_blobs_stay_quiet() -> None:
    X, y = blobs()
    issues, _ = label_issues_from_features(X, y, 3, seed=0)
    assert len(issues.rows) <= 1


def test_deterministic() -> None:
    X, y = blobs()
    noisy, _ = flipped(y)
    p1, i1 = out_of_sample_pred_probs(X, noisy, 3, seed=5)
    p2, i2 = out_of_sample_pred_probs(X, noisy, 3, seed=5)
    assert p1.tobytes() == p2.tobytes() and i1 == i2
    a, _ = label_issues_from_features(X, noisy, 3, seed=5)
    b, _ = label_issues_from_features(X, noisy, 3, seed=5)
    assert a.rows.tobytes() == b.rows.tobytes() and a.quality.tobytes() == b.quality.tobytes()


def test_probabilities_are_complete_rows() -> None:
    X, y = blobs()
    p, info = out_of_sample_pred_probs(X, y, 4, seed=0)  # class 3 never occurs
    assert p.shape == (len(y), 4)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert set(info["log_loss"]) == set(info["models"])


def test_folds_follow_content_not_position() -> None:
    X, y = blobs(600)  # 200 per class: hash-assigned folds
    h = row_hashes(X, seed=1)
    folds = assign_folds(h, y, 5)
    extra, extra_y = blobs(60)
    X2, y2 = np.vstack([extra[:30], X, extra[30:] + 100.0]), np.r_[extra_y[:30], y, extra_y[30:]]
    folds2 = assign_folds(row_hashes(X2, seed=1), y2, 5)
    np.testing.assert_array_equal(folds2[30:30 + len(y)], folds)
    assert np.bincount(folds, minlength=5).min() > 80  # still roughly balanced
    perm = np.random.default_rng(0).permutation(len(y))
    np.testing.assert_array_equal(assign_folds(h[perm], y[perm], 5), folds[perm])


def test_tiny_classes_do_not_crash() -> None:
    X, y = blobs()
    X = np.vstack([X, [[30.0, 30.0, 30.0]], [[-30.0, 30.0, 0.0]], [[-30.0, 31.0, 0.0]]])
    y = np.r_[y, 3, 4, 4]
    p, info = out_of_sample_pred_probs(X, y, 5, seed=0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert info["unscored_classes"] == [3, 4] and info["unscored_rows"] == [300, 301, 302]
    issues, _ = label_issues_from_features(X, y, 5, seed=0)
    assert not {300, 301, 302} & set(issues.rows.tolist())


def test_a_class_of_two_inside_another_is_not_called_mislabeled() -> None:
    """Held out, each row of a two-row class meets a model that saw one example of it: that the
    model predicts the big class around it is no evidence of a wrong label (starwars' species)."""
    X, y = blobs()
    centre = X[y == 0].mean(axis=0)
    X = np.vstack([X, centre + 0.01, centre - 0.01])
    y = np.r_[y, 3, 3]
    issues, info = label_issues_from_features(X, y, 4, seed=0)
    assert not {300, 301} & set(issues.rows.tolist())
    assert info["unscored_classes"] == [3]


def test_stratified_sample_is_proportional_content_keyed_and_keeps_rare_classes() -> None:
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [700, 280, 20])
    h = rng.integers(0, 2**63, size=len(y), dtype=np.int64).astype(np.uint64)
    rows = stratified_sample(h, y, 200)
    assert np.all(np.diff(rows) > 0)
    # 140 and 56 by share; the 4 of class 2 are raised to all of its 20 rows
    assert np.bincount(y[rows]).tolist() == [140, 56, 20]
    perm = rng.permutation(len(y))  # positions do not matter, content does
    moved = stratified_sample(h[perm], y[perm], 200)
    assert sorted(h[perm][moved].tolist()) == sorted(h[rows].tolist())
    assert stratified_sample(h, y, len(y)).tolist() == list(range(len(y)))


def test_sampled_fit_scores_every_row() -> None:
    X, y = blobs(600)
    noisy, planted = flipped(y, 12)
    h = row_hashes(X, seed=0)
    sample = stratified_sample(h, noisy, 150)
    outside = np.setdiff1d(planted, sample)
    assert len(outside) >= 8  # most flips are scored by the model fitted on the sample only
    issues, info = label_issues_from_features(X, noisy, 3, seed=0, hashes=h, sample=sample)
    assert sorted(issues.rows.tolist()) == planted.tolist()
    assert info["sample_rows"] == len(sample) and info["models"] == ["logreg", "hgb"]
    np.testing.assert_allclose(info["pred_probs"].sum(axis=1), 1.0)
    again, _ = label_issues_from_features(X, noisy, 3, seed=0, hashes=h, sample=sample)
    assert again.rows.tobytes() == issues.rows.tobytes() and again.quality.tobytes() == issues.quality.tobytes()


def test_pooled_neighbours_match_a_search_per_split() -> None:
    """The 20-NN read off one neighbour table equals a KNeighborsClassifier fitted on the split,
    with exact copies (zero distance) and with a split too thin for the pool (searched again)."""
    from sklearn.neighbors import KNeighborsClassifier

    X, y = blobs()
    X = np.vstack([X, X[:5]])  # rows 300-304 copy rows 0-4
    y = np.r_[y, y[:5]]
    table = neighbour_table(X)
    folds = assign_folds(row_hashes(X + np.arange(len(X))[:, None], 0), y, 5)  # copies in other folds
    rng = np.random.default_rng(1)
    for train, test in [(np.flatnonzero(folds != 0), np.flatnonzero(folds == 0)),
                        (np.sort(rng.choice(len(y), 40, replace=False)), np.arange(len(y)))]:
        knn = KNeighborsClassifier(n_neighbors=20, weights="distance").fit(X[train], y[train])
        expected = knn.predict_proba(X[test])
        got = _knn_pred_probs(table, X, y, test, train, 3)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    assert np.any(got.max(axis=1) == 1.0)  # rows of the split itself: all weight on the zero distance


def test_degenerate_inputs() -> None:
    one_class = find_label_issues(np.ones((4, 1)), np.zeros(4, dtype=np.int64))
    assert len(one_class.rows) == 0 and one_class.quality.shape == (4,)
    X, _y = blobs()
    p, _ = out_of_sample_pred_probs(X[:3], np.array([0, 0, 0]), 3, seed=0)
    np.testing.assert_allclose(p[:, 0], 1.0)


def test_validate_pred_probs_messages() -> None:
    with pytest.raises(ValueError) as err:
        validate_pred_probs(np.full((170, 3), 1 / 3), 178, 3, "pred_probs.npy")
    assert str(err.value) == (
        "pred_probs.npy: expected 178 rows x 3 columns (one per class, in stats.json's "
        "class order), got 170 x 3."
    )
    bad = np.full((20, 3), 1 / 3)
    bad[[12, 14, 15, 19], 1] = np.nan
    with pytest.raises(ValueError) as err:
        validate_pred_probs(bad, 20, 3, "pred_probs.npy")
    assert str(err.value) == "pred_probs.npy: contains NaN in 4 rows (first: 12)."
    unnormalized = np.full((5, 2), 0.5)
    unnormalized[3] = [0.9, 0.9]
    with pytest.raises(ValueError, match=r"rows must sum to 1 .* 1 rows do not \(first: 3, sums to 1.8\)"):
        validate_pred_probs(unnormalized, 5, 2, "p.npy")
    with pytest.raises(ValueError, match="outside"):
        validate_pred_probs(np.array([[1.5, -0.5]]), 1, 2, "p.npy")
    ok = validate_pred_probs(np.full((4, 2), 0.5, dtype=np.float32), 4, 2, "p.npy")
    assert ok.dtype == np.float64


def test_validate_features_messages() -> None:
    with pytest.raises(ValueError) as err:
        validate_features(np.zeros(10), 10, "emb.npy")
    assert str(err.value) == "emb.npy: expected 10 rows x at least 1 column (one row per data row), got 10."
    inf = np.zeros((6, 2))
    inf[4, 0] = np.inf
    with pytest.raises(ValueError) as err:
        validate_features(inf, 6, "emb.npy")
    assert str(err.value) == "emb.npy: contains infinite values in 1 rows (first: 4)."
    with pytest.raises(ValueError, match="dtype <U1"):
        validate_features(np.array([["a"]]), 1, "emb.npy")
    assert validate_features(np.ones((3, 2), dtype=np.int32), 3, "emb.npy").dtype == np.float64


def test_near_duplicates_planted() -> None:
    X, _ = blobs()
    X = np.vstack([X, X[17] + 1e-6, X[40]])  # rows 300 (near copy), 301 (exact copy)
    groups, info = near_duplicate_groups(X, seed=0)
    assert groups == [[17, 300], [40, 301]]
    assert info["exact_duplicate_rows"] == 1


def test_near_duplicates_quiet_and_deterministic() -> None:
    X, _ = blobs()
    assert near_duplicate_groups(X, seed=0)[0] == []
    assert near_duplicate_groups(X[:1], seed=0)[0] == []
    same = np.vstack([X[:1]] * 4)
    assert near_duplicate_groups(same, seed=0)[0] == [[0, 1, 2, 3]]
    wide = np.random.default_rng(0).normal(size=(500, 40))
    wide[499] = wide[3] * (1 + 1e-9)
    assert near_duplicate_groups(wide, seed=1) == near_duplicate_groups(wide, seed=1)
    assert near_duplicate_groups(wide, seed=1)[0] == [[3, 499]]


@pytest.mark.parametrize("dims", [5, 40, 300])  # no projection, the principal prefilter, the random one
def test_near_index_finds_every_pair_brute_force_finds(dims: int) -> None:
    """The search's pairs and the index's queries against it equal a brute-force distance check,
    on any number of threads: the prefilter's projection drops no row with a point in reach."""
    from preflight.learn.near_duplicates import near_duplicate_search

    rng = np.random.default_rng(dims)
    spread = rng.uniform(0.1, 3, dims)
    X = rng.normal(size=(3_000, dims)) * spread  # unequal spreads: the principal axes are the widest
    X[2_000:2_060] = X[:60] + rng.normal(scale=1e-3, size=(60, dims))  # planted near-copies
    X[2_100:2_140] = X[2_100] + rng.normal(scale=1e-3, size=(40, dims))  # a tight cluster (over CAP)
    groups, info, index = near_duplicate_search(X, seed=0, radius_ratio=0.05)
    r = info["radius"]
    d = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)) if dims < 300 else None
    if d is not None:
        close = (d < r) & ~np.eye(len(X), dtype=bool)
        light = close.sum(1) <= 16
        brute = {(i, j) for i, j in zip(*np.nonzero(close)) if i < j and light[i] and light[j]}
        assert brute and all(any(i in g and j in g for g in groups) for i, j in brute)
    assert [0, 2_000] in groups and any(2_100 in g and 2_139 in g for g in groups)
    step = rng.normal(size=(400, dims))
    step[:100] = 0
    step[:100, np.argmax(spread)] = 1  # along the widest axis: the projection keeps all of it
    step *= r / np.linalg.norm(step, axis=1, keepdims=True)  # just inside and just outside the radius
    Q = np.vstack([X[60:260] + 0.98 * step[:200], X[60:260] + 1.02 * step[200:], rng.normal(size=(100, dims)) * 5])
    got = index.query(Q)
    assert [a.tolist() for a in got] == [a.tolist() for a in index.query(Q, threads=2)]
    dq = np.sqrt(((Q[:, None, :] - index.points[None, :, :]) ** 2).sum(-1))
    pairs = set(zip(*np.nonzero(dq < r)))
    assert len(pairs) >= 200 and set(zip(got[0].tolist(), got[1].tolist())) <= pairs
    assert set(range(200)) <= set(got[0].tolist())
    assert set(got[0].tolist()) == {i for i, _ in pairs}  # every row with a point in reach is found


@pytest.mark.parametrize("dims", [5, 65])
def test_the_grid_puts_rows_within_the_radius_in_one_cell(dims: int) -> None:
    """NearGrid: rows a fraction of the radius apart share a cell of one grid or the other
    (pairs straddling a first-grid wall included); rows farther apart along the grids' axes
    than a cell's diagonal never share one; shared_cells names the rows whose cell holds
    another content."""
    from preflight.checks.near_pairs import shared_cells
    from preflight.learn.near_duplicates import CELL_RADII, NearGrid, near_duplicate_search

    rng = np.random.default_rng(dims)
    X = rng.normal(size=(2_000, dims))
    _, info, index = near_duplicate_search(X, seed=0, radius_ratio=0.05)
    grid = NearGrid.of(index, seed=0)
    r = info["radius"]
    step = rng.normal(size=(2_000, dims))
    step /= np.linalg.norm(step, axis=1, keepdims=True)  # random directions
    a, b = grid.keys(X), grid.keys(X + 0.3 * r * step)  # noise copies, 0.3 radii away
    joined = (a == b).any(axis=1)
    assert joined.mean() > 0.99 and (a[joined, 0] != b[joined, 0]).sum() > 20  # the second grid joins many
    assert (a == grid.keys(X + 1e-9 * r * step)).all(axis=1).mean() > 0.999  # copies a hair apart: both grids
    axes = grid.basis if grid.basis is not None else np.eye(dims)  # the grids' axes (65: 16 principal ones)
    along = rng.normal(size=(2_000, axes.shape[1]))
    along /= np.linalg.norm(along, axis=1, keepdims=True)
    far = grid.keys(X + 1.01 * CELL_RADII * r * np.sqrt(axes.shape[1]) * along @ axes.T)  # past a cell's diagonal
    assert not (far == a).any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow in the cast to integer coordinates
        huge = grid.keys(np.array([[1e300] * dims, [-1e300] * dims, [1e300] * dims]))  # finite: as the matrix
    assert (huge[0] == huge[2]).all()
    cells = np.array([[1, 7], [1, 8], [2, 9], [2, 10], [3, 11], [4, 11]], np.uint64)
    fh = np.array([5, 6, 5, 5, 1, 2], np.uint64)  # rows 2 and 3: exact copies, alone in their cell
    assert shared_cells(cells, fh).tolist() == [0, 1, 4, 5]  # cell 1 of grid 0, cell 11 of grid 1


def test_folds_fit_on_threads_give_the_same_bits(monkeypatch) -> None:
    """The folds' fits on several threads give the probabilities one thread gives, for every
    model family the scans cross-validate (with a train mask, as the refit pass runs)."""
    import preflight.learn.crossval as crossval
    from preflight.learn.crossval import one_thread, out_of_sample_pred_probs

    monkeypatch.setattr(crossval, "THREADS_FROM", 0)  # a small table on threads too
    rng = np.random.default_rng(3)
    X = rng.normal(size=(600, 8))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.int64) + (X[:, 3] > 1)
    mask = rng.random(600) > 0.1
    for models in (("logreg", "knn"), ("hgb", "logreg-3"), ("knn-5", "knn-10")):
        with one_thread():
            one, info = out_of_sample_pred_probs(X, y, 3, seed=1, models=models, train_mask=mask, by_model=True)
            two, info2 = out_of_sample_pred_probs(X, y, 3, seed=1, models=models, train_mask=mask, by_model=True,
                                                  threads=2)
        assert np.array_equal(one, two), models
        assert all(np.array_equal(info["by_model"][m], info2["by_model"][m]) for m in models)
        assert info["log_loss"] == info2["log_loss"] and info["weights"] == info2["weights"]
