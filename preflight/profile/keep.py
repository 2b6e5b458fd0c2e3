"""The rows a table scan keeps the features' per-row arrays for: the content-keyed row sample.

Up to `sample_rows` rows a scan keeps every row's values, masks, category codes, cell hashes
and cells as written, as it always did. Above, it keeps them for the `sample_rows` rows with
the smallest row hashes only (kernels.hashing.first_by_hash: ties go to the earlier row), so
memory grows by the hashes, the label and the split byte of a row, not by its cells. The
checks that read per-row arrays of the features (models, near copies, leakage) run on that
sample (TabularProfile.sampled); the others read pass 1's accumulators or score every row in
pass 2.

The sample is the same whatever the partitioning: a partition keeps its own first rows by hash,
thinned whenever it holds twice the sample, and the client keeps the first of all partitions'
as they arrive in plan order. The first k of all rows are among the first k of any run of
rows that holds them, so each thinning only drops rows that can never be in the sample. When
the plan knows how many rows there are (Parquet row ranges), rows whose hash lies above a
bound the sample cannot reach (`threshold`) are let go as each batch is read.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from preflight.kernels.hashing import first_by_hash

ROW_LISTS = ("values", "missing", "is_text", "ws", "codes", "hashes")  # ColumnBuilder's per-row lists


MARGIN_SDS = 10  # candidates above the sample's size, in standard deviations of their count


def threshold(rows: int, k: int) -> int | None:
    """A row hash below which the first k of `rows` rows (by hash) lie but for a chance of about
    e^-50: k plus MARGIN_SDS standard deviations of the count below it, as a share of the 64-bit
    hash space (None when every row is a candidate). A partition lets the rows above it go as
    they are read, so it holds and ships about k/rows of its rows, not k; a pass that kept
    fewer than k rows in all is run again without it (tabular._profile_partitions)."""
    if rows <= k:
        return None
    share = (k + MARGIN_SDS * k ** 0.5 + 2 * MARGIN_SDS) / rows
    return None if share >= 1 else int(share * 2.0**64)


SAMPLE_SLACK = 2  # a partition's samples keep what a table up to this many times sparser would need


def sample_bound(offered: int, rows: int, total: int, k: int) -> int | None:
    """A priority bound for one partition's bottom-k sample of a column's split (accumulators.
    BottomK): `threshold` for the cells `total` rows would offer at this partition's rate,
    offered x total / rows, taken SAMPLE_SLACK times sparser so that a column or split that
    is somewhat denser here than in the whole still keeps what the sample needs (None: keep
    the k). Where it is denser still, the merged sample tells (BottomK.exact) and pass 1 runs
    again without the bound (tabular._profile_partitions)."""
    if offered <= 0 or rows <= 0:
        return None
    return threshold(offered * total // (rows * SAMPLE_SLACK), k)


def positions(row_hash: Sequence[np.ndarray], kept: Sequence[np.ndarray | None], k: int) -> list[np.ndarray] | None:
    """Per batch, which of its kept rows stay (positions into them) so that the first k rows by
    hash of all the kept rows remain; None when no more than k are kept. row_hash: every row's
    hash per batch; kept: per batch the batch's rows still kept (None: all of them)."""
    held = [h if r is None else h[r] for h, r in zip(row_hash, kept)]
    sizes = [h.size for h in held]
    if sum(sizes) <= k:
        return None
    chosen = first_by_hash(np.concatenate(held), k)
    edges = np.cumsum([0, *sizes])
    cut = np.searchsorted(chosen, edges)
    return [chosen[cut[i]:cut[i + 1]] - edges[i] for i in range(len(sizes))]


def thin(holders: Sequence[Any], kept: list[np.ndarray | None], picks: list[np.ndarray], first: int = 0) -> None:
    """Keep only the picked rows of batches first.. (picks: positions into each batch's kept
    rows) in every holder's per-row lists (ColumnBuilder or partition.ColumnRows) and in kept."""
    for i, pick in enumerate(picks, start=first):
        if kept[i] is not None and pick.size == kept[i].size:
            continue  # nothing dropped from this batch
        for holder in holders:
            for key in ROW_LISTS:
                chunks = getattr(holder, key)
                if chunks[i] is not None:
                    chunks[i] = chunks[i][pick]
            if holder.raw is not None and i < len(holder.raw):
                holder.raw[i] = holder.raw[i].take(pick)
        kept[i] = pick if kept[i] is None else kept[i][pick]


def keep_first(rows: Sequence[Any], k: int) -> None:
    """Thin partition.PartitionRows in plan order (in place) to the first k rows by hash of all
    of them; nothing is dropped while no more than k rows are kept."""
    row_hash = [h for r in rows for h in r.row_hash]
    kept = [x for r in rows for x in r.kept]
    picks = positions(row_hash, kept, k)
    if picks is None:
        return
    at = 0
    for r in rows:
        n = len(r.row_hash)
        thin(r.features(), r.kept, picks[at:at + n])
        at += n


def held(rows: Sequence[Any]) -> int:
    """Rows whose feature arrays the partitions hold."""
    return sum(h.size if x is None else x.size for r in rows for h, x in zip(r.row_hash, r.kept))


def gathered(rows: list[Any], more: Any, k: int | None) -> None:
    """Append a partition's rows (the next in plan order), thinning all of them to the first k by
    hash whenever they hold twice that (k None: nothing is thinned)."""
    rows.append(more)
    if k is not None and held(rows) > 2 * k:
        keep_first(rows, k)


def global_rows(rows: Sequence[Any]) -> np.ndarray | None:
    """The global row numbers whose feature arrays are kept (None: every row)."""
    if all(x is None for r in rows for x in r.kept):
        return None
    out, start = [], 0
    for r in rows:
        for h, x in zip(r.row_hash, r.kept):
            out.append(np.arange(start, start + h.size) if x is None else start + x.astype(np.int64))
            start += h.size
    return np.concatenate(out) if out else np.empty(0, np.int64)
