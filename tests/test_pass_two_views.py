"""The report's views on pass 2 (report/rows.py): on tables cut into partitions of 1 to 1,700
rows, the feature histograms, the words-per-text histogram and the listed rows' cells equal what
the per-row arrays give, and the views equal a one-partition scan's."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from test_partitions import profile_of, scans_both_ways, write_row_groups
from test_pass_two import planted
from test_pass_two_text import planted as planted_text

from preflight.profile.executor import Streamed
from preflight.profile.row_states import TextLengths
from preflight.read.partitions import plan_source
from preflight.read.tabular import open_tabular
from preflight.report import views
from preflight.report.rows import ListedCells
from preflight.report.text_views import snippet


def _per_row_histogram(values: np.ndarray) -> tuple[list[int], list[float]]:
    """views._histogram's counts and edges as it drew them from a column's values."""
    lo, hi = float(values.min()), float(values.max())
    try:
        if math.isfinite(hi - lo):
            counts, edges = np.histogram(values, bins=30 if hi > lo else 1)
        else:
            counts, edges = np.histogram(values / 2.0 ** 1000, bins=30)
            edges = edges * 2.0 ** 1000
    except ValueError:
        counts, edges = np.array([values.size]), np.array([lo, hi])
    return counts.tolist(), [float(e) for e in edges]


def _per_row_cell(col, r: int) -> str:
    """views._cell as it read the per-row arrays."""
    if col.missing_mask[r]:
        return "∅"
    if col.kind == "text":
        return snippet(col.texts[r].as_py())
    if col.codes is not None and col.codes[r] >= 0:
        return str(col.categories[col.codes[r]])
    v = float(col.values[r])
    if math.isnan(v):
        return "(text)"
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.6g}"


def _profile(path: Path):
    plan = plan_source(open_tabular(path), batch_rows=64)
    assert len(plan.partitions) >= 5
    return profile_of(path, plan)


def _drive(profile, scoring):
    """Run a Check.score-like generator on the local executor."""
    sent = None
    try:
        while True:
            asks = scoring.send(sent) if sent is not None else next(scoring)
            sent = Streamed().pass_two(profile.rescan, asks)
    except StopIteration as stop:
        return stop.value


def test_feature_histograms_equal_the_whole_columns(tmp_path: Path) -> None:
    """inf, 1e308 and missing cells in several partitions: left out of the bars alike."""
    from preflight.profile import transforms

    profile = _profile(planted(tmp_path))
    scored = _drive(profile, views.score_views(profile))
    drawn = views._features(profile, scored["features"])
    specs = {c.name: spec for c, spec in views._drawn(profile)}
    assert "num" in specs and len(drawn) == len(specs) >= 4
    for shown in drawn:
        col = next(c for c in profile.columns if c.name == shown["name"])
        raw = col.values[~col.missing_mask & ~col.nonfinite_mask & np.isfinite(col.values)]
        for side, values in (("before", raw), ("after", transforms.apply_numeric(specs[col.name], raw))):
            counts, edges = _per_row_histogram(values)
            assert shown[side]["counts"] == counts, (col.name, side)
            assert shown[side]["edges"] == edges, (col.name, side)
            assert shown[side]["lo"] == views._fmt(float(values.min())) and sum(counts) == raw.size
        assert shown["note"].startswith(f"{raw.size:,} values")


def test_histograms_take_one_round_unless_a_column_is_capped(tmp_path: Path) -> None:
    """Pass 1's range bins a feature in the first round; a capped column's range (cells beyond
    float32 left out) is read first, its bins a round later."""
    from dataclasses import replace

    profile = _profile(planted(tmp_path))
    assert profile.rescan.job.capped == {"num"}
    rounds = []
    scoring = views.score_views(profile)
    asks = next(scoring)
    while True:
        rounds.append(sorted(str(k) for k in asks))
        try:
            asks = scoring.send(Streamed().pass_two(profile.rescan, asks))
        except StopIteration:
            break
    assert len(rounds) == 2 and rounds[1] == ["num"] and "('span', 'num')" in rounds[0]
    assert not any("span" in k and "num" not in k for k in rounds[0])
    profile.rescan = replace(profile.rescan, job=replace(profile.rescan.job, capped=frozenset()))
    scoring = views.score_views(profile)
    asks = next(scoring)
    assert not any("span" in str(k) for k in asks)
    with pytest.raises(StopIteration):
        scoring.send(Streamed().pass_two(profile.rescan, asks))


def test_one_bar_and_huge_ranges_bin_as_before() -> None:
    """The ranges np.histogram cannot bin on 30 floats, or only in units of 2**1000."""
    from preflight.profile.row_states import Tally
    from preflight.report.rows import Bins

    for values in (np.array([1e16, 1e16]), np.array([-1e308, 5.0, 1e308]), np.array([3.0]),
                   np.array([0.0, 1.0, 1.0, 2.5, 7.0])):
        bins = Bins.of(float(values.min()), float(values.max()))
        counts = np.array([values.size]) if bins is None else bins.counts(values)
        got = views._histogram(counts, bins, float(values.min()), float(values.max()), values.size)
        assert (got["counts"], got["edges"]) == _per_row_histogram(values)
    words = np.array([3, 3, 5, 9, 9, 9, 40])
    tally = Tally.of(words)
    assert views._tallied(tally)["counts"] == _per_row_histogram(words.astype(float))[0]


def test_words_histogram_equals_the_text_profile(tmp_path: Path) -> None:
    profile = _profile(planted_text(tmp_path))
    (col,) = profile.text_columns
    _, words = Streamed().pass_two(profile.rescan, {"t": TextLengths(col.name)})["t"]
    counts, edges = _per_row_histogram(col.text.words[~col.missing_mask].astype(np.float64))
    shown = views._tallied(words)
    assert (shown["counts"], shown["edges"]) == (counts, edges) and sum(counts) == col.rows - col.missing


@pytest.mark.parametrize("which", ["numbers", "text"])
def test_listed_cells_equal_the_per_row_cells(tmp_path: Path, which: str) -> None:
    """Rows in every partition (first and last rows of each, the one-row one): each column's
    cell as the row tables show it (categories coded per partition, a mixed column, numbers,
    missing cells, free text as written) equals the per-row arrays'."""
    profile = _profile(planted(tmp_path) if which == "numbers" else planted_text(tmp_path))
    cols = [c for c in (profile.label, *profile.columns) if c is not None]
    edges = np.array([*profile.rescan.offsets, profile.rows])
    rows = np.unique(np.clip(np.concatenate([edges, edges - 1, [1, 2, 1702, 1703, 1745]]), 0, profile.rows - 1))
    specs = tuple((c.name, c.kind, bool(c.categories)) for c in cols)
    shown, texts = Streamed().pass_two(profile.rescan, {"c": ListedCells(specs, rows)})["c"]
    assert sorted(shown) == rows.tolist()
    kinds = {c.kind for c in cols}
    assert kinds >= ({"numeric", "categorical", "mixed"} if which == "numbers" else {"text", "numeric"})
    for col in cols:
        for r in rows.tolist():
            assert shown[r][col.name] == _per_row_cell(col, r), (col.name, r)
            if col.kind == "text":
                assert texts[r][col.name] == col.texts[r].as_py()


def with_copies(tmp_path: Path) -> Path:
    """planted(), its copies (rows 3 and 7 again near the end and in the middle, row 11 with the
    other label) made whole again: planted() drew their numbers apart."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from test_pass_two import SIZES

    path = planted(tmp_path)
    data = pq.read_table(path)
    n = data.num_rows
    num = data.column("num").to_pylist()
    for src, dst in ((3, n - 5), (7, n // 2), (11, n - 2)):
        num[dst] = num[src]
    data = data.set_column(data.schema.get_field_index("num"), "num", pa.array(num))
    return write_row_groups(path, data, SIZES)


@pytest.mark.parametrize("max_rows", [2, 10_000])
def test_views_equal_a_one_partition_scan(tmp_path: Path, monkeypatch, max_rows: int) -> None:
    """Outliers, duplicates and conflicting labels listed from rows in several partitions."""
    many, one = scans_both_ways(with_copies(tmp_path), monkeypatch, label="y", ignore=["label-issues"], views=True,
                                max_listed_rows=max_rows)
    assert json.dumps(many.views, sort_keys=True) == json.dumps(one.views, sort_keys=True)
    assert many.views["outliers"]["rows"] and many.views["duplicates"] and many.views["features"]
    assert many.views["outliers"]["shown"] == min(max_rows, views.MAX_ROWS, many.by_rule("outliers")[0].count)
