"""profile/cells.py's column-level readings: placeholders in context and numbers with units.

The parity of `Stats.transform` with the scan on these tables is checked by
tests/test_transform_parity.py (its tables include tests/cases/missing-values.toml's and
mixed-types.toml's cases); these tests pin the readings themselves.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import preflight
from preflight.files import dumps
from preflight.kernels.arrow import strings
from preflight.profile import cells
from preflight.stats.load import Stats

PLACEHOLDERS = cells.placeholder_set(["", "?", "na", "n/a", "null", "none", "-"])


def _scan(tmp_path: Path, text: str, **kw) -> preflight.Report:
    path = tmp_path / "data.csv"
    path.write_text(text)
    return preflight.scan(path, **kw)


def test_firm_and_soft_spellings() -> None:
    texts = strings(["", "?", "-", "NA", "N/A", "n/a", "null", "NULL", "None", "none", "NONE", "Na", "na", "Null"])
    soft = cells.soft_spelling(texts).tolist()
    assert soft == [False] * 9 + [True] * 5


@pytest.mark.parametrize("levels", [False, True])
def test_soft_placeholders_are_levels_only_in_a_text_reading(levels: bool) -> None:
    judged = cells.judge_text(strings(["none", "Na", "NA", "?", "K"]), PLACEHOLDERS,
                              reading=cells.Reading(levels=levels))
    assert judged.missing.tolist() == [not levels, not levels, True, True, False]


def test_the_column_decides() -> None:
    assert cells.decide(3, {}, numbers=0, texts=5) == cells.Reading(levels=True)      # medication: none
    assert cells.decide(3, {}, numbers=40, texts=1) == cells.Reading()                # dose: 1.5, none, ?
    assert cells.decide(0, {}, numbers=0, texts=5) == cells.Reading()                 # nothing to decide
    assert cells.decide(0, {"cm": 9, "ft": 1}, numbers=0, texts=10) == cells.Reading(unit="cm")
    assert cells.decide(0, {"cm": 5, "in": 5}, numbers=0, texts=10) == cells.Reading()  # no unit dominates
    assert cells.decide(0, {"cm": 1}, numbers=405, texts=3) == cells.Reading()         # 180cm among numbers
    assert cells.decide(0, {"%": 5}, numbers=0, texts=65) == cells.Reading()           # 100% among words
    assert cells.decide(0, {"l": 1}, numbers=0, texts=4284) == cells.Reading()         # a title "112L"


@pytest.mark.parametrize("text,unit,value", [
    ("181.8cm", "cm", 181.8), ("170 cm", "cm", 170.0), ("5 ft 4", "ft", 5 + 4 / 12), ("5' 4\"", "ft", 5 + 4 / 12),
    ("6'", "ft", 6.0), ("70\"", "in", 70.0), ("37,077.65 EUR", "eur", 37077.65), ("12%", "%", 12.0),
    ("$12", "$", 12.0), ("-3.5 °C", "°c", -3.5), ("3 hours", "h", 3.0),
    ("abc", None, None), ("510A", None, None), ("12 apples", None, None), ("$12 EUR", None, None),
    ("1,5 kg", None, None),
])
def test_numbers_with_units(text: str, unit: str | None, value: float | None) -> None:
    keys, values = cells.units(strings([text]), np.array([True]))
    assert keys == [unit]
    assert (np.isnan(values[0]) if value is None else values[0] == pytest.approx(value))


def test_a_text_column_keeps_none_and_sodium_as_levels(tmp_path: Path) -> None:
    rows = ["Na,none,1.5", "K,continuing,none", "Na,reduced,2.0", "Ca,none,?", "NA,NA,1.0", "K,none,3.0"]
    report = _scan(tmp_path, "element,medication,dose\n" + "\n".join(rows) + "\n", select=["missing-values"])
    features = report.stats["features"]
    assert features["element"]["transform"]["categories"] == ["Ca", "K", "Na"]
    assert features["medication"]["transform"]["categories"] == ["continuing", "none", "reduced"]
    assert (features["element"]["missing"], features["medication"]["missing"], features["dose"]["missing"]) == (1, 1, 2)
    assert features["dose"]["kind"] == "numeric"


def test_rows_differing_in_none_and_empty_are_not_copies(tmp_path: Path) -> None:
    """The second pass reads 'none' as a level, so its row hashes differ from a missing cell's."""
    body = "".join(f"{('none', 'low', 'high')[i % 3]},{i}\n" for i in range(30))
    body += "none,3\n,3\n"  # row 30 copies row 3; row 31 differs only by an empty cell for none
    report = _scan(tmp_path, "medication,x\n" + body, select=["duplicate-rows"])
    assert [f.groups for f in report.by_rule("duplicate-rows")] == [((3, 30),)]


def test_a_unit_column_is_numbers_for_the_scan_and_the_transform(tmp_path: Path) -> None:
    heights = ["181.8cm", "170 cm", "165.1cm", "172cm", "190.5cm", "168cm", "5 ft 4"]
    report = _scan(tmp_path, "height\n" + "\n".join(heights) + "\n", select=["mixed-types"])
    feature = report.stats["features"]["height"]
    assert feature["units"] == {"cm": 6, "ft": 1} and feature["transform"]["unit"] == "cm"
    assert feature["mean"] == pytest.approx(np.mean([181.8, 170, 165.1, 172, 190.5, 168]))
    [mixed] = report.by_rule("mixed-types")
    assert mixed.rows == (6,) and "units: cm x6, ft x1 (numbers read in cm)" in mixed.message
    stats = Stats(json.loads(dumps(report.stats)))
    t = feature["transform"]
    with pytest.warns(preflight.StatsWarning, match="'height': 1 cell"):  # 6 ft: not a number in cm
        got = stats.transform(pd.DataFrame({"height": ["200cm", "200", "6 ft", None]}))[:, 0]
    expected = (np.array([200.0, 200.0, t["fill"], t["fill"]]) - t["mean"]) / t["std"]
    np.testing.assert_allclose(got, expected.astype(np.float32), rtol=1e-6)
