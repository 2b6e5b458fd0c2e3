"""Near-copies of images: a pHash match nominates a pair, the thumbnails confirm it.

Planted in folders made here: re-encoded, resized and brightened copies pair with their
original; the same drawing on another background colour (pHash 2 bits away) or with its circle
moved does not, in near-duplicates, split-leakage and conflicting-labels alike.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

import preflight
from preflight.kernels.hamming import popcount
from preflight.profile.image_pairs import same_picture
from preflight.profile.image_signals import analyze_chunk


def _drawing(bg: tuple[int, int, int], circle_x: int = 30, size: int = 48) -> Image.Image:
    """A gradient background, a blue box and a yellow circle (the synthetic-shapes kind)."""
    xx = np.mgrid[0:size, 0:size][1] / (size - 1)
    img = Image.fromarray(np.clip(np.array(bg, float) * (0.55 + 0.45 * xx)[..., None], 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    draw.rectangle([4, 30, 20, 44], fill=(30, 30, 160))
    draw.ellipse([circle_x - 9, 7, circle_x + 9, 25], fill=(240, 230, 80))
    return img


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).copy()


def _filler(rng: np.random.Generator, size: int = 48) -> Image.Image:
    """An unrelated picture: a flat background and three random circles or boxes."""
    img = Image.new("RGB", (size, size), tuple(int(c) for c in rng.integers(0, 256, 3)))
    draw = ImageDraw.Draw(img)
    for _ in range(3):
        x, y = (int(v) for v in rng.integers(0, size - 8, 2))
        w, h = (int(v) for v in rng.integers(8, size // 2, 2))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape([x, y, x + w, y + h], fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
    return img


def _shapes(root: Path) -> None:
    """train/ and test/ of unrelated drawings; planted: four copies of train/a/base.png, and in
    test/ the same drawing on another background colour and with its circle moved 3 px."""
    rng = np.random.default_rng(4)
    for split, count in (("train", 12), ("test", 6)):
        for name in ("a", "b"):
            (root / split / name).mkdir(parents=True)
            for i in range(count):
                _filler(rng).save(root / split / name / f"{i}.png")
    base = _drawing((200, 60, 40))
    a = root / "train" / "a"
    base.save(a / "base.png")
    _jpeg(base, 50).save(a / "base_q50.jpg", quality=95)
    _jpeg(base, 95).save(a / "base_q95.png")
    base.resize((43, 43), Image.Resampling.BICUBIC).save(a / "base_small.png")
    Image.fromarray(np.clip(np.asarray(base, np.int16) + 12, 0, 255).astype(np.uint8)).save(a / "base_bright.png")
    _drawing((40, 150, 200)).save(root / "test" / "b" / "recoloured.png")
    _drawing((200, 60, 40), circle_x=27).save(root / "test" / "a" / "moved.png")


COPIES = ["train/a/base.png", "train/a/base_bright.png", "train/a/base_q50.jpg", "train/a/base_q95.png",
          "train/a/base_small.png"]
RULES = ["near-duplicates", "split-leakage", "conflicting-labels"]


def _groups(report, rule: str) -> list[list[str]]:
    return [list(g) for f in report.by_rule(rule) for g in f.groups]


def test_copies_pair_and_lookalikes_do_not(tmp_path):
    _shapes(tmp_path)
    s = analyze_chunk([str(tmp_path / p) for p in ("train/a/base.png", "test/b/recoloured.png",
                                                   "test/a/moved.png")], 10**9)
    assert int(popcount(s.phash[:1] ^ s.phash[1:2])[0]) <= 6  # a pHash alone would pair the recoloured one
    report = preflight.scan(tmp_path, select=RULES, cache=False)
    assert _groups(report, "near-duplicates") == [COPIES]
    assert not report.by_rule("split-leakage") and not report.by_rule("conflicting-labels")


def test_lookalikes_do_not_pair_at_the_widest_radius(tmp_path):
    _shapes(tmp_path)
    s = analyze_chunk([str(tmp_path / p) for p in ("train/a/base.png", "test/a/moved.png")], 10**9)
    assert int(popcount(s.phash[:1] ^ s.phash[1:])[0]) <= 10  # a candidate at radius 10
    config = tmp_path.parent / "preflight.toml"
    config.write_text("image_hash_radius = 10\n")
    report = preflight.scan(tmp_path, select=RULES, cache=False, config_file=config)
    assert _groups(report, "near-duplicates") == [COPIES] and not report.by_rule("split-leakage")


def test_a_copy_in_another_split_is_leakage_and_another_class_a_conflict(tmp_path):
    _shapes(tmp_path)
    _jpeg(Image.open(tmp_path / "train" / "a" / "base.png"), 70).save(tmp_path / "test" / "b" / "leaked.jpg")
    report = preflight.scan(tmp_path, select=RULES, cache=False)
    (leak,) = _groups(report, "split-leakage")
    assert leak == sorted([*COPIES, "test/b/leaked.jpg"])
    assert _groups(report, "conflicting-labels") == [leak]


def _digit_folder(root: Path, count: int = 400) -> list[str]:
    """scikit-learn's digits as 28x28 gray PNGs, plus re-encoded and resized copies of four, 4 to
    6 bits from their originals: alike digits sit so close that the old radius, capped by the
    dataset's neighbour spread, was 2."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    for i, (img, y) in enumerate(zip(digits.images[:count], digits.target[:count])):
        (root / str(y)).mkdir(parents=True, exist_ok=True)
        Image.fromarray((img * 255 / 16).astype(np.uint8)).resize((28, 28), Image.Resampling.BILINEAR).save(
            root / str(y) / f"{i:04d}.png")
    planted = []
    for i, how in ((11, "q50"), (32, "q50"), (21, "q90"), (3, "small")):
        y = digits.target[i]
        src = Image.open(root / str(y) / f"{i:04d}.png")
        rel = f"{y}/{i:04d}_{how}.{'png' if how == 'small' else 'jpg'}"
        if how == "small":
            src.resize((25, 25), Image.Resampling.BICUBIC).save(root / rel)
        else:
            src.save(root / rel, quality=int(how[1:]))
        planted.append(sorted([f"{y}/{i:04d}.png", rel]))
    return sorted(planted)


def test_copies_of_alike_small_images_pair_and_nothing_else(tmp_path):
    planted = _digit_folder(tmp_path)
    report = preflight.scan(tmp_path, select=["near-duplicates", "conflicting-labels"], cache=False)
    assert _groups(report, "near-duplicates") == planted
    assert not report.by_rule("conflicting-labels")


def test_same_picture_is_symmetric_and_rejects_recolouring():
    rng = np.random.default_rng(0)
    ycc = rng.integers(0, 256, (4, 384)).astype(np.uint8)
    ycc[1] = np.clip(ycc[0].astype(int) + rng.integers(-2, 3, 384), 0, 255)  # a near copy
    ycc[2] = ycc[0]
    ycc[2, 256:] = np.clip(ycc[0, 256:].astype(int) + 20, 0, 255)  # another tint, same luma
    a, b = np.array([0, 1, 0, 2, 0]), np.array([1, 0, 2, 0, 3])
    assert same_picture(ycc, a, b).tolist() == [True, True, False, False, False]


def _faint(box_x: int) -> Image.Image:
    """32x32: a gray gradient, a bright yellow box, and a faint box (8 levels darker) at box_x."""
    xx = np.mgrid[0:32, 0:32][1] / 31
    img = Image.fromarray(np.clip(np.full(3, 110.0) * (0.8 + 0.3 * xx)[..., None], 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    draw.rectangle([4, 22, 15, 29], fill=(225, 210, 80))
    draw.rectangle([box_x, 4, box_x + 11, 13], fill=(102, 102, 106))
    return img


def test_a_faint_box_moved_does_not_pair_and_copies_do(tmp_path):
    rng = np.random.default_rng(5)
    for i in range(12):
        _filler(rng, 32).save(tmp_path / f"other{i}.png")
    base = _faint(13)
    base.save(tmp_path / "base.png")
    _jpeg(base, 50).save(tmp_path / "base_q50.png")
    base.resize((36, 36), Image.Resampling.BICUBIC).save(tmp_path / "base_big.png")
    _faint(18).save(tmp_path / "moved.png")  # the faint box 5 px to the right
    s = analyze_chunk([str(tmp_path / p) for p in ("base.png", "moved.png")], 10**9)
    assert int(popcount(s.phash[:1] ^ s.phash[1:])[0]) <= 6  # a candidate: the thumbnails decide
    report = preflight.scan(tmp_path, select=["near-duplicates"], cache=False)
    assert _groups(report, "near-duplicates") == [["base.png", "base_big.png", "base_q50.png"]]
