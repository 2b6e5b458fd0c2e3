"""Image datasets: each planted problem in fixtures/images/ is found with its exact files."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import preflight
from preflight.cli import main
from preflight.stats.load import Stats

ROOT = Path(__file__).resolve().parent.parent
PLANTED = ROOT / "fixtures" / "images"
CLEAN = ROOT / "fixtures" / "images_clean"
OUTLIERS = ROOT / "fixtures" / "images_outliers"
EXIF = ROOT / "fixtures" / "images_exif"
UNREADABLE = {
    "test/cat/bomb.png": "too-large",
    "train/bird/empty.jpg": "empty",
    "train/cat/notes.jpg": "not-an-image",
    "train/dog/truncated.png": "truncated",
}


@pytest.fixture(scope="module")
def report():
    return preflight.scan(PLANTED)


def files(report, rule: str) -> list[str]:
    return sorted(f for finding in report.by_rule(rule) for f in finding.files)


def groups(report, rule: str) -> list[list[str]]:
    return [list(g) for finding in report.by_rule(rule) for g in finding.groups]


def test_unreadable_files_are_findings_with_reasons(report):
    found = {f.files[0]: f.details["reason"] for f in report.by_rule("unreadable-file")}
    assert found == UNREADABLE
    assert all(f.severity == "error" for f in report.by_rule("unreadable-file"))


def test_decompression_bomb_is_reported_not_decoded(report):
    (bomb,) = [f for f in report.by_rule("unreadable-file") if f.files == ("test/cat/bomb.png",)]
    assert "30000x30000" in bomb.message and "not decoded" in bomb.message


def test_exact_duplicates(report):
    assert groups(report, "duplicate-images") == [
        ["test/bird/leak.png", "train/bird/leak.png"],
        ["train/cat/conflict.png", "train/dog/conflict.png"],
        ["train/cat/dup_a.png", "train/cat/dup_b.png"],
    ]


def test_near_duplicates_reencoded_and_brightened(report):
    assert groups(report, "near-duplicates") == [["train/dog/near_a.png", "train/dog/near_b.jpg"]]


def test_conflicting_labels(report):
    assert groups(report, "conflicting-labels") == [["train/cat/conflict.png", "train/dog/conflict.png"]]
    assert report.by_rule("conflicting-labels")[0].details["labels"] == [["cat", "dog"]]


def test_split_leakage_is_an_error(report):
    (f,) = report.by_rule("split-leakage")
    assert f.severity == "error" and [list(g) for g in f.groups] == [["test/bird/leak.png", "train/bird/leak.png"]]


@pytest.mark.parametrize("rule, expected", [
    ("image-mode-mismatch", ["train/dog/rgba.png"]),
    ("image-size-mismatch", ["train/bird/odd.png"]),
    ("dark", ["train/cat/black.png"]),
    ("bright", ["train/dog/white.png"]),
    ("blurry", ["train/bird/blurry.png"]),
    ("low-information", ["train/cat/black.png", "train/dog/white.png"]),
    ("outliers", ["train/bird/blurry.png", "train/cat/black.png", "train/dog/white.png"]),
    ("ignored-files", ["train/README.txt"]),
])
def test_per_image_rules(report, rule, expected):
    assert files(report, rule) == expected


def test_ignored_files_are_info_and_dataset_summary(report):
    assert [f.severity for f in report.by_rule("ignored-files")] == ["info"]
    assert report.dataset["kind"] == "images" and report.dataset["rows"] == 50
    assert report.dataset["splits"] == {"test": 11, "train": 39}
    assert report.exit_code == 1


def test_clean_folder_passes_through_cli(tmp_path, capsys):
    code = main(["scan", str(CLEAN), "--format", "json", "-o", str(tmp_path / "out")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [f for f in out["findings"] if f["severity"] != "info"] == []
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["target"]["classes"] == ["bird", "cat", "dog"]
    assert stats["target"]["counts"] == [8, 8, 8]  # fitted on the training split alone
    assert stats["fitted_on"] == {"split": "train", "rows": 24}
    assert stats["splits"] == {"train": {"rows": 24, "counts": [8, 8, 8]}, "test": {"rows": 12, "counts": [4, 4, 4]}}
    assert stats["images"]["splits"] == {"test": 12, "train": 24}
    assert stats["images"]["count"] == 24


def test_channel_stats_equal_numpy_over_all_pixels(tmp_path):
    """Over every pixel of the training split's images: what Normalize should use."""
    report = preflight.scan(CLEAN, select=["PF5"])
    pixels = np.concatenate([np.asarray(Image.open(p).convert("RGB")).reshape(-1, 3)
                             for p in sorted((CLEAN / "train").rglob("*.png"))])
    sums = pixels.astype(np.int64).sum(axis=0)
    n = pixels.shape[0]
    mean = [int(s) / (n * 255) for s in sums]
    std = (pixels / 255.0).std(axis=0)
    section = report.stats["images"]
    assert section["pixels"] == n
    assert section["channel_mean"] == [float(f"{m:.12g}") for m in mean]
    np.testing.assert_allclose(section["channel_std"], std, rtol=1e-11)
    path = tmp_path / "stats.json"
    path.write_text(json.dumps(report.stats))
    stats = Stats(json.loads(path.read_text()))
    x = np.asarray(Image.open(next(CLEAN.rglob("*.png"))).convert("RGB"))
    np.testing.assert_allclose(stats.normalize(x), (x / 255.0 - np.array(mean)) / std, rtol=1e-5, atol=1e-5)


def test_gray_dataset_has_one_channel(tmp_path):
    rng = np.random.default_rng(0)
    for k in range(2):
        (tmp_path / f"c{k}").mkdir()
        for i in range(3):
            Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(tmp_path / f"c{k}" / f"{i}.png")
    section = preflight.scan(tmp_path).stats["images"]
    pixels = np.concatenate([np.asarray(Image.open(p)).reshape(-1) for p in sorted(tmp_path.rglob("*.png"))])
    assert section["channels"] == 1
    assert section["channel_mean"] == [float(f"{int(pixels.astype(np.int64).sum()) / (pixels.size * 255):.12g}")]


def test_deterministic_and_independent_of_workers():
    a = preflight.scan(PLANTED)
    b = preflight.scan(PLANTED, workers=1)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())
    assert json.dumps(a.stats) == json.dumps(b.stats)


def test_table_listing_images(tmp_path):
    for name in ("a.png", "b.png", "c.png"):
        shutil.copy(CLEAN / "train" / "cat" / "000.png", tmp_path / name)
    (tmp_path / "d.png").write_bytes(b"")
    (tmp_path / "list.csv").write_text("path,label\na.png,cat\nb.png,dog\nc.png,\nd.png,cat\nmissing.png,cat\n")
    report = preflight.scan(tmp_path / "list.csv", image_col="path")
    assert report.dataset["kind"] == "images"
    assert files(report, "unreadable-file") == ["d.png", "missing.png"]
    assert files(report, "missing-labels") == ["c.png"]
    assert groups(report, "conflicting-labels") == [["a.png", "b.png"]]


def test_no_class_folders_and_links_out_of_the_root(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for i, p in enumerate(sorted(CLEAN.rglob("*.png"))[:4]):
        shutil.copy(p, data / f"{i}.png")
    outside = tmp_path / "outside.png"
    shutil.copy(CLEAN / "train" / "cat" / "000.png", outside)
    os.symlink(outside, data / "link.png")
    report = preflight.scan(data)
    assert [f.rule for f in report.findings if f.rule == "no-label-column"] == ["no-label-column"]
    assert report.by_rule("ignored-files")[0].details["reasons"] == {"link.png": "symlink leaves the dataset root"}
    assert report.dataset["rows"] == 4 and report.dataset["label"] is None


def test_permission_denied_is_a_finding(tmp_path, monkeypatch):
    import builtins

    shutil.copytree(CLEAN / "train" / "cat", tmp_path / "cat")
    locked = tmp_path / "cat" / "000.png"
    real = builtins.open

    def fake_open(path, *args, **kwargs):  # as root, chmod 0 does not stop reads: simulate it in-process
        if isinstance(path, (str, Path)) and Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    report = preflight.scan(tmp_path, workers=1)
    assert {f.files[0]: f.details["reason"] for f in report.by_rule("unreadable-file")} == {
        "cat/000.png": "permission-denied"}


def _colour_classes(root: Path, mislabeled: dict[str, str]) -> None:
    """15 noisy images per colour class; `mislabeled` files are red pictures filed elsewhere."""
    rng = np.random.default_rng(5)
    base = {"red": (200, 40, 40), "green": (40, 180, 60), "blue": (40, 60, 200)}
    for name, rgb in base.items():
        (root / name).mkdir(parents=True)
        for i in range(15):
            noise = rng.integers(-30, 30, (32, 32, 3))
            Image.fromarray(np.clip(np.array(rgb) + noise, 0, 255).astype(np.uint8)).save(root / name / f"{i:02d}.png")
    for rel in mislabeled:
        noise = rng.integers(-30, 30, (32, 32, 3))
        Image.fromarray(np.clip(np.array(base["red"]) + noise, 0, 255).astype(np.uint8)).save(root / rel)


def test_label_issues_finds_mislabeled_images(tmp_path):
    planted = {"blue/red_in_blue.png": "blue", "green/red_in_green.png": "green"}
    _colour_classes(tmp_path / "data", planted)
    report = preflight.scan(tmp_path / "data", select=["label-issues"], workers=1)
    (finding,) = report.by_rule("label-issues")
    assert sorted(finding.files) == sorted(planted) and finding.rows == ()
    assert {i["file"]: (i["given"], i["suggested"]) for i in finding.details["issues"]} == {
        "blue/red_in_blue.png": ("blue", "red"), "green/red_in_green.png": ("green", "red")}


def test_label_issues_stays_quiet_on_clean_images(tmp_path):
    _colour_classes(tmp_path / "data", {})
    assert preflight.scan(tmp_path / "data", select=["label-issues"], workers=1).findings == ()


def test_outliers_finds_the_planted_images_worst_first():
    report = preflight.scan(OUTLIERS, select=["outliers"], cache=False)
    (finding,) = report.by_rule("outliers")
    assert finding.files == ("cat/noise.png", "dog/shapes.png") and finding.severity == "warning"
    scores = finding.details["scores"]
    assert scores == sorted(scores, reverse=True) and min(scores) > 6
    assert min(finding.details["distance_ratios"]) >= 2 and finding.details["scored_images"] == 38
    again = preflight.scan(OUTLIERS, select=["outliers"], cache=False, workers=1)
    assert json.dumps(report.to_dict()) == json.dumps(again.to_dict())


def test_outliers_thresholds_are_the_configured_ones(tmp_path):
    config = tmp_path / "preflight.toml"
    config.write_text("[rules.outliers]\nimage_max_robust_z = 30.0\n")
    report = preflight.scan(OUTLIERS, select=["outliers"], cache=False, config_file=config)
    assert [f.files for f in report.by_rule("outliers")] == [("cat/noise.png",)]
    config.write_text("[rules.outliers]\nimage_min_distance_ratio = 8.0\n")  # noise 11.7x, shapes 6.9x
    report = preflight.scan(OUTLIERS, select=["outliers"], cache=False, config_file=config)
    assert [f.files for f in report.by_rule("outliers")] == [("cat/noise.png",)]


def test_outliers_skips_small_datasets(tmp_path):
    shutil.copytree(OUTLIERS / "cat", tmp_path / "cat")
    (finding,) = preflight.scan(tmp_path, select=["outliers"], cache=False).by_rule("outliers")
    assert finding.severity == "info" and finding.details["skipped"] and "min_rows=30" in finding.message


def _digits(root: Path, count: int) -> None:
    """MNIST-like: scikit-learn's 8x8 digits as 28x28 gray PNGs, mostly black, in class folders."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    for i, (img, y) in enumerate(zip(digits.images[:count], digits.target[:count])):
        (root / str(y)).mkdir(parents=True, exist_ok=True)
        Image.fromarray((img * 255 / 16).astype(np.uint8)).resize((28, 28), Image.Resampling.BILINEAR).save(
            root / str(y) / f"{i:04d}.png")


def test_sparse_gray_dataset_is_judged_against_itself(tmp_path):
    rules = ["outliers", "dark", "bright", "blurry", "low-information"]
    _digits(tmp_path / "digits", 500)
    assert preflight.scan(tmp_path / "digits", select=rules, cache=False).findings == ()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(tmp_path / "digits" / "3" / "noise.png")
    report = preflight.scan(tmp_path / "digits", select=["outliers"], cache=False)
    assert files(report, "outliers") == ["3/noise.png"]


def test_clean_images_have_no_outliers():
    assert preflight.scan(CLEAN, select=["outliers"], cache=False).findings == ()


def test_neighbour_distance_matches_scikit_learn():
    from sklearn.neighbors import NearestNeighbors

    from preflight.profile.image_neighbours import neighbour_distance

    x = np.random.default_rng(1).normal(size=(300, 7))
    x[5] = x[6]  # an exact copy is a neighbour at distance 0, but nobody is its own neighbour
    dist, _ = NearestNeighbors(n_neighbors=11).fit(x).kneighbors(x)
    np.testing.assert_allclose(neighbour_distance(x, np.arange(300), 10), dist[:, 1:].mean(axis=1), rtol=1e-9)
    ref = np.arange(0, 300, 3)  # a reference sample: distances to it, self excluded where present
    dist, idx = NearestNeighbors(n_neighbors=11).fit(x[ref]).kneighbors(x)
    own = ref[idx[:, 0]] == np.arange(300)
    want = np.where(own, dist[:, 1:].mean(axis=1), dist[:, :10].mean(axis=1))
    np.testing.assert_allclose(neighbour_distance(x, ref, 10), want, rtol=1e-9)


def test_exif_orientation_sizes_and_features_are_as_displayed():
    report = preflight.scan(EXIF, select=["image-size-mismatch", "near-duplicates"], cache=False)
    (size,) = report.by_rule("image-size-mismatch")  # turned.jpg stores 32x48 pixels, displayed 48x32
    assert size.files == ("b/sideways.jpg",) and size.details["sizes"] == {"b/sideways.jpg": "32x48"}
    assert groups(report, "near-duplicates") == [["a/000.jpg", "a/turned.jpg"]]  # thumbnails turned back
    section = report.stats["images"]
    assert section["exif_transposed"] == 2
    assert section["size"] == {"width": {"median": 48, "min": 32, "max": 48},
                               "height": {"median": 32, "min": 32, "max": 48}}


def _ii_exif(orientation: int) -> bytes:
    """A little-endian EXIF block (Pillow writes big-endian ones) holding only Orientation."""
    import struct

    return (b"Exif\x00\x00II*\x00" + struct.pack("<IH", 8, 1) + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
            + struct.pack("<I", 0))


def _xmp(orientation: int) -> bytes:
    return (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="%d"/></rdf:RDF>'
            b"</x:xmpmeta>" % orientation)


@pytest.mark.parametrize("orientation, tag", [(o, "exif") for o in range(1, 9)] + [
    (6, "exif-little-endian"), (8, "exif-little-endian"), (6, "xmp"), (3, "xmp"), (6, "exif-without-it")])
def test_exif_orientation_equals_exif_transpose(tmp_path, orientation, tag):
    from PIL import ImageOps

    from preflight.profile.image_signals import analyze_chunk

    rng = np.random.default_rng(orientation)
    tagged, shown = tmp_path / "tagged.jpg", tmp_path / "shown.png"
    exif = Image.Exif()
    exif[0x0112 if tag == "exif" else 0x010F] = orientation if tag == "exif" else "camera"
    meta = {"exif": {"exif": exif}, "exif-little-endian": {"exif": _ii_exif(orientation)},
            "xmp": {"xmp": _xmp(orientation)}, "exif-without-it": {"exif": exif}}[tag]
    Image.fromarray(rng.integers(0, 256, (24, 40, 3), dtype=np.uint8)).save(tagged, **meta)
    displayed = ImageOps.exif_transpose(Image.open(tagged))
    displayed.save(shown)  # the same pixels, as displayed, no tag
    applied = 1 if tag == "exif-without-it" else orientation
    a, b = analyze_chunk([str(tagged), str(shown)], 10**6), analyze_chunk([str(shown)], 10**6)
    assert a.orientation.tolist() == [applied, 1]
    assert (a.width[0], a.height[0]) == displayed.size == ((24, 40) if applied >= 5 else (40, 24))
    for name in ("width", "height", "content", "phash", "sums", "sumsq", "thumb", "sharpness", "entropy"):
        np.testing.assert_array_equal(getattr(a, name)[:1], getattr(b, name), err_msg=name)
