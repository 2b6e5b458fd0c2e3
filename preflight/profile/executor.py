"""The executor passes 1 and 2 run on (engine/ holds the others: processes, Dask), and the one
every scan has without them: partitions streamed one after another in this process."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from preflight.profile.keep import gathered
from preflight.profile.memory import release
from preflight.profile.merge import merge
from preflight.profile.partition import Accumulators, PartitionRows, PassOne, profile_partition
from preflight.profile.pass_two import Rescan, Scorer, merge_states, score_partition
from preflight.progress import Progress
from preflight.read.partitions import Partition, Replan


@dataclass
class PassOneResult:
    """The merged accumulators and each partition's rows in plan order; or what to replan."""

    accumulators: Accumulators | None
    rows: list[PartitionRows]
    replans: list[Replan] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)  # bytes that crossed processes, by kind


class Executor(Protocol):
    """Runs pass 1, and rounds of pass 2, over the plan's partitions (engine/: local, dask)."""

    name: str

    def pass_one(self, partitions: Sequence[Partition], job: PassOne, progress: Progress,
                 pool: ThreadPoolExecutor) -> PassOneResult: ...

    def pass_two(self, rescan: Rescan, scorers: Mapping[Any, Scorer]) -> dict[Any, Any]: ...


class Streamed:
    """Partitions one after another in this process, columns on the scan's threads; each
    partition's accumulators merged into the running state as it ends."""

    name = "local"

    def pass_one(self, partitions: Sequence[Partition], job: PassOne, progress: Progress,
                 pool: ThreadPoolExecutor) -> PassOneResult:
        acc: Accumulators | None = None
        rows: list[PartitionRows] = []
        for part in partitions:
            shown = job.display[part.file] if job.display else part.path
            result = profile_partition(part, job, pool, lambda n, where=shown: progress.advance(n, where))
            if isinstance(result, Replan):
                return PassOneResult(None, [], [result])
            acc = result.accumulators if acc is None else \
                merge(acc, result.accumulators, job.where, job.split_col, pool.map)
            gathered(rows, result.arrays, job.keep_rows)
            release()
        return PassOneResult(acc, rows)

    def pass_two(self, rescan: Rescan, scorers: Mapping[Any, Scorer]) -> dict[Any, Any]:
        """Every scorer over every partition, one partition in memory at a time, merged in plan order."""
        out: dict[Any, Any] = {key: s.start() for key, s in scorers.items()}
        for part, offset, expected in zip(rescan.partitions, rescan.offsets, rescan.expected()):
            out = merge_states(scorers, out, score_partition(part, offset, rescan.job, scorers, expected))
        # Once a round, not once a partition: pass 2 holds nothing from one partition to the next,
        # so the next one reuses what the last freed, and returning it each time cost a 5M-row
        # scan about 3 s of pages faulted in again for 4 bytes a row of peak (benchmarks/RESULTS.md).
        release()
        return out
