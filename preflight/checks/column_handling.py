"""every column the stats drop or read specially, with the reason, in one note.

Why: stats.json's transforms decide what a model sees. A column dropped from the features
(too many categories, an identifier, constant, empty), numbers read with their unit
stripped, a placeholder read as a level, or a column's stray texts read as missing all
change the inputs, and none of them should happen without a word: a column that silently
vanishes from `stats.transform` is a feature the model never had.

Example: height = 181.8cm, 170 cm, ... -> numbers in cm (unit stripped); customer_id ->
dropped (unique per row: an identifier); medication = none, continuing, reduced -> 'none'
read as a level, not missing.

Fix: nothing when the handling is what you want. Otherwise fix the data (one unit, fewer
categories, numbers without stray text), or raise onehot_max_categories for a wide
categorical column you mean to keep."""
from __future__ import annotations

from preflight.checks.base import Check, Context
from preflight.findings import Finding


def handling(col, role: str = "feature") -> dict[str, str] | None:
    """How the stats treat one column, when it is not plain: {"handling", "reason"}."""
    t = col.transform if role == "feature" else {}
    notes = []
    if t.get("kind") == "drop":
        return {"handling": "dropped", "reason": t["reason"]}  # stats.json's own words
    if col.reading.unit is not None:
        others = sum(n for u, n in col.units.items() if u != col.reading.unit)
        notes.append(f"numbers in {col.reading.unit}, the unit stripped from {col.units[col.reading.unit]} "
                     f"cell(s){f' ({others} with another unit read as text)' if others else ''}")
    if col.units and col.reading.unit is None and 2 * sum(col.units.values()) >= col.rows - col.missing > 0:
        notes.append("numbers in several units (" + ", ".join(f"{u} x{n}" for u, n in col.units.items())
                     + "), none dominant: read as text")
    if col.reading.levels and col.soft:
        notes.append("placeholder " + ", ".join(f"{t!r} x{n}" for t, n in col.soft.items())
                     + " read as a level, not missing")
    if col.kind == "mixed" and t.get("kind") not in (None, "one-hot"):
        notes.append(f"mostly numbers, its {col.text_count} text cell(s) read as missing")
    elif col.kind == "mixed" and t.get("kind") == "one-hot":
        notes.append(f"mostly text, its {col.numeric_count} number cell(s) read as categories")
    if not notes:
        return None
    return {"handling": "read specially", "reason": ", ".join(notes)}


class ColumnHandling(Check):
    name = "column-handling"
    code = "PF110"
    summary = ("Columns the stats drop or read specially (an identifier, too many categories, a unit "
               "stripped, a placeholder read as a level), listed with the reason.")
    report_section = "features"

    def run(self, profile, ctx: Context) -> list[Finding]:
        listed: dict[str, dict[str, str]] = {}
        for col in profile.columns:
            how = handling(col)
            if how is not None:
                listed[col.name] = how
        if profile.label is not None:
            how = handling(profile.label, role="label")
            if how is not None:
                listed[profile.label.name] = {**how, "role": "label"}
        if not listed:
            return []
        shown = [f"{name}{' (label)' if how.get('role') else ''}: "
                 f"{'dropped, ' if how['handling'] == 'dropped' else ''}{how['reason']}"
                 for name, how in listed.items()]
        return [ctx.finding(
            f"{len(listed)} column(s) dropped or read specially by the stats: {'; '.join(shown[:8])}"
            f"{f'; ... (+{len(shown) - 8} more)' if len(shown) > 8 else ''} (stats.json features.*.transform)",
            count=len(listed), columns=list(listed), details=listed)]
