"""The one cell parser: how a table cell reads, for the scan and for `Stats.transform` alike.

If training code parsed cells differently from the scan, `Stats.transform` would feed a model
numbers other than those its transforms were fitted on, silently. So both call these functions.

Contract, per cell of a pyarrow array:
- Native numbers (integers, floats, decimals, booleans) are numbers, cast to float64 (an integer
  beyond 2**53 to the nearest float64); a null or a NaN is missing. In a one-hot column a native
  number is keyed `str(int(v))` when integral, else `repr(float(v))` (`number_keys`).
- Any other cell is read as text (`as_text`: pyarrow's cast, or Python's str() per cell for a
  type it cannot cast), then trimmed. A placeholder token (compared trimmed and lowercased) is
  missing; so is "nan" written out, in any case. Other text matching NUMBER is a number
  (pyarrow's cast to float64; "-nan", which casts to NaN, stays text). Anything else is a text
  cell, NaN as a number. A category is keyed by the trimmed text, numbers written as text
  included ("1.0" stays "1.0").
- Booleans. pyarrow's CSV reader turns a column whose every cell is one of BOOLEAN_TOKENS
  (untrimmed; only 1 and 0 make integers) into booleans: native cells, 1 and 0, and dtype "bool"
  in stats.json. To the scan, text cells are never booleans: a column read as text held a cell
  that is no boolean token, so "True" there is a category like "yes" beside it, and reading it
  as 1 would change kinds, row hashes and so every existing stats.json's content_hash. Training
  code hands the scan's boolean cells over as text too (`pd.read_csv(..., dtype=str)` gives
  "False"), so for a column with dtype "bool", `Stats.transform` passes `booleans=True`: the
  tokens, trimmed, read 1 / 0 (before placeholders, which the scan never applied to them).
  The other way round, a column of "True", "False" and "NA" is text to the scan (one-hot on
  "False", "True"), while pandas' and pyarrow's default null tokens hand over booleans:
  `boolean_keys` keys them by the fitted category that spells them.

- Placeholders in context. A token spelled with no letter ("", "?", "-") or as pandas' read_csv
  reads NaN by default (PANDAS_NA: "NA", "N/A", "n/a", "NULL", "null", "None", ...) is firm:
  missing in every column, so a frame read with pandas' defaults agrees with the scan. Any other
  spelling of a token with letters ("none", "NONE", "Na", "na", "Null") is soft: missing in a
  column read as numbers, one of the levels in a column read as text (`Reading.levels`), since
  "none" there is an answer (medication: none) and "Na" a symbol (sodium), not "unknown". The
  column decides (`decide`): text when its other text cells are at least as many as its number
  cells, placeholders aside; a fitted one-hot column is such a column, a numeric one is not.
- Numbers with a unit ("181.8cm", "5 ft 4", "37,077.65 EUR", "12%", "$12"; UNITS) are text cells
  that carry `unit_keys` / `unit_values`. When one unit dominates a column (`dominant_unit`) the
  column is read with that unit (`Reading.unit`): those cells are numbers in the unit written
  ("5 ft 4" -> 5.333 ft, "12%" -> 12), other cells as before. A fitted numeric transform records
  the unit (`transform.unit` in stats.json) and `Stats.transform` strips it the same way.

A column's Reading is decided from the tallies of a first pass and applied by profiling it again
(profile/tabular.py): every per-row array, hash and sample is then what it would have been had
the cells been read that way from the start.

tests/test_transform_parity.py checks the contract end to end: `Stats.transform` equals the
scan's own transformed matrix bit for bit, on every committed table read four ways.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from preflight.kernels.arrow import bools, mask, numbers, strings

NUMBER = r"(?i)^[+-]?((\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?|inf|infinity|nan)$"
# pyarrow.csv.ConvertOptions' default true_values / false_values
BOOLEAN_TOKENS = {True: ("1", "True", "TRUE", "true"), False: ("0", "False", "FALSE", "false")}
_NAN = strings(["nan"])  # "nan" written out: a missing value
_TRUE, _FALSE = strings(BOOLEAN_TOKENS[True]), strings(BOOLEAN_TOKENS[False])
# pandas.read_csv's default NaN spellings (pandas._libs.parsers.STR_NA_VALUES): firm placeholders
PANDAS_NA = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
             "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null")
_PANDAS_NA = strings(PANDAS_NA)

# A number with a unit: an optional currency symbol, the number (thousands may be grouped with
# commas), the unit, and the inches of a feet-and-inches height ("5 ft 4", 5' 4").
_WITH_UNIT = (r"^(?P<pre>[$€£¥]?)\s*(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)\s*"
              r"(?P<unit>%|‰|°\s?[CcFf]|[A-Za-z]{1,6}(?:/[A-Za-z]{1,2})?|[$€£¥'\"]|)\s*"
              r"(?P<rest>\d+(?:\.\d+)?\s*(?:in|inch|inches|\"|'')?|)$")
# Unit spellings (lowercased) -> the unit they are keyed by: what a column's numbers are read in.
UNITS = {
    **{u: u for u in ("%", "‰", "mm", "cm", "m", "km", "in", "ft", "yd", "mi", "mg", "g", "kg", "lb", "oz",
                      "ms", "s", "min", "h", "d", "wk", "yr", "mph", "kph", "km/h", "m/s", "°c", "°f", "ml", "l",
                      "cl", "dl", "gal", "w", "kw", "kwh", "mw", "v", "mah", "hz", "khz", "mhz", "ghz", "kb",
                      "mb", "gb", "tb", "k", "bn", "usd", "eur", "gbp", "chf", "jpy", "cny", "cad", "aud",
                      "inr", "sek", "nok", "dkk", "$", "€", "£", "¥")},
    "inch": "in", "inches": "in", '"': "in", "feet": "ft", "foot": "ft", "'": "ft", "lbs": "lb",
    "sec": "s", "secs": "s", "mins": "min", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "day": "d", "days": "d", "week": "wk", "weeks": "wk", "yrs": "yr", "year": "yr", "years": "yr",
    "° c": "°c", "° f": "°f", "kgs": "kg", "gr": "g", "gram": "g", "grams": "g", "meter": "m", "meters": "m",
    "metre": "m", "metres": "m", "pound": "lb", "pounds": "lb", "mile": "mi", "miles": "mi",
}
DOMINANT_SHARE = 0.75  # a unit dominates with >= 75% of the cells carrying a unit (and see dominant_unit)


@dataclass(frozen=True)
class Reading:
    """How one column's text cells read, decided for the whole column (see `decide`)."""

    levels: bool = False     # soft placeholders ("none", "Na") are levels, not missing
    unit: str | None = None  # cells with this unit (a UNITS key) are numbers


PLAIN = Reading()  # the default: soft placeholders missing, no unit


def placeholder_set(placeholders: Iterable[str]) -> pa.StringArray:
    """The placeholder tokens as they are compared: trimmed and lowercased."""
    return strings(sorted({p.strip().lower() for p in placeholders}))


def is_native(t: pa.DataType) -> bool:
    """Numbers already: no text to judge."""
    return pa.types.is_integer(t) or pa.types.is_boolean(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def native_values(arr: pa.Array) -> np.ndarray:
    """A native-number array as float64, NaN where null (booleans: 1 / 0). Integers beyond 2**53
    (ids, 64-bit hashes), which pyarrow's safe cast refuses, become the nearest float64."""
    try:
        return numbers(pc.cast(arr, pa.float64()), np.nan)
    except pa.ArrowInvalid:
        if not pa.types.is_integer(arr.type):
            raise
        return numbers(pc.cast(arr, pa.float64(), safe=False), np.nan)


def as_text(arr: pa.Array) -> pa.Array:
    """Any non-native array as strings; Python's str() per cell where pyarrow cannot cast."""
    if pa.types.is_string(arr.type):
        return arr
    try:
        return pc.cast(arr, pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return strings(None if v is None else str(v) for v in arr.to_pylist())


@dataclass(frozen=True)
class TextCells:
    """Each distinct text of a string array judged once; `index` maps rows to them.

    Arrays other than `index` have one slot per distinct text; `rows` gathers them per row.
    """

    index: np.ndarray        # intp per row into the distinct texts; -1 for a null cell
    raw: pa.Array            # the distinct texts as written, in order of first appearance
    trimmed: pa.Array        # ... trimmed: what a category is keyed by
    token: np.ndarray        # bool: a placeholder token
    number: np.ndarray       # bool: a number written as text
    values: np.ndarray       # float64: the number; NaN for anything else
    missing: np.ndarray      # bool: a placeholder or "nan" written out
    text: np.ndarray         # bool: present and not a number
    soft: np.ndarray         # bool: a soft placeholder (a token, or a level with Reading.levels)
    unit_keys: list[str | None]  # a text cell's unit (a UNITS key), or None; numbers read in a unit keep it
    unit_values: np.ndarray  # float64: the number written with that unit; NaN elsewhere

    def rows(self, distinct: np.ndarray, null: object) -> np.ndarray:
        """Per-distinct values gathered per row, `null` for null cells."""
        return np.append(distinct, np.asarray(null, distinct.dtype))[self.index]


def judge_text(arr: pa.Array, placeholders: pa.StringArray, *, booleans: bool = False,
               reading: Reading = PLAIN) -> TextCells:
    """Judge a string array. Dictionary-encoded first: a column of a million cells often holds a
    few thousand texts, each judged once. booleans: read BOOLEAN_TOKENS as 1 / 0 (see above);
    reading: the column's (soft placeholders as levels, numbers with a unit)."""
    enc = pc.dictionary_encode(arr)  # distinct raw texts, in order of first appearance
    raw = enc.dictionary
    index = numbers(pc.cast(enc.indices, pa.int64()), -1).astype(np.intp, copy=False)  # -1: null (see rows)
    trimmed = pc.utf8_trim_whitespace(raw)
    lowered = pc.utf8_lower(trimmed)
    values = np.full(len(raw), np.nan)
    truth = bools(pc.is_in(trimmed, value_set=_TRUE)) if booleans else np.zeros(len(raw), bool)
    falsity = bools(pc.is_in(trimmed, value_set=_FALSE)) if booleans else np.zeros(len(raw), bool)
    token = bools(pc.is_in(lowered, value_set=placeholders)) & ~truth & ~falsity  # the scan saw booleans
    soft = token & soft_spelling(trimmed)
    if reading.levels:
        token &= ~soft
    number = bools(pc.match_substring_regex(trimmed, NUMBER)) & ~token & ~truth & ~falsity
    if number.any():
        values[number] = numbers(pc.cast(pc.filter(trimmed, mask(number)), pa.float64()), np.nan)
        number &= ~np.isnan(values)  # "nan" written out is a missing value
    values[truth], values[falsity] = 1.0, 0.0
    number |= truth | falsity
    missing = token | (~number & np.isnan(values) & bools(pc.is_in(lowered, value_set=_NAN)))
    unit_keys, unit_values = units(trimmed, ~missing & ~number)
    if reading.unit is not None:
        read = np.array([k == reading.unit for k in unit_keys], bool)
        values[read], number[read] = unit_values[read], True
    return TextCells(index=index, raw=raw, trimmed=trimmed, token=token, number=number, values=values,
                     missing=missing, text=~missing & ~number, soft=soft, unit_keys=unit_keys,
                     unit_values=unit_values)


def soft_spelling(trimmed: pa.Array) -> np.ndarray:
    """Per text: spelled with a letter, and not as pandas reads NaN by default (PANDAS_NA)."""
    return bools(pc.match_substring_regex(trimmed, r"\pL")) & ~bools(pc.is_in(trimmed, value_set=_PANDAS_NA))


def units(trimmed: pa.Array, where: np.ndarray) -> tuple[list[str | None], np.ndarray]:
    """Per text (only where `where`): the UNITS key of a number written with a unit, and the
    number in that unit ("37,077.65 EUR" -> "eur", 37077.65; "5 ft 4" -> "ft", 5.333...)."""
    keys: list[str | None] = [None] * len(trimmed)
    values = np.full(len(trimmed), np.nan)
    if where.any():  # a cheap test first: most text (names, words) does not start like a number
        where = where & bools(pc.match_substring_regex(trimmed, r"^[$€£¥]?\s*[+-]?\.?\d"))
    candidates = np.flatnonzero(where)
    if not candidates.size:
        return keys, values
    found = pc.extract_regex(pc.filter(trimmed, mask(where)), _WITH_UNIT)
    hit = bools(found.is_valid())
    if not hit.any():
        return keys, values
    rows = candidates[hit]
    found = found.filter(mask(hit))
    parts = zip(*(found.field(f).to_pylist() for f in ("pre", "num", "unit", "rest")))
    for row, (pre, num, unit, rest) in zip(rows.tolist(), parts):
        key = pre if not unit else UNITS.get(unit.lower())
        if key is None or (pre and unit) or (rest and key != "ft"):
            continue
        value = float(num.replace(",", ""))
        if rest:
            value += float(rest.rstrip("inches\"' ")) / 12.0
        keys[row], values[row] = key, value
    return keys, values


def dominant_unit(unit_cells: Mapping[str, int], numbers: int, texts: int) -> str | None:
    """The unit a column's numbers are written in, if one dominates: the most common unit when it
    carries at least DOMINANT_SHARE of the cells with a unit, at least as many cells as the plain
    numbers (then read as being in that unit), and, read so, makes the column mostly numbers. A
    few "180cm" among plain numbers, cm beside inches, or "100%" among words ("enriched") are not
    read: mixed-types reports the first two, the last is a category."""
    if not unit_cells:
        return None
    unit, count = max(sorted(unit_cells.items()), key=lambda kv: kv[1])
    mostly_numbers = count + numbers > texts - count
    if count >= DOMINANT_SHARE * sum(unit_cells.values()) and count >= numbers and mostly_numbers:
        return unit
    return None


def decide(soft_tokens: int, unit_cells: Mapping[str, int], numbers: int, texts: int) -> Reading:
    """A column's reading from its first pass (soft placeholders read as missing, numbers with a
    unit as text): the dominant unit, then levels when the column is text, i.e. holds text cells
    and at least as many as number cells (placeholders aside). A column without soft
    placeholders keeps levels=False, so most columns keep the default reading."""
    unit = dominant_unit(unit_cells, numbers, texts)
    if unit is not None:
        numbers, texts = numbers + unit_cells[unit], texts - unit_cells[unit]
    return Reading(levels=soft_tokens > 0 and texts > 0 and texts >= numbers, unit=unit)


def number_keys(values: np.ndarray) -> list[str]:
    """The category key of each native number (pass distinct values: one str() each)."""
    return [str(int(v)) if float(v).is_integer() else repr(float(v)) for v in values.tolist()]


def boolean_keys(categories: Sequence[str]) -> tuple[str, str]:
    """The keys of native False and True in a one-hot column: "0" / "1" as the scan keys a native
    boolean when that category was fitted, else the first fitted category spelling it as a
    boolean token ("True", "TRUE", "true"): where the file said "True", pandas or pyarrow's
    defaults hand over True."""
    fitted = set(categories)
    out = [next((t for t in BOOLEAN_TOKENS[b] if t in fitted), BOOLEAN_TOKENS[b][0]) for b in (False, True)]
    return out[0], out[1]


@dataclass(frozen=True)
class Cells:
    """A whole array parsed per row."""

    values: np.ndarray   # float64: the number; NaN where missing or text
    missing: np.ndarray  # bool
    text: np.ndarray     # bool: present and not a number


def parse(arr: pa.Array, placeholders: pa.StringArray, *, booleans: bool = False,
          unit: str | None = None) -> Cells:
    """Every cell's number, missing and text flags, as the scan reads them (a fresh values array)
    in a column read as numbers (soft placeholders missing; `unit`: numbers with it are numbers)."""
    if is_native(arr.type):
        values = native_values(arr).copy()
        return Cells(values, np.isnan(values), np.zeros(len(values), bool))
    cells = judge_text(as_text(arr), placeholders, booleans=booleans, reading=Reading(unit=unit))
    return Cells(cells.rows(cells.values, np.nan), cells.rows(cells.missing, True), cells.rows(cells.text, False))


def category_codes(arr: pa.Array, categories: Sequence[str], placeholders: pa.StringArray) -> np.ndarray:
    """int64 per row: the index of the cell's key in `categories`; -1 where missing, -2 where
    present but unseen. A one-hot column is read as text: soft placeholders are levels."""
    if is_native(arr.type):
        values = native_values(arr)
        present = ~np.isnan(values)
        distinct, inverse = np.unique(values[present], return_inverse=True)
        if pa.types.is_boolean(arr.type):
            falsity, truth = boolean_keys(categories)
            keys = [truth if v else falsity for v in distinct.tolist()]
        else:
            keys = number_keys(distinct)
        position = {c: i for i, c in enumerate(categories)}
        codes = np.full(len(values), -1, np.int64)
        codes[present] = np.array([position.get(k, -2) for k in keys], np.int64)[inverse]
        return codes
    cells = judge_text(as_text(arr), placeholders, reading=Reading(levels=True))
    found = numbers(pc.cast(pc.index_in(cells.trimmed, value_set=strings(categories)), pa.int64()), -2)
    return cells.rows(np.where(cells.missing, -1, found), -1)
