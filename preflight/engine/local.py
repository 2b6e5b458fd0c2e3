"""engine = "local": pass 1 on this machine.

Partitions are streamed one after another in this process, columns profiled on `workers`
threads (numpy and pyarrow release the GIL), each partition merged into the running state as it
ends: today's single pass, and the only mode for a plan of one partition. With several
partitions and `processes=True`, they run on `workers` processes instead (spawned, not forked: the
scan imports scikit-learn on a background thread meanwhile), one column thread each; every
partition's per-row arrays are then pickled back to this process.
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from preflight.profile.executor import PassOneResult, Streamed
from preflight.profile.merge import merge
from preflight.profile.partition import Accumulators, PartitionRows, PassOne, profile_partition
from preflight.profile.pass_two import Rescan, Scorer
from preflight.progress import Progress
from preflight.read.partitions import Partition, Replan


class LocalEngine:
    name = "local"

    def __init__(self, workers: int, processes: bool = False) -> None:
        self.workers, self.processes = workers, processes

    def pass_one(self, partitions: Sequence[Partition], job: PassOne, progress: Progress,
                 pool: ThreadPoolExecutor) -> PassOneResult:
        if not self.processes or self.workers < 2 or len(partitions) < 2:
            return Streamed().pass_one(partitions, job, progress, pool)
        acc: Accumulators | None = None
        rows: list[PartitionRows] = []
        moved = 0
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(self.workers, len(partitions)), mp_context=context) as procs:
            futures = [procs.submit(profile_partition, part, replace(job, threads=1)) for part in partitions]
            for part, future in zip(partitions, futures):
                result = future.result()
                if isinstance(result, Replan):
                    for other in futures:
                        other.cancel()
                    return PassOneResult(None, [], [result])
                acc = result.accumulators if acc is None else merge(acc, result.accumulators, job.where, job.split_col)
                rows.append(result.arrays)
                moved += result.arrays.nbytes
                progress.advance(result.rows, job.display[part.file] if job.display else part.path)
        return PassOneResult(acc, rows, moved={"rows": moved})

    def pass_two(self, rescan: Rescan, scorers: Mapping[Any, Scorer]) -> dict[Any, Any]:
        """Streamed: a partition's cells are short-lived, and scorers keep bounded states."""
        return Streamed().pass_two(rescan, scorers)
