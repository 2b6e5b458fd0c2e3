"""Partition profiles merged: exactly the state one reader of all the batches would hold.

`merge(a, b)` takes a's partitions to come before b's. It is exact, so associative: any tree
over the partitions in plan order gives the same bytes (`merge_tree` uses a fixed pairwise one).
- counts, placeholder, soft-placeholder and unit tallies, dtypes, category counts: sums and
  unions (every partition reads a column alike: PassOne's readings);
- examples: the first five distinct, a's then b's (each side kept its first five);
- vocabularies: a's texts, then b's new ones in b's order; whether the column stays coded is
  decided batch by batch from `Coding`, as ColumnBuilder decides it;
- moments: b's per-batch moments folded onto a's with Chan's formulas, in batch order: the
  same floating-point operations as one reader's fold (a merge of two folded totals would
  round differently in the last bits);
- bottom-k samples: the k smallest priorities of both, in arrival order;
- distinct values (DistinctSet): the k smallest hashes of both, their cells summed.
`assemble` then hands the merged builders their partitions' per-row arrays in plan order, codes
renumbered into the merged vocabulary, for ColumnBuilder.finish.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from preflight.errors import DataError
from preflight.profile.columns import EXAMPLES, ColumnBuilder
from preflight.profile.keep import ROW_LISTS, global_rows, keep_first
from preflight.profile.packed import Packed
from preflight.profile.partition import Accumulators, Coding, PartitionRows
from preflight.profile.parts import PartBuilder
from preflight.profile.splits import MAX_SPLITS, SplitColumn

# Every attribute of a ColumnBuilder, each merged below or per row: a new one fails loudly here
# instead of being dropped from partitioned scans.
KNOWN = {"name", "placeholders", "max_codes", "sample_rows", "parts", "tokens", "dtypes", "counts", "examples",
         "vocab", "_coded", "_last", "raw", "_judged", "reading", "soft", "packed", *ROW_LISTS}
PART_KNOWN = {"moments", "batches", "sample", "rows", "missing", "nonfinite", "text", "integral", "codes", "units",
              "distinct"}


def merge(a: Accumulators, b: Accumulators, where: str = "", split_col: str = "", run: Callable = map
            ) -> Accumulators:
    """The state after a's partitions, then b's. Neither input is changed. where, split_col:
    named when the split names together pass MAX_SPLITS (profile.splits.SplitColumn's error).
    run: how the columns are merged (map, or a thread pool's: each column's merge reads only
    its own builders)."""
    splits, split_lut = a.splits, None
    if a.splits is not None and b.splits is not None:
        splits = list(a.splits)
        split_lut = np.array([_split_id(splits, s, where, split_col) for s in b.splits] or [0], np.int64)
    names = list(a.columns)
    merged = list(run(lambda name: _column(a.columns[name], a.coding[name], a.batches, b.columns[name],
                                           b.coding[name], split_lut), names))
    columns = {name: m[0] for name, m in zip(names, merged)}
    coding = {name: m[1] for name, m in zip(names, merged)}
    file_rows = dict(a.file_rows)
    for f, n in b.file_rows.items():
        file_rows[f] = file_rows.get(f, 0) + n
    return Accumulators(columns, coding, splits, file_rows, a.batches + b.batches)


def merge_tree(states: Sequence[Accumulators], where: str = "", split_col: str = "") -> Accumulators:
    """Pairwise, level by level, in plan order: (0+1)+(2+3), ... (any order gives the same bytes)."""
    level = list(states)
    while len(level) > 1:
        level = [merge(level[i], level[i + 1], where, split_col) if i + 1 < len(level) else level[i]
                 for i in range(0, len(level), 2)]
    return level[0]


def _split_id(names: list[str], name: str, where: str, column: str) -> int:
    """SplitColumn._id over the merged names: the same limit, the same message."""
    if name not in names:
        if len(names) >= MAX_SPLITS:
            raise DataError(f"{where}: split column '{column}' has more than {MAX_SPLITS} distinct "
                            f"values ({', '.join(names[:5])}, ...); it does not look like a split column.")
        names.append(name)
    return names.index(name)


def _column(a: ColumnBuilder, ca: Coding, na: int, b: ColumnBuilder, cb: Coding,
            split_lut: np.ndarray | None) -> tuple[ColumnBuilder, Coding]:
    for builder in (a, b):
        unknown = set(vars(builder)) - KNOWN
        if unknown:
            raise RuntimeError(f"ColumnBuilder has {sorted(unknown)}, which profile/merge.py does not merge")
    out = ColumnBuilder.__new__(ColumnBuilder)
    out.name, out.placeholders, out.max_codes, out.sample_rows = a.name, a.placeholders, a.max_codes, a.sample_rows
    if a.reading != b.reading:  # PassOne gives every partition the same readings
        raise RuntimeError(f"column '{a.name}' read as {a.reading} and {b.reading} in two partitions")
    out.reading = a.reading
    out.tokens = Counter(a.tokens)
    out.tokens.update(b.tokens)
    out.soft = Counter(a.soft)  # soft placeholder spellings: cells each
    out.soft.update(b.soft)
    out.dtypes = a.dtypes | b.dtypes
    out.counts = Counter(a.counts)
    out.counts.update(b.counts)
    out.examples = {kind: _first(a.examples[kind], b.examples[kind]) for kind in a.examples}
    out.vocab, out._coded, coding, lut = _vocabulary(a, ca, na, b, cb)
    out._last = []
    # Free text: each partition judged its own first text batch; the merged column stays free text
    # only if every partition kept its cells (none judged them categories, none read numbers).
    out._judged = a._judged or b._judged
    out.raw = [] if a.raw is not None and b.raw is not None else None
    out.packed = [] if a.packed is not None else None  # the label's, in every partition
    for key in ROW_LISTS:
        setattr(out, key, [])
    parts: dict[int, PartBuilder] = {}
    for key, part in a.parts.items():
        parts[key] = _part(part, None, None)
    for key, part in b.parts.items():
        key = int(split_lut[key]) if split_lut is not None else key
        parts[key] = _part(parts.get(key) or PartBuilder(b.sample_rows), part, lut)
    out.parts = parts
    return out, coding


def _first(a: dict[str, None], b: dict[str, None]) -> dict[str, None]:
    out = dict(a)
    for value in b:
        if len(out) >= EXAMPLES:
            break
        out.setdefault(value, None)
    return out


def _vocabulary(a: ColumnBuilder, ca: Coding, na: int, b: ColumnBuilder, cb: Coding):
    """(vocab, coded, coding, lut from b's ids to the merged ones)."""
    if not a._coded:
        return {}, False, Coding([], ca.uncoded_from), None
    vocab = dict(a.vocab)
    lut = np.array([vocab.setdefault(text, len(vocab)) for text in b.vocab] or [0], np.int64)
    fresh = np.concatenate([[0], np.cumsum(lut[:len(b.vocab)] >= len(a.vocab))])
    shifted = [(na + j, len(a.vocab) + int(fresh[size]), seen) for j, size, seen in cb.marks]
    ends = [j for j, size, seen in shifted if size + seen > a.max_codes][:1]
    if cb.uncoded_from is not None:
        ends.append(na + cb.uncoded_from)
    if ends:
        return {}, False, Coding([], min(ends)), None
    return vocab, True, Coding(ca.marks + shifted, None), lut


def _part(a: PartBuilder, b: PartBuilder | None, lut: np.ndarray | None) -> PartBuilder:
    """a, then b's batches (a copy of a alone when b is None); b's category ids through lut."""
    unknown = set(vars(a)) - PART_KNOWN
    if unknown:
        raise RuntimeError(f"PartBuilder has {sorted(unknown)}, which profile/merge.py does not merge")
    out = PartBuilder(a.sample.k)
    out.moments, out.batches = a.moments, list(a.batches)
    out.sample.merge(a.sample)
    out.rows, out.missing, out.nonfinite, out.text, out.integral = a.rows, a.missing, a.nonfinite, a.text, a.integral
    out.codes = a.codes.copy()
    out.units = Counter(a.units)  # cells per unit written
    if b is None:
        out.distinct = a.distinct.merge(out.distinct)
        return out
    out.units.update(b.units)
    out.distinct = a.distinct.merge(b.distinct)
    for moments in b.batches:  # the fold one reader makes, batch by batch
        out.moments = out.moments.merge(moments)
    out.batches += b.batches
    out.sample.merge(b.sample)
    out.rows, out.missing = out.rows + b.rows, out.missing + b.missing
    out.nonfinite, out.text = out.nonfinite + b.nonfinite, out.text + b.text
    out.integral = out.integral and b.integral
    if lut is not None and b.codes.size:
        ids = lut[:b.codes.size]
        size = max(out.codes.size, int(ids.max()) + 1)
        codes = np.zeros(size, np.int64)
        codes[:out.codes.size] = out.codes
        np.add.at(codes, ids, b.codes)
        out.codes = codes
    return out


def _renumbered(codes: np.ndarray | None, lut: np.ndarray | None, past: bool) -> np.ndarray | None:
    """A batch's codes in the merged vocabulary's ids (past: a batch past the column's cap)."""
    if codes is not None and lut is not None:
        return np.where(codes >= 0, lut[np.maximum(codes, 0)], codes).astype(np.int32, copy=False)
    if codes is not None and past:
        return np.full(codes.size, -3, np.int32)  # as ColumnBuilder marks batches past its cap
    return codes


def assemble(acc: Accumulators, rows: Sequence[PartitionRows], split_col: str, where: str,
             keep_rows: int | None = None):
    """The merged builders with every partition's per-row arrays (plan order), ready to finish;
    the feature and row hashes per batch; the split column's reader (None without one); the
    global rows whose feature arrays are kept (profile/keep.py; None: every row)."""
    if keep_rows is not None:
        keep_first(rows, keep_rows)
    for name, builder in acc.columns.items():
        coding = acc.coding[name]
        for key in ROW_LISTS:
            setattr(builder, key, [a for r in rows for a in getattr(r.columns[name], key)])
        ordinal = 0
        codes: list[np.ndarray | None] = []
        packed: list[Packed] = []
        for r in rows:
            part = r.columns[name]
            lut = np.array([builder.vocab[t] for t in part.vocab] or [0], np.int32) if builder._coded else None
            for batch in part.packed if part.packed is not None else part.codes:
                past = coding.uncoded_from is not None and ordinal >= coding.uncoded_from
                if isinstance(batch, Packed):  # a packed batch's codes are per distinct cell
                    packed.append(Packed(batch.index, {**batch.tables,
                                                       "codes": _renumbered(batch.tables["codes"], lut, past)}))
                else:
                    codes.append(_renumbered(batch, lut, past))
                ordinal += 1
        builder.codes = codes
        if builder.packed is not None:
            builder.packed = packed
        kept = [r.columns[name].raw for r in rows]
        builder.raw = None if builder.raw is None or any(k is None for k in kept) else [a for k in kept for a in k]
    reader = None
    if split_col:
        reader = SplitColumn(split_col, where)
        reader.names = list(acc.splits or [])
        for r in rows:
            lut = np.array([reader.names.index(s) for s in r.split_names] or [0], np.uint8)
            reader.chunks += [lut[ids] if ids.size else ids for ids in r.split_ids]
            reader.file_of_chunk += r.batch_files
    return (acc.columns, [h for r in rows for h in r.feature_hash], [h for r in rows for h in r.row_hash], reader,
            global_rows(rows))
