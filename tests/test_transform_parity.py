"""Stats.transform reads cells exactly as the scan does (profile/cells.py, one parser for both).

For every committed table (the demo, every tests/cases table) and scikit-learn's bundled
tables, `stats.transform(frame)` must equal the scan's own transformed matrix bit for bit,
whichever way training code reads the file: pandas' defaults, all text, or pyarrow (the Table
itself and its to_pandas()). The targeted tests below pin the cells the readers hand over
differently: booleans as text or as native values, placeholders, numbers with spaces.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
import tomllib

import preflight
from preflight.decide.config import load_config
from preflight.files import dumps
from preflight.profile.tabular import TabularProfile, build_profile
from preflight.progress import Progress
from preflight.read.labels import resolve_label
from preflight.read.tabular import open_tabular
from preflight.stats.build import build_stats
from preflight.stats.load import Stats

ROOT = Path(__file__).resolve().parent.parent
# Tables with stray text (mixed-types' cases, the demo) make transform warn about those cells, as it
# should (tests/test_stats.py checks the warning); the parity is what this file is about.
pytestmark = pytest.mark.filterwarnings("ignore::preflight.stats.load.StatsWarning")
SKLEARN = ("wine", "breast_cancer", "digits", "iris")

READERS: dict[str, Callable[[Path], Any]] = {
    "pandas": lambda p: pd.read_csv(p),
    "pandas-text": lambda p: pd.read_csv(p, dtype=str, keep_default_na=False),
    "arrow": lambda p: pacsv.read_csv(p),
    "arrow-pandas": lambda p: pacsv.read_csv(p).to_pandas(),
}


def _tables() -> list[Any]:
    """(csv text or a path, label, task) per committed table; sklearn's are written at test time."""
    out = [pytest.param(ROOT / "fixtures" / "demo" / "customers.csv", None, None, id="demo")]
    for path in sorted((ROOT / "tests" / "cases").glob("*.toml")):
        for case in tomllib.loads(path.read_text())["case"]:
            out.append(pytest.param(case["csv"].lstrip("\n"), case.get("label"), case.get("task"),
                                    id=f"{path.stem}:{case['name']}"))
    return out + [pytest.param(f"sklearn:{name}", "target", None, id=name) for name in SKLEARN]


def scanned(path: Path, label: str | None = None, task: str | None = None) -> tuple[Stats, np.ndarray]:
    """The stats.json a scan writes, loaded as training code loads it, and the scan's own
    transformed matrix (built as pipeline._tabular_profile builds the profile), as float32."""
    config = load_config(path, overrides={"label": label, "task": task})
    source = open_tabular(path)
    profile = build_profile(source, label=resolve_label(source.columns, config.label, str(path)),
                            task=config.task, settings=config.settings, progress=Progress(False))
    assert isinstance(profile, TabularProfile)
    report = preflight.scan(path, label=label, task=task, select=["empty-dataset"])
    assert report.stats == build_stats(profile, config.settings)  # the scan built this same profile
    return Stats(json.loads(dumps(report.stats))), profile.matrix[0].astype(np.float32)


def assert_bitwise_equal(got: np.ndarray, expected: np.ndarray) -> None:
    assert got.dtype == np.float32 and got.shape == expected.shape
    differ = np.flatnonzero((got.view(np.uint32) != expected.view(np.uint32)).any(axis=0))
    shown = differ[:3]
    assert differ.size == 0, f"output columns {differ.tolist()} differ: {got[:, shown]} vs {expected[:, shown]}"


@pytest.mark.parametrize("table,label,task", _tables())
def test_transform_equals_the_scans_matrix(table: Any, label: str | None, task: str | None,
                                           tmp_path: Path) -> None:
    if isinstance(table, Path):
        path = table
    else:
        path = tmp_path / "data.csv"
        if table.startswith("sklearn:"):
            from sklearn import datasets

            loader = getattr(datasets, f"load_{table.split(':')[1]}")
            loader(as_frame=True).frame.to_csv(path, index=False)
        else:
            path.write_text(table)
    stats, expected = scanned(path, label, task)
    for reader, read in READERS.items():
        frame = read(path)
        assert_bitwise_equal(stats.transform(frame), expected), reader
    without_label = pd.read_csv(path).drop(columns=[stats.label] if stats.label else [])
    assert_bitwise_equal(stats.transform(without_label), expected)


def test_the_parity_covers_one_hot_and_every_numeric_transform(tmp_path: Path) -> None:
    """The committed tables exercise each transform kind the parity compares."""
    kinds = set()
    for param in _tables():
        table, label, task = param.values
        if isinstance(table, str) and not table.startswith("sklearn:"):
            (tmp_path / "data.csv").write_text(table)
            stats = preflight.load_stats(_write_stats(tmp_path / "data.csv", label, task, tmp_path))
            kinds |= {f["transform"]["kind"] for f in stats.features.values()}
    assert {"identity", "standardize", "log1p-standardize", "tanh", "one-hot", "drop"} <= kinds


def _write_stats(path: Path, label: str | None, task: str | None, where: Path) -> Path:
    out = where / "stats.json"
    out.write_text(dumps(preflight.scan(path, label=label, task=task, select=["empty-dataset"]).stats))
    return out


def _write(tmp_path: Path, header: str, rows: list[str]) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def test_booleans_as_text_read_as_the_scan_read_them(tmp_path: Path) -> None:
    """pyarrow read `flag` as booleans; training code reading it as text must get 0 for "False",
    not the fill value (the median, 1 here): text "False" used to become 1.0 silently."""
    flags = ["True"] * 20 + ["False"] * 10
    path = _write(tmp_path, "flag,x,y", [f"{f},{i % 7},{i % 2}" for i, f in enumerate(flags)])
    stats, expected = scanned(path, "y")
    assert stats.features["flag"]["dtype"] == "bool"
    assert stats.features["flag"]["transform"] == {"kind": "identity", "fill": 1.0, "reason": "binary 0/1"}
    want = np.array([1.0] * 20 + [0.0] * 10, np.float32)
    j = stats.feature_names_out.index("flag")
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    spelled = text.assign(flag=[" True ", "true", "TRUE", "1"] * 5 + [" False", "false", "FALSE", "0", "False "] * 2)
    strings = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types={"flag": pa.string()}))
    for frame in (text, spelled, strings):
        x = stats.transform(frame)
        assert np.array_equal(x[:, j], want)
        assert_bitwise_equal(x, expected)
        stats.check(frame)  # booleans written out are not "non-numeric values"
    odd = stats.transform(text.assign(flag=["yes"] + ["False"] * 29))
    assert odd[0, j] == 1.0 and (odd[1:, j] == 0.0).all()  # not a boolean token: the fill value


def test_native_booleans_meet_a_one_hot_fit(tmp_path: Path) -> None:
    """With "NA" among them the scan reads `flag` as text: one-hot on its spellings. pandas' and
    pyarrow's defaults hand over native booleans (and a null for "NA"), which used to be keyed
    "1" / "0": unseen categories, all-zero rows."""
    for true, false in (("True", "False"), ("true", "false")):
        flags = ([true, false, true, "NA"] * 10)
        path = _write(tmp_path, "flag,x,y", [f"{f},{i % 7},{i % 2}" for i, f in enumerate(flags)])
        stats, expected = scanned(path, "y")
        assert stats.features["flag"]["transform"] == {"kind": "one-hot", "categories": [false, true]}
        one_hot = np.array([[0, 1], [1, 0], [0, 1], [0, 0]] * 10, np.float32)
        cols = [stats.feature_names_out.index(f"flag={c}") for c in (false, true)]
        frames = (pd.read_csv(path), pacsv.read_csv(path))
        assert frames[0]["flag"].tolist()[:3] == [True, False, True] and frames[1]["flag"].type == pa.bool_()
        for frame in frames:
            x = stats.transform(frame)
            assert np.array_equal(x[:, cols], one_hot)
            assert_bitwise_equal(x, expected)


def test_native_booleans_with_nulls_in_a_boolean_column(tmp_path: Path) -> None:
    """A parquet boolean column with nulls: pandas gives an object column of True / False /
    None, which used to be parsed as text and filled."""
    import pyarrow.parquet as pq

    flag = [True, False, None, True] * 10
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"flag": flag, "y": [i % 2 for i in range(40)]}), path)
    stats = preflight.load_stats(_write_stats(path, "y", None, tmp_path))
    assert stats.features["flag"]["dtype"] == "bool"
    frame = pq.read_table(path).to_pandas()
    assert frame["flag"].dtype == object
    fill = stats.features["flag"]["transform"]["fill"]
    want = np.array([1.0, 0.0, fill, 1.0] * 10, np.float32)
    assert np.array_equal(stats.transform(frame)[:, 0], want)


def test_placeholders_and_spaces_read_as_the_scan_reads_them(tmp_path: Path) -> None:
    """Placeholders ("?", " NA ", "nan" written out) are missing, so the fill value; numbers with
    spaces are numbers; a category is its trimmed text, and "nan" is no category."""
    path = _write(tmp_path, "h,city,y", [f"{150 + i},{['Oslo', 'Paris'][i % 2]},{i % 2}" for i in range(30)])
    stats, _ = scanned(path, "y")
    h = stats.features["h"]["transform"]
    assert h["kind"] == "standardize"
    test = {"h": ["?", " NA ", "nan", " NaN ", "", " 1e3 ", "\t170\n", "160", "161"],
            "city": [" Oslo ", "Paris", "?", " NA ", "nan", "", "Lima", " Paris", "NaN"],
            "y": ["0"] * 9}
    scaled = [(v - h["mean"]) / h["std"] for v in [h["fill"]] * 5 + [1000.0, 170.0, 160.0, 161.0]]
    one_hot = [[1, 0], [0, 1], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 1], [0, 0]]
    frames = {"pandas": pd.DataFrame(test, dtype=object), "arrow": pa.table(test)}  # as text, as read with dtype=str
    for name, frame in frames.items():
        x = stats.transform(frame)
        assert np.array_equal(x[:, 0], np.array(scaled).astype(np.float32)), name
        assert np.array_equal(x[:, 1:], np.array(one_hot, np.float32)), name
        stats.check(frame)
