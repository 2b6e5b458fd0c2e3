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
from preflight.profile import overflow, transforms
from preflight.profile.cells import PLAIN, Reading
from preflight.profile.columns import ColumnBuilder, ColumnProfile
from preflight.profile.protocol import Task
from preflight.profile.target import infer_target
from preflight.progress import Progress
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

    @property
    def kind(self) -> Literal["tabular"]:
        return "tabular"

    @property
    def label_name(self) -> str | None:
        return self.label.name if self.label is not None else None

    def dataset_summary(self, path: str) -> dict[str, Any]:
        return {"path": path, "kind": "tabular", "rows": self.rows,
                "columns": len(self.columns) + (1 if self.label is not None else 0),
                "label": self.label_name, "task": self.task,
                "files": [{"path": f, "rows": r} for f, r in self.files]}

    @property
    def content_hash(self) -> str:
        h = hashlib.sha256()
        h.update("\x1f".join(c.name for c in self.columns).encode())
        h.update(self.row_hash.tobytes())
        return h.hexdigest()[:32]

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
    with ThreadPoolExecutor(worker_count(settings)) as pool:
        while True:
            try:
                profiles, file_rows, feature_hashes, row_hashes = _profile_batches(
                    source, label, settings, progress, pool, readings)
            except ReadRestart:  # a streamed column turned out to be text: start again
                continue
            decided = {n: col.decided() for n, col in profiles.items()}
            if readings or decided == {n: col.reading for n, col in profiles.items()}:
                break
            readings = decided  # once: the second pass reads as decided, and decides nothing
    features = [n for n in source.columns if n != label]
    profiles = {n: overflow.cap(col) for n, col in profiles.items()}  # 1e308: non-finite, like inf
    for col in profiles.values():
        col.transform = transforms.fit(col, settings)
    label_col = profiles.get(label) if label else None
    resolved_task, classes, y = infer_target(label_col, task, settings)
    return TabularProfile(
        path=str(source.root), files=tuple((source.display(f), r) for f, r in zip(source.files, file_rows)),
        rows=sum(file_rows), columns=tuple(profiles[n] for n in features), label=label_col,
        task=resolved_task, classes=classes, y=y,
        feature_hash=_cat(feature_hashes), row_hash=_cat(row_hashes), settings=settings,
        formats=tuple(file_format(f) or "" for f in source.files), ignored=source.ignored,
    )


def _profile_batches(source: TabularSource, label: str | None, settings: Mapping[str, Any],
                     progress: Progress, pool: ThreadPoolExecutor, readings: Mapping[str, Reading]):
    names = source.columns
    builders = {n: ColumnBuilder(n, settings["placeholders"], settings["sample_rows"],
                                 max_codes=100_000 if n == label else 10_000, reading=readings.get(n, PLAIN))
                for n in names}
    features = [n for n in names if n != label]
    seed = np.uint64(settings["seed"])
    file_rows = [0] * len(source.files)
    feature_hashes, row_hashes = [], []
    progress.restart()
    for file_index, batch in iter_batches(source):
        n = batch.num_rows
        columns = [batch.column(name) for name in names]
        hashes = dict(zip(names, pool.map(lambda name, col: builders[name].add(col), names, columns)))
        fh = combine([hashes[c] for c in features], n)
        rh = combine([fh, hashes[label]], n) if label else fh
        priorities = splitmix64(rh ^ seed)
        list(pool.map(ColumnBuilder.add_sample, builders.values(), [priorities] * len(builders)))
        feature_hashes.append(fh)
        row_hashes.append(rh)
        file_rows[file_index] += n
        progress.advance(n, source.display(source.files[file_index]))
    progress.close()
    profiles = dict(zip(names, pool.map(lambda name: builders[name].finish(), names)))
    return profiles, file_rows, feature_hashes, row_hashes


def _cat(chunks: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(chunks) if chunks else np.empty(0, np.uint64)


