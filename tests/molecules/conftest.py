"""Fixtures of the molecule tests: the real NCI library parsed once a session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("rdkit", reason="the molecules extra is not installed")


@pytest.fixture(scope="session")
def nci_path(shared_data: Path) -> Path:
    """RDKit's first_5K.smi: 4999 real NCI compounds, 8 of which RDKit rejects."""
    return shared_data / "molecules" / "first_5K.smi"


@pytest.fixture(scope="session")
def nci_library(nci_path: Path) -> Any:
    from ai4s_lab.molecules import read_molecules

    return read_molecules(nci_path, standardize=False)
