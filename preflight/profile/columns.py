"""Per-column profiling: batch by batch, then finalised into a ColumnProfile.

Cells are read by profile/cells.py, the parser `Stats.transform` shares: text is trimmed;
placeholder tokens ("?", "NA", ...) count as missing and are tallied here; text that parses
as a number counts as a number, so a numeric column with a few "?" stays numeric and a
column mixing "165cm" with 170 is caught as mixed. Soft placeholders ("none") and numbers
with a unit are tallied too: from them the column's `cells.Reading` is decided after a pass.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from preflight.kernels.arrow import bools, mask, numbers
from preflight.kernels.hashing import MISSING_HASH, hash_floats, splitmix64
from preflight.kernels.siphash import hash_strings
from preflight.profile.accumulators import BottomK, Moments
from preflight.profile.cells import (
    PLAIN,
    Reading,
    as_text,
    decide,
    is_native,
    judge_text,
    native_values,
    number_keys,
    placeholder_set,
)

QUANTILES = {"p01": 0.01, "p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95, "p99": 0.99}
EXAMPLES = 5


@dataclass
class ColumnProfile:
    """Everything known about one column; row-level arrays are aligned with file order."""

    name: str
    kind: str  # numeric | categorical | mixed | empty
    dtype: str
    rows: int
    missing: int
    placeholders: dict[str, int]
    nonfinite: int
    numeric_count: int
    text_count: int
    whitespace: int
    whitespace_examples: list[str]
    text_examples: list[str]
    number_examples: list[str]
    mean: float
    std: float
    min: float
    max: float
    quantiles: dict[str, float]
    integral: bool
    values: np.ndarray          # float64 per row, NaN where missing or not a number
    missing_mask: np.ndarray    # bool per row
    nonfinite_mask: np.ndarray  # bool per row
    whitespace_mask: np.ndarray  # bool per row: text cell with stray outer whitespace
    codes: np.ndarray | None    # int32 per row into `categories`, -1 where missing
    categories: tuple[str, ...]
    sample: np.ndarray          # the bottom-k sample of finite numbers
    hashes: np.ndarray | None   # uint64 per row, the cells' content hashes: kept for text only
    transform: dict = field(default_factory=dict)
    reading: Reading = PLAIN  # how its text cells were read (cells.decide)
    soft: dict[str, int] = field(default_factory=dict)   # soft placeholder spellings: cells each
    units: dict[str, int] = field(default_factory=dict)  # cells per unit written (cells.UNITS keys)

    def decided(self) -> Reading:
        """The reading this column's tallies call for (cells.decide); read that way when it differs."""
        if self.reading != PLAIN:
            return self.reading
        return decide(sum(self.soft.values()), self.units, self.numeric_count, self.text_count)

    @cached_property
    def distinct(self) -> int:
        """Distinct present values (numbers by value, text trimmed). Sorting a million hashes
        costs ~20 ms a column, so it is done only when asked and no cheaper answer is exact."""
        present = self.rows - self.missing
        if present == 0:
            return 0
        if self.kind == "categorical" and self.codes is not None:
            return len(self.categories)
        if self.kind == "numeric" and self.nonfinite == 0 and self.min == self.max and self.hashes is None:
            return 1
        hashes = self.hashes if self.hashes is not None else hash_floats(self.values, self.missing_mask)
        return _count_distinct(hashes[~self.missing_mask])

    @property
    def varies(self) -> bool:
        """distinct > 1, without sorting when the range already says so."""
        if self.kind == "numeric" and self.min < self.max:
            return True
        return self.distinct > 1

    @property
    def maybe_unique(self) -> bool:
        """False when no value can be unique per row: cheap (the sample repeats a value)."""
        if self.kind == "numeric" and self.hashes is None and self.sample.size:  # hashes: integers beyond 2**53
            s = np.sort(self.sample)
            if np.any(s[1:] == s[:-1]):
                return False
        return True


class ColumnBuilder:
    """Feeds batches of one column; `finish` returns the ColumnProfile."""

    def __init__(self, name: str, placeholders: list[str], sample_rows: int, max_codes: int,
                 reading: Reading = PLAIN) -> None:
        self.name = name
        self.placeholders = placeholder_set(placeholders)
        self.reading = reading
        self.soft: Counter[str] = Counter()
        self.units: Counter[str] = Counter()
        self.max_codes = max_codes
        self.moments = Moments()
        self.sample = BottomK(sample_rows)
        self.tokens: Counter[str] = Counter()
        self.dtypes: set[str] = set()
        self.counts = Counter()  # rows, missing, nonfinite, numeric, text, whitespace
        self.examples: dict[str, dict[str, None]] = {"ws": {}, "text": {}, "num": {}}
        self.integral = True
        self.values: list[np.ndarray] = []
        self.missing: list[np.ndarray] = []
        self.is_text: list[np.ndarray | None] = []  # None: a native-number batch
        self.ws: list[np.ndarray | None] = []  # None: a native-number batch
        self.codes: list[np.ndarray | None] = []  # None: a native-number batch
        self.vocab: dict[str, int] = {}
        self._coded = True  # False once a batch held more distinct texts than max_codes
        self.hashes: list[np.ndarray | None] = []  # None: a native-number batch
        self._last: tuple[np.ndarray, np.ndarray] | None = None  # the last batch's finite mask, values

    def add(self, arr: pa.Array) -> np.ndarray:
        """Profile one batch; returns the per-row value hashes (for row hashing)."""
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        self.dtypes.add(str(arr.type))
        t = arr.type
        whole = pa.types.is_integer(t) or pa.types.is_boolean(t)  # integral without looking
        if is_native(t):
            # A batch of native numbers keeps no per-row text, whitespace, codes or hashes: they
            # are all "none" (None here; finish fills them in only if the column needs them).
            values = native_values(arr)
            stored = _exact_integer_hashes(arr, values)  # integers beyond 2**53 only; else None
            missing = np.isnan(values)
            text = ws = codes = None
            h = hash_floats(values, missing) if stored is None else stored
            n_missing = int(missing.sum())
            nonfinite = int(np.count_nonzero(np.isinf(values)))
            n_numeric, n_text = len(arr) - n_missing, 0
        else:
            values, missing, text, ws, codes, h = self._text(as_text(arr))
            stored = h
            n_missing = int(missing.sum())
            nonfinite = int(np.count_nonzero(np.isinf(values) & ~missing & ~text))
            n_text = int(text.sum())
            n_numeric = len(arr) - n_missing - n_text
        ok = np.isfinite(values)  # NaN marks missing and text cells alike
        finite = values[ok]
        self.counts.update(rows=len(arr), missing=n_missing, nonfinite=nonfinite, numeric=n_numeric, text=n_text)
        if finite.size:
            self.moments = self.moments.merge(Moments.of(finite))
            self.integral = self.integral and (whole or bool(np.array_equal(finite, np.trunc(finite))))
        self.values.append(values)
        self.missing.append(missing)
        self.is_text.append(text)
        self.ws.append(ws)
        self.codes.append(codes)
        self.hashes.append(stored)
        self._last = (ok, finite)
        return h

    def add_sample(self, priorities: np.ndarray) -> None:
        """Offer this batch's finite numbers to the bottom-k sample, keyed by row content."""
        ok, finite = self._last  # from add: the same finite cells, not picked out twice
        self.sample.add(priorities[ok], finite)

    def _text(self, arr: pa.Array):
        """Judge each distinct cell text once (cells.judge_text), tally placeholders, whitespace and
        examples, hash and code each distinct text, then gather per row."""
        cells = judge_text(arr, self.placeholders, reading=self.reading)
        raw, trimmed, idx, number, text = cells.raw, cells.trimmed, cells.index, cells.number, cells.text
        ws = text & bools(pc.not_equal(raw, trimmed))
        seen = np.bincount(idx[idx >= 0], minlength=len(raw))
        for j in np.flatnonzero(cells.token):
            self.tokens[trimmed[j].as_py()] += int(seen[j])
        for j in np.flatnonzero(cells.soft):
            self.soft[trimmed[j].as_py()] += int(seen[j])
        for j in np.flatnonzero(~np.isnan(cells.unit_values)):
            self.units[cells.unit_keys[j]] += int(seen[j])
        self.counts.update(whitespace=int(seen[ws].sum()))
        self._remember("ws", raw, ws)
        self._remember("text", trimmed, text)
        self._remember("num", trimmed, number)
        h = np.full(len(raw), MISSING_HASH, dtype=np.uint64)  # numbers by value, texts by SipHash
        h[number] = hash_floats(cells.values[number])
        if text.any():  # only the texts: a column of numbers written as text has a million of them
            h[text] = hash_strings(pc.filter(trimmed, mask(text)))
        kept = pc.filter(trimmed, mask(~cells.missing))
        lookup = np.full(len(raw), -1, dtype=np.int32)  # missing texts (and nulls, in rows): -1
        if self._coded and (len(self.vocab) + len(kept) <= self.max_codes or not len(kept)
                            or len(self.vocab) + len(pc.unique(kept)) <= self.max_codes):
            lookup[~cells.missing] = [self.vocab.setdefault(t, len(self.vocab)) for t in kept.to_pylist()]
            codes = cells.rows(lookup, -1)
        else:  # too many distinct values to keep codes, for this batch and so for the column
            codes = np.full(len(idx), -3, np.int32)
            self._coded = False
        return (cells.rows(cells.values, np.nan), cells.rows(cells.missing, True), cells.rows(text, False),
                cells.rows(ws, False), codes, cells.rows(h, MISSING_HASH))

    def _remember(self, kind: str, arr: pa.Array, where: np.ndarray) -> None:
        store = self.examples[kind]
        if len(store) >= EXAMPLES or not where.any():
            return
        for value in pc.filter(arr, mask(where)).slice(0, 1000).to_pylist():
            if len(store) >= EXAMPLES:
                break
            store.setdefault(value, None)

    def _filled(self, chunks: list[np.ndarray | None], dtype, fill) -> np.ndarray:
        """Concatenate per-batch arrays; a native-number batch's None becomes `fill` (for hashes,
        fill=None: its numbers' hashes, recomputed as add computed them)."""
        if all(c is None for c in chunks) and fill is not None:
            return np.full(sum(len(v) for v in self.values), fill, dtype=dtype)
        parts = [c if c is not None else
                 (hash_floats(v, m) if fill is None else np.full(len(v), fill, dtype=dtype))
                 for c, v, m in zip(chunks, self.values, self.missing)]
        return _cat(parts, dtype)

    def finish(self) -> ColumnProfile:
        c = self.counts
        values = _cat(self.values, np.float64)
        missing = _cat(self.missing, bool)
        is_text = self._filled(self.is_text, bool, False)
        nonfinite = np.isinf(values) & ~missing & ~is_text
        present = c["rows"] - c["missing"]
        if present == 0:
            kind = "empty"
        elif c["text"] == 0:
            kind = "numeric"
        else:
            kind = "mixed" if c["numeric"] else "categorical"
        categories: tuple[str, ...] = ()
        final_codes = None
        codes = self._filled(self.codes, np.int32, -2) if kind in ("categorical", "mixed") else None
        if codes is not None and not (codes == -3).any():  # -2: a native number, coded now
            codes = _code_numeric_cells(codes, values, missing, self.vocab)
            order = sorted(self.vocab, key=str)
            remap = np.empty(len(self.vocab), dtype=np.int32)
            for new, name in enumerate(order):
                remap[self.vocab[name]] = new
            final_codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1).astype(np.int32)
            categories = tuple(order)
        # A mixed column that is mostly numbers keeps number stats: its text cells are the errors.
        numeric_stats = self.moments.n > 0 and (kind == "numeric" or (kind == "mixed" and c["numeric"] > c["text"]))
        qs = self.sample.quantiles(list(QUANTILES.values())) if numeric_stats else [float("nan")] * 7
        m = self.moments
        return ColumnProfile(
            name=self.name, kind=kind, dtype="/".join(sorted(self.dtypes)), rows=c["rows"],
            missing=c["missing"], placeholders=dict(sorted(self.tokens.items())), nonfinite=c["nonfinite"],
            numeric_count=c["numeric"], text_count=c["text"], whitespace=c["whitespace"],
            whitespace_examples=list(self.examples["ws"]), text_examples=list(self.examples["text"]),
            number_examples=list(self.examples["num"]),
            mean=m.mean if numeric_stats else float("nan"), std=m.std if numeric_stats else float("nan"),
            min=m.min if numeric_stats else float("nan"), max=m.max if numeric_stats else float("nan"),
            quantiles=dict(zip(QUANTILES, qs)), integral=self.integral and numeric_stats,
            values=values, missing_mask=missing, nonfinite_mask=nonfinite,
            whitespace_mask=self._filled(self.ws, bool, False), codes=final_codes,
            categories=categories, sample=self.sample.values.copy(),
            hashes=None if kind == "empty" or (kind == "numeric" and all(h is None for h in self.hashes))
            else self._filled(self.hashes, np.uint64, None),
            reading=self.reading, soft=dict(sorted(self.soft.items())), units=dict(sorted(self.units.items())),
        )


_BIG_INT = np.uint64(0xB161A7E6E5500001)  # keeps exact-integer hashes apart from hash_floats


def _exact_integer_hashes(arr: pa.Array, values: np.ndarray) -> np.ndarray | None:
    """Integers beyond 2**53 (tweet ids, snowflakes, 64-bit hashes: ids and codes) have no exact
    float64 (native_values gives the nearest): per-row hashes that hash those cells' exact
    integers, so duplicates, distinct counts and ids stay exact. None for any other batch."""
    if not pa.types.is_integer(arr.type) or arr.type.bit_width < 54:
        return None
    big = np.abs(values) >= 2.0**53  # NaN (null) compares False
    if not big.any():
        return None
    hashes = hash_floats(values, np.isnan(values))
    bits = numbers(pc.cast(arr, pa.int64(), safe=False), 0).view(np.uint64)  # uint64 wraps: same bits
    hashes[big] = splitmix64(bits[big] ^ _BIG_INT)
    return hashes


def _cat(chunks: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(chunks).astype(dtype, copy=False) if chunks else np.empty(0, dtype)


def _code_numeric_cells(codes: np.ndarray, values: np.ndarray, missing: np.ndarray,
                        vocab: dict[str, int]) -> np.ndarray:
    """Cells read as native numbers in a column that turned out categorical: code their text."""
    todo = (codes == -2) & ~missing
    if not todo.any():
        return np.where(codes == -2, -1, codes)
    distinct, inverse = np.unique(values[todo], return_inverse=True)  # each distinct number keyed once
    ids = [vocab.setdefault(key, len(vocab)) for key in number_keys(distinct)]
    codes = codes.copy()
    codes[todo] = np.array(ids, np.int32)[inverse]
    codes[codes == -2] = -1
    return codes


def _count_distinct(hashes: np.ndarray) -> int:
    """np.unique(hashes).size; numpy 2's hash-based unique is ~100x slower than its sort on 1M uint64."""
    s = np.sort(hashes)
    return int(np.count_nonzero(s[1:] != s[:-1])) + 1 if s.size else 0
