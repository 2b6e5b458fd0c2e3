"""personal data in free text: e-mail addresses, phone numbers, payment card numbers.

Why: a model trained on it can memorise and repeat it, and a dataset holding it may not be
yours to train on (GDPR, PCI DSS). The finding counts the rows per kind and lists them; it
never shows a value, so the report and CI logs do not spread them further.

Card numbers are 13 to 19 digits (spaces or dashes allowed) passing the Luhn check; phone
numbers are 9 to 15 digits in groups (an optional +country code, brackets, separators);
e-mail addresses name@domain.tld. Info: whether it matters depends on your data's consent.

Example: ticket on row 3 = "call me on +44 20 7946 0958", row 6 = "card 4111 1111 1111 1111".

Fix: remove or mask them (replace with <EMAIL>, <PHONE>, <CARD>) before training, or confirm
that you may use them."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from preflight.checks.base import Check, Context, Scoring, pct
from preflight.checks.texts import Hits, TextScorer, finds, flagged, listing, matching, text_columns
from preflight.findings import Finding

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,5}){1,4}(?![\w])")
CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
KINDS = {"email": (r"@", EMAIL), "phone": (r"\d[ .-]?\d", PHONE), "card": (r"\d[ -]?\d", CARD)}
BY_KIND = 1000  # rows listed per kind in details.rows_by_kind


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _valid(kind: str, match: str) -> bool:
    digits = re.sub(r"\D", "", match)
    if kind == "card":
        return 13 <= len(digits) <= 19 and luhn(digits)
    if kind == "phone":
        return 9 <= len(digits) <= 15 and not (13 <= len(digits) <= 19 and luhn(digits))
    return True


@dataclass(frozen=True)
class Personal(TextScorer):
    """Per kind the rows holding a valid match, and the rows holding any kind."""

    def judge(self, texts: pa.Array, start: int) -> Hits:
        kinds, found = {}, []
        for kind, (prefilter, pattern) in KINDS.items():
            hit = finds(texts, matching(texts, prefilter), pattern)
            rows = np.array(sorted(r for r, ms in hit.items() if any(_valid(kind, m) for m in ms)), np.int64)
            kinds[kind] = listing(rows, start, self.kind_limit)
            found.append(rows)
        return Hits(listing(np.unique(np.concatenate(found)), start, self.limit), kinds=kinds)


class PersonalData(Check):
    name = "personal-data"
    code = "PF605"
    summary = "Free text holding e-mail addresses, phone numbers or Luhn-valid card numbers (counted, never shown)."

    def score(self, profile, ctx: Context) -> Scoring:
        return (yield {col.name: Personal(col.name, ctx.max_rows, BY_KIND) for col in text_columns(profile)})

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col, hits in flagged(profile, ctx.scored):
            per_kind = {k: hits.kinds[k] for k in KINDS if k in hits.kinds and hits.kinds[k].count}
            n = hits.rows.count
            said = ", ".join(f"{v.count} with {'an e-mail address' if k == 'email' else 'a ' + k + ' number'}"
                             for k, v in per_kind.items())
            out.append(ctx.finding(
                f"column '{col.name}': {n} texts ({pct(n, col.rows)}) hold personal data ({said}; "
                "values not shown); mask or remove them before training, or confirm you may use them",
                rows=hits.rows.rows, count=n, truncated=hits.rows.truncated, columns=[col.name],
                details={"counts": {k: v.count for k, v in per_kind.items()},
                         "rows_by_kind": {k: v.rows.tolist() for k, v in per_kind.items()}}))
        return out
