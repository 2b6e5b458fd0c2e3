"""exact duplicate rows over features and label; they over-weight examples and leak.

Why: repeated rows count several times in the loss, and after a random split copies land
in both train and test, so the test score measures memory, not generalisation.
Rows are compared by value (1 equals 1.0) through 64-bit row hashes, in every column.

Severity weighs how likely equal rows are by chance (preflight/checks/chance.py): with few
discrete columns (a count table, a designed experiment with replicates, tips' round bills)
equal rows are expected, and the finding is info when the probability of seeing at least as
many equal pairs by chance is at least min_chance (of the pairs equal in all other columns,
how many chance also makes equal in the most telling one); with many continuous columns
they are copies of one record, at the configured severity. Copies in two files (train and
test) stay at the configured severity whatever chance says: they leak. So do rows sharing a
free text (a column of kind text): sentences do not repeat by chance. The message and
details.evidence give the numbers.

Free-text columns are compared after normalising (Unicode NFKC, case-folded, whitespace
collapsed): "Great  product!" and "great product!" are one text, and the message says
"after normalising text".

Example: rows 10, 400 and 403 are identical in every column, label included.

Fix: keep one of each group (drop_duplicates) before splitting; max_fraction tolerates a
small share when repeats are genuine (identical measurements)."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context, pct, preview
from preflight.checks.chance import chance_of, file_of_rows
from preflight.checks.groups import AFTER_NORMALISING, hash_groups, texts_present
from preflight.findings import Finding, plural
from preflight.params import Interval


class DuplicateRows(Check):
    name = "duplicate-rows"
    code = "PF201"
    summary = (
        "Rows repeat exactly (features and label): they over-weight examples and leak across splits.")
    report_section = "duplicates"
    params = {"max_fraction": Interval(float, 0.0, 1.0, closed="left"),
              "min_chance": Interval(float, 0.0, 1.0)}

    def run(self, profile, ctx: Context) -> list[Finding]:
        groups = hash_groups(profile.row_hash)
        rows = np.sort(np.concatenate(groups)) if groups else np.empty(0, int)
        if not groups or rows.size / profile.rows <= ctx.params["max_fraction"]:
            return []
        extra = rows.size - len(groups)
        shown = preview(["[" + ", ".join(map(str, g[:4])) + (", ...]" if g.size > 4 else "]") for g in groups], 3)
        view, at = profile.sampled  # above sample_rows rows chance is measured on the row sample
        chance = chance_of([*view.columns, *([view.label] if view.label is not None else [])])
        on = f" in a content-keyed sample of {at.size:,} rows" if at is not None else ""
        files = file_of_rows(profile)
        across = sum(np.unique(files[g]).size > 1 for g in groups)
        texts = profile.text_columns
        copied = sum(bool(texts_present(texts, g)) for g in groups)
        if across:
            severity, verdict = None, (f"{across} groups span files (copies across splits leak); "
                                       "keep one of each and dedupe before splitting")
        elif copied:
            severity, verdict = None, (f"{copied} groups share a free text: copies, not chance; keep one of each "
                                       f"({extra} redundant) and dedupe before splitting")
        elif chance.probability >= ctx.params["min_chance"] and chance.near is not None:
            severity, verdict = "info", ("as many as the resolution of the values gives: neighbours that round "
                                         "alike, not copies of one record")
        elif chance.probability >= ctx.params["min_chance"]:
            severity, verdict = "info", ("as many as chance gives with so few distinct values: expected repeats "
                                         "(a count table or a designed experiment), not copies of one record")
        else:
            severity, verdict = None, (f"more than chance gives: copies of one record; keep one of each "
                                       f"({extra} redundant) and dedupe before splitting")
        return [ctx.finding(
            f"{rows.size} rows in {plural(len(groups), 'group')}"
            f" ({pct(rows.size, profile.rows)}) are identical in every "
            f"column{AFTER_NORMALISING if texts else ''} ({shown}): "
            f"{chance.says() + on if not copied or across else 'texts do not repeat by chance'}; {verdict}",
            severity=severity, rows=rows, groups=groups,
            details={"redundant": extra, "groups_across_files": int(across), "evidence": chance.to_dict()})]
