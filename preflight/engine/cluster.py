"""engine = "dask": pass 1 on a Dask cluster (distributed).

Without `scheduler`, a distributed.LocalCluster of `workers` processes on this machine (one
thread each, listening on localhost only, no dashboard); with one, the user's cluster at that
address (Kubernetes, YARN, Coiled, SSH: anything a Dask scheduler runs on). Each partition is
one task; the partitions' accumulators are merged on the workers in a fixed pairwise tree;
the per-row arrays (and the 8-byte row and feature hashes that duplicates and conflicting
labels are found from) are gathered here in plan order. No task moves rows between workers.
A worker lost mid-scan costs its tasks a re-run elsewhere (Dask's retries): the merge only
sees finished partitions, so the result is complete and the same.
"""
from __future__ import annotations

import logging
import pickle
import uuid
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from preflight.errors import ConfigError
from preflight.profile.executor import PassOneResult
from preflight.profile.keep import gathered
from preflight.profile.merge import merge
from preflight.profile.partition import PassOne, profile_partition
from preflight.profile.pass_two import Rescan, Scorer, fold, score_partition
from preflight.progress import Progress
from preflight.read.partitions import Partition, Replan


class DaskEngine:
    name = "dask"

    def __init__(self, scheduler: str, workers: int, fn: Callable[..., Any] = profile_partition) -> None:
        self.scheduler, self.workers, self.fn = scheduler, workers, fn
        self.client: Any = None
        self.cluster: Any = None
        self.moved: dict[str, int] = {}

    def __enter__(self) -> DaskEngine:
        from distributed import Client, LocalCluster

        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout="20s", set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise ConfigError(f"--scheduler {self.scheduler}: cannot reach a Dask scheduler there ({exc}); "
                                  "check the address, or drop --scheduler to start a local cluster.") from None
            _same_version(self.client, self.scheduler)
        else:
            with warnings.catch_warnings():  # "Port 8787 is already in use": its HTTP server takes another
                warnings.filterwarnings("ignore", message="Port .* is already in use")
                self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                            host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster, set_as_default=False)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def pass_one(self, partitions: Sequence[Partition], job: PassOne, progress: Progress,
                 pool: ThreadPoolExecutor) -> PassOneResult:
        client = self.client
        job = replace(job, threads=1)
        token = f"preflight-{uuid.uuid4().hex[:12]}"
        keys = [f"{token}-pass1-{p.index}" for p in partitions]
        profiles = client.map(self.fn, partitions, job=job, key=keys, pure=False)
        heads = client.map(_head, profiles, key=[f"{token}-head-{p.index}" for p in partitions], pure=False)
        for part, future in zip(partitions, heads):  # in plan order: the progress line counts rows read
            head = future.result()
            if not isinstance(head, Replan):
                progress.advance(head[0], job.display[part.file] if job.display else part.path)
        heads = client.gather(heads)
        replans = [h for h in heads if isinstance(h, Replan)]
        if replans:  # the futures are released with their last reference
            return PassOneResult(None, [], replans)
        level = client.map(_accumulators, profiles, key=[f"{token}-acc-{p.index}" for p in partitions], pure=False)
        depth = 0
        while len(level) > 1:  # a fixed pairwise tree on the workers (the merge is exact: any tree gives these bytes)
            depth += 1
            level = [client.submit(merge, level[i], level[i + 1], job.where, job.split_col,
                                   key=f"{token}-merge-{depth}-{i}", pure=False) if i + 1 < len(level) else level[i]
                     for i in range(0, len(level), 2)]
        rows: list[Any] = []
        moved_rows = 0
        # one partition's rows at a time, in plan order, thinned to the content-keyed sample as they come
        for future in client.map(_rows, profiles, key=[f"{token}-rows-{p.index}" for p in partitions], pure=False):
            part_rows = future.result()
            moved_rows += part_rows.nbytes
            gathered(rows, part_rows, job.keep_rows)
        acc = level[0].result()
        moved = {"rows": moved_rows, "accumulators": sum(h[1] for h in heads)}
        self.moved = moved
        return PassOneResult(acc, rows, moved=moved)

    def pass_two(self, rescan: Rescan, scorers: Mapping[Any, Scorer]) -> dict[Any, Any]:
        """Each partition scored where it is read (one task each); the bounded states come back
        and are merged here in plan order, the local executor's fold."""
        client = self.client
        token = f"preflight-{uuid.uuid4().hex[:12]}"
        parts = rescan.partitions
        futures = client.map(score_partition, parts, rescan.offsets, [rescan.job] * len(parts),
                             [dict(scorers)] * len(parts), rescan.expected(),
                             key=[f"{token}-pass2-{p.index}" for p in parts], pure=False)
        states = client.gather(futures)
        self.moved["scores"] = self.moved.get("scores", 0) + sum(len(pickle.dumps(s, protocol=5)) for s in states)
        return fold(scorers, states)


def _head(result: Any) -> Any:
    """What the client needs first: a Replan, or (rows, pickled accumulator bytes)."""
    if isinstance(result, Replan):
        return result
    return (result.rows, len(pickle.dumps(result.accumulators, protocol=5)))


def _accumulators(result: Any) -> Any:
    return result.accumulators


def _rows(result: Any) -> Any:
    return result.arrays


def _same_version(client: Any, address: str) -> None:
    """Workers must run this preflight: partition profiles are merged field by field."""
    import importlib.metadata

    from preflight.version import __version__

    try:
        seen = client.run(importlib.metadata.version, "preflight")
    except Exception as exc:  # a worker without preflight fails in many ways
        raise ConfigError(f"--scheduler {address}: the Dask workers cannot run preflight ({type(exc).__name__}: "
                          f"{exc}); install preflight {__version__} on every worker.") from None
    other = sorted({v for v in seen.values() if v != __version__})
    if other:
        raise ConfigError(f"--scheduler {address}: the Dask workers run preflight {', '.join(other)}, this is "
                          f"{__version__}; install the same version on every worker.")
