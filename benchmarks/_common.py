"""Shared helpers for the benchmark scripts: run a command in a fresh process, time it, take its peak RSS.

Each measurement runs under its own small wrapper interpreter, which times its one child and
reads getrusage(RUSAGE_CHILDREN).ru_maxrss. The wrapper matters: a child forked straight from
this (large) process inherits its RSS high-water mark through fork/exec, which would inflate
every small measurement to this process's size.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "benchmarks" / "data"


@dataclass(frozen=True)
class Run:
    """One child process: wall seconds (spawn to exit), peak RSS in MiB, exit code."""

    seconds: float
    peak_mb: float
    returncode: int
    cpu: float = 0.0  # user + system seconds of the child: steadier than wall time on a busy machine


@dataclass(frozen=True)
class Measured:
    """Medians over repeated runs, plus the raw runs."""

    runs: tuple[Run, ...]

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return statistics.median(r.peak_mb for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)


def child_env(root: Path = REPO) -> dict[str, str]:
    """The environment for children: the package of checkout `root` (default: this one) first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    return env


_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak_kib = usage.ru_maxrss  # Linux: KiB
print(json.dumps({"seconds": seconds, "peak_mb": peak_kib / 1024, "returncode": code,
                  "cpu": usage.ru_utime + usage.ru_stime}))
"""


def run_once(cmd: Sequence[str], env: dict[str, str] | None = None, cwd: Path = REPO) -> Run:
    """Run cmd to completion in a fresh process (its stdout discarded; stderr passes through).

    `python -m preflight` imports the package from the working directory before PYTHONPATH,
    so cwd must be the checkout being measured.
    """
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], env=env, cwd=cwd, stdout=subprocess.PIPE,
                          text=True, check=True)
    out = json.loads(done.stdout)
    return Run(out["seconds"], out["peak_mb"], out["returncode"], out["cpu"])


def measure(cmd: Sequence[str], repeat: int, env: dict[str, str] | None = None,
            ok: Sequence[int] = (0,), cwd: Path = REPO) -> Measured:
    """Run cmd `repeat` times in fresh processes; raise if any run exits with a code not in `ok`."""
    runs = []
    for _ in range(repeat):
        run = run_once(cmd, env, cwd)
        if run.returncode not in ok:
            raise RuntimeError(f"{' '.join(cmd)} exited {run.returncode}")
        runs.append(run)
    return Measured(tuple(runs))


def python(code: str) -> list[str]:
    """A command running `code` in a fresh interpreter (this one's executable)."""
    return [sys.executable, "-c", code]
