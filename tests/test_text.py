"""Free-text columns: the kind, stats.json's text_columns, normalised duplicates, MinHash near-copies,
the text model behind label-issues, and the report. Fixtures: fixtures/text (fixtures/make_text.py
says which row plants what)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import preflight
from preflight.kernels.arrow import strings

ROOT = Path(__file__).parent.parent
REVIEWS = ROOT / "fixtures" / "text" / "reviews.csv"
R8 = ROOT / "fixtures" / "text" / "r8_sample.csv"
R8_FLIPPED = [5, 29, 53, 77, 101, 125, 149, 173, 197, 221]


@pytest.fixture(scope="module")
def reviews() -> preflight.Report:
    return preflight.scan(REVIEWS, label="sentiment", views=True)


def _rows(report: preflight.Report, rule: str) -> list[int]:
    found = report.by_rule(rule)
    assert len(found) == 1, [f.to_dict() for f in report.findings]
    return list(found[0].rows)


def test_text_column_is_its_own_kind(reviews):
    features = reviews.stats["features"]
    assert features["review"]["kind"] == "text"
    assert features["review"]["transform"] == {"kind": "drop", "reason": "free text (see text_columns)"}
    assert features["helpful_votes"]["kind"] == "numeric"
    assert reviews.stats["feature_names_out"] == ["helpful_votes"]
    rules = {f.rule for f in reviews.findings}
    assert not rules & {"id-like-column", "whitespace-values", "mixed-types"}  # not an id, not category noise


def test_names_and_categories_are_not_text(tmp_path):
    names = ["Braund, Mr. Owen Harris", "Cumings, Mrs. John", "Heikkinen, Miss. Laina", "Allen, Mr. William Henry"]
    rows = [f'"{names[i % 4]} {i}",{"New York City" if i % 2 else "Los Angeles"},{i % 2}' for i in range(40)]
    path = tmp_path / "t.csv"
    path.write_text("name,city,y\n" + "\n".join(rows) + "\n")
    stats = preflight.scan(path, label="y").stats
    assert stats["features"]["name"]["kind"] == "categorical"
    assert stats["features"]["city"]["kind"] == "categorical"
    assert "text_columns" not in stats


def test_text_stats(tmp_path):
    texts = [" ".join(["word"] * n) + f" doc{n}" for n in range(1, 101)]  # 2 .. 101 words, 100 rows
    path = tmp_path / "t.csv"
    path.write_text("text,y\n" + "\n".join(f"{t},{i % 2}" for i, t in enumerate(texts)) + "\n")
    s = preflight.scan(path, label="y").stats["text_columns"]["text"]
    assert s["count"] == 100 and s["missing"] == 0 and s["empty_share"] == 0.0
    assert s["words"]["min"] == 2 and s["words"]["max"] == 101 and s["words"]["quantiles"]["p50"] == 51.5
    assert s["max_length"] == {"p95": 97, "p99": 101}  # ceil(96.05), ceil(100.01)
    assert s["very_short"] == 1 and s["very_short_share"] == 0.01  # 2 words < 3
    assert s["truncated_share"]["64"] == 0.37  # 65 .. 101 words
    assert s["vocabulary"] == 101  # "word" and doc1 .. doc100


def test_text_stats_are_fitted_on_the_training_split(tmp_path):
    """With splits, text_columns come from the training rows alone, as every other transform: the
    longer texts, the missing one and the words only the test split uses do not leak into them."""
    train = [" ".join(["word"] * n) + f" doc{n}" for n in range(1, 41)]   # 2 .. 41 words, 40 rows
    test = [" ".join(["long"] * 200) + f" other{n}" for n in range(10)] + [""]
    lines = [f"{t},{i % 2},train" for i, t in enumerate(train)] + [f"{t},{i % 2},test" for i, t in enumerate(test)]
    path = tmp_path / "t.csv"
    path.write_text("text,y,split\n" + "\n".join(lines) + "\n")
    report = preflight.scan(path, label="y", split_col="split")
    assert report.stats["fitted_on"]["split"] == "train"
    s = report.stats["text_columns"]["text"]
    assert s["count"] == 40 and s["missing"] == 0 and s["empty_share"] == 0.0
    assert s["words"]["max"] == 41 and s["max_length"]["p99"] == 41
    assert s["vocabulary"] == 41  # "word" and doc1 .. doc40
    whole = preflight.scan(path, label="y").stats["text_columns"]["text"]  # no split column: every row
    assert whole["count"] == 50 and whole["missing"] == 1 and whole["words"]["max"] == 201


def test_stats_transform_leaves_text_out(reviews, tmp_path):
    import pandas as pd

    path = tmp_path / "stats.json"
    path.write_text(json.dumps(reviews.stats))
    stats = preflight.load_stats(path)
    x = stats.transform(pd.read_csv(REVIEWS).drop(columns=["sentiment"]))
    assert x.shape == (48, 1)
    assert list(stats.text_columns) == ["review"]
    assert stats.text_columns["review"]["max_length"]["p95"] > 0


def test_duplicates_after_normalising(reviews):
    dup = reviews.by_rule("duplicate-rows")[0]
    assert dup.groups == ((3, 40),) and dup.severity == "error"
    assert "after normalising text" in dup.message
    conflict = reviews.by_rule("conflicting-labels")[0]
    assert conflict.groups == ((7, 41),) and conflict.severity == "error"  # "ＴＨＥ" is "The" under NFKC


def test_near_duplicates_of_text(reviews):
    near = reviews.by_rule("near-duplicates")[0]
    assert near.groups == ((12, 42),)
    assert "near-copies of text" in near.message and near.details["method"] == "minhash-lsh"


@pytest.mark.parametrize("rule,rows", [("empty-text", [43]), ("encoding-damage", [44]), ("html-markup", [45]),
                                       ("text-length-outliers", [46]), ("personal-data", [47])])
def test_text_integrity_rules(reviews, rule, rows):
    assert _rows(reviews, rule) == rows


def test_personal_data_is_never_echoed(reviews):
    f = reviews.by_rule("personal-data")[0]
    blob = json.dumps(f.to_dict())
    assert "jane.doe" not in blob and "4111" not in blob
    assert f.details["counts"] == {"email": 1, "card": 1}


def test_label_errors_on_text():
    report = preflight.scan(R8, select=["label-issues"])
    f = report.by_rule("label-issues")[0]
    assert set(R8_FLIPPED) <= set(f.rows)  # every planted flip found
    assert sorted(f.rows) == [5, 29, 51, 53, 77, 101, 108, 125, 136, 149, 171, 173, 180, 197, 221]
    assert f.details["model"]["source"].startswith("built-in text model")


def test_features_replace_the_text_model(tmp_path):
    rng = np.random.default_rng(0)
    emb = tmp_path / "emb.npy"
    topic = np.arange(240) // 60  # the fixture holds 60 articles of each topic in turn
    np.save(emb, 3 * np.eye(4)[topic] + 0.3 * rng.standard_normal((240, 4)))
    f = preflight.scan(R8, select=["label-issues"], features=emb).by_rule("label-issues")[0]
    assert f.details["model"]["source"] == "--features"
    assert sorted(f.rows) == R8_FLIPPED


def test_feature_hash_rebuilt_exactly_without_text():
    """profile/text.row_hashes, given no text column, gives back the hashes the batches combined."""
    from preflight.decide.config import load_config
    from preflight.profile import text
    from preflight.profile.tabular import build_profile
    from preflight.progress import Progress
    from preflight.read.tabular import open_tabular

    path = ROOT / "fixtures" / "demo" / "customers.csv"
    config = load_config(path)
    profile = build_profile(open_tabular(path), label="churn", task="auto", settings=config.settings,
                            progress=Progress(False))
    cols = {c.name: c for c in (*profile.columns, profile.label)}
    fh, rh = text.row_hashes(cols, [c.name for c in profile.columns], "churn")
    assert np.array_equal(fh[0], profile.feature_hash) and np.array_equal(rh[0], profile.row_hash)


def test_minhash_pairs_are_exact_and_linear():
    from preflight.learn.text_near import candidate_pairs, near_text_pairs, shingles, signatures

    base = "the quick brown fox jumps over the lazy dog near the quiet river bank today"
    docs = [base, base.replace("lazy", "sleepy"), "completely different words in this one sentence here", "two words"]
    pairs, info = near_text_pairs(strings(docs), threshold=0.6, seed=0)
    assert pairs.tolist() == [[0, 1]] and info["confirmed_pairs"] == 1
    offsets, sh = shingles(strings(["a b", "a b c d"]))
    assert np.diff(offsets).tolist() == [1, 2]  # a short text is one shingle
    same = [base] * 500  # one bucket of 500: candidates linear in it, not 124,750 pairs
    offsets, sh = shingles(strings(same))
    assert len(candidate_pairs(signatures(offsets, sh, 0), np.ones(500, bool))) <= 2 * 500


def test_report_shows_text(reviews):
    views = reviews.views
    assert views["text"][0]["name"] == "review"
    assert any(f["name"] == "max length covering 95%" for f in views["text"][0]["facts"])
    near = next(d for d in views["duplicates"] if d["rule"] == "near-duplicates")
    pair = near["groups"][0]["texts"][0]
    assert pair["rows"] == [12, 42]
    assert [w["w"] for w in pair["left"] if w["hot"]] == ["frayed"]
    assert [w["w"] for w in pair["right"] if w["hot"]] == ["faded"]


def test_non_text_table_has_no_text_output():
    report = preflight.scan(ROOT / "fixtures" / "demo", views=True)
    assert "text_columns" not in report.stats and report.views["text"] == []


def test_tfidf_matches_scikit_learn():
    """learn/text_labels.tfidf gives TfidfVectorizer(sublinear_tf=True, min_df=2)'s rows (its columns
    in another order: words by first appearance rather than alphabetically)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from preflight.learn.text_labels import tfidf
    from preflight.profile.text import tokenize

    docs = ["the cat sat on the mat", "the dog sat", "a cat and a dog and a dog", "mat mat mat", "nothing shared here"]
    ours = tfidf(*tokenize(strings(docs))[:2], min_df=2).toarray()
    ref = TfidfVectorizer(sublinear_tf=True, min_df=2, token_pattern=r"(?u)\b\w+\b").fit_transform(docs).toarray()
    assert ours.shape == ref.shape
    for a, b in zip(ours, ref):
        assert np.allclose(np.sort(a), np.sort(b), atol=1e-6)
