"""label-issues on images: the representation is chosen per dataset, the planted files are found.

Handwritten digits are told apart by stroke directions, which the gradient histograms of the
luma thumbnail keep; colour classes by colour, which the thumbnail and histogram keep.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

import preflight
from preflight.checks.label_issues import _gradients


def _digits(root: Path, count: int, moved: int, seed: int) -> list[str]:
    """scikit-learn's digits as 28x28 gray PNGs in train/ and test/ class folders; `moved` of
    them filed under another class. Returns the moved files."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
    wrong = set(rng.choice(count, moved, replace=False).tolist()) if moved else set()
    planted = []
    for i in range(count):
        label = int(digits.target[i])
        if i in wrong:
            label = (label + 1 + int(rng.integers(0, 9))) % 10
        rel = f"{'test' if i % 5 == 0 else 'train'}/{label}/{i:04d}.png"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        img = Image.fromarray((digits.images[i] * 255 / 16).astype(np.uint8))
        img.resize((28, 28), Image.Resampling.BILINEAR).save(root / rel)
        if i in wrong:
            planted.append(rel)
    return sorted(planted)


def test_digits_moved_into_wrong_class_folders_are_found(tmp_path):
    planted = _digits(tmp_path, 800, 10, seed=0)  # main's thumbnail components: 9 of 10, one false flag
    (finding,) = preflight.scan(tmp_path, select=["label-issues"], cache=False).by_rule("label-issues")
    assert sorted(finding.files) == planted
    model = finding.details["model"]
    assert model["image_features"] == "gradients"
    assert model["image_feature_log_loss"]["gradients"] < model["image_feature_log_loss"]["thumbnail"]


def test_clean_digit_folders_stay_quiet(tmp_path):
    _digits(tmp_path, 800, 0, seed=0)
    assert preflight.scan(tmp_path, select=["label-issues"], cache=False).findings == ()


def test_gradients_ignore_contrast_and_see_direction():
    rng = np.random.default_rng(0)
    luma = rng.integers(0, 128, (3, 256)).astype(np.uint8)
    luma[1] = luma[0] * 2  # the same picture at twice the contrast
    luma[2] = luma[0].reshape(16, 16).T.reshape(-1)  # turned: other directions
    ycc = np.hstack([luma, np.full((3, 128), 128, np.uint8)])
    g = _gradients(ycc)
    assert g.shape == (3, (16 + 64) * 12)
    np.testing.assert_allclose((g ** 2).sum(axis=1), 1.0)  # Hellinger: square roots of shares
    np.testing.assert_allclose(g[0], g[1], atol=1e-12)
    assert np.abs(g[0] - g[2]).sum() > 1.0
