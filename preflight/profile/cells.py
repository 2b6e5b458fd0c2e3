"""The one cell parser: how a table cell reads, for the scan and for `Stats.transform` alike.

If training code parsed cells differently from the scan, `Stats.transform` would feed a model
numbers other than those its transforms were fitted on, silently. So both call these functions.

Contract, per cell of a pyarrow array:
- Native numbers (integers, floats, decimals, booleans) are numbers, cast to float64; a null or
  a NaN is missing. In a one-hot column a native number is keyed `str(int(v))` when integral,
  else `repr(float(v))` (`number_keys`).
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

tests/test_transform_parity.py checks the contract end to end: `Stats.transform` equals the
scan's own transformed matrix bit for bit, on every committed table read four ways.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
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


def placeholder_set(placeholders: Iterable[str]) -> pa.StringArray:
    """The placeholder tokens as they are compared: trimmed and lowercased."""
    return strings(sorted({p.strip().lower() for p in placeholders}))


def is_native(t: pa.DataType) -> bool:
    """Numbers already: no text to judge."""
    return pa.types.is_integer(t) or pa.types.is_boolean(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def native_values(arr: pa.Array) -> np.ndarray:
    """A native-number array as float64, NaN where null (booleans: 1 / 0)."""
    return numbers(pc.cast(arr, pa.float64()), np.nan)


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

    def rows(self, distinct: np.ndarray, null: object) -> np.ndarray:
        """Per-distinct values gathered per row, `null` for null cells."""
        return np.append(distinct, np.asarray(null, distinct.dtype))[self.index]


def judge_text(arr: pa.Array, placeholders: pa.StringArray, *, booleans: bool = False) -> TextCells:
    """Judge a string array. Dictionary-encoded first: a column of a million cells often holds a
    few thousand texts, each judged once. booleans: read BOOLEAN_TOKENS as 1 / 0 (see above)."""
    enc = pc.dictionary_encode(arr)  # distinct raw texts, in order of first appearance
    raw = enc.dictionary
    index = numbers(pc.cast(enc.indices, pa.int64()), -1).astype(np.intp, copy=False)  # -1: null (see rows)
    trimmed = pc.utf8_trim_whitespace(raw)
    lowered = pc.utf8_lower(trimmed)
    values = np.full(len(raw), np.nan)
    truth = bools(pc.is_in(trimmed, value_set=_TRUE)) if booleans else np.zeros(len(raw), bool)
    falsity = bools(pc.is_in(trimmed, value_set=_FALSE)) if booleans else np.zeros(len(raw), bool)
    token = bools(pc.is_in(lowered, value_set=placeholders)) & ~truth & ~falsity  # the scan saw booleans
    number = bools(pc.match_substring_regex(trimmed, NUMBER)) & ~token & ~truth & ~falsity
    if number.any():
        values[number] = numbers(pc.cast(pc.filter(trimmed, mask(number)), pa.float64()), np.nan)
        number &= ~np.isnan(values)  # "nan" written out is a missing value
    values[truth], values[falsity] = 1.0, 0.0
    number |= truth | falsity
    missing = token | (~number & np.isnan(values) & bools(pc.is_in(lowered, value_set=_NAN)))
    return TextCells(index=index, raw=raw, trimmed=trimmed, token=token, number=number, values=values,
                     missing=missing, text=~missing & ~number)


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


def parse(arr: pa.Array, placeholders: pa.StringArray, *, booleans: bool = False) -> Cells:
    """Every cell's number, missing and text flags, as the scan reads them (a fresh values array)."""
    if is_native(arr.type):
        values = native_values(arr).copy()
        return Cells(values, np.isnan(values), np.zeros(len(values), bool))
    cells = judge_text(as_text(arr), placeholders, booleans=booleans)
    return Cells(cells.rows(cells.values, np.nan), cells.rows(cells.missing, True), cells.rows(cells.text, False))


def category_codes(arr: pa.Array, categories: Sequence[str], placeholders: pa.StringArray) -> np.ndarray:
    """int64 per row: the index of the cell's key in `categories`; -1 where missing or unseen."""
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
        codes[present] = np.array([position.get(k, -1) for k in keys], np.int64)[inverse]
        return codes
    cells = judge_text(as_text(arr), placeholders)
    found = numbers(pc.cast(pc.index_in(cells.trimmed, value_set=strings(categories)), pa.int64()), -1)
    return cells.rows(np.where(cells.missing, -1, found), -1)
