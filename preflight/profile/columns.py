"""Per-column profiling: batch by batch, then finalised into a ColumnProfile (profile/column_profile.py).

Cells are read by profile/cells.py, the parser `Stats.transform` shares: text is trimmed;
placeholder tokens ("?", "NA", ...) count as missing and are tallied here; text that parses
as a number counts as a number, so a numeric column with a few "?" stays numeric and a
column mixing "165cm" with 170 is caught as mixed. Soft placeholders ("none") and numbers
with a unit are tallied too: from them the column's `cells.Reading` is decided after a pass.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import reduce

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from preflight.kernels.arrow import bools, mask, numbers
from preflight.kernels.hashing import MISSING_HASH, hash_floats, splitmix64
from preflight.kernels.siphash import hash_strings
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
from preflight.profile.column_profile import ROW_FIELDS, ColumnProfile, PackedColumn
from preflight.profile.keep import ROW_LISTS
from preflight.profile.packed import Packed, joined, pack, pack_numbers
from preflight.profile.parts import QUANTILES, PartBuilder, SplitPart
from preflight.profile.text import wordy

EXAMPLES = 5


class ColumnBuilder:
    """Feeds batches of one column; `finish` returns the ColumnProfile.

    The moments, the sample, the counts by kind and by category are kept per split (one
    PartBuilder each, profile/parts.py) and merged for the whole column. With `packs` (the
    label) each batch's per-row arrays are kept packed (profile/packed.py) in `packed` instead
    of the per-row lists."""

    def __init__(self, name: str, placeholders: list[str], sample_rows: int, max_codes: int,
                 reading: Reading = PLAIN, packs: bool = False) -> None:
        self.name = name
        self.placeholders = placeholder_set(placeholders)
        self.reading = reading
        self.soft: Counter[str] = Counter()  # cells per unit are tallied per split (PartBuilder.units)
        self.max_codes = max_codes
        self.sample_rows = sample_rows
        self.parts: dict[int, PartBuilder] = {}
        self.tokens: Counter[str] = Counter()
        self.dtypes: set[str] = set()
        self.counts = Counter()  # rows, missing, nonfinite, numeric, text, whitespace
        self.examples: dict[str, dict[str, None]] = {"ws": {}, "text": {}, "num": {}}
        self.values: list[np.ndarray] = []
        self.missing: list[np.ndarray] = []
        self.is_text: list[np.ndarray | None] = []  # None: a native-number batch
        self.ws: list[np.ndarray | None] = []  # None: a native-number batch
        self.codes: list[np.ndarray | None] = []  # None: a native-number batch
        self.vocab: dict[str, int] = {}
        self._coded = True  # False once a batch held more distinct texts than max_codes
        self.hashes: list[np.ndarray | None] = []  # None: a native-number batch
        # the last batch, per split it touched: the part, its finite cells' mask and values
        self._last: list[tuple[PartBuilder, np.ndarray, np.ndarray]] = []
        self.raw: list[pa.Array] | None = []  # the cells as written while the column may be free text
        self._judged = False
        self.packed: list[Packed] | None = None
        if packs:
            self.packed, self.raw = [], None  # the label is never free text (text.mark_text_columns)

    def _part(self, split: int) -> PartBuilder:
        part = self.parts.get(split)
        if part is None:
            part = self.parts[split] = PartBuilder(self.sample_rows)
        return part

    def add(self, arr: pa.Array, split: int | np.ndarray = 0) -> np.ndarray:
        """Profile one batch, all in one split or (an array) split by row; returns the per-row
        value hashes (for row hashing)."""
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        self.dtypes.add(str(arr.type))
        t = arr.type
        whole = pa.types.is_integer(t) or pa.types.is_boolean(t)  # integral without looking
        if is_native(t):
            # A batch of native numbers keeps no per-row text, whitespace, codes or hashes: they
            # are all "none" (None here; finish fills them in only if the column needs them).
            values, stored = native_cells(arr)
            missing = np.isnan(values)
            text = ws = codes = None
            packed = pack_numbers(values) if self.packed is not None and stored is None else None
            self.raw = None  # native numbers: never free text
            h = hash_floats(values, missing) if stored is None else stored
            n_missing = int(missing.sum())
            nonfinite = int(np.count_nonzero(np.isinf(values)))
            n_numeric, n_text = len(arr) - n_missing, 0
        else:
            cells = as_text(arr)
            tables, index = self._text(cells, split)
            values, missing, text, ws, codes, h = (tables[k][index] for k in ROW_LISTS)
            packed = pack(tables, index) if self.packed is not None else None
            self._keep_text(cells, text)
            stored = h
            n_missing = int(missing.sum())
            nonfinite = int(np.count_nonzero(np.isinf(values) & ~missing & ~text))
            n_text = int(text.sum())
            n_numeric = len(arr) - n_missing - n_text
        ok = np.isfinite(values)  # NaN marks missing and text cells alike
        self.counts.update(rows=len(arr), missing=n_missing, nonfinite=nonfinite, numeric=n_numeric, text=n_text)
        if isinstance(split, np.ndarray):
            self._by_row(split, values, ok, missing, text, codes, whole, h)
        else:
            finite = values[ok]
            part = self._part(split)
            part.add(finite, whole, len(arr), n_missing, nonfinite, n_text)
            if text is None:  # a text batch offered its distinct texts in _text
                part.distinct.add(h[~missing])
            if codes is not None:
                part.count(codes)
            self._last = [(part, ok, finite)]
        if self.packed is not None:
            self.packed.append(packed if packed is not None else
                               Packed(None, dict(zip(ROW_LISTS, (values, missing, text, ws, codes, stored)))))
            return h
        self.values.append(values)
        self.missing.append(missing)
        self.is_text.append(text)
        self.ws.append(ws)
        self.codes.append(codes)
        self.hashes.append(stored)
        return h

    def last_codes(self) -> np.ndarray | None:
        """The last batch's category codes per row (None: a batch of native numbers)."""
        return self.packed[-1].rows("codes") if self.packed is not None else self.codes[-1]

    def _by_row(self, split: np.ndarray, values: np.ndarray, ok: np.ndarray, missing: np.ndarray,
                text: np.ndarray | None, codes: np.ndarray | None, whole: bool, h: np.ndarray) -> None:
        """A batch whose rows lie in several splits (a split column): each split's rows to its part."""
        inf = np.isinf(values) & ~missing & (~text if text is not None else True)
        self._last = []
        for s in np.unique(split).tolist():
            sel = split == s
            mine = ok & sel
            finite = values[mine]
            part = self._part(int(s))
            part.add(finite, whole, int(np.count_nonzero(sel)), int(np.count_nonzero(missing & sel)),
                     int(np.count_nonzero(inf & sel)), int(np.count_nonzero(text & sel)) if text is not None else 0)
            if codes is not None:
                part.count(codes[sel])
            part.distinct.add(h[sel & ~missing])
            self._last.append((part, mine, finite))

    def _keep_text(self, arr: pa.Array, text: np.ndarray) -> None:
        """Keep the cells (zero-copy) while the column may be free text: judged on its first batch
        of text (profile/text.py), so a column of categories never holds its cells twice."""
        if self.raw is None:
            return
        if not self._judged and text.any():
            self._judged = True
            if not wordy(pc.utf8_trim_whitespace(pc.filter(arr, mask(text)))):
                self.raw = None
                return
        self.raw.append(arr)

    def add_sample(self, priorities: np.ndarray) -> None:
        """Offer this batch's finite numbers to the bottom-k samples, keyed by row content."""
        for part, ok, finite in self._last:  # from add: the same finite cells, not picked out twice
            part.sample.add(priorities[ok], finite)

    def _text(self, arr: pa.Array, split: int | np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Judge each distinct cell text once (cells.judge_text), tally placeholders, units (per
        split), whitespace and examples, hash and code each distinct text. Returns per ROW_LISTS key
        a table over the distinct texts and a null cell (the last), and each row's index into it."""
        cells = judge_text(arr, self.placeholders, reading=self.reading)
        raw, trimmed, idx, number, text = cells.raw, cells.trimmed, cells.index, cells.number, cells.text
        ws = text & bools(pc.not_equal(raw, trimmed))
        seen = np.bincount(idx[idx >= 0], minlength=len(raw))
        for j in np.flatnonzero(cells.token):
            self.tokens[trimmed[j].as_py()] += int(seen[j])
        for j in np.flatnonzero(cells.soft):
            self.soft[trimmed[j].as_py()] += int(seen[j])
        with_unit = np.flatnonzero(~np.isnan(cells.unit_values))
        if with_unit.size:
            self._tally_units(cells.unit_keys, with_unit, idx, seen, split)
        self.counts.update(whitespace=int(seen[ws].sum()))
        self._remember("ws", raw, ws)
        self._remember("text", trimmed, text)
        self._remember("num", trimmed, number)
        h = np.full(len(raw), MISSING_HASH, dtype=np.uint64)  # numbers by value, texts by SipHash
        h[number] = hash_floats(cells.values[number])
        if text.any():  # only the texts: a column of numbers written as text has a million of them
            h[text] = hash_strings(pc.filter(trimmed, mask(text)))
        if not isinstance(split, np.ndarray):  # the distinct texts with their cells (by row: _by_row)
            offered = np.flatnonzero(~cells.missing & (seen > 0))
            self._part(split).distinct.add(h[offered], seen[offered])
        kept = pc.filter(trimmed, mask(~cells.missing))
        lookup = np.full(len(raw), -1, dtype=np.int32)  # missing texts (and nulls, in rows): -1
        if self._coded and (len(self.vocab) + len(kept) <= self.max_codes or not len(kept)
                            or len(self.vocab) + len(pc.unique(kept)) <= self.max_codes):
            lookup[~cells.missing] = [self.vocab.setdefault(t, len(self.vocab)) for t in kept.to_pylist()]
            codes = np.append(lookup, np.int32(-1))
        else:  # too many distinct values to keep codes, for this batch and so for the column
            codes = np.full(len(raw) + 1, -3, np.int32)
            self._coded = False
        tables = {"values": np.append(cells.values, np.nan), "missing": np.append(cells.missing, True),
                  "is_text": np.append(text, False), "ws": np.append(ws, False), "codes": codes,
                  "hashes": np.append(h, MISSING_HASH)}
        return tables, np.where(idx < 0, len(raw), idx)

    def _tally_units(self, keys: list[str | None], with_unit: np.ndarray, idx: np.ndarray, seen: np.ndarray,
                     split: int | np.ndarray) -> None:
        """Cells per unit, into each split's part (idx: rows to distinct texts, seen: rows each)."""
        by_split = [(int(split), seen)] if not isinstance(split, np.ndarray) else [
            (int(s), np.bincount(idx[(split == s) & (idx >= 0)], minlength=len(seen)))
            for s in np.unique(split).tolist()]
        for s, rows in by_split:
            units = self._part(s).units
            for j in with_unit.tolist():
                if rows[j]:
                    units[keys[j]] += int(rows[j])  # type: ignore[index]

    def decided(self) -> Reading:
        """The reading this column's tallies call for (cells.decide); read that way when it differs.
        Asked of the merged accumulators after pass 1, before any column is finished."""
        if self.reading != PLAIN:
            return self.reading
        return decide(sum(self.soft.values()), self.units, self.counts["numeric"], self.counts["text"])

    @property
    def units(self) -> dict[str, int]:
        """Cells per unit written, over every split (sorted by unit)."""
        total: Counter[str] = Counter()
        for part in self.parts.values():
            total.update(part.units)
        return dict(sorted(total.items()))

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

    def finish(self, n_splits: int = 1, split_ids: Callable[[], np.ndarray] | None = None) -> ColumnProfile:
        """The column, with one SplitPart per split id below n_splits; split_ids gives each row's
        split, asked for only when cells coded here (numbers in a text column) must be counted."""
        c = self.counts
        builders = [self.parts.get(i) or PartBuilder(self.sample_rows) for i in range(max(n_splits, 1))]
        whole = builders[0] if len(builders) == 1 else reduce(PartBuilder.merge, builders)
        native = all(h is None for h in self.hashes) and all(p.tables["hashes"] is None for p in self.packed or ())
        packed = self._joined()  # the arrays below are then per distinct cell, not per row
        if packed is not None:
            values, missing, is_text = (packed.tables[k] for k in ("values", "missing", "is_text"))
        else:
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
        codes = None
        if kind in ("categorical", "mixed"):
            codes = packed.tables["codes"] if packed is not None else self._filled(self.codes, np.int32, -2)
        coded_here = None
        if codes is not None and not (codes == -3).any():  # -2: a native number, coded now
            coded_here = (codes == -2) & ~missing
            codes = _code_numeric_cells(codes, values, missing, self.vocab)
            order = sorted(self.vocab, key=str)
            remap = np.empty(len(self.vocab), dtype=np.int32)
            for new, name in enumerate(order):
                remap[self.vocab[name]] = new
            final_codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1).astype(np.int32)
            categories = tuple(order)
        # A mixed column that is mostly numbers keeps number stats: its text cells are the errors.
        m, integral = whole.moments, whole.integral
        numeric_stats = m.n > 0 and (kind == "numeric" or (kind == "mixed" and c["numeric"] > c["text"]))
        qs = whole.sample.quantiles(list(QUANTILES.values())) if numeric_stats else [float("nan")] * 7
        sample = whole.sample.values.copy()
        counts = None
        if final_codes is not None:
            counts = _category_counts(builders, remap, len(categories), final_codes, coded_here, split_ids,
                                      packed.index if packed is not None else None)
        parts = tuple(SplitPart(b.rows, b.missing, b.nonfinite, b.text, b.moments, b.integral,
                                sample if len(builders) == 1 else b.sample.values,  # the builders go now
                                counts[i] if counts is not None else None, dict(sorted(b.units.items())),
                                b.distinct.settled())
                      for i, b in enumerate(builders))
        ws = packed.tables["ws"] if packed is not None else self._filled(self.ws, bool, False)
        hashes = None
        if not (kind == "empty" or (kind == "numeric" and native)):
            hashes = packed.tables["hashes"] if packed is not None else self._filled(self.hashes, np.uint64, None)
        arrays = {"values": values, "missing_mask": missing, "nonfinite_mask": nonfinite, "whitespace_mask": ws,
                  "codes": final_codes, "hashes": hashes}
        made, given = ColumnProfile, arrays
        if packed is not None:  # the label: its arrays gathered per row when asked for
            made, given = PackedColumn, {"cells": Packed(packed.index, arrays), **dict.fromkeys(ROW_FIELDS)}
        return made(
            name=self.name, kind=kind, dtype="/".join(sorted(self.dtypes)), rows=c["rows"],
            missing=c["missing"], placeholders=dict(sorted(self.tokens.items())), nonfinite=c["nonfinite"],
            numeric_count=c["numeric"], text_count=c["text"], whitespace=c["whitespace"],
            whitespace_examples=list(self.examples["ws"]), text_examples=list(self.examples["text"]),
            number_examples=list(self.examples["num"]),
            mean=m.mean if numeric_stats else float("nan"), std=m.std if numeric_stats else float("nan"),
            min=m.min if numeric_stats else float("nan"), max=m.max if numeric_stats else float("nan"),
            quantiles=dict(zip(QUANTILES, qs)), integral=integral and numeric_stats,
            categories=categories, sample=sample, **given,
            reading=self.reading, soft=dict(sorted(self.soft.items())), units=self.units,
            parts=parts, distinct_set=whole.distinct.settled(),
            texts=pa.concat_arrays(self.raw) if self.raw and len(self.raw) == len(self.values) else None,
        )

    def _joined(self) -> Packed | None:
        """A packing builder's batches as one Packed over every row (packed.joined); when they do
        not pack, their arrays go to the per-row lists and None is returned."""
        if self.packed is None:
            return None
        cells = joined(self.packed, {"values": None, "missing": None, "is_text": np.False_, "ws": np.False_,
                                     "codes": np.int32(-2), "hashes": lambda t: hash_floats(t["values"], t["missing"])})
        if cells is None:
            for key in ROW_LISTS:
                setattr(self, key, [p.rows(key) for p in self.packed])
        return cells


_BIG_INT = np.uint64(0xB161A7E6E5500001)  # keeps exact-integer hashes apart from hash_floats


def native_cells(arr: pa.Array) -> tuple[np.ndarray, np.ndarray | None]:
    """A batch of native numbers' per-row values, and their hashes when it holds integers beyond
    2**53 (None otherwise: hash_floats of the values)."""
    values = native_values(arr)
    return values, _exact_integer_hashes(arr, values)


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


def _category_counts(builders: list[PartBuilder], remap: np.ndarray, k: int, codes: np.ndarray,
                     coded_here: np.ndarray | None, split_ids: Callable[[], np.ndarray] | None,
                     index: np.ndarray | None = None) -> np.ndarray:
    """Rows per (split, category): the parts' counts by vocabulary id, moved to the final order,
    plus the cells coded only at the end (native numbers in a text column), counted by row.
    index: each row's cell when codes and coded_here are per distinct cell (profile/packed.py)."""
    out = np.zeros((len(builders), k), np.int64)
    for i, b in enumerate(builders):
        np.add.at(out[i], remap[:b.codes.size], b.codes)
    if coded_here is not None and coded_here.any():
        if index is not None:
            codes, coded_here = codes[index], coded_here[index]
        rows = np.flatnonzero(coded_here)
        split = split_ids()[rows] if split_ids is not None and len(builders) > 1 else np.zeros(rows.size, np.int64)
        np.add.at(out, (split.astype(np.int64), codes[rows]), 1)
    return out


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
