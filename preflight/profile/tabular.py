"""The tabular profile: pass 1 over the plan's partitions (profile/partition.py), merged
(profile/merge.py), then finalised for the checks."""
from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np

from preflight.profile import overflow, text, transforms
from preflight.profile.cells import PLAIN, Reading
from preflight.profile.column_profile import ColumnProfile
from preflight.profile.executor import Executor, Streamed
from preflight.profile.keep import held, threshold
from preflight.profile.merge import assemble
from preflight.profile.partition import Accumulators, PassOne
from preflight.profile.parts import SplitView
from preflight.profile.pass_two import PassTwo, Rescan
from preflight.profile.protocol import Task
from preflight.profile.splits import SplitTable, from_files
from preflight.profile.target import infer_target
from preflight.progress import Progress
from preflight.read.partitions import Plan, plan_source, stamp
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
    rescan: Rescan | None = None  # what pass 2 reads again (profile/pass_two.py)
    # The rows whose per-row arrays the features hold: the content-keyed sample above
    # sample_rows rows (profile/keep.py), None for every row. y, the hashes, the label's arrays
    # and the split ids are always every row's.
    kept: np.ndarray | None = None

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
        h.update(memoryview(np.ascontiguousarray(self.row_hash)).cast("B"))  # no copy of the hashes
        if self.split_table is not None:  # a row moved to another split changes what stats were fitted on
            h.update("\x1f".join(self.split_table.names).encode())
            h.update(self.split_table.ids().tobytes())
        return h.hexdigest()[:32]

    @cached_property
    def sampled(self) -> tuple[TabularProfile, np.ndarray | None]:
        """This profile as one of the rows whose feature arrays are kept (itself when that is
        every row), and those rows' numbers in this one (None: every row). Checks that read the
        features row by row run on it and report rows through the numbers."""
        if self.kept is None:
            return self, None
        at = self.kept
        label = self.label.at(at) if self.label is not None else None
        table = self.split_table
        if table is not None:
            table = dataclasses.replace(table, row_ids=table.ids()[at], file_ids=(), file_rows=())
        return dataclasses.replace(
            self, rows=int(at.size), label=label, y=self.y[at] if self.y is not None else None,
            feature_hash=self.feature_hash[at], row_hash=self.row_hash[at], split_table=table,
            pred_probs=self.pred_probs[at] if self.pred_probs is not None else None,
            user_features=self.user_features[at] if self.user_features is not None else None,
            kept=None, rescan=None), at

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


def matrix_columns(profile: TabularProfile) -> tuple[tuple[tuple[str, Any], ...], list[str], np.ndarray]:
    """What `matrix_at` builds, without a row: (column, transform) of the columns it uses, the
    output names, and per output column whether it varies over all rows (from the category
    counts and the column's range)."""
    used = [c for c in profile.columns if c.transform["kind"] != "drop"]
    names = [name for c in used for name in transforms.output_names(c.name, c.transform)]
    varying: list[bool] = []
    for col in used:
        if col.transform["kind"] == "one-hot":
            k = len(col.transform["categories"])
            counts = sum(p.category_counts[:k] for p in col.parts)
            varying += ((counts > 0) & (counts < profile.rows)).tolist()
        else:
            varying.append(col.varies)
    return tuple((c.name, c.transform) for c in used), names, np.array(varying, dtype=bool)


def build_profile(source: Any, *, label: str | None, task: str, settings: Mapping[str, Any], progress: Progress,
                  executor: Executor | None = None, plan: Plan | None = None) -> TabularProfile:
    """source: read.tabular.TabularSource or read.remote.UrlSource. Pass 1 runs over the plan's
    partitions on `executor` (default: streamed in this process) and merges (profile/merge.py)."""
    # Columns are independent and their work is numpy / pyarrow kernels that release the GIL:
    # profile them on one thread per core (`workers`); results are combined in column order.
    split_col = str(settings.get("split_col") or "")
    plan = plan or plan_source(source)
    stamps = [stamp(f) for f in plan.files]  # before pass 1: pass 2 reads the files again
    with ThreadPoolExecutor(worker_count(settings)) as pool:
        profiles, file_rows, feature_hash, row_hash, table, plan, rescan, kept = _profile_partitions(
            plan, label, settings, progress, pool, executor or Streamed())
    rescan = Rescan(rescan.partitions, rescan.offsets, rescan.job, rescan.rows,
                    tuple(stamps[p.file] for p in rescan.partitions))
    features = [n for n in plan.columns if n not in (label, split_col)]
    uncapped = profiles
    beyond = overflow.beyond(profiles, kept, label, rescan, executor or Streamed())
    profiles = {n: overflow.cap(col, _ids(table, kept, n == label), beyond.get(n))  # 1e308: non-finite, like inf
                for n, col in profiles.items()}
    capped = frozenset(n for n, col in profiles.items() if col is not uncapped[n])
    split_names = table.names if table is not None and table.column is not None else ()
    rescan = Rescan(rescan.partitions, rescan.offsets, PassTwo(rescan.job.job, capped, split_names), rescan.rows,
                    rescan.stamps)
    if text.mark_text_columns(profiles, features, settings):  # free text: its cells compared normalised
        feature_hash, row_hash = (_drained(h) for h in text.row_hashes(profiles, features, label))
    for col in profiles.values():
        col.transform = transforms.fit(col, settings)
    label_col = profiles.get(label) if label else None
    resolved_task, classes, y = infer_target(label_col, task, settings)
    train_columns, train_label = None, None
    if table is not None and table.train is not None:
        train_columns = tuple(SplitView(profiles[n], profiles[n].parts[table.train]) for n in features)
        for view in train_columns:
            view.transform = transforms.fit(view, settings)
        train_label = SplitView(label_col, label_col.parts[table.train]) if label_col is not None else None
    return TabularProfile(
        path=plan.root, files=tuple(zip(plan.display, file_rows)),
        rows=sum(file_rows), columns=tuple(profiles[n] for n in features), label=label_col,
        task=resolved_task, classes=classes, y=y,
        feature_hash=feature_hash, row_hash=row_hash, settings=settings,
        formats=plan.formats, ignored=plan.ignored,
        split_table=table, train_columns=train_columns, train_label=train_label, rescan=rescan, kept=kept,
    )


def pass_one_job(plan: Plan, label: str | None, settings: Mapping[str, Any],
                 readings: Mapping[str, Reading] | None = None, keep_rows: int | None = None,
                 bounded: bool = False, samples_bounded: bool = False) -> PassOne:
    """What every partition needs: columns, label, split column or layout splits, sampling, and
    the columns read otherwise than plainly (decided after a first pass)."""
    split_col = str(settings.get("split_col") or "")
    by_file = plan.layout_splits if not split_col else ()
    names_by_file = list(dict.fromkeys(s or "" for s in by_file))  # a layout's split ids, as from_files numbers them
    file_splits = tuple(names_by_file.index(s) for s in by_file) if any(by_file) else (0,) * len(plan.files)
    return PassOne(tuple(n for n in plan.columns if n != split_col), label, split_col,
                   tuple(settings["placeholders"]), int(settings["sample_rows"]), int(settings["seed"]),
                   file_splits, plan.files[0], display=plan.display,
                   readings=tuple(sorted((n, r) for n, r in (readings or {}).items() if r != PLAIN)),
                   keep_rows=keep_rows, keep_below=_bound(plan, keep_rows) if bounded else None,
                   sample_total=_totals(plan, file_splits, int(settings["sample_rows"])) if samples_bounded else None)


def _profile_partitions(plan: Plan, label: str | None, settings: Mapping[str, Any], progress: Progress,
                        pool: ThreadPoolExecutor, executor: Executor):
    split_col = str(settings.get("split_col") or "")
    train_split = str(settings.get("train_split") or "")
    # A column's reading (cells.Reading: soft placeholders as levels, numbers with a unit) is
    # decided from the merged accumulators of pass 1; when one differs, pass 1 runs again on the
    # same plan and executor reading it so (the readings travel in PassOne), and every hash,
    # sample and count is what it would have been read that way from the start.
    # Above sample_rows rows the features' per-row arrays are kept for the content-keyed row
    # sample only (profile/keep.py); a free-text column needs every row's cells (profile/text.py),
    # so a table that may hold one is read once more keeping them all.
    readings: dict[str, Reading] | None = None
    keep: int | None = int(settings["sample_rows"])
    bound = True  # let rows the sample cannot reach go as they are read, when the plan knows the rows
    cut = True  # and the values each column's sample cannot reach, at the end of each partition
    job = pass_one_job(plan, label, settings, keep_rows=keep, bounded=bound, samples_bounded=cut)
    while True:
        progress.restart()
        result = executor.pass_one(plan.partitions, job, progress, pool)
        if result.replans:
            plan = plan.replanned(result.replans)  # a column of a large CSV turned out to be text: start again
        elif result.accumulators is None:
            break
        else:
            again = keep is not None and _may_hold_text(result.accumulators, job)
            keep = None if again else keep
            if job.keep_below is not None and keep is not None and \
                    held(result.rows) < min(keep, sum(result.accumulators.file_rows.values())):
                again, bound = True, False  # fewer candidates than the sample (p ~ e^-50): every row is one
            if job.sample_total is not None and not _samples_exact(result.accumulators):
                again, cut = True, False  # a partition let go of values a column's sample needed
            if readings is None:  # decided once: the next pass decides nothing
                readings = {n: b.decided() for n, b in result.accumulators.columns.items()}
                again = again or any(r != PLAIN for r in readings.values())
            if not again:
                break
        job = pass_one_job(plan, label, settings, readings, keep, bounded=bound, samples_bounded=cut)
    progress.close()
    assert result.accumulators is not None
    sizes = [sum(h.size for h in r.feature_hash) for r in result.rows]
    offsets = tuple(int(x) for x in np.cumsum([0, *sizes[:-1]])) if sizes else ()
    rescan = Rescan(tuple(plan.partitions), offsets, PassTwo(job), tuple(sizes))
    builders, feature_hashes, row_hashes, reader, kept = assemble(result.accumulators, result.rows, split_col,
                                                                  job.where, job.keep_rows)
    result.rows.clear()  # the builders and the lists above hold what is still needed
    feature_hash, row_hash = _drained(feature_hashes), _drained(row_hashes)
    file_rows = [result.accumulators.file_rows.get(i, 0) for i in range(len(plan.files))]
    shown = list(plan.display)
    if reader is not None:
        table = reader.table(shown, train_split)
    else:
        table = from_files(plan.layout_splits if not split_col else (), file_rows, shown, train_split, job.where)
    count = len(table.names) if table is not None else 1
    names = job.names
    profiles = dict(zip(names, pool.map(lambda name: builders[name].finish(count, _ids(table, kept, name == label)),
                                        names)))
    if table is not None and table.train is not None:  # the training split's quantiles, one thread per core
        list(pool.map(lambda name: profiles[name].parts[table.train].quantiles, names))
    return profiles, file_rows, feature_hash, row_hash, table, plan, rescan, kept


def _bound(plan: Plan, keep_rows: int | None) -> int | None:
    """keep.threshold for the plan's rows, when every partition knows how many it holds."""
    if keep_rows is None or not plan.partitions or any(p.rows is None for p in plan.partitions):
        return None
    return threshold(sum(p.rows[1] - p.rows[0] for p in plan.partitions if p.rows is not None), keep_rows)


def _totals(plan: Plan, file_splits: tuple[int, ...], sample_rows: int) -> tuple[int, ...] | None:
    """Per file, the rows its partitions' samples are drawn from: the table's, or with splits
    by file (file_splits) those of the files in its split. None when a
    partition does not know its rows or the table holds no more than sample_rows."""
    if not plan.partitions or any(p.rows is None for p in plan.partitions):
        return None
    by_file = [0] * len(plan.files)
    for p in plan.partitions:
        if p.rows is not None:
            by_file[p.file] += p.rows[1] - p.rows[0]
    if sum(by_file) <= sample_rows:
        return None
    by_split: dict[int, int] = {}
    for f, n in enumerate(by_file):
        by_split[file_splits[f]] = by_split.get(file_splits[f], 0) + n
    return tuple(by_split[file_splits[f]] for f in range(len(by_file)))


def _samples_exact(acc: Accumulators) -> bool:
    """Whether every merged bottom-k sample is the one no partition let anything go from."""
    return all(part.sample.exact for b in acc.columns.values() for part in b.parts.values())


def _may_hold_text(acc: Accumulators, job: PassOne) -> bool:
    """Whether a thinned pass read a feature that may be free text: its partitions all kept the
    cells of a first text batch that reads as prose (ColumnBuilder._keep_text)."""
    return any(acc.columns[n].raw is not None and acc.columns[n]._judged for n in job.features) and \
        sum(acc.file_rows.values()) > (job.keep_rows or 0)


def _ids(table: SplitTable | None, kept: np.ndarray | None, every_row: bool) -> Callable[[], np.ndarray] | None:
    """Each row's split id, of the rows whose arrays a column holds (the label's: every row)."""
    if table is None:
        return None
    if kept is None or every_row:
        return table.ids
    return lambda: table.ids()[kept]


def _drained(chunks: list[np.ndarray]) -> np.ndarray:
    """The chunks as one array, each let go from the list once copied: with no other reference
    its memory goes at once, so the copy never holds two of every row's hashes."""
    out = np.empty(sum(c.size for c in chunks), np.uint64)
    at = 0
    for i, c in enumerate(chunks):
        out[at:at + c.size] = c
        at += c.size
        chunks[i] = None  # type: ignore[call-overload]
    return out


