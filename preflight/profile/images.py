"""The image profile: every file decoded once, in worker processes, then merged.

Per-image signals come from preflight.profile.image_signals; here they are gathered
in path order (deterministic whatever the worker count), the class labels become a
real ColumnProfile (so the label checks and stats.json `target` work as for tables),
and the near-copy pairs are found once for the checks that need them.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property
from itertools import chain
from pathlib import Path
from typing import Any, Literal

import numpy as np

from preflight.kernels.arrow import strings
from preflight.kernels.hashing import MISSING_HASH, combine
from preflight.profile.column_profile import ColumnProfile
from preflight.profile.columns import ColumnBuilder
from preflight.profile.image_signals import HIST_BINS, THUMB, Signals, analyze_chunk
from preflight.profile.overflow import cap
from preflight.profile.protocol import Task
from preflight.profile.splits import SplitTable, from_names
from preflight.progress import Progress
from preflight.read.images import open_images
from preflight.workers import worker_count

CHUNK = 256  # images per worker task: big enough to amortise pickling, small enough to balance


@dataclass
class ImageProfile:
    path: str
    files: tuple[str, ...]               # relative paths, sorted; row i is files[i]
    splits: tuple[str, ...]              # split folder (or column) per file, "" for none
    signals: Signals                     # per-file arrays (see image_signals.Signals)
    label: ColumnProfile | None
    task: Task | None
    classes: tuple[Any, ...]
    y: np.ndarray | None
    feature_hash: np.ndarray             # uint64: decoded pixels (or raw bytes if unreadable)
    row_hash: np.ndarray                 # uint64: feature_hash and label
    ignored: tuple[tuple[str, str], ...]
    problems: tuple[tuple[str, str], ...]
    layout: str = "folders"
    settings: Mapping[str, Any] = field(default_factory=dict)
    columns: tuple = ()
    cache_dir: Path | None = None        # where whole-dataset results are memoised (None: nowhere)
    notes: list[str] = field(default_factory=list, repr=False)  # the scan's notes (cache warnings)
    pred_probs: np.ndarray | None = None     # the user's out-of-sample probabilities (--pred-probs)
    user_features: np.ndarray | None = None  # the user's embeddings (--features)
    split_table: SplitTable | None = None    # None: no split folders (or split column)
    _pairs: dict = field(default_factory=dict, repr=False)

    @property
    def kind(self) -> Literal["images"]:
        return "images"

    @property
    def rows(self) -> int:
        return len(self.files)

    @property
    def label_name(self) -> str | None:
        return self.label.name if self.label is not None else None

    @cached_property
    def readable(self) -> np.ndarray:
        return np.array([r == "" for r in self.signals.reason], dtype=bool)

    @property
    def content_hash(self) -> str:
        h = hashlib.sha256()
        h.update("\x1f".join(self.files).encode())
        h.update(self.row_hash.tobytes())
        return h.hexdigest()[:32]

    def split_counts(self) -> dict[str, int]:
        names, counts = np.unique(np.array(self.splits, dtype=object).astype(str), return_counts=True)
        if names.size == 1 and names[0] == "":
            return {}
        return {(str(s) or "(none)"): int(c) for s, c in zip(names, counts)}

    def dataset_summary(self, path: str) -> dict[str, Any]:
        return {"path": path, "kind": "images", "rows": self.rows, "columns": 0,
                "label": self.label_name, "task": self.task, "splits": self.split_counts(),
                "unreadable": int((~self.readable).sum()), "ignored": len(self.ignored)}

    @cached_property
    def matrix(self) -> tuple[np.ndarray, list[str]]:
        """Per image: a THUMBxTHUMB gray thumbnail and an RGB histogram, in [0, 1].

        Unreadable files get the column means of the readable ones (neutral rows);
        `readable` says which rows are real.
        """
        s = self.signals
        x = np.hstack([s.thumb.astype(np.float64) / 255.0, s.colour.astype(np.float64)])
        ok = self.readable
        if ok.any() and not ok.all():
            x[~ok] = x[ok].mean(axis=0)
        names = [f"thumb_{r}_{c}" for r in range(THUMB) for c in range(THUMB)]
        names += [f"hist_{ch}_{b}" for ch in "rgb" for b in range(HIST_BINS)]
        return x, names

    @cached_property
    def neighbour_distance(self) -> tuple[np.ndarray, int]:
        """Per readable image (in order), its mean distance to its nearest images; and how many
        reference images were searched (preflight.profile.image_neighbours)."""
        from preflight.profile.image_neighbours import image_neighbour_distance

        return image_neighbour_distance(self.signals, np.flatnonzero(self.readable), self.feature_hash,
                                        self.cache_dir, self.notes)

    def near_pairs(self, radius: int) -> tuple[np.ndarray, np.ndarray]:
        """Index pairs (i < j) of readable images with equal pixels, or with pHashes within radius
        bits that their thumbnails confirm (preflight.profile.image_pairs)."""
        if radius not in self._pairs:
            from preflight.profile.image_pairs import near_pairs

            s = self.signals
            self._pairs[radius] = near_pairs(s.content, s.phash, s.ycc, self.readable, radius)
        return self._pairs[radius]


def build_image_profile(path: Path, *, settings: Mapping[str, Any], label: str | None, task: str,
                        progress: Progress, cache_dir: Path | None = None,
                        notes: list[str] | None = None) -> ImageProfile:
    source = open_images(path, image_col=str(settings.get("image_col") or ""), label=label,
                         allow_outside=bool(settings.get("allow_outside_paths")),
                         split_col=str(settings.get("split_col") or ""))
    splits = from_names([e.split for e in source.entries], str(settings.get("train_split") or ""), str(path))
    max_pixels, workers = int(settings["max_image_pixels"]), worker_count(settings)
    paths = [e.path for e in source.entries]
    labels: list[tuple] = []

    def meanwhile() -> None:  # the label column, built while the workers decode (its pyarrow
        if not labels:        # compute imports would otherwise wait for the decode)
            labels.append(_labels(source, settings, task))

    if cache_dir is not None:  # unchanged files: signals from preflight.profile.image_cache, not decoded
        from preflight.profile.image_cache import cached_decode

        signals = cached_decode(paths, lambda todo: _decode_all(todo, max_pixels, workers, progress, meanwhile),
                                cache_dir, max_pixels, notes, root=path)
    else:
        signals = _decode_all(paths, max_pixels, workers, progress, meanwhile)
    meanwhile()
    n = len(source.entries)
    label_col, label_hash, resolved, classes, y = labels[0]
    return ImageProfile(
        path=str(path), files=tuple(e.rel for e in source.entries), splits=tuple(e.split for e in source.entries),
        signals=signals, label=label_col, task=resolved, classes=classes, y=y, feature_hash=signals.content,
        row_hash=combine([signals.content, label_hash], n), ignored=source.ignored,
        problems=source.problems, layout=source.layout, settings=settings, cache_dir=cache_dir,
        notes=notes if notes is not None else [], split_table=splits)


def _labels(source: Any, settings: Mapping[str, Any], task: str) -> tuple:
    """(label ColumnProfile or None, per-image label hashes, task, classes, y) from the folder names."""
    from preflight.profile.target import infer_target

    n = len(source.entries)
    label = None
    if any(e.label is not None for e in source.entries):
        builder = ColumnBuilder(source.label_name or "class", settings["placeholders"], settings["sample_rows"],
                                max_codes=100_000)
        label_hash = builder.add(strings(e.label for e in source.entries))
        label = cap(builder.finish())
    else:
        label_hash = np.full(n, MISSING_HASH, np.uint64)
    if label is not None and task == "auto" and source.layout == "folders":
        task = "classification"  # class folders named 0..N are classes, never a regression target
    return (label, label_hash, *infer_target(label, task, settings))


def _decode_all(paths: list[str], max_pixels: int, workers: int, progress: Progress,
                meanwhile: Callable[[], None] = lambda: None) -> Signals:
    """Signals in path order; `meanwhile` runs in this process once the workers have their tasks."""
    chunk = max(16, min(CHUNK, -(-len(paths) // (workers * 4)))) if paths else CHUNK
    chunks = [paths[i:i + chunk] for i in range(0, len(paths), chunk)]
    results: list[Signals] = []
    if workers <= 1 or len(chunks) <= 1:
        meanwhile()
        for c in chunks:
            results.append(analyze_chunk(c, max_pixels))
            progress.advance(len(c), "images")
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
            done = pool.map(analyze_chunk, chunks, [max_pixels] * len(chunks))  # submits all, forks the workers
            meanwhile()
            for c, result in zip(chunks, done):
                results.append(result)  # map keeps submission order: same output for any worker count
                progress.advance(len(c), "images")
    progress.close()
    return _concat(results)


def _concat(parts: list[Signals]) -> Signals:
    if not parts:
        parts = [analyze_chunk([], 1)]
    out = {}
    for f in fields(Signals):
        values = [getattr(p, f.name) for p in parts]
        out[f.name] = list(chain.from_iterable(values)) if isinstance(values[0], list) else np.concatenate(values)
    return Signals(**out)
