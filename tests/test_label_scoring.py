"""label-issues above sample_rows rows: models fitted on the content-keyed row sample, every
other labelled row scored with them in pass 2 (learn/label_scoring.py)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from test_partitions import profile_of, scans_both_ways

import preflight
from preflight.learn.crossval import FittedMix
from preflight.learn.label_scoring import FlaggedLabels, Flags, flag

FLIPPED = np.arange(37, 3000, 100)  # 30 rows spread over the table
GROUPS = ((0, 3), (3, 1700), (1703, 40), (1743, 900), (2643, 357))  # row groups of very different sizes


def gaussians(path: Path, flipped: np.ndarray = FLIPPED, n: int = 3000, numeric: bool = False) -> Path:
    """Two well-separated Gaussian classes in 3 features, the labels of `flipped` swapped."""
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, n)
    x = rng.normal(size=(n, 3)) + 4.0 * y[:, None]
    given = y.copy()
    given[flipped] = 1 - given[flipped]
    label = given + 3 if numeric else np.array(["a", "b"], dtype=object)[given]
    data = pa.table({"f0": x[:, 0], "f1": x[:, 1], "f2": x[:, 2], "y": label})
    with pq.ParquetWriter(path, data.schema) as writer:
        for start, size in GROUPS:
            writer.write_table(data.slice(start, size))
    return path


def test_every_labelled_row_is_scored_above_sample_rows(tmp_path: Path) -> None:
    path = gaussians(tmp_path / "t.parquet")
    kept = set(profile_of(path, sample_rows=100).kept.tolist())
    outside = [r for r in FLIPPED if r not in kept]
    assert len(outside) >= 25  # most planted rows are not in the sample
    finding, = preflight.scan(path, label="y", sample_rows=100).by_rule("label-issues")
    assert sorted(finding.rows) == FLIPPED.tolist()  # every planted row, and nothing else
    assert finding.count == 30 and finding.details["searched_rows"] == 3000
    assert finding.details["fraction"] == 0.01 and finding.details["sample_rows"] == 100
    assert "models fitted on a content-keyed sample of 100 labelled rows, every one of the 3,000 scored" in \
        finding.message
    issues = finding.details["issues"]
    assert [i["row"] for i in issues] == list(finding.rows)  # worst first, as rows
    assert [i["score"] for i in issues] == sorted(i["score"] for i in issues)
    assert all(i["given"] != i["suggested"] for i in issues)


def test_numeric_labels_read_in_pass_two(tmp_path: Path) -> None:
    path = gaussians(tmp_path / "t.parquet", numeric=True)
    finding, = preflight.scan(path, label="y", task="classification", sample_rows=100).by_rule("label-issues")
    assert sorted(finding.rows) == FLIPPED.tolist()
    assert {i["given"] for i in finding.details["issues"]} <= {3, 4}


def test_a_clean_table_above_sample_rows_gives_no_warning(tmp_path: Path) -> None:
    path = gaussians(tmp_path / "t.parquet", flipped=np.empty(0, np.int64))
    found = preflight.scan(path, label="y", sample_rows=100).by_rule("label-issues")
    assert all(f.severity == "info" for f in found)
    assert sum(f.count for f in found) <= 3


def test_any_partitioning_gives_the_same_finding(tmp_path: Path, monkeypatch) -> None:
    path = gaussians(tmp_path / "t.parquet")
    many, one = scans_both_ways(path, monkeypatch, batch_rows=64, label="y", sample_rows=100)
    a, b = many.to_dict()["findings"], one.to_dict()["findings"]
    assert a == b
    assert any(f["rule"] == "label-issues" and f["count"] == 30 for f in a)


PIXEL_FLIPS = np.arange(41, 4000, 130)  # 31 rows


def pixels(path: Path, flipped: np.ndarray = PIXEL_FLIPS, n: int = 4000, width: int = 64) -> Path:
    """A pixel-like table (learn/pixels.py: 64 columns of one 0-255 range): class a inks the
    first half of the columns, class b the second, with noise; the labels of `flipped` swapped."""
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, n)
    first = np.arange(width) < width // 2
    ink = np.where(y[:, None] == 0, first[None, :], ~first[None, :])
    x = np.clip(np.where(ink, 200.0, 20.0) + rng.normal(0, 25, (n, width)), 0, 255).round()
    given = y.copy()
    given[flipped] = 1 - given[flipped]
    data = pa.table({**{f"p{j}": x[:, j] for j in range(width)}, "y": np.array(["a", "b"], dtype=object)[given]})
    pq.write_table(data, path, row_group_size=1000)
    return path


def test_pixel_like_tables_are_scored_through_the_samples_components(tmp_path: Path) -> None:
    path = pixels(tmp_path / "p.parquet")
    kept = set(profile_of(path, sample_rows=400).kept.tolist())
    assert sum(r not in kept for r in PIXEL_FLIPS) >= 25  # most planted rows are not in the sample
    finding, = preflight.scan(path, label="y", sample_rows=400).by_rule("label-issues")
    assert sorted(finding.rows) == PIXEL_FLIPS.tolist()
    model = finding.details["model"]
    assert (model["representation"], model["components"]) == ("pixels", 50)
    assert "every one of the 4,000 scored" in finding.message
    whole, = preflight.scan(path, label="y").by_rule("label-issues")  # below sample_rows: every row kept
    assert sorted(whole.rows) == PIXEL_FLIPS.tolist()


def test_pixel_scoring_is_the_same_on_any_partitioning(tmp_path: Path, monkeypatch) -> None:
    path = pixels(tmp_path / "p.parquet")
    many, one = scans_both_ways(path, monkeypatch, batch_rows=300, label="y", sample_rows=400)
    assert many.to_dict()["findings"] == one.to_dict()["findings"]
    assert any(f["rule"] == "label-issues" and f["count"] == 31 for f in many.to_dict()["findings"])


def test_features_are_every_rows_above_sample_rows(tmp_path: Path) -> None:
    """--features holds every row's embedding in memory: the models fit and score every labelled
    row, whatever sample_rows keeps of the table's own cells."""
    path = gaussians(tmp_path / "t.parquet")
    table = pq.read_table(path)
    features = tmp_path / "emb.npy"
    np.save(features, np.stack([table[f"f{j}"].to_numpy() for j in range(3)], axis=1) * 10 + 3)
    above, = preflight.scan(path, label="y", sample_rows=100, features=features).by_rule("label-issues")
    below, = preflight.scan(path, label="y", features=features).by_rule("label-issues")
    assert sorted(above.rows) == FLIPPED.tolist()
    assert above.to_dict() == below.to_dict()  # the same search: every row's embeddings
    assert above.details["searched_rows"] == 3000 and "sample" not in above.message


def test_flags_keep_the_worst_rows_whatever_the_merge_order() -> None:
    """Bounded state: exact counts, the `keep` lowest scores, ties by row number."""
    scorer = Flags((), 0, "y", ("a", "b"), False, np.empty(0, np.int64), np.ones(2, bool),
                   FittedMix((), (), (), 2), None, 0.25, None, keep=3)
    parts = [FlaggedLabels(2, np.array([5, 9]), np.array([0.1, 0.0]), np.zeros(2, np.int64), np.ones(2, np.int64)),
             FlaggedLabels(1, np.array([2]), np.array([0.1]), np.zeros(1, np.int64), np.ones(1, np.int64)),
             FlaggedLabels(2, np.array([12, 1]), np.array([0.0, 0.2]), np.zeros(2, np.int64), np.ones(2, np.int64))]
    left = scorer.merge(scorer.merge(scorer.merge(scorer.start(), parts[0]), parts[1]), parts[2])
    right = scorer.merge(parts[0], scorer.merge(parts[1], parts[2]))
    for state in (left, right):
        assert state.count == 5 and state.rows.tolist() == [9, 12, 2]


def test_the_rule_mirrors_the_samples() -> None:
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.1, 0.9], [0.3, 0.7]])
    given = np.array([1, 0, 0, 0])
    mask, _, suggested = flag(probs, given, None, 0.25, None)
    assert mask.tolist() == [True, True, True, False]  # margin 0.8, 0.6, 0.8 lead; 0.4 does not
    assert suggested.tolist() == [0, 1, 1, 1]
    # with the confident joint's thresholds, the other class must reach its own: 0.8 < 0.85
    mask, _, _ = flag(probs, given, np.array([0.5, 0.85]), 0.25, None)
    assert mask.tolist() == [True, False, True, False]
    mask, _, _ = flag(probs, given, None, 0.25, 0.15)  # the chance ceiling: p_given < 0.15
    assert mask.tolist() == [True, False, True, False]


def test_predictions_are_the_same_bits_on_any_number_of_threads(monkeypatch) -> None:
    """Label scoring's predict calls run on the scan's threads in fixed chunks: every model family
    gives the same probabilities on one thread and on several, and as one call over all rows."""
    import preflight.learn.crossval as crossval
    from preflight.learn.crossval import fit_mix, mix_pred_probs, one_thread

    monkeypatch.setattr(crossval, "PREDICT_CHUNK", 1_000)  # four chunks, the last short
    rng = np.random.default_rng(7)
    X = rng.normal(size=(3_000, 12))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.int64) + (X[:, 3] > 1)
    Z = rng.normal(size=(3_456, 12))
    for weights in ({"hgb": 1.0}, {"logreg": 1.0}, {"knn": 1.0}, {"hgb": 0.5, "logreg": 0.3, "knn": 0.2}):
        mix = fit_mix(X, y, 3, seed=0, weights=weights)
        one = mix_pred_probs(mix, Z, threads=1)
        assert one.shape == (len(Z), 3) and np.allclose(one.sum(axis=1), 1.0)
        assert np.array_equal(one, mix_pred_probs(mix, Z, threads=2)), weights
        assert np.array_equal(one, mix_pred_probs(mix, Z, threads=3)), weights
        rows = np.arange(0, len(Z), 3)
        assert np.array_equal(one[rows], mix_pred_probs(mix, Z, rows, threads=2)), weights
        with one_thread():
            assert np.array_equal(one, mix.predict(Z)), weights  # the chunks change no bit
