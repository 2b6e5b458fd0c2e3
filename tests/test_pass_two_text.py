"""The free-text rules on pass 2: a text column cut into partitions of 1 to 1,700 rows, with empty
texts, encoding damage, markup, personal data and very long texts planted in several of them.
Each rule's merged state equals its judgement of the whole column's cells at once (what the rule
read from the per-row arrays before), and the findings equal a one-partition scan's."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from test_partitions import profile_of, scans_both_ways, write_row_groups

from preflight.checks.empty_text import Wordless
from preflight.checks.encoding_damage import Damaged
from preflight.checks.html_markup import Markup
from preflight.checks.personal_data import Personal
from preflight.profile.executor import Streamed
from preflight.profile.row_states import TextLengths, median_of
from preflight.read.partitions import plan_source
from preflight.read.tabular import open_tabular

SIZES = (3, 1700, 1, 40, 900, 357, 2)
N = sum(SIZES)
TEXT_RULES = ["empty-text", "encoding-damage", "html-markup", "personal-data", "text-length-outliers"]
LONG = (9, 1703, 1770, 2600)  # 1703: the one-row partition


def planted(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    words = ["alpha", "beta", "gamma", "delta", "battery", "screen", "price", "quality", "arrived", "broken",
             "great", "value"]
    texts: list[str | None] = [" ".join(rng.choice(words, rng.integers(5, 14))) for _ in range(N)]
    for r in (0, 1745, N - 1):
        texts[r] = "   "
    for r in (2, 1744, 2000):
        texts[r] = "!!! ..."
    for r in (5, 1743, N - 2):
        texts[r] = None
    for r, damage in ((6, " na\ufffdve"), (1702, " the cafÃ© was"), (2700, " donâ€™t na\ufffdve")):
        texts[r] = f"{texts[r]}{damage}"
    for r, markup in ((7, " <br/>"), (1750, " <DIV class=x> &amp;"), (2999, " &#39; <p>")):
        texts[r] = f"{texts[r]}{markup}"
    for r, pii in ((8, " mail bob@example.com"), (1760, " call +44 20 7946 0958 or me@x.org"),
                   (N - 3, " card 4111 1111 1111 1111")):
        texts[r] = f"{texts[r]}{pii}"
    for r, times in zip(LONG, (60, 80, 40, 50)):
        texts[r] = f"{texts[r]} " * times
    table = pa.table({"review": pa.array(texts, pa.string()), "num": rng.normal(0, 1, N),
                      "y": pa.array(list(rng.choice(["pos", "neg"], N)))})
    path = tmp_path / "t.parquet"
    return write_row_groups(path, table, SIZES)


def _profile(path: Path):
    plan = plan_source(open_tabular(path), batch_rows=64)
    assert len(plan.partitions) >= 5
    profile = profile_of(path, plan)
    (col,) = profile.text_columns
    return profile, col


@pytest.mark.parametrize("limit", [0, 1, 5, 10_000])
def test_text_hits_equal_the_whole_columns(tmp_path: Path, limit: int) -> None:
    profile, col = _profile(planted(tmp_path))
    scorers = {"empty": Wordless(col.name, limit), "damage": Damaged(col.name, limit),
               "markup": Markup(col.name, limit), "pii": Personal(col.name, limit, max(limit - 1, 0))}
    got = Streamed().pass_two(profile.rescan, scorers)
    for key, scorer in scorers.items():
        want = scorer.judge(col.texts, 0)  # the whole column's cells at once, as the rule read them
        have = got[key]
        assert have.rows.count == want.rows.count, key
        np.testing.assert_array_equal(have.rows.rows, want.rows.rows)
        assert have.counts == want.counts and have.seen == want.seen, key
        assert {k: (v.count, v.rows.tolist()) for k, v in have.kinds.items()} == \
            {k: (v.count, v.rows.tolist()) for k, v in want.kinds.items()}, key
    assert got["empty"].rows.count == 9 and got["empty"].counts == {"null": 3, "empty_or_whitespace": 3,
                                                                     "no_letters": 3}
    assert (got["damage"].rows.count, got["damage"].counts) == (3, {"replacement": 2})
    assert got["markup"].seen == {"tags": {"<br>", "<div>", "<p>"}, "entities": {"&amp;", "&#39;"}}
    assert {k: v.count for k, v in got["pii"].kinds.items()} == {"email": 2, "phone": 1, "card": 1}
    assert got["pii"].rows.count == 3 and got["pii"].rows.rows.tolist() == [8, 1760, N - 3][:limit]


def test_length_tallies_equal_the_text_profile(tmp_path: Path) -> None:
    profile, col = _profile(planted(tmp_path))
    chars, words = Streamed().pass_two(profile.rescan, {"t": TextLengths(col.name)})["t"]
    present = ~col.missing_mask
    for tally, per_row in ((chars, col.text.chars[present]), (words, col.text.words[present])):
        values, counts = np.unique(per_row, return_counts=True)
        np.testing.assert_array_equal(tally.values, values)
        np.testing.assert_array_equal(tally.counts, counts)
        assert median_of(tally.values.astype(float), tally.counts) == np.median(per_row.astype(float))


def test_median_of_a_tally_is_numpys() -> None:
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 10, 11, 1000, 1001):
        x = rng.integers(0, 30, n).astype(float)
        values, counts = np.unique(x, return_counts=True)
        logged = np.log1p(values)
        assert median_of(logged, counts) == np.median(np.log1p(x))
        m = median_of(logged, counts)
        assert median_of(np.abs(logged - m), counts) == np.median(np.abs(np.log1p(x) - m))


def _long_texts_per_row(col, max_z: float = 6.0, min_ratio: float = 10.0) -> tuple[np.ndarray, np.ndarray, float]:
    """text-length-outliers as it read the per-row lengths: (rows, chars, median)."""
    present = np.flatnonzero(~col.missing_mask)
    chars = col.text.chars[present].astype(np.float64)
    logged = np.log1p(chars)
    median = float(np.median(logged))
    z = (logged - median) / (1.4826 * float(np.median(np.abs(logged - median))))
    typical = float(np.median(chars))
    hit = (z > max_z) & (chars >= min_ratio * max(typical, 1.0))
    return present[hit], chars[hit], typical


@pytest.mark.parametrize("max_rows", [2, 10_000])
def test_text_findings_equal_a_one_partition_scan(tmp_path: Path, monkeypatch, max_rows: int) -> None:
    path = planted(tmp_path)
    params = {"max_listed_rows": max_rows}
    many, one = scans_both_ways(path, monkeypatch, label="y", select=TEXT_RULES, **params)
    assert json.dumps(many.to_dict()) == json.dumps(one.to_dict())
    assert sorted({f.rule for f in many.findings}) == sorted(TEXT_RULES)
    (long,) = many.by_rule("text-length-outliers")
    _, col = _profile(path)
    rows, chars, typical = _long_texts_per_row(col)
    assert rows.tolist() == list(LONG) and long.count == 4
    assert list(long.rows) == rows.tolist()[:max_rows]
    assert long.details["chars"] == {str(int(r)): int(c) for r, c in zip(rows, chars)}
    assert long.details["median_chars"] == typical
    assert long.details.get("rows_truncated", False) == (max_rows < 4)
    longest = sorted(zip(-chars, rows))[:3]
    assert f"({', '.join(f'{r} ({int(-c):,} chars)' for c, r in longest)}, ... (+1 more);" in long.message
