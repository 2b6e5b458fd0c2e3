"""stats.json and load_stats: the numbers a training script plugs in."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import preflight
from preflight.files import dumps, write_atomic
from preflight.stats.load import Stats, StatsMismatch, StatsWarning


def _stats(report, tmp_path: Path) -> Stats:
    path = tmp_path / "out" / "stats.json"
    write_atomic(path, dumps(report.stats))
    return preflight.load_stats(path)


@pytest.fixture
def table(write_csv):
    rng = np.random.default_rng(0)
    n = 500
    df = pd.DataFrame({
        "height": rng.normal(170, 10, n).round(1),
        "followers": np.exp(rng.normal(6, 2.5, n)).round(0),   # heavy tail, nonnegative
        "delta": rng.standard_cauchy(n).round(3),                # heavy tails both ways
        "color": rng.choice(["red", "green", "blue"], n),
        "label": rng.choice(["a", "b", "c"], n, p=[0.7, 0.2, 0.1]),
    })
    return df, write_csv(df.to_csv(index=False))


def test_transform_round_trip(table, tmp_path) -> None:
    df, path = table
    stats = _stats(preflight.scan(path), tmp_path)
    kinds = {n: f["transform"]["kind"] for n, f in stats.features.items()}
    assert kinds == {"height": "standardize", "followers": "log1p-standardize", "delta": "tanh", "color": "one-hot"}
    stats.check(df)
    x = stats.transform(df)
    names = stats.feature_names_out
    assert names == ["height", "followers", "delta", "color=blue", "color=green", "color=red"]
    assert x.dtype == np.float32 and x.shape == (len(df), 6)
    for col in ("height", "followers"):
        j = names.index(col)
        assert abs(x[:, j].mean()) < 1e-3 and abs(x[:, j].std() - 1) < 1e-3
    d = x[:, names.index("delta")]
    assert d.min() >= -1 and d.max() <= 1 and 0.3 < np.mean(np.abs(d) < 0.76) < 0.99
    assert np.array_equal(x[:, 3:].sum(axis=1), np.ones(len(df)))
    assert np.allclose(stats.to_sklearn().transform(df), x)


def test_test_inputs_get_the_same_transform(table, tmp_path) -> None:
    _df, path = table
    stats = _stats(preflight.scan(path), tmp_path)
    test = pd.DataFrame({"height": ["180", "?", " 150 "], "followers": [0, 1e8, None],
                         "delta": [0.0, 1e6, -1e6], "color": ["red", "purple", None], "label": ["a"] * 3})
    with pytest.warns(StatsWarning, match="'color': 1 cell"):  # purple: unseen, said so
        x = stats.transform(test)
    h = stats.features["height"]["transform"]
    assert x[0, 0] == pytest.approx((180 - h["mean"]) / h["std"], rel=1e-6)
    assert x[1, 0] == pytest.approx((h["fill"] - h["mean"]) / h["std"], rel=1e-6)  # '?' -> median
    assert np.isfinite(x).all()
    assert list(x[1, 3:]) == [0, 0, 0] and list(x[2, 3:]) == [0, 0, 0]          # unseen / missing category


def test_output_bias_reproduces_priors_and_initial_loss(table, tmp_path) -> None:
    df, path = table
    stats = _stats(preflight.scan(path), tmp_path)
    counts = df["label"].value_counts().sort_index()
    priors = (counts / counts.sum()).to_numpy()
    b = stats.output_bias.astype(float)
    assert np.allclose(np.exp(b) / np.exp(b).sum(), priors, atol=1e-6)
    assert abs(b.sum()) < 1e-6
    assert stats.classes == ["a", "b", "c"]
    assert stats.expected_initial_loss["uniform"] == pytest.approx(math.log(3))
    assert stats.expected_initial_loss["with_output_bias"] == pytest.approx(-(priors * np.log(priors)).sum())
    assert np.allclose(stats.class_weights, counts.sum() / (3 * counts.to_numpy()), rtol=1e-6)
    assert stats.target["baseline"]["accuracy"] == pytest.approx(priors.max())


def test_binary_sigmoid_bias(write_csv, tmp_path) -> None:
    path = write_csv("x,y\n" + "".join(f"{i},{int(i % 4 == 0)}\n" for i in range(40)))
    stats = _stats(preflight.scan(path, select=["PF3"]), tmp_path)
    sig = stats.target["sigmoid_bias"]
    assert sig["positive_class"] == 1
    assert sig["bias"] == pytest.approx(math.log(0.25 / 0.75))


def test_regression_target(write_csv, tmp_path) -> None:
    y = np.random.default_rng(1).normal(250_000, 50_000, 200).round(0)
    path = write_csv("x,price\n" + "".join(f"{i / 200:.3f},{v:.0f}\n" for i, v in enumerate(y)))
    report = preflight.scan(path, label="price")
    assert report.dataset["task"] == "regression"
    t = _stats(report, tmp_path).target
    assert t["output_bias"] == [pytest.approx(y.mean())]
    assert t["baseline"]["mse"] == pytest.approx(y.var())
    assert t["baseline"]["mae"] == pytest.approx(np.abs(y - np.median(y)).mean())
    assert [f.rule for f in report.findings if f.rule == "target-scale"] == ["target-scale"]


def test_check_names_the_mismatch(table, tmp_path) -> None:
    df, path = table
    stats = _stats(preflight.scan(path), tmp_path)
    with pytest.raises(StatsMismatch, match=r"missing columns \['height'\]; unexpected columns \['weight'\]"):
        stats.check(df.drop(columns=["height"]).assign(weight=1.0))
    with pytest.raises(StatsMismatch, match="column 'height' was numeric when fitted but has 1 non-numeric"):
        stats.check(df.assign(height=["tall"] + [170.0] * (len(df) - 1)))


def test_transform_counts_what_it_cannot_read(table, tmp_path) -> None:
    """An unseen category, text in a numeric column, a column whose kind changed: counted per
    column; on_unknown decides, like scikit-learn's handle_unknown."""
    df, path = table
    stats = _stats(preflight.scan(path), tmp_path)
    clean = stats.transform(df, on_unknown="error")  # the fitted data itself: nothing unknown
    odd = df.assign(color=["purple"] * 3 + list(df["color"][3:]), height=["tall", *list(df["height"][1:])])
    with pytest.warns(StatsWarning) as caught:
        x = stats.transform(odd)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "2 column(s)" in message and "'height': 1 cell(s) that are not numbers ('tall')" in message
    assert "'color': 3 cell(s) of categories never seen when fitting ('purple')" in message
    color = [i for i, n in enumerate(stats.feature_names_out) if n.startswith("color=")]
    assert not x[:3, color].any() and np.array_equal(x[3:], clean[3:])  # all zeros, rows alike otherwise
    with pytest.raises(StatsMismatch, match="'color': 3 cell"):
        stats.transform(odd, on_unknown="error")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(stats.transform(odd, on_unknown="ignore"), x)
    with pytest.raises(StatsMismatch, match=r"'height': kind changed \(fitted on numbers, now text\)"):
        stats.transform(df.assign(height="tall"), on_unknown="error")
    with pytest.raises(StatsMismatch, match=r"'color': kind changed \(fitted on text, now numbers\)"):
        stats.transform(df.assign(color=1), on_unknown="error")
    with pytest.raises(ValueError, match=r"The 'on_unknown' parameter of Stats\.transform must be a str among"):
        stats.transform(df, on_unknown="raise")  # type: ignore[arg-type]
    sk = stats.to_sklearn(on_unknown="error")
    assert sk.get_params()["on_unknown"] == "error"
    with pytest.raises(StatsMismatch):
        sk.transform(odd)


def test_transform_takes_arrow_tables_and_arrays_in_fitted_order(table, tmp_path) -> None:
    import pyarrow as pa

    df, path = table
    stats = _stats(preflight.scan(path), tmp_path)
    expected = stats.transform(df)
    features = df[list(stats.features)]
    np.testing.assert_array_equal(stats.transform(pa.Table.from_pandas(df)), expected)
    np.testing.assert_array_equal(stats.transform(features.to_numpy()), expected)  # an object array
    numeric = [n for n, f in stats.features.items() if f["transform"]["kind"] != "one-hot"]
    only_numbers = Stats({**stats.data, "features": {n: stats.features[n] for n in numeric}})
    np.testing.assert_array_equal(only_numbers.transform(df[numeric].to_numpy(dtype=float)),
                                  only_numbers.transform(df))
    with pytest.raises(StatsMismatch, match=r"a 500x2 array; a 2-D array needs one column per fitted feature, "
                                            r"in order \(4: height, followers, delta, color\)"):
        stats.transform(features.to_numpy()[:, :2])


def test_stats_are_byte_stable_across_batching(table, monkeypatch) -> None:
    import preflight.read.tabular as reader

    _, path = table
    whole = dumps(preflight.scan(path).stats)
    monkeypatch.setattr(reader, "BATCH_ROWS", 37)
    assert dumps(preflight.scan(path).stats) == whole
