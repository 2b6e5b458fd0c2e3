"""label-issues adapting to the data: the model chosen per dataset, pixel-like tables on one
scale, the filter by rows per class. Each plants flipped labels and asserts the exact rows."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import preflight
from preflight.learn.label_issues import candidate_models, decision_rule, find_label_issues, label_issues_from_features
from preflight.learn.pixels import shared_range


def _crabs(n: int = 240, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four classes told apart by two ratios of five size-dominated measurements (as MASS's crabs):
    a linear model separates them only weakly regularised."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 4
    size = rng.uniform(10, 50, n)
    a, b = (y % 2) * 2 - 1, (y // 2) * 2 - 1
    X = np.stack([size * (1 + 0.15 * a), size * (1 - 0.15 * a), size * (1 + 0.15 * b), size * (1 - 0.15 * b),
                  size], axis=1) + np.c_[rng.normal(0, 0.05, (n, 4)), np.zeros(n)]
    return X.round(2), y


def _pixels(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """8x8 images, 0-255: a vertical, a horizontal or a diagonal stroke over speckled noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    img = np.zeros((n, 8, 8))
    for i, c in enumerate(y):
        if c == 0:
            img[i, :, 2 + rng.integers(0, 2)] = 1
        elif c == 1:
            img[i, 2 + rng.integers(0, 2), :] = 1
        else:
            img[i, np.arange(8), np.arange(8)] = 1
    img = img * rng.uniform(150, 255, (n, 1, 1)) + rng.integers(0, 40, (n, 8, 8)) + 200 * (rng.random((n, 8, 8)) < 0.04)
    return np.clip(img, 0, 255).astype(np.int64).reshape(n, 64), y


def _flip(y: np.ndarray, rows: list[int]) -> np.ndarray:
    noisy = y.copy()
    noisy[rows] = (y[rows] + 1) % (y.max() + 1)
    return noisy


def _write(tmp_path: Path, X: np.ndarray, y: np.ndarray, name: str) -> Path:
    path = tmp_path / f"{name}.csv"
    header = ",".join([f"c{j}" for j in range(X.shape[1])] + ["target"])
    body = "\n".join(",".join([*map(str, row), str(label)]) for row, label in zip(X.tolist(), y.tolist()))
    path.write_text(f"{header}\n{body}\n")
    return path


def _label_issues(path: Path) -> list:
    return preflight.scan(path, label="target", select=["label-issues"]).by_rule("label-issues")


CRAB_ROWS = [5, 50, 101, 170, 222]
PIXEL_ROWS = [4, 77, 150, 203, 280]


def test_a_weakly_regularised_linear_model_is_chosen_where_it_fits_best(tmp_path) -> None:
    X, y = _crabs()
    (finding,) = _label_issues(_write(tmp_path, X, _flip(y, CRAB_ROWS), "crabs"))
    assert sorted(finding.rows) == CRAB_ROWS
    assert finding.details["model"]["models"] == ["logreg-30", "knn"]


def test_the_fixed_mix_misses_what_the_chosen_one_finds() -> None:
    X, y = _crabs()
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    noisy = _flip(y, CRAB_ROWS)
    adapted, _ = label_issues_from_features(X, noisy, 4, seed=0)
    fixed, _ = label_issues_from_features(X, noisy, 4, seed=0, adapt=False)
    assert sorted(adapted.rows) == CRAB_ROWS
    assert sorted(fixed.rows) == [5, 50, 101]


def test_clean_crabs_pass(tmp_path) -> None:
    X, y = _crabs()
    assert _label_issues(_write(tmp_path, X, y, "crabs")) == []


def test_pixel_tables_are_scaled_together(tmp_path) -> None:
    X, y = _pixels()
    (finding,) = _label_issues(_write(tmp_path, X, _flip(y, PIXEL_ROWS), "pixels"))
    assert sorted(finding.rows) == PIXEL_ROWS
    assert finding.details["model"]["representation"] == "pixels"
    assert finding.details["model"]["pixel_range"] == [0.0, 255.0]


def test_clean_pixels_pass(tmp_path) -> None:
    X, y = _pixels()
    assert _label_issues(_write(tmp_path, X, y, "pixels")) == []


def _column(low: float, high: float, kind: str = "numeric", transform: str = "standardize") -> SimpleNamespace:
    return SimpleNamespace(min=low, max=high, kind=kind, transform={"kind": transform})


@pytest.mark.parametrize(("columns", "expected"), [
    ([_column(0, 255)] * 40, (0.0, 255.0)),
    ([_column(0, 255)] * 31, None),  # too few columns for an image
    ([_column(0, 255)] * 39 + [_column(0, 1, "categorical", "one-hot")], None),
    ([_column(0, 255)] * 20 + [_column(0, 10)] * 20, None),  # half the columns span a sliver of the range
    ([_column(0, 16)] * 60 + [_column(0, 4)] * 4 + [_column(0, 0)] * 3, (0.0, 16.0)),  # digits-like
])
def test_which_tables_count_as_pixels(columns, expected) -> None:
    assert shared_range(columns) == expected


def test_candidates_and_filter_follow_the_rows() -> None:
    assert candidate_models(150) == ("logreg", "logreg-3", "logreg-30", "knn")
    assert candidate_models(5000) == ("logreg", "logreg-3", "logreg-30", "knn-5", "knn-10", "knn")
    assert decision_rule(150, 3) == ("predicted_neq_given", 0.25, 1 / 3)
    assert decision_rule(5000, 10) == ("both", 0.35, None)
    assert decision_rule(1797, 10) == ("predicted_neq_given", 0.25, 0.1)


def _blobs(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Ten well separated classes in ten dimensions."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    return 4.0 * np.eye(10)[y] + rng.normal(0, 0.8, (n, 10)), y


BLOB_FLIPS = [3, 111, 222, 333]


def _blobs_with_a_hard_example() -> tuple[np.ndarray, np.ndarray]:
    X, y = _blobs()
    noisy = y.copy()
    noisy[BLOB_FLIPS] = (y[BLOB_FLIPS] + 5) % 10
    X[260] = 4.0 * (0.42 * np.eye(10)[0] + 0.58 * np.eye(10)[1])  # a 0 drawn mostly like a 1
    return X, noisy


def test_a_hard_example_keeps_more_than_chance_of_its_label() -> None:
    X, noisy = _blobs_with_a_hard_example()
    issues, info = label_issues_from_features(X, noisy, 10, seed=0)
    assert sorted(issues.rows) == BLOB_FLIPS
    assert info["max_given"] == 0.1
    # the margin alone also takes the planted 0 and row 303, a 3 that drifted towards another class
    margin_only = find_label_issues(info["pred_probs"], noisy, max_given=None)
    assert sorted(margin_only.rows) == sorted([*BLOB_FLIPS, 260, 303])


def test_the_fixed_mix_keeps_the_chance_ceiling() -> None:
    X, noisy = _blobs_with_a_hard_example()
    issues, info = label_issues_from_features(X, noisy, 10, seed=0, adapt=False)
    assert sorted(issues.rows) == BLOB_FLIPS
    assert (info["method"], info["max_given"]) == ("predicted_neq_given", 0.1)


def test_clean_blobs_pass() -> None:
    X, y = _blobs()
    assert label_issues_from_features(X, y, 10, seed=0)[0].rows.tolist() == []


def test_the_given_label_ceiling_is_strict() -> None:
    probs = np.array([[0.05, 0.9, 0.05], [0.2, 0.8, 0.0], [0.1, 0.9, 0.0], [0.1, 0.85, 0.05]])
    y = np.array([0, 0, 0, 1])
    assert find_label_issues(probs, y).rows.tolist() == [0, 2, 1]
    assert find_label_issues(probs, y, max_given=0.1).rows.tolist() == [0]
