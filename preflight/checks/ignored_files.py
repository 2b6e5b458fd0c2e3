"""say once which files in the dataset folder were not scanned, and why.

Why: a stray file is either junk (thumbs.db, notes) that a loader may choke on, or data in
a format the gate did not check (a .heic among .jpg), which then reaches training unchecked.
A symlink that leaves the dataset folder is never followed (a link named p.csv to
/etc/passwd must not be read, nor a linked table elsewhere merged in silence), and FIFOs,
sockets and devices are never opened (reading a FIFO would hang the scan): image folders
and table folders alike list them here.

Example: train/cat/notes.txt, or a symlink pointing outside the dataset folder.

Fix: move them out of the dataset folder if they are not meant to be there, or convert
them to a supported image format; copy data that belongs to the dataset into its folder."""
from __future__ import annotations

from collections import Counter

from preflight.checks.base import Check, Context, preview
from preflight.findings import Finding


class IgnoredFiles(Check):
    name = "ignored-files"
    code = "PF508"
    summary = ("Files in the dataset folder were not scanned: not images (image folders), symlinks out of the "
               "folder, FIFOs or devices.")
    report_section = "ignored"
    kinds = frozenset({"images", "tabular"})

    def run(self, profile, ctx: Context) -> list[Finding]:
        if not profile.ignored:
            return []
        files = [rel for rel, _ in profile.ignored]
        why = Counter(reason for _, reason in profile.ignored)
        reasons = ", ".join(f"{n} {r}" for r, n in sorted(why.items()))
        return [ctx.finding(
            f"{len(files)} file(s) not scanned ({reasons}): {preview(files)}; move them out of the dataset "
            "folder if they are not meant to be there",
            files=files, count=len(files), details={"reasons": dict(profile.ignored)})]
