"""Shared fixtures: the real UN material in ../shared/data, small files written here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("D2R_SHARED_DATA", ROOT.parent / "shared" / "data"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need_data(*parts: str) -> Path:
    """The path under ../shared/data, or a skip with the reason (a failure in CI, where it must exist)."""
    path = DATA.joinpath(*parts)
    if not path.exists():
        message = f"real UN data not found at {path} (see README: tests read ../shared/data)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def unsc_pdfs() -> list[Path]:
    return sorted(need_data("unsc-2020", "pdf").glob("*.pdf"))


@pytest.fixture(scope="session")
def pv8700() -> Path:
    return need_data("unsc-2020", "pdf", "S_PV.8700_E.pdf")


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return ROOT / "corpora" / "sample"
