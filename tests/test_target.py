"""Task inference: a few distinct integers are classes only when the rest of the column agrees."""
from __future__ import annotations

import pytest

import preflight


def _task(write_csv, name: str, values: list) -> str | None:
    rows = "\n".join(f"{i % 7},{v}" for i, v in enumerate(values))
    return preflight.scan(write_csv(f"x,{name}\n{rows}\n"), label=name, select=["class-imbalance"]).dataset["task"]


@pytest.mark.parametrize("name,values,task", [
    ("Employed", [60323, 61122, 60171, 61187, 63221, 63639, 64989, 63761, 66019, 67857, 68169, 66513,
                  68655, 69564, 69331, 70551], "regression"),           # Longley: one row per value
    ("weight", [150, 160, 170, 180, 190] * 20, "regression"),           # a measurement by its name
    ("count", [0, 1, 2, 3, 4, 5] * 20, "regression"),                   # a count by its name
    ("y", [60.0, 61.0, 63.0, 70.0] * 30, "regression"),                 # whole numbers written as decimals
    ("grade", [0, 1, 2] * 30, "classification"),
    ("quality", [3, 4, 5, 6, 7, 8] * 20, "classification"),
    ("survived", [0, 1] * 5, "classification"),                         # two values: classes however few
    ("age_group", [1, 2, 3, 4] * 20, "classification"),                 # named like a quantity, but a group
])
def test_task_inference(write_csv, name, values, task) -> None:
    assert _task(write_csv, name, values) == task
