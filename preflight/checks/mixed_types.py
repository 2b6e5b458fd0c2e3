"""a column mixing numbers and text, e.g. heights given as 165 and '5' 4"'.

Why: training code that reads the column as numbers crashes or turns the text into NaN;
read as text, every number becomes a category. Either way the values mean different
things (units, formats) and the model learns noise.

Severity follows what the mix looks like:
- stray values (the configured severity): a column of numbers with a few (at most
  max_stray_fraction) texts that are not codes: units ("180cm", '5\' 4"'), words
  ("unknown"); or a column of text with a few numbers of another shape than its texts;
- codes (info): short tokens where digits and letters are both legitimate values: a factor
  such as drv {4, f, r} or livch {0, 1, 2, 3+}, code lists ("510", "510A"; IATA "0E0",
  which reads as the number 0e0), model names ("323" beside "535i"): read as categories;
- free text (info): titles or messages of several words among which some are numbers
  ("300", "2012").

Example: height_cm = 162.0, 165.6, 5' 4", 180cm.

Numbers written with a unit ("181.8cm", "37,077.65 EUR", "12%") are read as numbers in that
unit when one unit dominates the column (docs/how-rules-decide.md); cells with another unit
("5 ft 4" among centimetres) are then stray text, and the message lists the units seen. A
column of numbers written in several units with none dominant (cm beside inches) is read as
text: reported at the configured severity (details.mix = "units"), unless every unit is a
lone letter (d, h, s: "10H", "2D" are playing cards as readily as hours and days; seats "12A"):
then the column reads as codes (info).

Fix: fix the entries at the source, or parse the units into numbers (5' 4" -> 162.6); for
codes, nothing (or read the column as text on purpose).
Placeholders such as '?' are not text values here: they count as missing."""
from __future__ import annotations

import re

import numpy as np

from preflight.checks.base import Check, Context, Scoring, pct, preview
from preflight.findings import Finding
from preflight.params import Interval
from preflight.profile.row_states import RowsWhere

TOKEN = re.compile(r"^[A-Za-z0-9]{1,8}[+]?$")  # a code: one short alphanumeric token ("3+", "510A", "JFK")
UNIT = re.compile(r"(?i)^[+-]?[\d.,]+\s*(cm|mm|km|m|kg|g|mg|lbs?|oz|in|inch|ft|yd|mi|mph|h|hrs?|min|s|sec|"
                  r"%|°[cf]?|usd|eur|gbp|chf|\$|€|£|'.*|\".*|k|m|bn)$|^[$€£]\s*[\d.,]+$|\d\s*'\s*\d")


def kind_of_mix(col, max_stray: float) -> str:
    """'stray' (an entry error), 'codes' or 'free text' (a legitimate mix), for a mixed column."""
    texts, numbers = col.text_examples, col.number_examples
    if _text_with_units(col) * 2 >= col.text_count:  # "5 ft 4" among numbers read in cm: another unit
        return "stray"
    if texts and float(np.median([len(t.split()) for t in texts])) >= 3:
        return "free text"
    present = col.numeric_count + col.text_count
    minority = min(col.numeric_count, col.text_count)
    if minority > max_stray * present:
        # Many of each: a factor of digits and letters, or a code list, unless the texts
        # carry units (a column of quantities typed in several formats).
        return "stray" if any(UNIT.search(t) for t in texts) else "codes"
    if col.text_count <= col.numeric_count:  # a few texts among numbers
        if any(UNIT.search(t) for t in texts):
            return "stray"
        if all(TOKEN.match(t) and any(ch.isdigit() for ch in t) for t in texts) and _integral_numbers(col):
            return "codes"  # "510A" among 510, 511: a code list
        return "stray"
    # a few numbers among texts: codes when the texts carry digits themselves (model names:
    # "535i", "A320-214" beside "323") or the numbers are written like the texts ("0E0" among
    # "JFK", "LGA")
    if any(any(ch.isdigit() for ch in t) and any(ch.isalpha() for ch in t) for t in texts):
        return "codes"
    if all(TOKEN.match(t) for t in texts) and all(TOKEN.match(n) for n in numbers):
        lengths = {len(t) for t in texts}
        if all(min(lengths) <= len(n) <= max(lengths) for n in numbers):
            return "codes"
    return "stray"


class MixedTypes(Check):
    name = "mixed-types"
    code = "PF104"
    summary = "A column mixes numbers and text (such as 165 and '5 ft 4'): a parsing or entry error."
    params = {"max_stray_fraction": Interval(float, 0.0, 0.5, closed="right")}

    def score(self, profile, ctx: Context) -> Scoring:
        """The rows each finding lists: the present cells of a column in several units, else the
        minority (text among numbers, or numbers among text); a count and the first max_listed_rows."""
        asks = {}
        for col in _reported(profile):
            mask = "present" if several_units(col) else "unparsed" if _texts_are_few(col) else "parsed"
            asks[col.name] = RowsWhere(col.name, mask, ctx.max_rows)
        return (yield asks)

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col in _reported(profile):
            listed = ctx.scored[col.name]
            if several_units(col):
                units = ", ".join(f"{u} x{n}" for u, n in col.units.items())
                if all(len(u) == 1 and u.isalpha() for u in col.units):  # "10H", "2D": cards, seats, grades
                    message, severity, mix = (
                        f"column '{col.name}' holds numbers with one-letter suffixes ({units}): codes as readily "
                        "as units (playing cards '10H', seats '12A'), read as categories; convert them to one "
                        "unit only if they are quantities", "info", "codes")
                else:
                    message, severity, mix = (
                        f"column '{col.name}' holds numbers written in several units, none dominant ({units}): "
                        "read as text, so the model gets categories, not quantities; convert them to one unit",
                        None, "units")
                out.append(ctx.finding(
                    message, severity=severity, rows=listed.rows, truncated=listed.truncated,
                    count=sum(col.units.values()), columns=[col.name],
                    details={"numbers": col.numeric_count, "text": col.text_count, "mix": mix,
                             "units": dict(col.units)}))
                continue
            kind = kind_of_mix(col, ctx.params["max_stray_fraction"])
            seen = (f"{col.numeric_count} numbers with {col.text_count} text values "
                    f"(text: {preview([repr(t) for t in col.text_examples], 3)}; numbers: "
                    f"{preview(col.number_examples, 3)}{units_seen(col)})")
            if kind == "stray":
                few = "text" if _texts_are_few(col) else "numbers"
                message = (f"column '{col.name}' mixes {seen}: {pct(listed.count, col.rows - col.missing)} "
                           f"stray {few} among {'numbers' if few == 'text' else 'text'}; fix the entries or parse "
                           "units into numbers")
                severity = None
            elif kind == "codes":
                message = (f"column '{col.name}' mixes {seen} as codes (short tokens of digits and letters): "
                           "read as categories; fix the entries only if the numbers are quantities")
                severity = "info"
            else:
                message = (f"column '{col.name}' is free text mixing {seen}: numbers are words there; nothing "
                           "to fix unless the column should hold numbers")
                severity = "info"
            out.append(ctx.finding(
                message, severity=severity, rows=listed.rows, count=listed.count, truncated=listed.truncated,
                columns=[col.name],
                details={"numbers": col.numeric_count, "text": col.text_count, "mix": kind,
                         "text_examples": col.text_examples, "number_examples": col.number_examples,
                         **({"units": dict(col.units)} if col.units else {})}))
        return out


def _reported(profile) -> list:
    """The features and the label that are mixed or hold numbers in several units."""
    cols = (*profile.columns, *([profile.label] if profile.label is not None else []))
    return [c for c in cols if several_units(c) or c.kind == "mixed"]


def _texts_are_few(col) -> bool:
    """The minority the findings list: text cells (ties too) or numbers."""
    return col.text_count <= col.numeric_count


def several_units(col) -> bool:
    """Most present cells are numbers with a unit, but no unit dominates (cells.dominant_unit):
    cm beside inches. The column stays text."""
    present = col.rows - col.missing
    return bool(col.units) and col.reading.unit is None and 2 * sum(col.units.values()) >= present > 0


def units_seen(col) -> str:
    """'; units: cm x5, ft x1 (numbers read in cm)' when cells carry units (profile/cells.py)."""
    if not col.units:
        return ""
    read = f" (numbers read in {col.reading.unit})" if col.reading.unit else ""
    return "; units: " + ", ".join(f"{u} x{n}" for u, n in col.units.items()) + read


def _text_with_units(col) -> int:
    """Text cells that are numbers written with a unit other than the one the column is read in."""
    return sum(n for u, n in col.units.items() if u != col.reading.unit)


def _integral_numbers(col) -> bool:
    """Some finite numbers, all whole: pass 1's moments and integrality, per split."""
    return sum(p.moments.n for p in col.parts) > 0 and all(p.integral for p in col.parts)
