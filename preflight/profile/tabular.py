"""The tabular profile: one pass over the batches, then finalised for the checks."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np

from preflight.kernels.hashing import combine, splitmix64
from preflight.profile import overflow, text, transforms
from preflight.profile.cells import PLAIN, Reading
from preflight.profile.columns import ColumnBuilder, ColumnProfile
from preflight.profile.parts import SplitView
from preflight.profile.protocol import Task
from preflight.profile.splits import SplitColumn, SplitTable, from_files
from preflight.profile.target import infer_target
from preflight.progress import Progress
from preflight.read.splits import file_splits
from preflight.read.tabular import ReadRestart, TabularSource, file_format, iter_batches
from preflight.workers import worker_count


@dataclass
class TabularProfile:
    path: str
    files: tuple[tuple[str, int], ...]
    rows: int
    columns: tuple[ColumnProfile, ...]  # the features, in file order
    label: ColumnProfile | None
    task: Task | None                   # None without a label
    classes: tuple[Any, ...]            # sorted class values (classification)
    y: np.ndarray | None                # class code per row, -1 where the label is missing
    feature_hash: np.ndarray            # uint64 per row over the feature columns
    row_hash: np.ndarray                # uint64 per row over features and label
    settings: Mapping[str, Any] = field(default_factory=dict)
    ignored: tuple[tuple[str, str], ...] = ()  # (rel, why): links out of the folder, FIFOs (read.walk)
    pred_probs: np.ndarray | None = None     # the user's out-of-sample probabilities (--pred-probs)
    user_features: np.ndarray | None = None  # the user's embeddings (--features)
    formats: tuple[str, ...] = ()            # per file: csv, tsv, parquet, jsonl (headerless-csv)
    split_table: SplitTable | None = None    # None: no splits found (one bag of rows, as always)
    # The training split's share of each feature and of the label, transforms fitted on it alone
    # (stats.json is built from these); None without a training split.
    train_columns: tuple[SplitView, ...] | None = None
    train_label: SplitView | None = None

    @property
    def kind(self) -> Literal["tabular"]:
        return "tabular"

    @property
    def label_name(self) -> str | None:
        return self.label.name if self.label is not None else None

    def dataset_summary(self, path: str) -> dict[str, Any]:
        out = {"path": path, "kind": "tabular", "rows": self.rows,
               "columns": len(self.columns) + (1 if self.label is not None else 0),
               "label": self.label_name, "task": self.task,
               "files": [{"path": f, "rows": r} for f, r in self.files]}
        if self.split_table is not None:  # an optional key: absent without splits
            out["splits"] = self.split_table.summary()
        return out

    @property
    def content_hash(self) -> str:
        h = hashlib.sha256()
        h.update("\x1f".join(c.name for c in self.columns).encode())
        h.update(self.row_hash.tobytes())
        if self.split_table is not None:  # a row moved to another split changes what stats were fitted on
            h.update("\x1f".join(self.split_table.names).encode())
            h.update(self.split_table.ids().tobytes())
        return h.hexdigest()[:32]

    @property
    def text_columns(self) -> list[ColumnProfile]:
        """The free-text features (kind "text", profile/text.py)."""
        return [c for c in self.columns if c.kind == "text"]

    @cached_property
    def matrix(self) -> tuple[np.ndarray, list[str]]:
        """Features after their fitted transforms (no NaN): what the models see."""
        x, names, _ = self.matrix_at(None)
        return x, names

    def matrix_at(self, rows: np.ndarray | None, dtype: type = np.float64) -> tuple[np.ndarray, list[str], np.ndarray]:
        """`matrix` for some rows only (all with None), and per output column whether it varies
        over ALL rows (a constant column says nothing to a distance or a forest). dtype=float32
        gives what scikit-learn's trees would convert it to, at half the memory."""
        used = [c for c in self.columns if c.transform["kind"] != "drop"]
        names = [name for c in used for name in transforms.output_names(c.name, c.transform)]
        n = self.rows if rows is None else len(rows)
        out = np.zeros((n, len(names)), dtype=dtype)  # filled in place: no per-column blocks to stack
        varying: list[bool] = []
        j = 0
        for col in used:
            spec = col.transform
            if spec["kind"] == "one-hot":
                k = len(spec["categories"])
                codes = col.codes if rows is None else col.codes[rows]
                ok = np.flatnonzero((codes >= 0) & (codes < k))
                out[ok, j + codes[ok]] = 1.0  # transforms.apply_onehot, written in place
                counts = np.bincount(col.codes[(col.codes >= 0) & (col.codes < k)], minlength=k)
                varying += ((counts > 0) & (counts < self.rows)).tolist()
                j += k
            else:
                values, nonfinite = (col.values, col.nonfinite_mask) if rows is None else \
                    (col.values[rows], col.nonfinite_mask[rows])
                out[:, j] = transforms.apply_numeric(spec, np.where(nonfinite, np.nan, values))
                varying.append(col.varies)
                j += 1
        return out, names, np.array(varying, dtype=bool)


def build_profile(source: TabularSource, *, label: str | None, task: str,
                  settings: Mapping[str, Any], progress: Progress) -> TabularProfile:
    # Columns are independent and their work is numpy / pyarrow kernels that release the GIL:
    # profile them on one thread per core (`workers`); results are combined in column order.
    # A column's reading (cells.Reading: soft placeholders as levels, numbers with a unit) is
    # decided from a first pass; when one differs, the table is profiled again reading it so,
    # and every hash, sample and count is what it would have been read that way from the start.
    readings: dict[str, Reading] = {}
    split_col = str(settings.get("split_col") or "")
    with ThreadPoolExecutor(worker_count(settings)) as pool:
        while True:
            try:
                profiles, file_rows, feature_hashes, row_hashes, table = _profile_batches(
                    source, label, settings, progress, pool, readings)
            except ReadRestart:  # a streamed column turned out to be text: start again
                continue
            decided = {n: col.decided() for n, col in profiles.items()}
            if readings or decided == {n: col.reading for n, col in profiles.items()}:
                break
            readings = decided  # once: the second pass reads as decided, and decides nothing
    features = [n for n in source.columns if n not in (label, split_col)]
    profiles = {n: overflow.cap(col) for n, col in profiles.items()}  # 1e308: non-finite, like inf
    if text.mark_text_columns(profiles, features, settings):  # free text: its cells compared normalised
        feature_hashes, row_hashes = text.row_hashes(profiles, features, label)
    for col in profiles.values():
        col.transform = transforms.fit(col, settings)
    label_col = profiles.get(label) if label else None
    resolved_task, classes, y = infer_target(label_col, task, settings)
    train_columns, train_label = None, None
    if table is not None and table.train is not None:
        rows = lambda: table.mask(table.train)  # asked for only by text columns with too many values to code
        train_columns = tuple(SplitView(profiles[n], profiles[n].parts[table.train], rows) for n in features)
        for view in train_columns:
            view.transform = transforms.fit(view, settings)
        train_label = SplitView(label_col, label_col.parts[table.train]) if label_col is not None else None
    return TabularProfile(
        path=str(source.root), files=tuple((source.display(f), r) for f, r in zip(source.files, file_rows)),
        rows=sum(file_rows), columns=tuple(profiles[n] for n in features), label=label_col,
        task=resolved_task, classes=classes, y=y,
        feature_hash=_cat(feature_hashes), row_hash=_cat(row_hashes), settings=settings,
        formats=tuple(file_format(f) or "" for f in source.files), ignored=source.ignored,
        split_table=table, train_columns=train_columns, train_label=train_label,
    )


def _profile_batches(source: TabularSource, label: str | None, settings: Mapping[str, Any],
                     progress: Progress, pool: ThreadPoolExecutor, readings: Mapping[str, Reading]):
    split_col = str(settings.get("split_col") or "")
    train_split = str(settings.get("train_split") or "")
    names = tuple(n for n in source.columns if n != split_col)
    builders = {n: ColumnBuilder(n, settings["placeholders"], settings["sample_rows"],
                                 max_codes=100_000 if n == label else 10_000, reading=readings.get(n, PLAIN))
                for n in names}
    features = [n for n in names if n != label]
    seed = np.uint64(settings["seed"])
    file_rows = [0] * len(source.files)
    feature_hashes, row_hashes = [], []
    shown = [source.display(f) for f in source.files]
    where = str(source.files[0])
    by_file = file_splits(source.root, source.files) if not split_col else ()
    reader = SplitColumn(split_col, where) if split_col else None
    names_by_file = list(dict.fromkeys(s or "" for s in by_file))  # a layout's split ids, as from_files numbers them
    progress.restart()
    for file_index, batch in iter_batches(source):
        n = batch.num_rows
        columns = [batch.column(name) for name in names]
        if reader is not None:
            split: int | np.ndarray = reader.add(batch.column(split_col), file_index)
        else:
            split = names_by_file.index(by_file[file_index]) if any(by_file) else 0
        hashes = dict(zip(names, pool.map(lambda name, col, s=split: builders[name].add(col, s), names, columns)))
        fh = combine([hashes[c] for c in features], n)
        rh = combine([fh, hashes[label]], n) if label else fh
        priorities = splitmix64(rh ^ seed)
        list(pool.map(ColumnBuilder.add_sample, builders.values(), [priorities] * len(builders)))
        feature_hashes.append(fh)
        row_hashes.append(rh)
        file_rows[file_index] += n
        progress.advance(n, source.display(source.files[file_index]))
    progress.close()
    if reader is not None:
        table = reader.table(shown, train_split)
    else:
        table = from_files(by_file, file_rows, shown, train_split, where)
    count = len(table.names) if table is not None else 1
    ids = table.ids if table is not None else None
    profiles = dict(zip(names, pool.map(lambda name: builders[name].finish(count, ids), names)))
    if table is not None and table.train is not None:  # the training split's quantiles, one thread per core
        list(pool.map(lambda name: profiles[name].parts[table.train].quantiles, names))
    return profiles, file_rows, feature_hashes, row_hashes, table


def _cat(chunks: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(chunks) if chunks else np.empty(0, np.uint64)


