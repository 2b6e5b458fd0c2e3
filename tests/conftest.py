from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture
def write_csv(tmp_path: Path):
    """Write CSV text into a fresh folder of its own (no stray config above it)."""
    def _write(text: str, name: str = "data.csv") -> Path:
        path = tmp_path / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip("\n"))
        return path
    return _write


def findings_json(report) -> str:
    return json.dumps(report.to_dict(), sort_keys=True)
