"""Splits end to end: the three layouts, stats fitted on the training split alone, the per-split
accumulators merging to the whole, leakage and shift found where planted (exact rows and columns)
and quiet on random splits of real tables (scikit-learn's wine, breast_cancer, digits, diabetes
and the Palmer penguins in tests/data/)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import preflight
from preflight.cli import main
from preflight.read.splits import split_of

DATA = Path(__file__).parent / "data"
SPLIT_RULES = ["distribution-shift", "split-leakage"]


@pytest.mark.parametrize("rel,split", [
    ("train.csv", "train"), ("TEST.csv", "test"), ("Valid.parquet", "valid"), ("holdout.csv.gz", "holdout"),
    ("eval.jsonl", "eval"), ("dev.tsv", "dev"), ("training/part-0.parquet", "training"),
    ("data/Validation/x.csv", "validation"), ("train-00000-of-00002.parquet", "train"), ("test_1.csv", "test"),
    ("train/test_ids.csv", "train"),  # the outermost match wins
    ("customers.csv", ""), ("trains.csv", ""), ("train_features.csv", ""), ("pretrain/x.csv", ""),
    ("x/testing.csv", "testing"),
])
def test_split_names_from_the_layout(rel: str, split: str) -> None:
    assert split_of(Path(rel)) == split


def _wine() -> pd.DataFrame:
    from sklearn.datasets import load_wine

    return load_wine(as_frame=True).frame


def _halves(frame: pd.DataFrame, seed: int = 0, label: str = "target", stratify: bool = True):
    from sklearn.model_selection import train_test_split

    return train_test_split(frame, test_size=0.3, random_state=seed, stratify=frame[label] if stratify else None)


def _write(folder: Path, **parts: pd.DataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, part in parts.items():
        part.to_csv(folder / f"{name}.csv", index=False)
    return folder


# --- the three layouts, and what is fitted on train ---------------------------------------------

def test_files_folders_and_a_column_give_the_same_splits_and_stats(tmp_path) -> None:
    train, test = _halves(_wine())
    files = _write(tmp_path / "files", train=train, test=test)
    folders = tmp_path / "folders"
    for name, part in (("train", train), ("test", test)):
        (folders / name).mkdir(parents=True)
        part.iloc[: len(part) // 2].to_parquet(folders / name / "part-0.parquet", index=False)
        part.iloc[len(part) // 2:].to_parquet(folders / name / "part-1.parquet", index=False)
    column = tmp_path / "column.csv"
    pd.concat([test.assign(split="test"), train.assign(split="train")]).to_csv(column, index=False)
    reports = [preflight.scan(files), preflight.scan(folders), preflight.scan(column, split_col="split")]
    for report, named in zip(reports, ({}, {}, {"column": "split"})):
        assert report.stats["fitted_on"] == {"split": "train", "rows": len(train), **named}
        assert report.stats["splits"]["train"]["counts"] == np.bincount(train["target"]).tolist()
        assert report.stats["splits"]["test"] == {"rows": len(test), "counts": np.bincount(test["target"]).tolist()}
        assert "split" not in report.stats["features"]  # the split column is no feature
        alcohol = report.stats["features"]["alcohol"]
        assert alcohol["count"] == len(train)
        assert alcohol["mean"] == pytest.approx(train["alcohol"].mean(), rel=1e-11)
        assert alcohol["std"] == pytest.approx(train["alcohol"].std(ddof=0), rel=1e-11)
        assert alcohol["transform"]["mean"] == pytest.approx(train["alcohol"].mean(), rel=1e-11)
        assert alcohol["quantiles"]["p50"] == pytest.approx(train["alcohol"].median())
        assert report.stats["target"]["counts"] == np.bincount(train["target"]).tolist()
        assert [f.rule for f in report.findings if f.rule in SPLIT_RULES] == []
    assert reports[0].dataset["splits"] == {
        "train": {"role": "train", "files": ["train.csv"], "rows": len(train)},
        "test": {"role": "held-out", "files": ["test.csv"], "rows": len(test)}}
    assert reports[1].dataset["splits"]["train"]["files"] == ["train/part-0.parquet", "train/part-1.parquet"]
    assert reports[2].dataset["splits"]["test"] == {"role": "held-out", "files": [str(column)], "rows": len(test)}
    # the features' stats do not depend on the layout
    assert reports[0].stats["features"] == reports[1].stats["features"] == reports[2].stats["features"]


def test_one_hot_categories_and_regression_target_come_from_train(tmp_path) -> None:
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"city": rng.choice(["Oslo", "Paris"], 60), "x": rng.normal(size=60),
                          "y": rng.normal(10, 2, 60)})
    test = pd.DataFrame({"city": rng.choice(["Oslo", "Paris", "Rome"], 30), "x": rng.normal(size=30),
                         "y": rng.normal(10, 2, 30)})
    report = preflight.scan(_write(tmp_path / "d", train=train, test=test), task="regression")
    assert report.stats["features"]["city"]["transform"] == {"kind": "one-hot", "categories": ["Oslo", "Paris"]}
    target = report.stats["target"]
    assert target["count"] == 60 and target["mean"] == pytest.approx(train["y"].mean(), rel=1e-11)
    assert target["baseline"]["mae"] == pytest.approx((train["y"] - train["y"].median()).abs().mean(), rel=1e-11)
    assert report.stats["splits"]["test"]["label"]["count"] == 30


def test_cells_beyond_float32_are_left_out_of_the_training_splits_stats(tmp_path) -> None:
    """1e308 is inf to a float32 model: it counts as non-finite in the split it sits in too, so
    the stats fitted on train (and the shift measured against them) never see it."""
    x = np.arange(20, dtype=float)
    train = pd.DataFrame({"x": np.r_[x, 1e308], "y": np.r_[np.arange(20) % 2, 0]})
    test = pd.DataFrame({"x": np.r_[x, -1e308], "y": np.r_[np.arange(20) % 2, 1]})
    report = preflight.scan(_write(tmp_path, train=train, test=test), label="y")
    stats = report.stats["features"]["x"]
    assert stats["count"] == 21 and stats["mean"] == 9.5 and stats["max"] == 19.0
    assert stats["transform"]["mean"] == 9.5
    nonfinite = report.by_rule("non-finite-values")
    assert len(nonfinite) == 1 and list(nonfinite[0].rows) == [20, 41]
    assert not report.by_rule("distribution-shift")


def test_per_split_parts_merge_to_the_whole_column(tmp_path) -> None:
    """The whole column's moments, sample and counts are its splits' merged: the same as a scan
    of the same rows without splits."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame["kind"] = np.where(frame["mean radius"] > 14, "big", "small")
    train, test = _halves(frame)
    together = pd.concat([test, train])
    split = preflight.scan(_write(tmp_path / "s", train=train, test=test), select=["PF1"])
    whole = preflight.scan(_write(tmp_path / "w", all=together), select=["PF1"])
    assert split.to_dict()["findings"] == whole.to_dict()["findings"]
    from preflight.decide.config import load_config
    from preflight.pipeline import _tabular_profile
    from preflight.progress import Progress

    def profile(path, **options):
        return _tabular_profile(path, load_config(path, overrides=options), Progress(False))

    a, b = profile(tmp_path / "s", sample_rows=200), profile(tmp_path / "w", sample_rows=200)
    assert whole.stats["fingerprint"]["rows"] == a.rows == b.rows
    every = profile(tmp_path / "s")  # every row's codes (above sample_rows only the sample's are kept)
    assert a.kept is not None and a.kept.size == 200 and every.kept is None
    for ca, cb, ce in zip(a.columns, b.columns, every.columns):
        assert ca.mean == pytest.approx(cb.mean, rel=1e-12, nan_ok=True)
        assert ca.std == pytest.approx(cb.std, rel=1e-12, nan_ok=True)
        assert (ca.kind, ca.missing, ca.categories) == (cb.kind, cb.missing, cb.categories)
        assert (ca.min, ca.max) == (cb.min, cb.max) or np.isnan(ca.min)
        assert sorted(ca.sample) == sorted(cb.sample)  # content-keyed: the same rows, however split
        assert sum(p.rows for p in ca.parts) == ca.rows and len(ca.parts) == 2
        if ca.codes is not None:
            assert (sum(p.category_counts for p in ca.parts) == np.bincount(ce.codes, minlength=2)).all()
    assert len(b.columns[0].parts) == 1 and b.split_table is None


def test_a_unit_column_fitted_on_train_records_the_unit_and_trains_counts(tmp_path) -> None:
    """Heights written '181.8cm' are read in cm in every split; stats.json fitted on train counts
    the training split's cells per unit, and Stats.transform strips the unit it recorded."""
    train = pd.DataFrame({"height": [f"{160 + i}cm" for i in range(40)], "y": [i % 2 for i in range(40)]})
    test = pd.DataFrame({"height": [f"{170 + i}cm" for i in range(15)] + ["5 ft 4"], "y": [i % 2 for i in range(16)]})
    layout = preflight.scan(_write(tmp_path / "files", train=train, test=test), label="y", select=["PF1"])
    both = pd.concat([train.assign(split="train"), test.assign(split="test")])
    column = preflight.scan(_write(tmp_path / "column", all=both), label="y", split_col="split", select=["PF1"])
    for report, ft_row in ((layout, 15), (column, 55)):  # test.csv sorts before train.csv
        height = report.stats["features"]["height"]
        assert height["kind"] == "numeric" and height["count"] == 40 and height["units"] == {"cm": 40}
        assert height["transform"]["unit"] == "cm" and height["mean"] == pytest.approx(179.5)
        out = report.stats.transform(pd.DataFrame({"height": ["179.5cm", "189.5cm"]}), on_unknown="error")
        assert out[:, 0].tolist() == pytest.approx([0.0, 10 / height["transform"]["std"]], rel=1e-6)
        mixed = next(f for f in report.findings if f.rule == "mixed-types")  # the whole column, both splits
        assert mixed.details["units"] == {"cm": 55, "ft": 1} and list(mixed.rows) == [ft_row]
    assert layout.stats["features"] == column.stats["features"]


def test_unusual_names_need_train_split_and_say_so_without_it(tmp_path, capsys) -> None:
    train, test = _halves(_wine())
    table = tmp_path / "t.csv"
    pd.concat([train.assign(part="fit"), test.assign(part="score")]).to_csv(table, index=False)
    report = preflight.scan(table, split_col="part")
    assert report.stats["fitted_on"] == {
        "split": None, "rows": 178, "column": "part",
        "reason": "no split named train or training (splits: fit, score): name one with --train-split"}
    (skipped,) = report.by_rule("distribution-shift")
    assert skipped.severity == "info" and skipped.details["skipped"]
    assert report.stats["features"]["alcohol"]["count"] == 178
    fitted = preflight.scan(table, split_col="part", train_split="fit")
    assert fitted.stats["fitted_on"] == {"split": "fit", "rows": len(train), "column": "part"}
    assert fitted.dataset["splits"]["fit"]["role"] == "train"
    assert main(["scan", str(table), "--split-col", "part", "--train-split", "train"]) == 2
    assert "train split 'train' not found (splits: fit, score)" in capsys.readouterr().err
    assert main(["scan", str(table), "--split-col", "nope"]) == 2
    assert "split column 'nope' not found" in capsys.readouterr().err
    assert main(["scan", str(table), "--train-split", "fit"]) == 2  # no splits at all
    assert "no splits found" in capsys.readouterr().err


def test_a_row_moved_to_another_split_changes_the_content_hash(tmp_path) -> None:
    train, test = _halves(_wine())
    table = tmp_path / "t.csv"
    both = pd.concat([train.assign(split="train"), test.assign(split="test")])
    both.to_csv(table, index=False)
    before = preflight.scan(table, split_col="split", select=["PF106"]).stats["fingerprint"]["content_hash"]
    both.iloc[0, both.columns.get_loc("split")] = "test"
    both.to_csv(table, index=False)
    assert preflight.scan(table, split_col="split", select=["PF106"]).stats["fingerprint"]["content_hash"] != before


@pytest.mark.parametrize("train,test", [("x,y\n", "x,y\n1,0\n"), ("x,y\n1,0\n", "x,y\n"), ("x\n1\n2\n", "x\n3\n")],
                         ids=["empty-train", "empty-test", "no-label"])
def test_split_rules_handle_degenerate_splits(tmp_path, train: str, test: str) -> None:
    (tmp_path / "train.csv").write_text(train)
    (tmp_path / "test.csv").write_text(test)
    report = preflight.scan(tmp_path, select=SPLIT_RULES)
    for f in report.findings:
        json.dumps(f.to_dict(), allow_nan=False)
    json.dumps(report.stats, allow_nan=False)


# --- quiet on random splits of real tables ----------------------------------------------------------

def _real(name: str) -> tuple[pd.DataFrame, str, str]:
    if name == "penguins":
        return pd.read_csv(DATA / "penguins.csv"), "species", "classification"
    import sklearn.datasets as ds

    frame = getattr(ds, f"load_{name}")(as_frame=True).frame
    return frame, "target", "regression" if name == "diabetes" else "classification"


@pytest.mark.parametrize("name", ["wine", "breast_cancer", "digits", "diabetes", "penguins"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_splits_of_real_tables_raise_no_shift(tmp_path, name: str, seed: int) -> None:
    frame, label, task = _real(name)
    train, test = _halves(frame, seed, label, stratify=task == "classification")
    report = preflight.scan(_write(tmp_path, train=train, test=test), label=label, task=task, select=SPLIT_RULES)
    assert [f.message for f in report.by_rule("distribution-shift")] == []
    assert [f.message for f in report.findings if f.severity == "error"] == []


# --- planted: found, naming the right column ----------------------------------------------------------

def _shift(tmp_path: Path, name: str, change, seed: int = 0):
    frame, label, task = _real(name)
    train, test = _halves(frame, seed, label, stratify=task == "classification")
    train, test = change(train.copy(), test.copy(), label)
    report = preflight.scan(_write(tmp_path, train=train, test=test), label=label, task=task, select=SPLIT_RULES)
    return report, train, test


def test_a_mean_shift_of_half_a_train_sd_is_found(tmp_path) -> None:
    def change(train, test, label):
        test["mean radius"] += 0.5 * train["mean radius"].std(ddof=0)
        return train, test

    report, _, _ = _shift(tmp_path, "breast_cancer", change)
    (f,) = report.by_rule("distribution-shift")
    assert f.columns == ("mean radius",) and f.severity == "warning"
    assert f.details["splits"] == ["train", "test"] and f.details["aspect"] == "distribution"
    assert "(+0.5 train sd)" in f.message and f.message.startswith("train vs test: 'mean radius'")


def test_a_units_change_is_found_and_named(tmp_path) -> None:
    def change(train, test, label):
        test["body_mass_g"] = test["body_mass_g"] / 1000  # kilograms in test
        return train, test

    report, _, _ = _shift(tmp_path, "penguins", change)
    (f,) = report.by_rule("distribution-shift")
    assert f.columns == ("body_mass_g",) and "likely cause: a units change" in f.message
    assert "x0.001" in f.details["cause"]


def test_a_category_unseen_in_train_is_found_with_its_rows(tmp_path) -> None:
    planted = []

    def change(train, test, label):
        rows = np.random.default_rng(0).choice(len(test), round(0.2 * len(test)), replace=False)
        test.iloc[rows, test.columns.get_loc("island")] = "Anvers"
        planted.extend(sorted(rows.tolist()))
        return train, test

    report, _, _ = _shift(tmp_path, "penguins", change)
    (f,) = report.by_rule("distribution-shift")
    assert f.columns == ("island",) and f.details["aspect"] == "unseen"
    assert list(f.rows) == planted  # test.csv is read first: its rows are the first indices
    assert f.details["unseen"] == {"Anvers": len(planted)} and "hold 20.2% of test's rows" in f.message


def test_a_halved_label_prior_is_found_naming_the_label(tmp_path) -> None:
    def change(train, test, label):
        malignant = test.index[test[label] == 0]
        return train, test.drop(malignant[: len(malignant) // 2])

    report, _, _ = _shift(tmp_path, "breast_cancer", change)
    (f,) = report.by_rule("distribution-shift")
    assert f.columns == ("target",) and f.message.startswith("train vs test: label 'target'")
    assert "output bias" in f.message


def test_twelve_train_rows_copied_into_test_are_the_exact_pairs(tmp_path, capsys) -> None:
    picked: list[int] = []

    def change(train, test, label):
        rows = np.random.default_rng(1).choice(len(train), 12, replace=False)
        picked.extend(rows.tolist())
        return train, pd.concat([test, train.iloc[rows]])

    report, _, test = _shift(tmp_path, "wine", change)
    (f,) = report.by_rule("split-leakage")
    n_test = len(test)  # test.csv first: rows 0..n_test-1, then train.csv
    expected = sorted([sorted([n_test - 12 + i, n_test + r]) for i, r in enumerate(picked)])
    assert sorted(map(list, f.groups)) == expected
    assert f.severity == "error" and f.details["match"] == "exact" and f.details["held_out_rows"] == 12
    assert main(["scan", str(tmp_path), "--select", "split-leakage", "--label", "target", "--format", "text"]) == 1
    out = capsys.readouterr().out
    first = min(expected)
    assert f"{tmp_path}/test.csv:{first[0] + 2} = {tmp_path}/train.csv:{first[1] - n_test + 2}" in out
    assert main(["scan", str(tmp_path), "--select", "split-leakage", "--label", "target", "--format", "github"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 20 and f"file={tmp_path}/train.csv,line={first[1] - n_test + 2}," in lines[1]


def test_shared_ids_across_splits_are_group_leakage(tmp_path) -> None:
    frame, label, _ = _real("penguins")
    frame["penguin_id"] = [f"N{i // 2:03d}" for i in range(len(frame))]  # two rows per penguin
    train, test = _halves(frame, 0, label)
    report = preflight.scan(_write(tmp_path, train=train, test=test), label=label, select=["split-leakage"])
    (f,) = [f for f in report.by_rule("split-leakage") if f.details["match"] == "id"]
    shared = set(train["penguin_id"]) & set(test["penguin_id"])
    assert f.columns == ("penguin_id",) and f.count == len(shared) == f.details["shared_ids"]


# --- images -------------------------------------------------------------------------------------------

def test_images_brighter_in_test_are_a_shift(tmp_path) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    for split, n, shift in (("train", 24, 0), ("test", 12, 80)):
        for cls in ("a", "b"):
            (tmp_path / split / cls).mkdir(parents=True)
            for i in range(n // 2):
                pixels = np.clip(rng.normal(90 + shift, 30, (16, 16, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(pixels).save(tmp_path / split / cls / f"{i}.png")
    report = preflight.scan(tmp_path, select=["distribution-shift"], cache=False)
    shifted = {f.columns[0] for f in report.findings}
    assert {"brightness", "red mean", "green mean", "blue mean"} <= shifted
    assert all(f.details["splits"] == ["train", "test"] for f in report.findings)
    assert report.stats["fitted_on"] == {"split": "train", "rows": 24}


def test_image_fixtures_raise_no_shift() -> None:
    root = Path(__file__).parent.parent / "fixtures"
    for name in ("images", "images_clean"):
        assert preflight.scan(root / name, select=["distribution-shift"], cache=False).findings == ()


def test_stats_check_reads_the_splits_as_the_scan_did(tmp_path, capsys) -> None:
    train, test = _halves(_wine())
    table = tmp_path / "data" / "t.csv"
    table.parent.mkdir()
    pd.concat([train.assign(part="fit"), test.assign(part="score")]).to_csv(table, index=False)
    out = tmp_path / "out"
    assert main(["scan", str(table), "--split-col", "part", "--train-split", "fit", "-o", str(out), "-q",
                 "--fail-on", "never", "--no-report"]) == 0
    stats = json.loads((out / "stats.json").read_text())
    assert stats["fitted_on"] == {"split": "fit", "rows": len(train), "column": "part"}
    assert main(["stats-check", str(out / "stats.json"), str(table)]) == 0
    assert "stats fresh" in capsys.readouterr().out


def test_near_copies_of_free_text_across_splits_are_leakage(tmp_path) -> None:
    """A reworded review in test whose original sits in train: found by MinHash, exact pair."""
    import csv

    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "text" / "reviews.csv"
    rows = list(csv.reader(fixture.open()))
    header, body = rows[0], [r for r in rows[1:] if len(r[0].split()) >= 12][:40]
    train, test = body[:30], body[30:]
    copied = list(train[3])
    copied[0] = copied[0].replace(".", "!", 1)  # one punctuation mark differs: not an exact copy
    test.append(copied)
    for name, part in (("train", train), ("test", test)):
        with (tmp_path / f"{name}.csv").open("w", newline="") as fh:
            csv.writer(fh).writerows([header, *part])
    report = preflight.scan(tmp_path, label="sentiment", select=["split-leakage"])
    (finding,) = [f for f in report.by_rule("split-leakage") if f.details.get("match") == "near-text"]
    # files in sorted order: test.csv's rows come first, then train.csv's
    assert [list(g) for g in finding.groups] == [[len(test) - 1, len(test) + 3]]
    assert "near-copies of the text" in finding.message
