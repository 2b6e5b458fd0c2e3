"""The published pre-commit hook, run by the real pre-commit on a throwaway git repository.

pre-commit installs the hook's package (this working tree, with its dependencies from
PyPI) into an environment of its own, so the first run takes a minute or more; the
test is skipped when pre-commit or git is missing.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(importlib.util.find_spec("pre_commit") is None or shutil.which("git") is None,
                                reason="needs pre-commit (pip install '.[test]') and git")

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1"}
CLEAN = "x1,x2,x3,label\n" + "".join(
    f"{i % 7 * 0.1:.1f},{((i * 37) % 11 - 5) / 3:.3f},{i * 0.731 % 5:.3f},{'ab'[i % 2]}\n" for i in range(60))


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
                   cwd=cwd, env={**os.environ, **GIT_ENV}, check=True, capture_output=True)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """This working tree as committed plus uncommitted and untracked files, committed in a copy:
    try-repo on ROOT itself would only see tracked files."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    repo = tmp_path_factory.mktemp("hook-repo")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / rel)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "snapshot")
    return repo


def _data_repo(path: Path, csv: str) -> Path:
    (path / "data").mkdir(parents=True)
    (path / "data" / "train.csv").write_text(csv)
    (path / "preflight.toml").write_text('label = "label"\n')
    _git(path, "init", "-q")
    _git(path, "add", "-A")
    return path


def _try_repo(repo: Path, hook_repo: Path, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    env.update(GIT_ENV, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "preflight",
                           "--all-files"], cwd=repo, env=env, capture_output=True, text=True, timeout=600)


def test_hook_passes_clean_data_and_fails_a_conflicting_label(hook_repo, tmp_path) -> None:
    clean = _try_repo(_data_repo(tmp_path / "clean", CLEAN), hook_repo, tmp_path / "home")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "preflight (data-quality gate)" in clean.stdout and "Passed" in clean.stdout

    conflicting = CLEAN + "0.0,-1.667,0.000,b\n"  # row 0's features, the other label
    bad = _try_repo(_data_repo(tmp_path / "bad", conflicting), hook_repo, tmp_path / "home")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout and "PF202 conflicting-labels" in bad.stdout
